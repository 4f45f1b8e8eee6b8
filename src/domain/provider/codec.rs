//! Request builders per wire format, and model-list parsing. Pure: they return data for `net`.
use serde_json::{Map, Value, json};

use super::{
    ApiKey, ChatRequest, HttpRequest, Message, ModelInfo, ProviderConfig, ProviderKind, Speaker,
    StructuredSupport, Wire,
};

/// The Anthropic API version this codec speaks.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim().trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Headers that carry the key, per wire format (the only place a key is ever written).
fn auth_headers(cfg: &ProviderConfig, key: Option<&ApiKey>) -> Vec<(String, String)> {
    let mut h = Vec::new();
    match cfg.kind.wire() {
        Wire::OpenAi => {
            if let Some(k) = key {
                h.push(("authorization".into(), format!("Bearer {}", k.expose())));
            }
            if cfg.kind == ProviderKind::OpenRouter {
                // OpenRouter's optional attribution headers (it allows them from browsers).
                h.push(("x-title".into(), "Promptwright".into()));
            }
        }
        Wire::Anthropic => {
            if let Some(k) = key {
                h.push(("x-api-key".into(), k.expose().to_owned()));
            }
            h.push(("anthropic-version".into(), ANTHROPIC_VERSION.into()));
            h.push((
                "anthropic-dangerous-direct-browser-access".into(),
                "true".into(),
            ));
        }
        Wire::Gemini => {
            if let Some(k) = key {
                h.push(("x-goog-api-key".into(), k.expose().to_owned()));
            }
        }
    }
    h
}

/// A setting kept as `f32` as the decimal the person typed: 0.9 is sent as `0.9`, not as the
/// `f32`'s exact value widened to `f64` (`0.8999999761581421`). Three decimals are kept.
fn decimal(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

/// OpenAI's reasoning models accept only the default temperature.
fn openai_fixed_temperature(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model);
    m.starts_with("o1") || m.starts_with("o3") || m.starts_with("o4") || m.starts_with("gpt-5")
}

/// Where a plain-text chat reply of the tiny model ends: the start of another example in the
/// layouts `PromptSpec::render` writes.
pub const TINY_CHAT_STOP: [&str; 2] = ["\n### Example ", "\n<example>"];

/// llama.cpp's `repeat_penalty` for the tiny model's plain chat replies (1.0 = none).
pub const TINY_CHAT_REPEAT_PENALTY: f32 = 1.1;

/// The user turn put first when a conversation starts with the assistant, for the providers whose
/// turns must start with the user (see [`alternating`]).
pub const CONVERSATION_START: &str = "(The conversation starts with the assistant's message.)";

/// The messages as providers that take strictly alternating turns want them (Anthropic Messages,
/// Gemini `contents`): consecutive turns of one speaker merged into one, their texts joined by a
/// blank line (Anthropic's API reference says consecutive user or assistant turns are combined
/// into one turn; Gemini refuses them: "Please ensure that multiturn requests alternate between
/// user and model"); a conversation that starts with the assistant gets [`CONVERSATION_START`]
/// as a user turn before it (Anthropic's API has answered "messages: first message must use the
/// \"user\" role", still does on Bedrock, and Gemini's turns start with the user).
pub fn alternating(messages: &[Message]) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::with_capacity(messages.len() + 1);
    for m in messages {
        match out.last_mut() {
            Some(last) if last.speaker == m.speaker => {
                last.text.push_str("\n\n");
                last.text.push_str(&m.text);
            }
            _ => out.push(m.clone()),
        }
    }
    if out.first().is_some_and(|m| m.speaker == Speaker::Assistant) {
        out.insert(0, Message::user(CONVERSATION_START));
    }
    out
}

/// Builds the streamed chat call for `cfg`'s provider.
pub fn build_request(req: &ChatRequest, cfg: &ProviderConfig, key: Option<&ApiKey>) -> HttpRequest {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    headers.extend(auth_headers(cfg, key));
    let (url, body) = match cfg.kind.wire() {
        Wire::OpenAi if req.plain.is_some() => {
            (join(&cfg.base_url, "completions"), plain_body(req, cfg))
        }
        Wire::OpenAi => (
            join(&cfg.base_url, "chat/completions"),
            openai_body(req, cfg),
        ),
        Wire::Anthropic => (join(&cfg.base_url, "messages"), anthropic_body(req, cfg)),
        Wire::Gemini => {
            let model = cfg.model.trim().trim_start_matches("models/");
            (
                join(
                    &cfg.base_url,
                    &format!("models/{model}:streamGenerateContent?alt=sse"),
                ),
                gemini_body(req),
            )
        }
    };
    HttpRequest {
        method: "POST",
        url,
        headers,
        body: Some(body.to_string()),
    }
}

