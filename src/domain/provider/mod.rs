//! Model providers: the presets a person picks from, their settings, the API key type, and the
//! codecs that turn a [`ChatRequest`] into an [`HttpRequest`] and a streamed reply into
//! [`ChatEvent`]s. No IO here: `net` sends what these build.
//!
//! Wire formats: OpenAI chat completions (<https://platform.openai.com/docs/api-reference/chat>),
//! Anthropic Messages (<https://docs.anthropic.com/en/api/messages-streaming>), Google Gemini
//! (<https://ai.google.dev/api/generate-content>); the OpenAI-compatible family shares the first.
use serde::{Deserialize, Serialize};

mod codec;
mod error;
mod stream;

pub use codec::{
    MAX_MODEL_PAGES, ModelPage, ModelPager, build_models_page_request, build_models_request,
    build_request, parse_models, parse_models_page,
};
pub use error::{
    ErrorKind, ProviderError, RetryPolicy, classify_failed_fetch, classify_http_error,
    classify_models_error, classify_network_error, classify_stream_error, offline_blocks,
    offline_error, parse_retry_after, provider_message, shown_address, without_advice,
};
pub use stream::{
    CONTENT_FILTERED, ChatEvent, Completion, Failure, RUNAWAY_BYTES_PER_TOKEN, StopReason,
    StreamDecoder, Usage, add_refusal, cut_usage, runaway_bytes,
};

use crate::domain::http::host_of;

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    OpenAi,
    Anthropic,
    Gemini,
}

/// How a provider accepts a JSON schema for structured output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredSupport {
    /// `response_format: {type: "json_schema", ...}` (OpenAI and most compatibles).
    JsonSchema,
    /// Only `response_format: {type: "json_object"}`; the schema goes into the prompt (DeepSeek).
    JsonObject,
    /// A forced tool whose input schema is the schema (Anthropic).
    Tool,
    /// `generationConfig.responseSchema` (Gemini).
    GeminiSchema,
}

/// The provider presets offered in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// The embedded local model (llama.cpp's llama-server), the default with no key.
    LlamaCpp,
    OpenAi,
    Anthropic,
    Gemini,
    OpenRouter,
    Groq,
    Mistral,
    Together,
    DeepSeek,
    Ollama,
    LmStudio,
    /// Any OpenAI-compatible endpoint at a base URL the person types.
    Custom,
}

