//! The meta-prompts (kept as text files beside this module, included at compile time) and the
//! requests built from them: generate a prompt from an idea, rewrite one section, adapt a prompt
//! for another model family. Each reply has a JSON schema and is parsed into a [`PromptSpec`].
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::spec::{PromptSpec, RenderStyle, Section};
use crate::domain::structured::StructuredError;
use crate::domain::template;

pub mod generate;
pub mod quality;
pub mod reply;
pub mod tiny;
pub mod tiny_jobs;
pub use reply::{Gap, ReplyCause};

const GENERATE: &str = include_str!("generate.md");
const GENERATE_USER: &str = include_str!("generate_user.md");
const SECTION: &str = include_str!("section.md");
const SECTION_USER: &str = include_str!("section_user.md");
const ADAPT: &str = include_str!("adapt.md");
const ADAPT_USER: &str = include_str!("adapt_user.md");
const SPEC_SCHEMA: &str = include_str!("spec.schema.json");

/// The JSON schema of a generated prompt.
pub fn spec_schema() -> Value {
    serde_json::from_str(SPEC_SCHEMA).expect("spec.schema.json is valid JSON")
}

/// Ideas offered to a first-time visitor on the idea card; the tests that run the tiny model
/// check its draft for each.
pub const EXAMPLE_IDEAS: [&str; 4] = [
    "A bot that pulls action items out of meeting notes",
    "Answer customer emails about late deliveries, politely and briefly",
    "Turn a recipe into a shopping list grouped by supermarket aisle",
    "Explain error messages to beginners learning Python",
];

/// What kind of answer the assistant should give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Let the meta model choose.
    #[default]
    Auto,
    Text,
    Markdown,
    Json,
}

impl OutputKind {
    pub const ALL: [OutputKind; 4] = [Self::Auto, Self::Text, Self::Markdown, Self::Json];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Text => "text",
            Self::Markdown => "markdown",
            Self::Json => "json",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Let the model decide",
            Self::Text => "Plain text",
            Self::Markdown => "Markdown (headings, lists)",
            Self::Json => "JSON (for programs)",
        }
    }
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }
}

/// The family of model a prompt is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelFamily {
    #[default]
    Any,
    Gpt,
    Claude,
    Gemini,
    SmallLocal,
}

impl ModelFamily {
    pub const ALL: [ModelFamily; 5] = [
        Self::Any,
        Self::Gpt,
        Self::Claude,
        Self::Gemini,
        Self::SmallLocal,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Gpt => "gpt",
            Self::Claude => "claude",
            Self::Gemini => "gemini",
            Self::SmallLocal => "small-local",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Any => "Any model",
            Self::Gpt => "OpenAI GPT",
            Self::Claude => "Anthropic Claude",
            Self::Gemini => "Google Gemini",
            Self::SmallLocal => "Small local models",
        }
    }
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }
    /// The layout that family follows best.
    pub fn style(self) -> RenderStyle {
        match self {
            Self::Claude => RenderStyle::Xml,
            _ => RenderStyle::Markdown,
        }
    }
}

/// What the person typed: the idea and the optional details.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdeaInput {
    pub idea: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub tone: String,
    #[serde(default)]
    pub output: OutputKind,
    #[serde(default)]
    pub target: ModelFamily,
    /// Variables the prompt will receive, e.g. `transcript` (written `{{transcript}}`).
    #[serde(default)]
    pub variables: Vec<String>,
}

/// Why an idea cannot be sent yet (shown inline; nothing is sent).
pub fn check_idea(idea: &str) -> Result<(), &'static str> {
    let t = idea.trim();
    if t.is_empty() {
        Err("Describe the task first: one sentence is enough.")
    } else if t.chars().count() < 4 {
        Err(
            "That is too short to work from: say what the assistant should do, e.g. \"summarise support emails\".",
        )
    } else {
        Ok(())
    }
}

/// The variable names read from the idea's "Data it receives" field, and what was changed on the
/// way, in plain words (one sentence each), so the field never rewrites silently.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VariablesRead {
    /// Names as `{{name}}` placeholders take them (letters, digits, `_`; first a letter), in the
    /// order typed, each once.
    pub names: Vec<String>,
    /// What was changed and why: a name rewritten, left out, or listed twice.
    pub notes: Vec<String>,
    /// What is worth knowing though nothing was changed: two names that differ only in
    /// capitals.
    pub remarks: Vec<String>,
}