fn openai_body(req: &ChatRequest, cfg: &ProviderConfig) -> Value {
    let mut messages = Vec::new();
    let mut system = req.system.clone().unwrap_or_default();
    if let (Some(s), StructuredSupport::JsonObject) = (&req.schema, cfg.kind.structured()) {
        if !system.is_empty() {
            system.push_str("\n\n");
        }
        system.push_str(&format!(
            "Reply with one JSON object, and nothing else, that follows this JSON schema:\n{}",
            s.schema
        ));
    }
    if !system.is_empty() {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        let role = match m.speaker {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        };
        messages.push(json!({"role": role, "content": m.text}));
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(cfg.model.trim()));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(true));
    match cfg.kind {
        ProviderKind::OpenAi => {
            if !openai_fixed_temperature(&cfg.model) {
                body.insert("temperature".into(), json!(decimal(req.temperature)));
            }
            body.insert("max_completion_tokens".into(), json!(req.max_tokens));
        }
        _ => {
            body.insert("temperature".into(), json!(decimal(req.temperature)));
            body.insert("max_tokens".into(), json!(req.max_tokens));
        }
    }
    // The tiny model goes on writing the prompt's own examples after its answer ("### Example
    // 4", "<example>" as `PromptSpec::render` writes them) until the token limit: end it there.
    // It also loops on one line ("The user's response is: …" to the limit); llama.cpp's repeat
    // penalty, as its plain completions use, makes that much rarer.
    if cfg.kind.is_tiny() && req.schema.is_none() {
        body.insert("stop".into(), json!(TINY_CHAT_STOP));
        body.insert(
            "repeat_penalty".into(),
            json!(decimal(TINY_CHAT_REPEAT_PENALTY)),
        );
    }
    // Usage arrives in a final chunk only when asked for; Mistral rejects the field and always sends it.
    if cfg.kind != ProviderKind::Mistral {
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if let Some(s) = &req.schema {
        // llama.cpp turns the whole schema into a grammar (lengths included); hosted providers'
        // strict modes reject length keywords, which are still checked when the reply arrives.
        let schema = if cfg.kind == ProviderKind::LlamaCpp {
            s.schema.clone()
        } else {
            without_length_keywords(&s.schema)
        };
        let format = match cfg.kind.structured() {
            StructuredSupport::JsonObject => json!({"type": "json_object"}),
            _ => {
                json!({"type": "json_schema", "json_schema": {"name": s.name, "schema": schema, "strict": strict_ok(&schema)}})
            }
        };
        body.insert("response_format".into(), format);
    }
    Value::Object(body)
}

/// The prompt of a plain text completion: the user messages joined by blank lines; a
/// conversation (any assistant message) as a transcript, each message after its speaker ("User:",
/// "Assistant:") and a blank line between them, ending with "Assistant:" for the model to
/// continue when the last message is the user's.
pub fn plain_prompt(messages: &[Message]) -> String {
    if messages.iter().all(|m| m.speaker == Speaker::User) {
        return messages
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    let mut lines: Vec<String> = messages
        .iter()
        .map(|m| match m.speaker {
            Speaker::User => format!("User: {}", m.text),
            Speaker::Assistant => format!("Assistant: {}", m.text),
        })
        .collect();
    if messages.last().is_some_and(|m| m.speaker == Speaker::User) {
        lines.push("Assistant:".to_owned());
    }
    lines.join("\n\n")
}

/// A plain text completion (`POST /completions`): [`plain_prompt`] is the prompt.
fn plain_body(req: &ChatRequest, cfg: &ProviderConfig) -> Value {
    let prompt = plain_prompt(&req.messages);
    let mut body = Map::new();
    body.insert("model".into(), json!(cfg.model.trim()));
    body.insert("prompt".into(), json!(prompt));
    body.insert("stream".into(), json!(true));
    body.insert("stream_options".into(), json!({"include_usage": true}));
    body.insert("temperature".into(), json!(decimal(req.temperature)));
    body.insert("max_tokens".into(), json!(req.max_tokens));
    if let Some(p) = &req.plain {
        if !p.stop.is_empty() {
            body.insert("stop".into(), json!(p.stop));
        }
        if cfg.kind == ProviderKind::LlamaCpp {
            body.insert("repeat_penalty".into(), json!(decimal(p.repeat_penalty)));
            body.insert("seed".into(), json!(p.seed));
        }
    }
    Value::Object(body)
}

/// The schema without `minLength`/`maxLength`/`minItems`/`maxItems`, recursively.
fn without_length_keywords(schema: &Value) -> Value {
    match schema {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "minLength" | "maxLength" | "minItems" | "maxItems"
                    )
                })
                .map(|(k, v)| (k.clone(), without_length_keywords(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_length_keywords).collect()),
        other => other.clone(),
    }
}