impl ProviderKind {
    /// Every preset, in the order Settings lists them.
    pub const ALL: [ProviderKind; 12] = [
        Self::LlamaCpp,
        Self::OpenAi,
        Self::Anthropic,
        Self::Gemini,
        Self::OpenRouter,
        Self::Groq,
        Self::Mistral,
        Self::Together,
        Self::DeepSeek,
        Self::Ollama,
        Self::LmStudio,
        Self::Custom,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::LlamaCpp => "Local model (llama.cpp, built in)",
            Self::OpenAi => "OpenAI",
            Self::Anthropic => "Anthropic (Claude)",
            Self::Gemini => "Google Gemini",
            Self::OpenRouter => "OpenRouter",
            Self::Groq => "Groq",
            Self::Mistral => "Mistral",
            Self::Together => "Together AI",
            Self::DeepSeek => "DeepSeek",
            Self::Ollama => "Ollama (on this computer)",
            Self::LmStudio => "LM Studio (on this computer)",
            Self::Custom => "OpenAI-compatible server",
        }
    }

    /// A stable identifier (used in saved settings and element ids).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LlamaCpp => "llama-cpp",
            Self::OpenAi => "open-ai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::OpenRouter => "open-router",
            Self::Groq => "groq",
            Self::Mistral => "mistral",
            Self::Together => "together",
            Self::DeepSeek => "deep-seek",
            Self::Ollama => "ollama",
            Self::LmStudio => "lm-studio",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn wire(self) -> Wire {
        match self {
            Self::Anthropic => Wire::Anthropic,
            Self::Gemini => Wire::Gemini,
            _ => Wire::OpenAi,
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::LlamaCpp => crate::domain::local_model::DEFAULT_BASE_URL,
            Self::OpenAi => "https://api.openai.com/v1",
            Self::Anthropic => "https://api.anthropic.com/v1",
            Self::Gemini => "https://generativelanguage.googleapis.com/v1beta",
            Self::OpenRouter => "https://openrouter.ai/api/v1",
            Self::Groq => "https://api.groq.com/openai/v1",
            Self::Mistral => "https://api.mistral.ai/v1",
            Self::Together => "https://api.together.xyz/v1",
            Self::DeepSeek => "https://api.deepseek.com/v1",
            Self::Ollama => "http://localhost:11434/v1",
            Self::LmStudio => "http://localhost:1234/v1",
            Self::Custom => "",
        }
    }

    /// A model to start with, so a person with a key can try at once.
    pub fn default_model(self) -> &'static str {
        match self {
            Self::LlamaCpp => "SmolLM2-135M-Instruct",
            Self::OpenAi => "gpt-4o-mini",
            Self::Anthropic => "claude-sonnet-4-5",
            Self::Gemini => "gemini-2.5-flash",
            Self::OpenRouter => "openai/gpt-4o-mini",
            Self::Groq => "llama-3.3-70b-versatile",
            Self::Mistral => "mistral-small-latest",
            Self::Together => "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            Self::DeepSeek => "deepseek-chat",
            Self::Ollama => "llama3.2",
            Self::LmStudio => "",
            Self::Custom => "",
        }
    }

    /// Whether a key is needed (local servers run without one; a key may still be given).
    pub fn needs_key(self) -> bool {
        !matches!(
            self,
            Self::LlamaCpp | Self::Ollama | Self::LmStudio | Self::Custom
        )
    }

    /// Runs on this computer (the key, if any, never leaves it).
    pub fn is_local(self) -> bool {
        matches!(self, Self::LlamaCpp | Self::Ollama | Self::LmStudio)
    }

    /// The built-in tiny model (SmolLM2-135M): too small for long instructions or structured
    /// replies, so its jobs are asked as short plain completions of worked examples.
    pub fn is_tiny(self) -> bool {
        self == Self::LlamaCpp
    }

    pub fn structured(self) -> StructuredSupport {
        match self {
            Self::Anthropic => StructuredSupport::Tool,
            Self::Gemini => StructuredSupport::GeminiSchema,
            Self::DeepSeek => StructuredSupport::JsonObject,
            _ => StructuredSupport::JsonSchema,
        }
    }

    /// Where a person gets a key, for the hint next to the key field.
    pub fn key_page(self) -> Option<&'static str> {
        match self {
            Self::OpenAi => Some("platform.openai.com/api-keys"),
            Self::Anthropic => Some("console.anthropic.com/settings/keys"),
            Self::Gemini => Some("aistudio.google.com/apikey"),
            Self::OpenRouter => Some("openrouter.ai/keys"),
            Self::Groq => Some("console.groq.com/keys"),
            Self::Mistral => Some("console.mistral.ai/api-keys"),
            Self::Together => Some("api.together.ai/settings/api-keys"),
            Self::DeepSeek => Some("platform.deepseek.com/api_keys"),
            _ => None,
        }
    }
}