/// Reads "transcript, {{notes}}, error message" into variable names. Names are separated by
/// commas only; braces are dropped; spaces and other marks inside a name become one `_` each run
/// (as `spec::placeholders` reads only letters, digits and `_`); a name that does not start with
/// a letter is left out, and one listed again is kept once, each with a note saying so.
pub fn read_variables(s: &str) -> VariablesRead {
    let mut out = VariablesRead::default();
    for raw in s.split(',') {
        let typed = raw.trim();
        // Characters that show as nothing (a zero-width space, a direction mark) are taken out
        // and named (tryout 81: "ti\u{200B}cket" read "“ticket” became “ti_cket”").
        let hidden: Vec<String> = typed
            .chars()
            .filter(|c| crate::domain::figures::invisible(*c))
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        let bare: String = typed
            .chars()
            .filter(|c| !matches!(c, '{' | '}') && !crate::domain::figures::invisible(*c))
            .collect();
        let bare = bare.trim();
        if bare.is_empty() {
            // An entry of nothing but such characters goes, said (tryout 83: it went silently).
            if !hidden.is_empty() {
                out.notes.push(format!(
                    "An entry of nothing but {} was left out.",
                    shown_as_nothing(&hidden)
                ));
            }
            continue;
        }
        if !hidden.is_empty() {
            out.notes.push(format!(
                "\u{201c}{bare}\u{201d} held {}: taken out.",
                shown_as_nothing(&hidden)
            ));
        }
        // A combining accent typed apart from its letter (a decomposed "é": "e" and U+0301) is
        // no letter: it goes, named (tryout 83: "café" became "cafe_", "a name holds only
        // letters…", though é is one).
        let marks: Vec<String> = bare
            .chars()
            .filter(|c| combining(*c))
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .fold(Vec::new(), |mut v, m| {
                if !v.contains(&m) {
                    v.push(m);
                }
                v
            });
        let mut name = String::new();
        for c in bare.chars() {
            if combining(c) && name.chars().last().is_some_and(char::is_alphabetic) {
                continue;
            }
            if c.is_alphanumeric() || c == '_' {
                name.push(c);
            } else if !name.ends_with('_') {
                name.push('_');
            }
        }
        if !name.chars().next().is_some_and(char::is_alphabetic) {
            out.notes.push(format!(
                "\u{201c}{bare}\u{201d} was left out: a name must start with a letter."
            ));
            continue;
        }
        if name == bare && typed.contains(['{', '}']) {
            // Tryout 19 (11): "{{x}}" became "x" without a word, though every other change is
            // said.
            out.notes.push(format!(
                "\u{201c}{typed}\u{201d} became \u{201c}{name}\u{201d}: write the name alone; the prompt adds the braces."
            ));
        } else if name != bare {
            // Each change named (tryout 85: "résumé text" with its accents typed apart named
            // the accents, not the space).
            let mut why = Vec::new();
            let accents = bare.chars().filter(|c| combining(*c)).count();
            if accents > 0 {
                why.push(format!(
                    "its accent{} typed apart from {} ({}), which a name cannot hold; type {} as one character to keep {}",
                    if accents == 1 { " was" } else { "s were" },
                    if accents == 1 { "its letter" } else { "their letters" },
                    marks.join(", "),
                    if accents == 1 { "the accented letter" } else { "each accented letter" },
                    if accents == 1 { "it" } else { "them" },
                ));
            }
            let rest: String = bare.chars().filter(|c| !combining(*c)).collect();
            if rest.chars().any(char::is_whitespace) {
                why.push("a name has no spaces".to_owned());
            } else if rest.chars().any(|c| !(c.is_alphanumeric() || c == '_')) {
                why.push("a name holds only letters, digits and _".to_owned());
            }
            out.notes.push(format!(
                "\u{201c}{bare}\u{201d} became \u{201c}{name}\u{201d}: {}.",
                why.join("; and ")
            ));
        }
        if out.names.contains(&name) {
            out.notes.push(format!(
                "\u{201c}{name}\u{201d} was listed twice: it is kept once."
            ));
            continue;
        }
        // Placeholders compare capitals (as promptfoo's Nunjucks does): two names that differ
        // only in them are two variables, which is rarely meant (tryout 81: "ticket, TICKET").
        if let Some(other) = out
            .names
            .iter()
            .find(|n| n.to_lowercase() == name.to_lowercase())
        {
            out.remarks.push(format!(
                "\u{201c}{other}\u{201d} and \u{201c}{name}\u{201d} differ only in capitals: they are two variables, each with its own value in every case."
            ));
        }
        out.names.push(name);
    }
    out
}