/// OpenAI's strict mode needs every object closed and every property required; use it only then.
fn strict_ok(schema: &Value) -> bool {
    match schema {
        Value::Object(o) => {
            if o.get("type") == Some(&json!("object")) {
                let props = o.get("properties").and_then(Value::as_object);
                let required = o.get("required").and_then(Value::as_array);
                let closed = o.get("additionalProperties") == Some(&json!(false));
                let all_required = match (props, required) {
                    (Some(p), Some(r)) => p.keys().all(|k| r.iter().any(|x| x == k)),
                    (None, _) => true,
                    _ => false,
                };
                if !closed || !all_required {
                    return false;
                }
            }
            o.values().all(strict_ok)
        }
        Value::Array(a) => a.iter().all(strict_ok),
        _ => true,
    }
}

fn anthropic_body(req: &ChatRequest, cfg: &ProviderConfig) -> Value {
    let messages: Vec<Value> = alternating(&req.messages)
        .iter()
        .map(|m| {
            let role = match m.speaker {
                Speaker::User => "user",
                Speaker::Assistant => "assistant",
            };
            json!({"role": role, "content": m.text})
        })
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), json!(cfg.model.trim()));
    body.insert("max_tokens".into(), json!(req.max_tokens));
    if let Some(s) = req.system.as_ref().filter(|s| !s.is_empty()) {
        body.insert("system".into(), json!(s));
    }
    body.insert("messages".into(), Value::Array(messages));
    body.insert(
        "temperature".into(),
        json!(decimal(req.temperature.min(1.0))),
    );
    body.insert("stream".into(), json!(true));
    if let Some(s) = &req.schema {
        // A forced tool: its input is the structured reply, streamed as `input_json_delta`s.
        body.insert(
            "tools".into(),
            json!([{"name": s.name, "description": "Give the reply in this structure.", "input_schema": s.schema}]),
        );
        body.insert(
            "tool_choice".into(),
            json!({"type": "tool", "name": s.name}),
        );
    }
    Value::Object(body)
}

fn gemini_body(req: &ChatRequest) -> Value {
    let contents: Vec<Value> = alternating(&req.messages)
        .iter()
        .map(|m| {
            let role = match m.speaker {
                Speaker::User => "user",
                Speaker::Assistant => "model",
            };
            json!({"role": role, "parts": [{"text": m.text}]})
        })
        .collect();
    let mut config =
        json!({"temperature": decimal(req.temperature), "maxOutputTokens": req.max_tokens});
    if let Some(s) = &req.schema {
        config["responseMimeType"] = json!("application/json");
        config["responseSchema"] = gemini_schema(&s.schema);
    }
    let mut body = json!({"contents": contents, "generationConfig": config});
    if let Some(s) = req.system.as_ref().filter(|s| !s.is_empty()) {
        body["systemInstruction"] = json!({"parts": [{"text": s}]});
    }
    body
}