/// The three jobs a model does in Promptwright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Writes and refines prompts.
    Meta,
    /// Runs the prompt on test cases.
    Execution,
    /// Scores outputs.
    Judge,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Meta, Self::Execution, Self::Judge];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meta => "meta",
            Self::Execution => "execution",
            Self::Judge => "judge",
        }
    }

    /// The job's short name, as Settings' tabs say it: "Writing prompts", "Running tests",
    /// "Scoring".
    pub fn job_name(self) -> &'static str {
        match self {
            Self::Meta => "Writing prompts",
            Self::Execution => "Running tests",
            Self::Judge => "Scoring",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Meta => "Writes and improves prompts",
            Self::Execution => "Runs your test cases",
            Self::Judge => "Scores the answers",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Self::Meta => {
                "The \"meta\" model. Use the strongest model you have: it writes the instructions."
            }
            Self::Execution => {
                "The model your prompt is meant for. A cheaper model is fine and keeps test runs cheap."
            }
            Self::Judge => {
                "Reads each answer and grades it against your rubric. A careful model at a low temperature."
            }
        }
    }

    /// The temperature each job starts with (high to explore, low to judge).
    pub fn default_temperature(self) -> f32 {
        match self {
            Self::Meta => 0.7,
            Self::Execution => 0.3,
            Self::Judge => 0.0,
        }
    }
}

/// Writes an `f32` setting as the number it was typed as: 0.9, not 0.8999999761581421 (what a
/// `serde_json::Value` makes of it, as `f32` widened to `f64`; tryout 9 found such noise in
/// exported drafts). For `#[serde(serialize_with = "short_f32")]`; reading needs nothing.
pub fn short_f32<S: serde::Serializer>(x: &f32, s: S) -> Result<S::Ok, S::Error> {
    // `f32`'s `Display` is its shortest text that reads back as the same `f32`.
    s.serialize_f64(x.to_string().parse().unwrap_or(f64::from(*x)))
}

/// Where and how to call a model for one role. Holds no key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    #[serde(serialize_with = "short_f32")]
    pub temperature: f32,
}

impl ProviderConfig {
    pub fn preset(kind: ProviderKind, role: Role) -> Self {
        // A tiny local model falls apart above zero (it loops until a length limit): keep it
        // deterministic.
        let temperature = if kind == ProviderKind::LlamaCpp {
            0.0
        } else {
            role.default_temperature()
        };
        Self {
            kind,
            base_url: kind.default_base_url().to_owned(),
            model: kind.default_model().to_owned(),
            temperature,
        }
    }

    /// What Settings still lack before this model can be called: an address (spaces alone
    /// count as none), a model name (the built-in local server needs none: it serves one model
    /// whatever the name), or both. `None` when both are there; an address that is there but
    /// cannot be called is [`crate::domain::http::address_problem`]'s to say.
    pub fn missing(&self) -> Option<Missing> {
        let address = self.base_url.trim().is_empty();
        let model = self.model.trim().is_empty() && self.kind != ProviderKind::LlamaCpp;
        match (address, model) {
            (true, true) => Some(Missing::AddressAndModel),
            (true, false) => Some(Missing::Address),
            (false, true) => Some(Missing::Model),
            (false, false) => None,
        }
    }

    /// The host the key (if any) is sent to.
    pub fn host(&self) -> String {
        host_of(&self.base_url)
    }

    /// Which key this config uses: `"<preset>@<host>"` (`"open-ai@api.openai.com"`,
    /// `"custom@127.0.0.1:8080"`; `"custom@"` before an address is typed). A key belongs to one
    /// provider at one host, so a key given for one model is never sent to another model's host,
    /// whichever job or comparison model names it.
    pub fn key_slot(&self) -> String {
        format!("{}@{}", self.kind.as_str(), self.host())
    }
}

/// What a model's settings lack before it can be called ([`ProviderConfig::missing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Address,
    Model,
    AddressAndModel,
}

impl Missing {
    /// "no address", "no model name", "no address and no model name": what the model has.
    pub fn words(self) -> &'static str {
        match self {
            Self::Address => "no address",
            Self::Model => "no model name",
            Self::AddressAndModel => "no address and no model name",
        }
    }

    /// The cause in a few words, past tense, as [`ProviderError::cause`] says causes.
    pub fn cause(self) -> &'static str {
        match self {
            Self::Address => "no address was set",
            Self::Model => "no model name was set",
            Self::AddressAndModel => "no address and no model name were set",
        }
    }

    /// What to write in Settings.
    pub fn fix(self) -> &'static str {
        match self {
            Self::Address => {
                "Write the server's address there (such as http://127.0.0.1:8080/v1), then try again."
            }
            Self::Model => {
                "Write the model's name there, as the provider lists it, then try again."
            }
            Self::AddressAndModel => {
                "Write the server's address (such as http://127.0.0.1:8080/v1) and the model's name there, then try again."
            }
        }
    }
}