/// Whether `c` is a combining accent (the Combining Diacritical Marks blocks: U+0300-U+036F,
/// U+1AB0-U+1AFF, U+1DC0-U+1DFF, U+20D0-U+20FF, U+FE20-U+FE2F), written after the letter it
/// sits on when a text is decomposed (Unicode NFD).
fn combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// "a character that shows as nothing (U+200B)", or "characters that show as nothing (U+202E,
/// U+FEFF)", for the codes in `hidden`.
fn shown_as_nothing(hidden: &[String]) -> String {
    let (what, verb) = if hidden.len() == 1 {
        ("a character", "shows")
    } else {
        ("characters", "show")
    };
    format!("{what} that {verb} as nothing ({})", hidden.join(", "))
}

/// The names of [`read_variables`], without its notes.
pub fn parse_variables(s: &str) -> Vec<String> {
    read_variables(s).names
}

/// The request that turns an idea into a prompt.
pub fn generate_request(input: &IdeaInput) -> ChatRequest {
    let mut details = String::new();
    if !input.audience.trim().is_empty() {
        details.push_str(&format!("Audience: {}\n", input.audience.trim()));
    }
    if !input.tone.trim().is_empty() {
        details.push_str(&format!("Tone: {}\n", input.tone.trim()));
    }
    match input.output {
        OutputKind::Auto => {}
        OutputKind::Json => {
            details.push_str("Output format: JSON (include a JSON schema for the answer)\n")
        }
        k => details.push_str(&format!("Output format: {}\n", k.label())),
    }
    details.push_str(&format!("Target model family: {}\n", input.target.label()));
    if !input.variables.is_empty() {
        let vars: Vec<String> = input
            .variables
            .iter()
            .map(|v| format!("{{{{{v}}}}}"))
            .collect();
        details.push_str(&format!(
            "Variables the prompt receives: {}\n",
            vars.join(", ")
        ));
    }
    let user = template::fill(
        GENERATE_USER,
        &[("idea", input.idea.trim()), ("details", &details)],
    );
    ChatRequest::structured(
        GENERATE,
        user.trim(),
        OutputSchema::new("system_prompt", spec_schema()),
        3000,
        ChatRequest::DEFAULT_TEMPERATURE,
    )
}

/// The JSON schema for one rewritten section.
pub fn section_schema(section: Section) -> Value {
    let full = spec_schema();
    let key = section.as_str();
    let mut props = serde_json::Map::new();
    props.insert(key.to_owned(), full["properties"][key].clone());
    let mut required = vec![json!(key)];
    if section == Section::Format {
        props.insert(
            "json_schema".into(),
            full["properties"]["json_schema"].clone(),
        );
        required.push(json!("json_schema"));
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": props})
}

/// The request that rewrites one section following an instruction.
pub fn section_request(spec: &PromptSpec, section: Section, instruction: &str) -> ChatRequest {
    let instruction = if instruction.trim().is_empty() {
        "Make it clearer and more specific."
    } else {
        instruction.trim()
    };
    let user = template::fill(
        SECTION_USER,
        &[
            ("prompt", &spec.render(RenderStyle::Markdown)),
            ("section", section.as_str()),
            ("instruction", instruction),
        ],
    );
    ChatRequest::structured(
        SECTION,
        user.trim(),
        OutputSchema::new(
            format!("section_{}", section.as_str()),
            section_schema(section),
        ),
        1500,
        ChatRequest::DEFAULT_TEMPERATURE,
    )
}

/// The request that adapts a prompt for another model family.
pub fn adapt_request(spec: &PromptSpec, family: ModelFamily) -> ChatRequest {
    let user = template::fill(
        ADAPT_USER,
        &[
            ("family", family.label()),
            ("prompt", &spec.render(RenderStyle::Markdown)),
        ],
    );
    ChatRequest::structured(
        ADAPT,
        user.trim(),
        OutputSchema::new("system_prompt", spec_schema()),
        3000,
        ChatRequest::DEFAULT_TEMPERATURE,
    )
}

/// A reply that could not be read as a full prompt; what arrived is kept in `partial`, and what
/// it lacks is in `gaps` (or, when nothing could be read, `cause` says why).
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub partial: PromptSpec,
    pub gaps: Vec<Gap>,
    pub cause: Option<ReplyCause>,
}

impl SpecError {
    /// What is wrong, in plain words: the gaps ("The reply has no Steps; Example 3 has no
    /// output."), or why nothing could be read.
    pub fn message(&self) -> String {
        match &self.cause {
            Some(c) => c.message(),
            None => {
                let names: Vec<String> = self.gaps.iter().map(Gap::message).collect();
                format!("{}. What arrived is kept.", names.join("; "))
            }
        }
    }