/// Gemini's `responseSchema` takes an OpenAPI subset: keep only the keywords it knows.
fn gemini_schema(schema: &Value) -> Value {
    const KEEP: &[&str] = &[
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "properties",
        "required",
        "items",
        "anyOf",
        "propertyOrdering",
        "minimum",
        "maximum",
    ];
    match schema {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                if !KEEP.contains(&k.as_str()) {
                    continue;
                }
                let v = match k.as_str() {
                    "properties" => Value::Object(
                        v.as_object()
                            .map(|p| {
                                p.iter()
                                    .map(|(n, s)| (n.clone(), gemini_schema(s)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    ),
                    "items" => gemini_schema(v),
                    "anyOf" => Value::Array(
                        v.as_array()
                            .map(|a| a.iter().map(gemini_schema).collect())
                            .unwrap_or_default(),
                    ),
                    _ => v.clone(),
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Builds the call that lists a provider's models.
pub fn build_models_request(cfg: &ProviderConfig, key: Option<&ApiKey>) -> HttpRequest {
    build_models_page_request(cfg, key, None)
}

/// The request for one page of the model list, starting at `cursor` (the `next` of the page
/// before): Gemini's `pageToken` (pages of up to 1000), Anthropic's `after_id` (pages of up to
/// 1000); other providers return the whole list at once.
pub fn build_models_page_request(
    cfg: &ProviderConfig,
    key: Option<&ApiKey>,
    cursor: Option<&str>,
) -> HttpRequest {
    let enc = |c: &str| {
        c.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let url = match (cfg.kind.wire(), cursor) {
        (Wire::Gemini, None) => join(&cfg.base_url, "models?pageSize=1000"),
        (Wire::Gemini, Some(c)) => join(
            &cfg.base_url,
            &format!("models?pageSize=1000&pageToken={}", enc(c)),
        ),
        (Wire::Anthropic, None) => join(&cfg.base_url, "models?limit=1000"),
        (Wire::Anthropic, Some(c)) => join(
            &cfg.base_url,
            &format!("models?limit=1000&after_id={}", enc(c)),
        ),
        _ => join(&cfg.base_url, "models"),
    };
    HttpRequest {
        method: "GET",
        url,
        headers: auth_headers(cfg, key),
        body: None,
    }
}

/// One page of a model list, and the cursor of the next page when there is one (Gemini's
/// `nextPageToken`; Anthropic's `last_id` when `has_more` is true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPage {
    pub models: Vec<ModelInfo>,
    pub next: Option<String>,
}

/// At most this many pages of a model list are read (a provider that pages forever stops here).
pub const MAX_MODEL_PAGES: usize = 50;

/// Reads one page of a model list (see [`parse_models`] for the shapes).
pub fn parse_models_page(kind: ProviderKind, body: &str) -> Result<ModelPage, String> {
    let models = parse_models(kind, body)?;
    let v: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let next = match kind.wire() {
        Wire::Gemini => v.get("nextPageToken").and_then(Value::as_str),
        Wire::Anthropic if v.get("has_more").and_then(Value::as_bool) == Some(true) => {
            v.get("last_id").and_then(Value::as_str)
        }
        _ => None,
    }
    .filter(|c| !c.is_empty())
    .map(str::to_owned);
    Ok(ModelPage { models, next })
}

/// Gathers a paged model list: feed each page in order; `Some(cursor)` asks for the next page.
/// Stops at the last page, at a cursor seen before (a provider repeating itself), or after
/// [`MAX_MODEL_PAGES`] pages. The result is sorted by id without duplicates.
#[derive(Debug, Default)]
pub struct ModelPager {
    models: Vec<ModelInfo>,
    seen: Vec<String>,
    pages: usize,
}

impl ModelPager {
    /// Adds a page; returns the cursor of the page to read next, if any.
    pub fn add(&mut self, page: ModelPage) -> Option<String> {
        self.pages += 1;
        self.models.extend(page.models);
        let next = page.next?;
        if self.pages >= MAX_MODEL_PAGES || self.seen.contains(&next) {
            return None;
        }
        self.seen.push(next.clone());
        Some(next)
    }

    /// Every model read, sorted by id, without duplicates.
    pub fn finish(mut self) -> Vec<ModelInfo> {
        crate::domain::order::sort_by(&mut self.models, |a, b| a.id.cmp(&b.id));
        self.models.dedup_by(|a, b| a.id == b.id);
        self.models
    }
}

/// Reads a model list (OpenAI/compatible and Anthropic `{data: [{id}]}`, Ollama's
/// `{models: [{name}]}`, Gemini's `{models: [{name: "models/x", displayName}]}`), sorted by id.
pub fn parse_models(kind: ProviderKind, body: &str) -> Result<Vec<ModelInfo>, String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("the model list is not JSON ({e})"))?;
    let mut out = Vec::new();
    if let Some(data) = v.get("data").and_then(Value::as_array) {
        for m in data {
            if let Some(id) = m.get("id").and_then(Value::as_str) {
                let label = m
                    .get("display_name")
                    .or_else(|| m.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                out.push(ModelInfo {
                    id: id.to_owned(),
                    label: label.filter(|l| l != id),
                });
            }
        }
    } else if let Some(models) = v.get("models").and_then(Value::as_array) {
        for m in models {
            let Some(name) = m
                .get("name")
                .or_else(|| m.get("model"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            if kind == ProviderKind::Gemini {
                let methods = m
                    .get("supportedGenerationMethods")
                    .and_then(Value::as_array);
                if methods.is_some_and(|ms| !ms.iter().any(|x| x == "generateContent")) {
                    continue;
                }
            }
            let id = name.strip_prefix("models/").unwrap_or(name).to_owned();
            let label = m
                .get("displayName")
                .and_then(Value::as_str)
                .map(str::to_owned);
            out.push(ModelInfo { id, label });
        }
    } else {
        return Err("the reply has no model list (no \"data\" or \"models\" field)".into());
    }
    crate::domain::order::sort_by(&mut out, |a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}