/// What to say before a button calls models whose settings are not complete
/// ([`ProviderConfig::missing`]): each job named with its tab in Settings, its provider and what
/// it lacks, e.g. "Running tests (OpenAI-compatible server) has no address in Settings: nothing
/// is sent to it until it is filled in there." `None` when every job's model is complete.
pub fn unset_note(jobs: &[(Role, &ProviderConfig)]) -> Option<String> {
    let parts: Vec<String> = jobs
        .iter()
        .filter_map(|(role, cfg)| {
            cfg.missing().map(|m| {
                format!(
                    "{} ({}) has {}",
                    role.job_name(),
                    cfg.kind.label(),
                    m.words()
                )
            })
        })
        .collect();
    match parts.len() {
        0 => None,
        1 => Some(format!(
            "{} in Settings: nothing is sent to it until it is filled in there.",
            parts[0]
        )),
        _ => Some(format!(
            "In Settings, {}. Nothing is sent to them until they are filled in there.",
            parts.join("; ")
        )),
    }
}

/// An API key. Deliberately has no `Serialize`, and its `Debug` hides the value, so it cannot end
/// up in a share link, an export or a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from what the person pasted (trimmed); `None` when empty.
    pub fn new(raw: &str) -> Option<Self> {
        let k = raw.trim();
        (!k.is_empty()).then(|| Self(k.to_owned()))
    }

    /// The secret, for the request header, and to take it out of what leaves the page (a
    /// share link, an export: [`crate::domain::secrets::redact`]).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub speaker: Speaker,
    pub text: String,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            speaker: Speaker::User,
            text: text.into(),
        }
    }
    pub fn assistant(text: impl Into<String>) -> Self {
        Self {
            speaker: Speaker::Assistant,
            text: text.into(),
        }
    }
}

/// A JSON schema the reply must follow.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// A short identifier (`[a-zA-Z0-9_-]`), required by OpenAI and used as the Anthropic tool name.
    pub name: String,
    pub schema: serde_json::Value,
}

impl OutputSchema {
    /// `schema` under `name`.
    pub fn new(name: impl Into<String>, schema: serde_json::Value) -> Self {
        Self {
            name: name.into(),
            schema,
        }
    }
}

/// A plain text completion instead of a chat: the prompt (the request's user messages, joined)
/// is continued as written, with no chat template. Small models follow worked examples they
/// continue far better than instructions (see `meta::tiny`). Sent to OpenAI-style servers'
/// `POST {base}/completions` (llama.cpp's `llama-server`, Ollama, LM Studio, vLLM); the other
/// wire formats have no such call and send the messages as a chat.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainCompletion {
    /// The reply ends before any of these texts (they are not part of it).
    pub stop: Vec<String>,
    /// llama.cpp's `repeat_penalty` (1.0 = none): makes a small model less likely to loop.
    pub repeat_penalty: f32,
    /// llama.cpp's sampling `seed`, so a reply can be repeated.
    pub seed: u32,
}

/// One model call, independent of provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub schema: Option<OutputSchema>,
    /// Send as a plain text completion (see [`PlainCompletion`]); `None`: a chat.
    pub plain: Option<PlainCompletion>,
}

impl ChatRequest {
    /// The temperature of a request that sets none.
    pub const DEFAULT_TEMPERATURE: f32 = 0.3;

    /// A chat of one user message after `system`, at [`Self::DEFAULT_TEMPERATURE`], at most 2048
    /// tokens back, no schema.
    pub fn new(system: Option<String>, user: impl Into<String>) -> Self {
        Self {
            system,
            messages: vec![Message::user(user)],
            temperature: Self::DEFAULT_TEMPERATURE,
            max_tokens: 2048,
            schema: None,
            plain: None,
        }
    }