    /// As the structured reader's error, for the one repair message.
    pub fn error(&self) -> StructuredError {
        match &self.cause {
            Some(c) => c.as_structured(),
            None => StructuredError::Schema(self.gaps.iter().map(Gap::message).collect()),
        }
    }
}

/// The sections found so far in a reply that may still be streaming (or was cut off).
pub fn spec_from_partial(text: &str) -> PromptSpec {
    crate::domain::partial_json::parse_partial(text)
        .map(|v| reply::spec_from_value(&v))
        .unwrap_or_default()
}

/// Reads a finished reply as a full prompt: `Ok` when every section is there with the counts
/// the meta-prompt asks for (see [`reply::gaps`]); otherwise what arrived and what it lacks.
pub fn spec_from_reply(text: &str) -> Result<PromptSpec, SpecError> {
    match reply::read_spec(text, false) {
        Ok(reply::Reading { spec, cut, .. }) => {
            let mut gaps = reply::gaps(&spec);
            if let Some(s) = cut {
                gaps.insert(0, Gap::CutOff(s));
            }
            if gaps.is_empty() {
                Ok(spec)
            } else {
                Err(SpecError {
                    partial: spec,
                    gaps,
                    cause: None,
                })
            }
        }
        Err(cause) => Err(SpecError {
            partial: PromptSpec::default(),
            gaps: Section::ALL.into_iter().map(Gap::Missing).collect(),
            cause: Some(cause),
        }),
    }
}

/// The exact messages of a request, for manual mode (copy into any chat app).
pub fn manual_text(req: &ChatRequest) -> (String, String) {
    let system = req.system.clone().unwrap_or_default();
    let mut user = req
        .messages
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n\n");
    if let Some(s) = &req.schema {
        user.push_str(&format!(
            "\n\nReply with one JSON object, and nothing else, that follows this JSON schema:\n{}",
            serde_json::to_string_pretty(&s.schema).unwrap_or_default()
        ));
    }
    (system, user)
}

/// The longest text Manual mode reads as a reply, in bytes (200 KB, some 50,000 tokens: a
/// prompt reply is a few KB). Tryout: a 2 MB paste held the page for minutes.
pub const MAX_PASTE_BYTES: usize = 200_000;

/// Why a reply pasted in Manual mode gave nothing. `Display` is the message the page shows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasteProblem {
    /// The reply box was empty or held only spaces: no model was involved.
    #[error(
        "The reply box is empty. Paste the chat app's whole reply into it, then press Use this reply."
    )]
    NothingPasted,
    /// The reply is for one section of the current prompt, and the draft has no prompt.
    #[error(
        "This reply is for one section of the current prompt, and there is no prompt yet. Make a \
         prompt first (Generate, or Manual mode for a new prompt)."
    )]
    NoPrompt,
    /// The pasted text is longer than any prompt reply (more than [`MAX_PASTE_BYTES`]): not
    /// read, so a wrong paste (a whole log, a file) cannot hold the page.
    #[error(
        "What was pasted is {} KB, more than a prompt reply can be (at most {} KB are read). \
         Paste only the model's reply to the message above.",
        crate::domain::figures::grouped(*.0 as u64),
        MAX_PASTE_BYTES / 1000
    )]
    TooLong(usize),
    /// The pasted reply did not read ([`ReplyCause::pasted_message`]).
    #[error("{}", .0.pasted_message())]
    Reply(ReplyCause),
}

impl PasteProblem {
    /// The notice's title.
    pub fn title(&self) -> &'static str {
        match self {
            Self::NothingPasted => "Nothing was pasted",
            Self::NoPrompt => "There is no prompt to change",
            Self::TooLong(_) => "That is too long to be a reply",
            Self::Reply(_) => "Nothing in that reply could be used",
        }
    }

    /// What to do, when the reply itself did not read.
    pub fn hint(&self) -> Option<&'static str> {
        matches!(self, Self::Reply(_)).then_some(
            "Paste the chat app's whole reply: it should be one JSON object, as the message asks.",
        )
    }

    /// `Err(NothingPasted)` for a box with nothing but spaces in it, `Err(TooLong)` for more than
    /// [`MAX_PASTE_BYTES`]: checked before any reading, so an empty box is never "an empty reply
    /// from the model" and a wrong paste never holds the page.
    pub fn check(pasted: &str) -> Result<(), Self> {
        if pasted.trim().is_empty() {
            Err(Self::NothingPasted)
        } else if pasted.len() > MAX_PASTE_BYTES {
            Err(Self::TooLong(pasted.len().div_ceil(1000)))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod prompt_rules_tests;
#[cfg(test)]
mod tests;