    /// A meta-prompt's request whose reply is JSON: the meta-prompt `system` (trimmed) with the
    /// filled `user` text as given, the reply held to `output`, at most `max_tokens` tokens,
    /// sampled at `temperature`. Every structured meta request (generate, rewrite, adapt, the
    /// judge, suggested cases and their review, a check from a note, Improve the rubric, the
    /// loop's proposals, Critique this prompt) is built here.
    pub fn structured(
        system: &str,
        user: impl Into<String>,
        output: OutputSchema,
        max_tokens: u32,
        temperature: f32,
    ) -> Self {
        Self {
            max_tokens,
            temperature,
            schema: Some(output),
            ..Self::new(Some(system.trim().to_owned()), user)
        }
    }
}

/// An HTTP request described as data. Its `Debug` hides the values of the headers that carry a key
/// (see [`HttpRequest::is_secret_header`]).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if Self::is_secret_header(k) {
                    "[hidden]"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

impl HttpRequest {
    /// Whether a header carries a credential: `Authorization`, `x-api-key` (Anthropic),
    /// `x-goog-api-key` (Gemini), `api-key` (Azure-style), any name containing "key" or "token".
    pub fn is_secret_header(name: &str) -> bool {
        let n = name.to_ascii_lowercase();
        n == "authorization" || n.contains("key") || n.contains("token")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A model offered by a provider's model list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub id: String,
    pub label: Option<String>,
}

/// The button beside a note about keys a reload forgot (for servers that may need none): the
/// calls go on without them, and the note goes ([`missing_keys_note`]).
pub const GO_ON_WITHOUT_KEY: &str = "Go on without a key";

/// What to say before calls go out without a key they need, or `None` when nothing is
/// missing. `refused`: the providers ("OpenAI at api.openai.com") that need a key and have none
/// in this tab (their calls will be refused); `forgot`: servers that may go without a key whose
/// key a reload forgot (calls go out without it, and the server may refuse them: never "will be
/// refused", tryout 46; the page offers [`GO_ON_WITHOUT_KEY`] beside the note). `resume`: the
/// calls wait for Resume (the loop), else for the next press.
pub fn missing_keys_note(refused: &[String], forgot: &[String], resume: bool) -> Option<String> {
    use crate::domain::figures::and_list;
    let mut out = Vec::new();
    if !refused.is_empty() {
        let (their, it) = if refused.len() == 1 {
            ("its", "it")
        } else {
            ("their", "them")
        };
        out.push(if resume {
            // Held, nothing goes out (tryout 50: "calls go out" was said of a held loop).
            format!(
                "No API key in this tab for {}: the loop waits, and sends nothing, until you enter {it} in Settings and press Resume (keys are forgotten on reload unless remembered).",
                and_list(refused)
            )
        } else {
            format!(
                "No API key in this tab for {}: {their} calls will be refused. Enter {it} in Settings first (keys are forgotten on reload unless remembered).",
                and_list(refused)
            )
        });
    }
    if !forgot.is_empty() {
        let one = forgot.len() == 1;
        let (key, is, it) = if one {
            ("The key you gave for", "is", "it")
        } else {
            ("The keys you gave for", "are", "them")
        };
        // The key field is empty after the reload, so clearing it changes nothing: the page
        // offers GO_ON_WITHOUT_KEY beside this note (helper-57: "clear it there" was a dead end).
        let servers = if one {
            "the server needs"
        } else {
            "the servers need"
        };
        let then = if resume {
            format!(
                "the loop waits, and sends nothing, until you enter {it} again in Settings and press Resume, or press {GO_ON_WITHOUT_KEY} if {servers} none."
            )
        } else {
            // Tryout 89: "or press Go on without a key" read as a step the calls wait for;
            // they go out without it, and the button only puts the note away.
            format!(
                "calls go out without a key, and {} may refuse them. Enter {it} again in Settings; if {servers} none, {GO_ON_WITHOUT_KEY} puts this note away.",
                if one { "the server" } else { "the servers" },
            )
        };
        out.push(format!(
            "{key} {} {is} not in this tab (a reload forgot {it}): {then}",
            and_list(forgot)
        ));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod tests;

/// Reads one saved [`ProviderConfig`] part by part: `None` when it is not an object or its
/// provider does not read (a preset this version does not know); otherwise the settings, with
/// the address, model or temperature that did not read (a temperature out of range neither)
/// replaced by `role`'s preset for that provider, and those parts named ("temperature") —
/// tryout 100: a comparison model whose temperature alone read "hot" was left out whole.
pub fn read_saved_config(
    v: serde_json::Value,
    role: Role,
) -> Option<(ProviderConfig, Vec<&'static str>)> {
    let serde_json::Value::Object(o) = v else {
        return None;
    };
    let kind = ProviderKind::parse(o.get("kind")?.as_str()?)?;
    let preset = ProviderConfig::preset(kind, role);
    let mut defaulted = Vec::new();
    let mut text = |key: &str, what: &'static str, default: &str| match o.get(key) {
        Some(serde_json::Value::String(t)) => t.clone(),
        _ => {
            defaulted.push(what);
            default.to_owned()
        }
    };
    let base_url = text("base_url", "address", &preset.base_url);
    let model = text("model", "model", &preset.model);
    let temperature = match o.get("temperature").and_then(serde_json::Value::as_f64) {
        Some(t) if t.is_finite() && t >= 0.0 && t <= f64::from(f32::MAX) => t as f32,
        _ => {
            defaulted.push("temperature");
            preset.temperature
        }
    };
    Some((
        ProviderConfig {
            kind,
            base_url,
            model,
            temperature,
        },
        defaulted,
    ))
}

/// "address and temperature" of [`read_saved_config`]'s parts.
fn parts_words(parts: &[&str]) -> String {
    crate::domain::figures::and_list(parts)
}

/// "OpenAI's default is used", "OpenAI's defaults are used" for `n` parts.
fn defaults_used(kind: ProviderKind, n: usize) -> String {
    match n {
        1 => format!("{}'s default is used", kind.label()),
        _ => format!("{}'s defaults are used", kind.label()),
    }
}

/// Reads the saved comparison models (the model grid: a JSON list of [`ProviderConfig`]): an
/// entry whose provider does not read is left out and named by its place; one with a part that
/// does not read keeps the rest, that part its default, named ([`read_saved_config`]); text that
/// is not a JSON list gives none, said.
pub fn read_saved_models(text: &str) -> (Vec<ProviderConfig>, Vec<String>) {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(text) else {
        return (
            Vec::new(),
            vec!["The saved comparison models could not be read, so none are chosen.".to_owned()],
        );
    };
    let mut lost = Vec::new();
    let mut models = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match read_saved_config(item, Role::Execution) {
            Some((c, defaulted)) => {
                if !defaulted.is_empty() {
                    lost.push(format!(
                        "The {} of comparison model {} of the saved list could not be read, so {}.",
                        parts_words(&defaulted),
                        i + 1,
                        defaults_used(c.kind, defaulted.len())
                    ));
                }
                models.push(c);
            }
            None => lost.push(format!(
                "Comparison model {} of the saved list could not be read and was left out.",
                i + 1
            )),
        }
    }
    (models, lost)
}

/// The model settings of the three roles. Holds no key (keys live in memory, see `state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleConfigs {
    pub meta: ProviderConfig,
    pub execution: ProviderConfig,
    pub judge: ProviderConfig,
}

impl Default for RoleConfigs {
    /// All three on the embedded local model: works with no key.
    fn default() -> Self {
        Self::all(ProviderKind::LlamaCpp)
    }
}

impl RoleConfigs {
    /// Reads saved settings role by role. A role whose settings do not read (or hold a temperature
    /// out of range) gets its default, the built-in local model; text that is not a JSON object
    /// gives the defaults for all three. The messages name what was replaced, in plain words.
    pub fn read_saved(text: &str) -> (Self, Vec<String>) {
        let mut out = Self::default();
        let Ok(serde_json::Value::Object(mut saved)) = serde_json::from_str(text) else {
            return (
                out,
                vec!["The saved model settings could not be read, so the defaults (the built-in local model for all three jobs) are used.".to_owned()],
            );
        };
        let mut lost = Vec::new();
        for role in Role::ALL {
            match saved
                .remove(role.as_str())
                .and_then(|v| read_saved_config(v, role))
            {
                Some((c, defaulted)) => {
                    if !defaulted.is_empty() {
                        lost.push(format!(
                            "The saved {} for \u{201c}{}\u{201d} could not be read, so {}.",
                            parts_words(&defaulted),
                            role.title(),
                            defaults_used(c.kind, defaulted.len())
                        ));
                    }
                    *out.get_mut(role) = c;
                }
                None => lost.push(format!(
                    "The saved settings for \u{201c}{}\u{201d} could not be read, so the default (the built-in local model) is used.",
                    role.title()
                )),
            }
        }
        (out, lost)
    }

    pub fn all(kind: ProviderKind) -> Self {
        Self {
            meta: ProviderConfig::preset(kind, Role::Meta),
            execution: ProviderConfig::preset(kind, Role::Execution),
            judge: ProviderConfig::preset(kind, Role::Judge),
        }
    }

    pub fn get(&self, role: Role) -> &ProviderConfig {
        match role {
            Role::Meta => &self.meta,
            Role::Execution => &self.execution,
            Role::Judge => &self.judge,
        }
    }

    pub fn get_mut(&mut self, role: Role) -> &mut ProviderConfig {
        match role {
            Role::Meta => &mut self.meta,
            Role::Execution => &mut self.execution,
            Role::Judge => &mut self.judge,
        }
    }

    /// Switches a role to another provider at the preset's own address (never another job's
    /// address: its key and account would follow), with the model another role already uses
    /// there with that provider, else the preset's; or, with `earlier` (this role's own
    /// settings for that provider before it was switched away), at that address with that
    /// model. The role keeps its temperature.
    pub fn switch_kind(
        &mut self,
        role: Role,
        kind: ProviderKind,
        earlier: Option<&ProviderConfig>,
    ) {
        if self.get(role).kind == kind {
            return;
        }
        let temperature = self.get(role).temperature;
        let mut next = ProviderConfig::preset(kind, role);
        // Another job's model for that preset at the preset's own address is reused; another
        // job's address is not (tryout: switching away and back moved a job onto another job's
        // host, and so its key and account).
        if let Some(other) = Role::ALL
            .iter()
            .map(|r| self.get(*r))
            .find(|c| c.kind == kind && c.host() == next.host() && !next.host().is_empty())
        {
            next.model = other.model.clone();
        }
        if let Some(e) = earlier.filter(|e| e.kind == kind) {
            next.base_url = e.base_url.clone();
            next.model = e.model.clone();
        }
        next.temperature = temperature;
        *self.get_mut(role) = next;
    }

    /// Copies one role's provider, address and model to the other two (each keeps its temperature).
    pub fn copy_to_all(&mut self, from: Role) {
        let src = self.get(from).clone();
        for r in Role::ALL {
            let c = self.get_mut(r);
            c.kind = src.kind;
            c.base_url = src.base_url.clone();
            c.model = src.model.clone();
        }
    }

    /// The providers in use, each once.
    pub fn kinds(&self) -> Vec<ProviderKind> {
        let mut v: Vec<ProviderKind> = Role::ALL.iter().map(|r| self.get(*r).kind).collect();
        v.dedup();
        crate::domain::order::sort_by_key(&mut v, |k| k.as_str());
        v.dedup();
        v
    }
}
