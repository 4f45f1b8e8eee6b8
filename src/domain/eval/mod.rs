//! Test cases and their assertions: what a prompt must do, checked on each output, with one score
//! per case and per run. Deterministic checks are pure functions of the output; the LLM-judge
//! verdict comes from [`judge`] and is merged in here.
use crate::domain::sorted::SortedMap;

use serde_json::Value;

use crate::domain::figures;
pub use crate::domain::provider::{Message, Speaker};
use crate::domain::schema::{Validator, check_schema_asserting_formats};
use crate::domain::spec::PromptSpec;

pub mod agreement;
#[cfg(test)]
mod agreement_tests;
pub mod case_call;
#[cfg(test)]
mod case_call_tests;
pub mod cases_io;
#[cfg(test)]
mod checks_tests;
pub mod grid;
pub mod judge;
pub mod matchers;
pub mod note_check;
#[cfg(test)]
mod note_check_tests;
pub mod rating;
#[cfg(test)]
mod rating_tests;
pub mod repeats;
pub mod rubric_improve;
pub mod run;
pub mod run_queue;
#[cfg(test)]
mod run_queue_tests;
#[cfg(test)]
mod run_tests;
pub mod suggest;
pub mod synth;
#[cfg(test)]
mod tests;

/// Test support: fails unless every one of `parts` stands in `text`, each after the one before
/// (how a request quoting a conversation is checked: its turns, then its last message).
#[cfg(test)]
pub(crate) fn assert_in_order(text: &str, parts: &[&str]) {
    let mut from = 0;
    for p in parts {
        match text[from..].find(p) {
            Some(at) => from += at + p.len(),
            None => panic!(
                "{p:?} is missing, or not after {:?}, in:\n{text}",
                &text[..from]
            ),
        }
    }
}

/// Which set a case belongs to: the optimizer learns from *train* cases and checks its winner on
/// *held-out* ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    #[default]
    Train,
    HeldOut,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::HeldOut => "held-out",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .as_str()
        {
            "held-out" | "heldout" | "holdout" | "test" => Self::HeldOut,
            _ => Self::Train,
        }
    }
}

/// One test case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestCase {
    /// Unique within a draft, never reused.
    pub id: u32,
    /// A short label (optional).
    pub description: String,
    /// The user message sent with the prompt (may be empty when variables carry the input): in
    /// a conversation, the last message, the one whose reply is checked.
    pub input: String,
    /// Earlier turns of a conversation, in order, sent as they are between the system prompt and
    /// the user message (user and assistant turns, any number, either may come first; their
    /// texts are not filled with variables). Empty for a one-message case.
    pub turns: Vec<Message>,
    /// Values for the prompt's `{{variables}}`, in order.
    pub vars: Vec<(String, String)>,
    /// What a good answer looks like (optional; shown to the judge as a reference).
    pub expected: String,
    pub assertions: Vec<Assertion>,
    pub tags: Vec<String>,
    pub split: Split,
    /// promptfoo's test `threshold` (0..=1): when set, the case passes when its score reaches it,
    /// even if some checks fail; when unset, every check must pass.
    pub threshold: Option<f64>,
}

impl TestCase {
    /// The user message for the execution model: the input, else the variables that hold a
    /// value as `name: value` lines (an empty one says nothing: tryout 85, a CSV export read
    /// back gave every case the other cases' columns as empty values, and each sent
    /// "question: " lines it never had).
    pub fn user_message(&self) -> String {
        if !self.input.trim().is_empty() || self.vars.is_empty() {
            return self.input.clone();
        }
        self.vars
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// "notes: Bob sends the deck…" (the value cut to 40 characters, on one line): the first
    /// variable with a value, for a case whose line shows its input (no description), so that
    /// cases with one input and different data can be told apart in a list (tryout 91). `None`
    /// when the line shows the variables already (no input), or there is none with a value.
    pub fn first_value_shown(&self) -> Option<String> {
        if !self.description.trim().is_empty() || self.input.trim().is_empty() {
            return None;
        }
        let (name, value) = self.vars.iter().find(|(_, v)| !v.trim().is_empty())?;
        Some(format!("{name}: {}", one_line(value, 40)))
    }

    /// Whether the case holds earlier turns (a conversation).
    pub fn is_conversation(&self) -> bool {
        !self.turns.is_empty()
    }

    /// The messages sent after the system prompt: the earlier turns, then
    /// [`TestCase::user_message`].
    pub fn messages(&self) -> Vec<Message> {
        let mut out = self.turns.clone();
        out.push(Message::user(self.user_message()));
        out
    }

    /// "Conversation · 3 earlier turns" for a conversation; `None` for a one-message case.
    pub fn conversation_label(&self) -> Option<String> {
        self.is_conversation().then(|| {
            format!(
                "Conversation \u{b7} {}",
                figures::count(self.turns.len(), "earlier turn", "earlier turns")
            )
        })
    }

    /// What a grader or a reviewer reads as the input: [`TestCase::user_message`] cut to `limit`
    /// characters ([`clip`]); for a conversation, the earlier turns (each under its speaker,
    /// each cut to `limit`, the oldest left out and counted when they pass three times `limit`
    /// together), then the last user message, which the answer replies to.
    pub fn shown_input(&self, limit: usize) -> String {
        let last = clip(&self.user_message(), limit);
        if self.turns.is_empty() {
            return last;
        }
        let mut kept: Vec<String> = Vec::new();
        let mut used = 0usize;
        for t in self.turns.iter().rev() {
            let text = clip(&t.text, limit);
            let n = text.chars().count();
            if !kept.is_empty() && used + n > 3 * limit {
                break;
            }
            used += n;
            let who = match t.speaker {
                Speaker::User => "User",
                Speaker::Assistant => "Assistant",
            };
            kept.push(format!("[{who}]\n{text}"));
        }
        kept.reverse();
        let dropped = self.turns.len() - kept.len();
        let mut out = String::from("A conversation. The earlier turns, in order:\n");
        if dropped > 0 {
            out.push_str(&format!(
                "({} left out)\n",
                figures::count(dropped, "older turn", "older turns")
            ));
        }
        out.push_str(&kept.join("\n\n"));
        out.push_str("\n\nThe last user message, the one the answer replies to:\n");
        out.push_str(&last);
        out
    }

    /// [`figures::hidden_marks`] over every text of the case a person reads (description,
    /// earlier turns, input, variables' values, expected answer, tags): the note naming the
    /// characters that show as nothing or change the text's direction, or `None`. Tryout 84: a
    /// case whose description held U+202E read reversed in the list, with no word.
    pub fn hidden_marks(&self) -> Option<String> {
        let mut text = String::new();
        for t in [&self.description, &self.input, &self.expected]
            .into_iter()
            .chain(self.turns.iter().map(|m| &m.text))
            .chain(self.vars.iter().map(|(_, v)| v))
            .chain(self.tags.iter())
        {
            text.push_str(t);
            text.push(' ');
        }
        figures::hidden_marks(&text)
    }

    /// A one-line summary of the input, for lists.
    pub fn summary(&self) -> String {
        let text = if !self.description.trim().is_empty() {
            self.description.clone()
        } else {
            self.user_message()
        };
        one_line(&text, 80)
    }
}

/// `text` on one line (runs of spaces and line breaks as one space), cut to at most
/// `max_chars` characters with "…" ending a cut one: a case's line in a list.
fn one_line(text: &str, max_chars: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > max_chars {
        format!("{}…", line.chars().take(max_chars - 1).collect::<String>())
    } else {
        line
    }
}

/// A case's tags as its tags box shows them: joined by ", ", a comma or semicolon within a tag
/// written `\,` or `\;` (promptfoo's CSV escape, e.g. the imported tag "advanced,theory"), so
/// that [`read_tags`] reads the box back as the same tags (tryout 107: editing the box split
/// that tag in two).
pub fn tags_text(tags: &[String]) -> String {
    tags.iter()
        .map(|t| t.replace(',', "\\,").replace(';', "\\;"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tags box's text as tags: split at commas and semicolons not written `\,` or `\;`,
/// trimmed, empty ones dropped. [`tags_text`] shows them back.
pub fn read_tags(text: &str) -> Vec<String> {
    split_escaped(text, &[',', ';'])
}

/// `text` split at each of `separators` not written after a backslash (`\,` stands for a comma
/// within a piece, as in promptfoo's CSV cells), each piece trimmed, empty ones dropped; a
/// backslash before anything else stays as written.
pub fn split_escaped(text: &str, separators: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| separators.contains(n)) => {
                cur.extend(chars.next());
            }
            c if separators.contains(&c) => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Fills `{{name}}` placeholders (spaces inside allowed, as `prompt_variables` finds them) in a
/// rendered prompt with a case's variables, in one pass: a value is never read again, so a value
/// containing `{{other}}` stays as written. Unknown names stay as written; for a name given twice,
/// the first value is used.
pub fn fill_variables(prompt: &str, vars: &[(String, String)]) -> String {
    let mut out = String::with_capacity(prompt.len());
    let mut rest = prompt;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = after[..end].trim();
            let (_, v) = vars.iter().find(|(k, _)| k == name)?;
            Some((v, end))
        });
        match value {
            Some((v, end)) => {
                out.push_str(v);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{{name}}` placeholders in a prompt, in order of first appearance.
pub use crate::domain::spec::placeholders as prompt_variables;

/// Characters or words, for length bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LengthUnit {
    #[default]
    Chars,
    Words,
}

/// The model-graded checks other than `llm-rubric`: each has its own rubric template (our own
/// wording, in `graders/*.md`) that the judge request grades against, 1-10. Names and meaning
/// follow promptfoo's docs ("Model-graded metrics").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grader {
    /// `g-eval`: the judge writes its own checking steps for the criteria, then scores.
    GEval,
    /// `factuality`: consistency with reference facts (contradiction fails).
    Factuality,
    /// `model-graded-closedqa`: a yes/no criterion.
    ClosedQa,
    /// `answer-relevance`: the answer is about what the input asked.
    AnswerRelevance,
    /// `select-best`: how strongly the answer would win on a criterion. promptfoo compares the
    /// outputs of several prompts at once; a run here has one output per case, so each is scored
    /// on its own.
    SelectBest,
}

impl Grader {
    /// Every grader, in the picker's order.
    pub const ALL: [Grader; 5] = [
        Self::GEval,
        Self::Factuality,
        Self::ClosedQa,
        Self::AnswerRelevance,
        Self::SelectBest,
    ];

    /// promptfoo's type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GEval => "g-eval",
            Self::Factuality => "factuality",
            Self::ClosedQa => "model-graded-closedqa",
            Self::AnswerRelevance => "answer-relevance",
            Self::SelectBest => "select-best",
        }
    }

    /// Reads a type name (also promptfoo's alias `model-graded-factuality`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "model-graded-factuality" => Some(Self::Factuality),
            _ => Self::ALL.into_iter().find(|g| g.as_str() == s),
        }
    }

    /// Whether the check needs a value (answer-relevance grades against the input when it has none).
    pub fn needs_value(self) -> bool {
        self != Self::AnswerRelevance
    }

    /// The rubric the judge grades against: this grader's template with the check's value in it.
    pub fn rubric(self, value: &str) -> String {
        let template = match self {
            Self::GEval => include_str!("graders/g_eval.md"),
            Self::Factuality => include_str!("graders/factuality.md"),
            Self::ClosedQa => include_str!("graders/closed_qa.md"),
            Self::AnswerRelevance => include_str!("graders/answer_relevance.md"),
            Self::SelectBest => include_str!("graders/select_best.md"),
        };
        let value = value.trim();
        let value = if value.is_empty() {
            "the input above"
        } else {
            value
        };
        crate::domain::template::fill(template.trim(), &[("value", value)])
    }
}

/// What a run observed about one answer besides its text (promptfoo's provider response fields),
/// read by `finish-reason`, `latency`, `cost` and `is-refusal`. `None` means not observed: the
/// check then says so ([`Verdict::Unmeasured`]) instead of guessing.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Observed {
    /// Why the model stopped, in promptfoo's words: "stop", "length", "content_filter",
    /// "tool_calls", or the provider's own word (see [`Observed::finish_reason_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Wall time of the call, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// What the call cost in US dollars (tokens at the model's list price), when the price is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// [`Observed::cost_usd`] is an estimate from the texts (the provider reported no usage, or
    /// attempts that stalled were sent again): a `cost` check is then not measured. Absent
    /// (false) in older records.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    /// The provider's own refusal message, when it reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// The person's rating of this answer ([`rating::Rating`]), when they gave one: a
    /// thumbs-down counts as a failed check ([`Suite::thumbs_down_fails`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<rating::Rating>,
    /// The judge that scored this answer was the built-in tiny model (llama.cpp): its verdicts
    /// say they are a rough guess (tryout 117: an unrelated 10/10 read as a plain "pass").
    /// Absent (false) in older records.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rough_judge: bool,
}

impl Observed {
    /// A stop reason in promptfoo's `finish-reason` vocabulary.
    pub fn finish_reason_of(stop: &crate::domain::provider::StopReason) -> String {
        use crate::domain::provider::StopReason;
        match stop {
            StopReason::End => "stop".into(),
            StopReason::MaxTokens => "length".into(),
            StopReason::ContentFilter => "content_filter".into(),
            StopReason::ToolUse => "tool_calls".into(),
            StopReason::Other(s) => s.to_lowercase(),
        }
    }

    /// Whether the answer stopped at the output token limit: its finish reason is promptfoo's
    /// [`CUT_OFF_REASON`] (OpenAI `length`, Anthropic `max_tokens`, Gemini `MAX_TOKENS`), compared
    /// the way the `finish-reason` check compares ([`same_finish_reason`]). This is the one rule
    /// for "cut off" wherever an answer is scored or judged.
    pub fn cut_off(&self) -> bool {
        self.finish_reason
            .as_deref()
            .is_some_and(|r| same_finish_reason(r, CUT_OFF_REASON))
    }

    /// Nothing observed (replies scored from their text alone).
    pub fn none() -> &'static Observed {
        static NONE: Observed = Observed {
            finish_reason: None,
            latency_ms: None,
            cost_usd: None,
            cost_estimated: false,
            refusal: None,
            rating: None,
            rough_judge: false,
        };
        &NONE
    }
}

/// promptfoo's finish reason for an answer that stopped at the output token limit.
pub const CUT_OFF_REASON: &str = "length";

/// Whether two finish reasons are the same, as the `finish-reason` check reads them: ends
/// trimmed, any case.
pub fn same_finish_reason(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// What an assertion checks. Each kind is named after promptfoo's assertion type (in
/// [`CheckKind::as_str`]); `not-` and the `i…` (ignore case) variants are flags on [`Assertion`].
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The whole output equals the text exactly (nothing trimmed), as promptfoo's `equals` with
    /// a text value (`String(value) === output`, a quoted YAML value or a CSV cell included),
    /// whatever the text looks like.
    Equals(String),
    /// promptfoo's `equals` with an object or list value (written unquoted in YAML, or as JSON
    /// in a JSON file): the whole output, read as JSON, is this JSON object or list (its JSON
    /// text here): key order and spacing do not count, numbers compare by value (promptfoo:
    /// `util.isDeepStrictEqual(value, JSON.parse(output))`). Shown as an `equals` check with
    /// "as JSON" ticked.
    EqualsJson(String),
    ContainsAll(Vec<String>),
    ContainsAny(Vec<String>),
    NotContains(Vec<String>),
    StartsWith(String),
    /// A regular expression that must match somewhere in the output.
    Regex(String),
    IsJson,
    /// Valid JSON matching a schema: the one given, else the Format section's.
    MatchesSchema(Option<String>),
    Length {
        unit: LengthUnit,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// The judge model grades the output against a rubric, 1-10; passes at `threshold` or above.
    Judge {
        rubric: String,
        threshold: u8,
    },
    /// promptfoo `levenshtein`: the whole answer, spaces and line breaks at its ends included,
    /// is at most `max_distance` edits from the text, counted in UTF-16 code units as promptfoo
    /// counts them ([`matchers::levenshtein_within`]).
    Levenshtein {
        text: String,
        max_distance: u32,
    },
    /// promptfoo `contains-json`: some valid JSON inside the answer, matching the JSON schema
    /// when one is given.
    ContainsJson(Option<String>),
    /// promptfoo `is-xml`: the whole answer is one well-formed XML document holding every listed
    /// element path (`root.child`).
    IsXml(Vec<String>),
    /// promptfoo `contains-xml`: some well-formed XML element inside the answer holding every
    /// listed element path.
    ContainsXml(Vec<String>),
    /// promptfoo `is-refusal`: the provider reported a refusal, or the text reads as one.
    IsRefusal,
    /// promptfoo `finish-reason`: the model stopped for this reason (any case).
    FinishReason(String),
    /// promptfoo `latency`: the call took at most this many milliseconds.
    Latency {
        max_ms: u64,
    },
    /// promptfoo `cost`: the call cost at most this many US dollars.
    Cost {
        max_usd: f64,
    },
    /// A model-graded check with its own rubric template; passes at `threshold` (1-10) or above.
    Graded {
        grader: Grader,
        value: String,
        threshold: u8,
    },
}

/// The kinds of assertion, for pickers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Equals,
    ContainsAll,
    ContainsAny,
    NotContains,
    StartsWith,
    Regex,
    IsJson,
    MatchesSchema,
    Length,
    Judge,
    Levenshtein,
    ContainsJson,
    IsXml,
    ContainsXml,
    IsRefusal,
    FinishReason,
    Latency,
    Cost,
    Graded(Grader),
}

impl CheckKind {
    /// Every kind, in the picker's order.
    pub const ALL: [CheckKind; 23] = [
        Self::ContainsAll,
        Self::ContainsAny,
        Self::NotContains,
        Self::Equals,
        Self::StartsWith,
        Self::Regex,
        Self::Levenshtein,
        Self::IsJson,
        Self::ContainsJson,
        Self::MatchesSchema,
        Self::IsXml,
        Self::ContainsXml,
        Self::Length,
        Self::IsRefusal,
        Self::FinishReason,
        Self::Latency,
        Self::Cost,
        Self::Judge,
        Self::Graded(Grader::GEval),
        Self::Graded(Grader::Factuality),
        Self::Graded(Grader::ClosedQa),
        Self::Graded(Grader::AnswerRelevance),
        Self::Graded(Grader::SelectBest),
    ];

    /// The promptfoo-style name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::ContainsAll => "contains-all",
            Self::ContainsAny => "contains-any",
            Self::NotContains => "not-contains",
            Self::StartsWith => "starts-with",
            Self::Regex => "regex",
            Self::IsJson => "is-json",
            Self::MatchesSchema => "matches-schema",
            Self::Length => "length",
            Self::Judge => "llm-rubric",
            Self::Levenshtein => "levenshtein",
            Self::ContainsJson => "contains-json",
            Self::IsXml => "is-xml",
            Self::ContainsXml => "contains-xml",
            Self::IsRefusal => "is-refusal",
            Self::FinishReason => "finish-reason",
            Self::Latency => "latency",
            Self::Cost => "cost",
            Self::Graded(g) => g.as_str(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Equals => "Equals exactly",
            Self::ContainsAll => "Contains all of",
            Self::ContainsAny => "Contains any of",
            Self::NotContains => "Does not contain",
            Self::StartsWith => "Starts with",
            Self::Regex => "Matches pattern (regex)",
            Self::IsJson => "Is valid JSON",
            Self::MatchesSchema => "Matches the JSON schema",
            Self::Length => "Length between",
            Self::Judge => "Judge with a rubric",
            Self::Levenshtein => "Close to (few typos)",
            Self::ContainsJson => "Contains JSON",
            Self::IsXml => "Is valid XML",
            Self::ContainsXml => "Contains XML",
            Self::IsRefusal => "Is a refusal",
            Self::FinishReason => "Stopped because",
            Self::Latency => "Answers within (ms)",
            Self::Cost => "Costs at most ($)",
            Self::Graded(Grader::GEval) => "Judge with criteria (G-Eval)",
            Self::Graded(Grader::Factuality) => "Agrees with the facts",
            Self::Graded(Grader::ClosedQa) => "Meets a yes/no criterion",
            Self::Graded(Grader::AnswerRelevance) => "Answers the question asked",
            Self::Graded(Grader::SelectBest) => "Best by a criterion",
        }
    }

    /// A plain-words hint for people who do not know the term.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Equals => {
                "The whole answer must be exactly this text, spaces and line breaks included; tick \u{201c}as JSON\u{201d} to compare a JSON object or list whatever its spacing and key order."
            }
            Self::ContainsAll => "Every listed phrase must appear (one per line).",
            Self::ContainsAny => "At least one listed phrase must appear (one per line).",
            Self::NotContains => "None of the listed phrases may appear (one per line).",
            Self::StartsWith => "The answer must begin with this text, from its first character.",
            Self::Regex => {
                "A regular expression (JavaScript syntax, as in promptfoo): a text pattern such as ^\\d{4}-\\d{2}-\\d{2}$ for a date."
            }
            Self::IsJson => "The answer must be valid JSON data that a program can read.",
            Self::MatchesSchema => {
                "The answer must be JSON shaped like the JSON schema (from the Format section unless you paste one)."
            }
            Self::Length => "Bounds on the answer's length, in characters or words.",
            Self::Judge => {
                "The judge model reads the answer, explains its reasoning, then scores it 1-10 against your rubric."
            }
            Self::Levenshtein => {
                "The whole answer must be this text give or take a few typos: at most N letters added, removed or changed (edit distance; spaces and line breaks at the ends count, and an emoji counts as two, as in promptfoo)."
            }
            Self::ContainsJson => {
                "Somewhere in the answer there must be a whole JSON object, {…} (with a JSON schema pasted, one that matches it)."
            }
            Self::IsXml => {
                "The whole answer must be well-formed XML. Optionally list elements it must hold, one per line, as paths like root.child."
            }
            Self::ContainsXml => {
                "Somewhere in the answer there must be well-formed XML. Optionally list elements it must hold, as paths like root.child."
            }
            Self::IsRefusal => {
                "The model declines to answer (\u{201c}I can't help with that\u{201d}), or the provider reports a refusal. Tick \u{201c}not\u{201d} to require a real answer."
            }
            Self::FinishReason => {
                "Why the model stopped: stop (it finished), length (it hit the length limit), content_filter (a safety filter), tool_calls."
            }
            Self::Latency => {
                "The call must take at most this many milliseconds (1000 ms = 1 second), from sending the attempt that answered to its last word: waits to retry after a refused or failed attempt are not counted."
            }
            Self::Cost => {
                "The call must cost at most this many US dollars, at the model's list price."
            }
            Self::Graded(Grader::GEval) => {
                "The judge first writes the steps it will use to check your criteria, then scores the answer 1-10."
            }
            Self::Graded(Grader::Factuality) => {
                "The judge compares the answer with the reference facts you give; a contradiction fails."
            }
            Self::Graded(Grader::ClosedQa) => {
                "The judge answers a yes/no question about the answer: yes scores 10, no scores 1."
            }
            Self::Graded(Grader::AnswerRelevance) => {
                "The judge checks that the answer is about what the input asked, not something else."
            }
            Self::Graded(Grader::SelectBest) => {
                "The judge rates how strongly this answer would win against other answers on your criterion (scored alone, not side by side)."
            }
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the judge model grades this kind.
    pub fn is_judged(self) -> bool {
        matches!(self, Self::Judge | Self::Graded(_))
    }

    /// Whether "ignore capitals" (promptfoo's `i` prefix) applies to this kind.
    pub fn takes_case(self) -> bool {
        matches!(
            self,
            Self::Equals
                | Self::ContainsAll
                | Self::ContainsAny
                | Self::NotContains
                | Self::StartsWith
                | Self::Regex
        )
    }

    /// A fresh assertion of this kind with empty values.
    pub fn blank(self) -> Check {
        match self {
            Self::Equals => Check::Equals(String::new()),
            Self::ContainsAll => Check::ContainsAll(Vec::new()),
            Self::ContainsAny => Check::ContainsAny(Vec::new()),
            Self::NotContains => Check::NotContains(Vec::new()),
            Self::StartsWith => Check::StartsWith(String::new()),
            Self::Regex => Check::Regex(String::new()),
            Self::IsJson => Check::IsJson,
            Self::MatchesSchema => Check::MatchesSchema(None),
            Self::Length => Check::Length {
                unit: LengthUnit::Chars,
                min: None,
                max: None,
            },
            Self::Judge => Check::Judge {
                rubric: String::new(),
                threshold: 7,
            },
            Self::Levenshtein => Check::Levenshtein {
                text: String::new(),
                max_distance: 5,
            },
            Self::ContainsJson => Check::ContainsJson(None),
            Self::IsXml => Check::IsXml(Vec::new()),
            Self::ContainsXml => Check::ContainsXml(Vec::new()),
            Self::IsRefusal => Check::IsRefusal,
            Self::FinishReason => Check::FinishReason("stop".into()),
            Self::Latency => Check::Latency { max_ms: 5000 },
            Self::Cost => Check::Cost { max_usd: 0.01 },
            Self::Graded(grader) => Check::Graded {
                grader,
                value: String::new(),
                threshold: 7,
            },
        }
    }
}

/// An entry of the "Add check" picker: the kind plus the `not-` flag, named in promptfoo's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub kind: CheckKind,
    /// The `not-` form (only "Does not equal" is offered as its own entry).
    pub negate: bool,
}

impl Preset {
    /// Every kind, with "Does not equal" (`not-equals`) after "Equals exactly".
    pub fn all() -> Vec<Preset> {
        let mut out = Vec::new();
        for kind in CheckKind::ALL {
            out.push(Preset {
                kind,
                negate: false,
            });
            if kind == CheckKind::Equals {
                out.push(Preset { kind, negate: true });
            }
        }
        out
    }

    /// promptfoo's type name, e.g. `not-equals`: the picker's option value.
    pub fn name(self) -> String {
        self.assertion().type_name()
    }

    /// The option's text in the picker.
    pub fn label(self) -> &'static str {
        match (self.kind, self.negate) {
            (CheckKind::Equals, true) => "Does not equal",
            (k, _) => k.label(),
        }
    }

    /// A plain-words hint shown beside the picker.
    pub fn hint(self) -> &'static str {
        match (self.kind, self.negate) {
            (CheckKind::Equals, true) => "The whole answer must be anything but this text.",
            (k, _) => k.hint(),
        }
    }

    /// Finds a preset by its [`name`](Self::name).
    pub fn parse(name: &str) -> Option<Preset> {
        Self::all().into_iter().find(|p| p.name() == name)
    }

    /// A fresh assertion with empty values.
    pub fn assertion(self) -> Assertion {
        Assertion {
            negate: self.negate,
            ..Assertion::new(self.kind.blank())
        }
    }
}

/// The largest weight a check may have (the page's field and the importer take 0 to this):
/// promptfoo sets none (tryout 114: a `weight: 999999` came in as 1 and changed promptfoo's
/// verdict); this one keeps a case's weighted sum finite (tryout 52: two checks of 1e308 scored
/// 0 for 50).
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// One assertion. Two are equal when they check the same and an export writes them alike: a
/// threshold as written that an export would not write back (one that gives another pass mark
/// than the check's, or one in tenths that the pass mark writes anyway) makes no difference.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub check: Check,
    /// Compare text without regard to letter case (text checks only; promptfoo's `i…` types).
    pub ignore_case: bool,
    /// Passes when the check fails and the other way round (promptfoo's `not-` prefix, which
    /// works with every type).
    pub negate: bool,
    /// How much the check counts in its case's score, 0 or more (promptfoo's `weight`, 1 by
    /// default): the score is the weighted mean of the checks' scores ([`score_case`]); a
    /// check of weight 0 counts for nothing in the score, and still fails its case when it
    /// fails and the case has no threshold, as in promptfoo.
    pub weight: f64,
    /// A model-graded check's `threshold` (0-1) as its promptfoo file or draft wrote it, kept so
    /// an export writes it back as it came: the pass mark, in whole points of the judge's 1-10
    /// scale ([`pass_mark`]), reads 0.75 as 8, which promptfoo's own judge (scores 0-1) would
    /// apply as 0.8. Written back only while it still gives the check's pass mark (one changed
    /// in the page is written from the pass mark); `None` for other checks and when none was
    /// written.
    pub threshold_as_written: Option<f64>,
}

impl PartialEq for Assertion {
    fn eq(&self, other: &Self) -> bool {
        // As the export writes it (`wire::plain_v1`): a model-graded check's default pass mark
        // with none written goes out with no threshold.
        let written = |a: &Assertion| match &a.check {
            Check::Judge { threshold, .. } => (*threshold != pass_mark(None)
                || a.threshold_as_written.is_some())
            .then(|| a.threshold_to_write(*threshold)),
            Check::Graded {
                threshold, grader, ..
            } => (*threshold != pass_mark(None)
                || a.threshold_as_written.is_some()
                || *grader == Grader::AnswerRelevance)
                .then(|| a.threshold_to_write(*threshold)),
            _ => None,
        };
        self.check == other.check
            && self.ignore_case == other.ignore_case
            && self.negate == other.negate
            && self.weight == other.weight
            && written(self) == written(other)
    }
}

impl Assertion {
    pub fn new(check: Check) -> Self {
        Self {
            check,
            ignore_case: false,
            negate: false,
            weight: 1.0,
            threshold_as_written: None,
        }
    }

    /// The `threshold` an export writes for a model-graded check whose pass mark is `mark`: the
    /// one written where it came from while it gives that mark ([`pass_mark`]), else the mark in
    /// tenths.
    pub fn threshold_to_write(&self, mark: u8) -> f64 {
        self.threshold_as_written
            .filter(|t| pass_mark(Some(*t)) == mark)
            .unwrap_or_else(|| f64::from(mark) / 10.0)
    }

    pub fn kind(&self) -> CheckKind {
        match self.check {
            Check::Equals(_) | Check::EqualsJson(_) => CheckKind::Equals,
            Check::ContainsAll(_) => CheckKind::ContainsAll,
            Check::ContainsAny(_) => CheckKind::ContainsAny,
            Check::NotContains(_) => CheckKind::NotContains,
            Check::StartsWith(_) => CheckKind::StartsWith,
            Check::Regex(_) => CheckKind::Regex,
            Check::IsJson => CheckKind::IsJson,
            Check::MatchesSchema(_) => CheckKind::MatchesSchema,
            Check::Length { .. } => CheckKind::Length,
            Check::Judge { .. } => CheckKind::Judge,
            Check::Levenshtein { .. } => CheckKind::Levenshtein,
            Check::ContainsJson(_) => CheckKind::ContainsJson,
            Check::IsXml(_) => CheckKind::IsXml,
            Check::ContainsXml(_) => CheckKind::ContainsXml,
            Check::IsRefusal => CheckKind::IsRefusal,
            Check::FinishReason(_) => CheckKind::FinishReason,
            Check::Latency { .. } => CheckKind::Latency,
            Check::Cost { .. } => CheckKind::Cost,
            Check::Graded { grader, .. } => CheckKind::Graded(grader),
        }
    }

    /// promptfoo's type name for this assertion, with its `not-` and `i` variants
    /// (`not-equals`, `icontains-any`…): what the check list shows. It names the check's type,
    /// whatever its value: a schema check is `matches-schema` (files write one with its own
    /// schema as promptfoo's `is-json` with a value, which reads back as the same check).
    pub fn type_name(&self) -> String {
        match &self.check {
            Check::MatchesSchema(Some(_)) => Assertion {
                check: Check::MatchesSchema(None),
                ..self.clone()
            }
            .type_name(),
            _ => crate::domain::wire::AssertionV1::from(self).kind,
        }
    }

    /// The label to show: the kind's, or "Does not equal" / "Not: …" when negated; "Contains"
    /// for a list of one phrase, as its row says (tryout 118: an imported `icontains` edited
    /// under "Contains all of").
    pub fn label(&self) -> String {
        match (&self.check, self.negate) {
            (Check::ContainsAll(v) | Check::ContainsAny(v), false) if v.len() == 1 => {
                return "Contains".to_owned();
            }
            (Check::NotContains(v), true) if v.len() == 1 => return "Contains".to_owned(),
            (Check::ContainsAll(v) | Check::ContainsAny(v), true) if v.len() == 1 => {
                return "Does not contain".to_owned();
            }
            _ => {}
        }
        match (self.kind(), self.negate) {
            (k, false) => k.label().to_owned(),
            (CheckKind::Equals, true) => "Does not equal".to_owned(),
            (CheckKind::NotContains, true) => "Contains any of".to_owned(),
            (k, true) => format!("Not: {}", k.label().to_lowercase()),
        }
    }

    /// Whether the check reads the variable `{{name}}` (filling it in changes the check).
    pub fn reads_var(&self, name: &str) -> bool {
        const MARK: &str = "\u{0}pw-variable\u{0}";
        self.with_vars(&[(name.to_owned(), MARK.to_owned())]).check != self.check
    }

    /// Whether the check compares the answer with the variable `{{name}}` (an expected answer):
    /// it reads it ([`Self::reads_var`]) and is not negated, a `not-contains` or a stop reason
    /// check, which a value the model never saw passes trivially.
    pub fn compares_with_var(&self, name: &str) -> bool {
        !self.negate
            && !matches!(self.check, Check::NotContains(_) | Check::FinishReason(_))
            && self.reads_var(name)
    }

    /// The same assertion with `{{variable}}` placeholders in its texts filled from a case's
    /// variables (promptfoo renders assertion values with the test's vars).
    pub fn with_vars(&self, vars: &[(String, String)]) -> Assertion {
        if vars.is_empty() {
            return self.clone();
        }
        let f = |s: &String| fill_variables(s, vars);
        let list = |v: &Vec<String>| v.iter().map(f).collect::<Vec<_>>();
        let check = match &self.check {
            Check::Equals(s) => Check::Equals(f(s)),
            Check::EqualsJson(s) => Check::EqualsJson(f(s)),
            Check::ContainsAll(v) => Check::ContainsAll(list(v)),
            Check::ContainsAny(v) => Check::ContainsAny(list(v)),
            Check::NotContains(v) => Check::NotContains(list(v)),
            Check::StartsWith(s) => Check::StartsWith(f(s)),
            Check::Regex(s) => Check::Regex(f(s)),
            Check::Judge { rubric, threshold } => Check::Judge {
                rubric: f(rubric),
                threshold: *threshold,
            },
            Check::Levenshtein { text, max_distance } => Check::Levenshtein {
                text: f(text),
                max_distance: *max_distance,
            },
            Check::FinishReason(s) => Check::FinishReason(f(s)),
            Check::Graded {
                grader,
                value,
                threshold,
            } => Check::Graded {
                grader: *grader,
                value: f(value),
                threshold: *threshold,
            },
            other => other.clone(),
        };
        Assertion {
            check,
            ..self.clone()
        }
    }

    /// The rubric the judge grades this assertion against (variables already filled), or `None`
    /// for checks that need no judge. It is also the key of the judge's verdict in a run.
    pub fn judge_rubric(&self) -> Option<String> {
        match &self.check {
            Check::Judge { rubric, .. } => Some(rubric.trim().to_owned()),
            Check::Graded { grader, value, .. } => Some(grader.rubric(value)),
            _ => None,
        }
    }

    /// A short description, e.g. `contains all of "a", "b"`.
    pub fn describe(&self) -> String {
        let plain = self.describe_plain();
        if self.negate {
            format!("not: {plain}")
        } else {
            plain
        }
    }

    fn describe_plain(&self) -> String {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("\u{201c}{s}\u{201d}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ic = if self.ignore_case {
            " (capitals ignored)"
        } else {
            ""
        };
        match &self.check {
            Check::Equals(s) => format!("equals \u{201c}{s}\u{201d}{ic}"),
            Check::EqualsJson(s) => format!("equals the JSON {s}"),
            // One value: "contains" (tryout 117: an imported `icontains` read "contains all of").
            Check::ContainsAll(v) if v.len() == 1 => format!("contains {}{ic}", list(v)),
            Check::ContainsAny(v) if v.len() == 1 => format!("contains {}{ic}", list(v)),
            Check::ContainsAll(v) => format!("contains all of {}{ic}", list(v)),
            Check::ContainsAny(v) => format!("contains any of {}{ic}", list(v)),
            Check::NotContains(v) => format!("does not contain {}{ic}", list(v)),
            Check::StartsWith(s) => format!("starts with \u{201c}{s}\u{201d}{ic}"),
            Check::Regex(r) => format!("matches /{r}/{}", if self.ignore_case { "i" } else { "" }),
            Check::IsJson => "is valid JSON".into(),
            Check::MatchesSchema(None) => "matches the Format section's JSON schema".into(),
            Check::MatchesSchema(Some(_)) => "matches the given JSON schema".into(),
            Check::Length { unit, min, max } => {
                let u = match unit {
                    LengthUnit::Chars => "characters",
                    LengthUnit::Words => "words",
                };
                match (min, max) {
                    (Some(a), Some(b)) => format!("{a} to {b} {u}"),
                    (Some(a), None) => format!("at least {a} {u}"),
                    (None, Some(b)) => format!("at most {b} {u}"),
                    (None, None) => format!("any number of {u}"),
                }
            }
            Check::Judge { rubric, threshold } => {
                format!("judge: \u{201c}{rubric}\u{201d} (pass at {threshold}/10)")
            }
            Check::Levenshtein { text, max_distance } => format!(
                "within {max_distance} edit{} of \u{201c}{text}\u{201d}",
                if *max_distance == 1 { "" } else { "s" }
            ),
            Check::ContainsJson(None) => "contains valid JSON".into(),
            Check::ContainsJson(Some(_)) => "contains JSON matching the given schema".into(),
            Check::IsXml(p) if p.is_empty() => "is valid XML".into(),
            Check::IsXml(p) => format!("is valid XML with {}", list(p)),
            Check::ContainsXml(p) if p.is_empty() => "contains valid XML".into(),
            Check::ContainsXml(p) => format!("contains valid XML with {}", list(p)),
            Check::IsRefusal => "is a refusal".into(),
            Check::FinishReason(r) => format!("stops because of \u{201c}{r}\u{201d}"),
            Check::Latency { max_ms } => format!("answers within {max_ms} ms"),
            Check::Cost { max_usd } => format!("costs at most ${max_usd}"),
            Check::Graded {
                grader,
                value,
                threshold,
            } if value.trim().is_empty() => {
                // Tryout 113: `answer-relevance: "" (pass at 5/10)`, an empty value quoted.
                format!("{} (pass at {threshold}/10)", grader.as_str())
            }
            Check::Graded {
                grader,
                value,
                threshold,
            } => format!(
                "{}: \u{201c}{value}\u{201d} (pass at {threshold}/10)",
                grader.as_str()
            ),
        }
    }

    /// What makes this assertion unusable, if anything (shown inline; a run will not start).
    pub fn problem(&self, spec: Option<&PromptSpec>) -> Option<String> {
        let empty_list = |v: &[String]| v.iter().all(|s| s.trim().is_empty());
        let schema = |given: &Option<String>| given.as_deref().and_then(schema_problem);
        match &self.check {
            Check::Equals(s) | Check::StartsWith(s) if s.is_empty() => {
                Some("Type the text to compare with.".into())
            }
            Check::EqualsJson(s) => json_value_problem(s),
            Check::ContainsAll(v) | Check::ContainsAny(v) | Check::NotContains(v)
                if empty_list(v) =>
            {
                Some("Add at least one phrase (one per line).".into())
            }
            Check::Regex(r) if r.is_empty() => Some("Type a pattern.".into()),
            Check::Regex(r) => crate::domain::pattern::check_with(r, regex_flags(self.ignore_case))
                .err()
                .map(|e| format!("This pattern is not a valid regular expression: {e}")),
            Check::MatchesSchema(given) => {
                let text = match given {
                    Some(s) => s.clone(),
                    None => spec.map(|s| s.json_schema.clone()).unwrap_or_default(),
                };
                if text.trim().is_empty() {
                    return Some(
                        "There is no JSON schema: the Format section has none. Paste one here or generate a JSON prompt."
                            .into(),
                    );
                }
                match given {
                    Some(_) => schema_problem(&text),
                    None => format_schema_problem(&text),
                }
            }
            Check::ContainsJson(given) => schema(given),
            Check::Length {
                min: Some(a),
                max: Some(b),
                ..
            } if a > b => Some(format!("The minimum ({a}) is above the maximum ({b}).")),
            Check::Length {
                min: None,
                max: None,
                ..
            } => Some("Give a minimum, a maximum or both.".into()),
            Check::Judge { rubric, .. } if rubric.trim().is_empty() => {
                Some("Write the rubric: what a good answer does.".into())
            }
            Check::Judge { threshold, .. } | Check::Graded { threshold, .. }
                if !(1..=10).contains(threshold) =>
            {
                Some("The pass mark must be between 1 and 10.".into())
            }
            Check::Graded { grader, value, .. }
                if grader.needs_value() && value.trim().is_empty() =>
            {
                Some(
                    match grader {
                        Grader::Factuality => {
                            "Write the reference facts the answer must agree with."
                        }
                        Grader::ClosedQa => "Write the yes/no question about the answer.",
                        _ => "Write the criteria the judge grades against.",
                    }
                    .into(),
                )
            }
            Check::Levenshtein { text, .. } if text.is_empty() => {
                Some("Type the text to compare with.".into())
            }
            Check::FinishReason(r) if r.trim().is_empty() => {
                Some("Type the reason, e.g. stop or length.".into())
            }
            Check::Cost { max_usd } if !max_usd.is_finite() || *max_usd < 0.0 => {
                Some("The cost limit must be a number of dollars, 0 or more.".into())
            }
            _ => None,
        }
    }
}

/// What makes the JSON value of an "as JSON" `equals` unusable: text that is not a JSON object
/// or list (a bare text or number compares as text in promptfoo, so it is not offered as JSON).
fn json_value_problem(s: &str) -> Option<String> {
    match serde_json::from_str::<Value>(s) {
        _ if s.trim().is_empty() => Some("Type the JSON to compare with.".into()),
        Ok(Value::Object(_) | Value::Array(_)) => None,
        Ok(_) => Some(
            "Compared as JSON, the value must be an object {…} or a list […]; untick \u{201c}as JSON\u{201d} to compare this text.".into(),
        ),
        Err(e) => Some(format!("This is not valid JSON: {e}.")),
    }
}

/// When `want` is a JSON object or list, whether `output` is the same JSON (`None` when `want` is
/// not JSON of that kind or `output` is not JSON): an exact `equals` that fails says so, to offer
/// "as JSON".
fn same_json(want: &str, output: &str) -> Option<bool> {
    let w = want.trim();
    if !(w.starts_with('{') || w.starts_with('[')) {
        return None;
    }
    let want: Value = serde_json::from_str(w).ok()?;
    let got: Value = serde_json::from_str(output).ok()?;
    Some(json_eq(&want, &got))
}

/// JSON equality as JavaScript sees it: numbers by value (`1` equals `1.0`), objects whatever
/// the order of their keys.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The ECMA-262 flags of a `regex` check: none, as promptfoo's `new RegExp(value)`, or `i` for
/// one that ignores capitals.
fn regex_flags(ignore_case: bool) -> &'static str {
    if ignore_case { "i" } else { "" }
}

/// Whether a schema text is usable: valid JSON, an object (or `true` / `false`, the schemas
/// that accept everything and nothing: JSON Schema 2020-12 Core §4.3.2; tryout 51, ajv reads
/// them), and a schema [`check_schema_asserting_formats`] accepts (a known draft, no reference to another
/// document, valid patterns), and every `format` one the check asserts (as promptfoo's Ajv with
/// ajv-formats does: [`Validator::asserting_formats`]).
pub fn schema_problem(text: &str) -> Option<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Bool(_))) => check_schema_asserting_formats(&v)
            .err()
            .map(|p| format!("The JSON schema cannot be used: {p}.")),
        Ok(_) => Some("The JSON schema must be a JSON object, or true or false.".into()),
        Err(e) => Some(format!("The JSON schema is not valid JSON: {e}")),
    }
}

/// [`schema_problem`] of the Format section's JSON schema `text`, said as that section's: "The
/// Format section's JSON schema cannot be used: …" (its checks read it from there, and a model
/// may have written it); `None` for an empty schema (none given) or a usable one.
pub fn format_schema_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    schema_problem(text)
        .map(|p| p.replacen("The JSON schema", "The Format section's JSON schema", 1))
}

/// promptfoo's 0-1 `threshold` of a model-graded check as a pass mark on the judge's 1-10 scale:
/// the smallest whole score that meets it (0.75 → 8, since 7/10 is below 0.75; 0.7 → 7). Values
/// above 1 are read as a mark out of 10, the smallest whole score that meets it too (7.4 → 8:
/// rounded, a 7 passed it); no threshold gives 7.
pub fn pass_mark(threshold: Option<f64>) -> u8 {
    match threshold {
        None => 7,
        Some(t) if !t.is_finite() => 7,
        Some(t) if t <= 1.0 => (t * 10.0 - 1e-9).ceil().clamp(1.0, 10.0) as u8,
        Some(t) => (t - 1e-9).ceil().clamp(1.0, 10.0) as u8,
    }
}

/// The result of one assertion on one output.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Checked: pass or fail, a score in 0..=1, and why.
    Done {
        pass: bool,
        score: f64,
        reason: String,
    },
    /// A judge assertion not judged yet.
    Pending,
    /// The judge's reply could not be read; its raw text is kept to show.
    JudgeError { raw: String, error: String },
    /// What the check reads was not observed for this answer (a time, a cost, a stop reason):
    /// neither a pass nor a fail, and left out of the score.
    Unmeasured { reason: String },
}

impl Verdict {
    fn done(pass: bool, reason: impl Into<String>) -> Self {
        Self::Done {
            pass,
            score: if pass { 1.0 } else { 0.0 },
            reason: reason.into(),
        }
    }
    pub fn passed(&self) -> bool {
        matches!(self, Self::Done { pass: true, .. })
    }

    /// The verdict of the `not-` form: pass and fail swap, the score becomes 1 - score.
    fn negated(self) -> Self {
        match self {
            Self::Done {
                pass,
                score,
                reason,
            } => Self::Done {
                pass: !pass,
                score: 1.0 - score,
                reason: if pass {
                    format!("Fails: this must not hold, and it does. {reason}")
                } else {
                    format!("Passes: this must not hold, and it does not. {reason}")
                },
            },
            other => other,
        }
    }
}

fn fold(s: &str, ignore_case: bool) -> String {
    if ignore_case {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}

/// A long text cut to `max_chars` characters for a model request, marked where it was cut.
pub fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}… [cut]", &text[..at]),
        None => text.to_owned(),
    }
}

/// Said after phrases found with capitals ignored (`ic`): " (capitals ignored)", else nothing.
fn capitals(ic: bool) -> &'static str {
    if ic { " (capitals ignored)" } else { "" }
}

/// What a failing check that compares capitals adds when `phrases` are in the answer with other
/// capitals (tryout 62: "None of the phrases appears." for "Sorry for the delay" against
/// `contains-any: [sorry]`, promptfoo's case-sensitive kind): " “sorry” is there with other
/// capitals (“Sorry”): this check compares capitals; its kind with capitals ignored would
/// accept it." Empty when none is, or when the check ignores capitals.
fn other_capitals(ic: bool, output: &str, phrases: &[&str]) -> String {
    if ic {
        return String::new();
    }
    let lower = output.to_lowercase();
    let found: Vec<(&str, String)> = phrases
        .iter()
        .filter(|p| !p.is_empty() && !output.contains(**p))
        .filter_map(|p| {
            let at = lower.find(&p.to_lowercase())?;
            // The text as the answer writes it (lowercasing keeps byte offsets for most
            // scripts; where it does not, the phrase alone is named).
            let written = output
                .get(at..at + p.len())
                .filter(|w| w.to_lowercase() == p.to_lowercase())
                .map(str::to_owned);
            Some((*p, written.unwrap_or_default()))
        })
        .collect();
    let Some((p, written)) = found.first() else {
        return String::new();
    };
    let as_written = if written.is_empty() {
        String::new()
    } else {
        format!(" ({})", excerpt(written))
    };
    let more = match found.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    format!(
        " {}{more} is there with other capitals{as_written}: this check compares capitals; its kind with capitals ignored would accept it.",
        excerpt(p)
    )
}

/// Whether `c` is a combining mark (an accent written after its letter: the Combining
/// Diacritical Marks blocks).
fn combining(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// For a text check that failed: a sentence when the answer or a phrase writes an accent as a
/// separate mark after its letter (tryout 113: "Missing: “café”." for an answer with "cafe" and
/// U+0301, which reads the same), since the two Unicode forms compare as different characters,
/// here as in promptfoo; else "".
fn other_form(output: &str, phrases: &[&str]) -> String {
    let marks = |t: &str| t.chars().any(combining);
    // A mark in the answer matters only for a phrase with a letter outside ASCII (an accented
    // one); a mark in a phrase always does.
    let accented = |t: &str| t.chars().any(|c| !c.is_ascii() && c.is_alphabetic());
    if !(marks(output) && phrases.iter().any(|p| accented(p))) && !phrases.iter().any(|p| marks(p))
    {
        return String::new();
    }
    " The answer or the expected text writes some accents as separate marks after their letters (another Unicode form of the same letters): the check compares the characters as written, as promptfoo does.".to_owned()
}

/// `s` quoted for a reason, its first 60 characters (… after them when there are more), each
/// line break shown as ↵.
fn excerpt(s: &str) -> String {
    // A line break would read as a space in the reason's one line: it is shown, as ↵ (tryout
    // 105: "The answer is “```json {"a": 1} ```” instead" for an exact check, where line
    // breaks count).
    let one: String = s
        .chars()
        .take(60)
        .collect::<String>()
        .replace("\r\n", "\u{21b5}")
        .replace(['\n', '\r'], "\u{21b5}");
    if s.chars().count() > 60 {
        format!("\u{201c}{one}…\u{201d}")
    } else {
        format!("\u{201c}{one}\u{201d}")
    }
}

/// Checks one assertion on an output. `observed` is what the run saw besides the text (read by
/// `finish-reason`, `latency`, `cost`, `is-refusal`); judge assertions return
/// [`Verdict::Pending`] until `judgement` (the judge's verdict on their [`Assertion::judge_rubric`])
/// is given. Variables are not filled here: see [`Assertion::with_vars`].
pub fn check(
    a: &Assertion,
    output: &str,
    observed: &Observed,
    spec: Option<&PromptSpec>,
    judgement: Option<&judge::Judgement>,
) -> Verdict {
    if let Some(p) = a.problem(spec) {
        return Verdict::done(false, format!("Not checked: {p}"));
    }
    // A refusal the provider reported is checked as promptfoo checks it: its words are the
    // output (tryout 79: "does not contain <secret>" and "answers within 4000 ms" failed with
    // "The model refused", so a safety case, "is a refusal" and "does not contain", could never
    // pass, while the same words written as an answer did). Judge checks are not asked about a
    // refusal: they are not measured (the judge is not called, nothing is billed for it).
    let mut output = output;
    if let Some(why) = observed.refusal.as_deref()
        && a.kind() != CheckKind::IsRefusal
    {
        if a.kind().is_judged() {
            return Verdict::Unmeasured {
                reason: format!(
                    "Not judged: the model refused ({}), and a refusal is not sent to the judge.",
                    excerpt(why.trim())
                ),
            };
        }
        if output.trim().is_empty() {
            output = why;
        }
    }
    let v = check_as_written(a, output, observed, spec, judgement);
    let v = if a.negate { v.negated() } else { v };
    // An empty answer scores 0 under `is-refusal` and `not-is-refusal` alike (promptfoo's
    // `handleIsRefusal`): the negation does not turn it into 1.
    match v {
        Verdict::Done { pass, reason, .. }
            if a.kind() == CheckKind::IsRefusal
                && observed.refusal.is_none()
                && output.trim().is_empty() =>
        {
            Verdict::Done {
                pass,
                score: 0.0,
                reason,
            }
        }
        v => v,
    }
}

/// Why a JSON schema check failed, in a few words (at most three errors named).
fn schema_mismatch(errs: &[String]) -> String {
    let shown: Vec<&str> = errs.iter().take(3).map(String::as_str).collect();
    let more = if errs.len() > 3 {
        format!(" (and {} more)", errs.len() - 3)
    } else {
        String::new()
    };
    format!(
        "The JSON does not match the schema: {}{more}.",
        shown.join("; ")
    )
}

fn check_as_written(
    a: &Assertion,
    output: &str,
    observed: &Observed,
    spec: Option<&PromptSpec>,
    judgement: Option<&judge::Judgement>,
) -> Verdict {
    let ic = a.ignore_case;
    let out = fold(output, ic);
    match &a.check {
        // promptfoo: the whole output equals the value exactly (no trimming), whatever the
        // text looks like (tryout 101: a quoted `'{"a":1}'` passed `{"a": 1}` here, and
        // fails in promptfoo). Tryout 51: " Paris" and "Paris\n" passed `equals Paris`.
        Check::EqualsJson(s) => {
            let Ok(want) = serde_json::from_str::<Value>(s) else {
                return Verdict::done(false, "The JSON value of this check does not read.");
            };
            match serde_json::from_str::<Value>(output) {
                Ok(got) if json_eq(&want, &got) => {
                    Verdict::done(true, "The answer is the expected JSON.")
                }
                Ok(_) => Verdict::done(
                    false,
                    format!("The answer is the JSON {} instead.", excerpt(output.trim())),
                ),
                Err(_) => Verdict::done(
                    false,
                    format!("The answer is not JSON: {}.", excerpt(output.trim())),
                ),
            }
        }
        Check::Equals(s) => {
            let want = fold(s, ic);
            let ok = out == want;
            Verdict::done(
                ok,
                if ok {
                    "The answer is exactly the expected text.".to_owned()
                } else if same_json(s, output) == Some(true) {
                    format!(
                        "The answer is the same JSON written differently ({}): this check compares text; tick \u{201c}as JSON\u{201d} to compare it as JSON.",
                        excerpt(output.trim())
                    )
                } else if out.trim() == want.trim() {
                    format!(
                        "The answer is {} instead: it differs only by spaces or line breaks at its start or end.",
                        excerpt(&format!("{output:?}").trim_matches('"').to_owned())
                    )
                } else if out.split_whitespace().eq(want.split_whitespace()) {
                    // Tryout 52: "Paris  France" (two spaces, a tab, \r\n) read as the expected
                    // text, the reason showing no difference.
                    format!(
                        "The answer is {} instead: it differs only in its spaces, tabs or line breaks.",
                        excerpt(&format!("{output:?}").trim_matches('"').to_owned())
                    )
                } else if !ic && out.to_lowercase() == want.to_lowercase() {
                    format!(
                        "The answer is {} instead: it differs only in capitals, and this check compares capitals.",
                        excerpt(output.trim())
                    )
                } else {
                    format!(
                        "The answer is {} instead.{}",
                        excerpt(output.trim()),
                        other_form(output, &[s])
                    )
                },
            )
        }
        Check::ContainsAll(v) => {
            let missing: Vec<&String> = v
                .iter()
                .filter(|p| !p.is_empty() && !out.contains(&fold(p, ic)))
                .collect();
            if missing.is_empty() {
                Verdict::done(true, "Every phrase appears.")
            } else {
                let names: Vec<String> = missing.iter().map(|m| excerpt(m)).collect();
                let missing: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
                Verdict::done(
                    false,
                    format!(
                        "Missing: {}.{}{}",
                        names.join(", "),
                        other_capitals(ic, output, &missing),
                        other_form(output, &missing)
                    ),
                )
            }
        }
        Check::ContainsAny(v) => match v
            .iter()
            .find(|p| !p.is_empty() && out.contains(&fold(p, ic)))
        {
            // Tryout 19: "Found “SEND THE DECK”" for an answer that wrote "Send the deck": the
            // phrase is the one searched for, said so when capitals were ignored.
            Some(p) => Verdict::done(true, format!("Found {}{}.", excerpt(p), capitals(ic))),
            None => {
                let all: Vec<&str> = v.iter().map(String::as_str).collect();
                Verdict::done(
                    false,
                    format!(
                        "None of the phrases appears.{}{}",
                        other_capitals(ic, output, &all),
                        other_form(output, &all)
                    ),
                )
            }
        },
        Check::NotContains(v) => {
            let found: Vec<String> = v
                .iter()
                .filter(|p| !p.is_empty() && out.contains(&fold(p, ic)))
                .map(|p| excerpt(p))
                .collect();
            if found.is_empty() {
                Verdict::done(true, "None of the phrases appears.")
            } else {
                Verdict::done(
                    false,
                    format!("Found: {}{}.", found.join(", "), capitals(ic)),
                )
            }
        }
        // promptfoo: `output.startsWith(value)`, spaces included.
        Check::StartsWith(s) => {
            let want = fold(s, ic);
            let ok = out.starts_with(&want);
            Verdict::done(
                ok,
                if ok {
                    "It starts as required.".to_owned()
                } else if !want.is_empty() && out.trim_start().starts_with(&want) {
                    "It starts with spaces or a line break before the expected text.".to_owned()
                } else if !ic && out.to_lowercase().starts_with(&want.to_lowercase()) {
                    // Its start only, as long as the expected text (helper-63: the whole answer
                    // was quoted).
                    let start: String = output.chars().take(want.chars().count()).collect();
                    format!(
                        "It starts with {} instead: it differs only in capitals, and this check compares capitals.",
                        excerpt(&start)
                    )
                } else {
                    format!("It starts with {} instead.", excerpt(output.trim_start()))
                },
            )
        }
        // promptfoo: `new RegExp(value).test(output)`, read with that meaning by
        // `pattern::find` (linear time where it can, else the page's own RegExp).
        Check::Regex(r) => match crate::domain::pattern::find(r, regex_flags(ic), output) {
            Ok(Some(m)) => Verdict::done(true, format!("Matched {}.", excerpt(&m))),
            Ok(None) => Verdict::done(false, "The pattern matches nowhere in the answer."),
            Err(e) => Verdict::done(
                false,
                format!("Not checked: this pattern is not a valid regular expression: {e}"),
            ),
        },
        Check::IsJson if is_json_text(output) => Verdict::done(true, "The answer is valid JSON."),
        Check::IsJson => match parse_json_output(output) {
            Ok(_) => Verdict::done(true, "The answer is valid JSON."),
            Err(e) => Verdict::done(false, format!("Not valid JSON: {e}.")),
        },
        Check::MatchesSchema(given) => {
            let text = given
                .clone()
                .or_else(|| spec.map(|s| s.json_schema.clone()))
                .unwrap_or_default();
            let schema: Value = serde_json::from_str(&text).expect("checked by problem()");
            match parse_json_output(output) {
                // Valid JSON this reader cannot hold (nesting past 128, a number past f64, a lone
                // surrogate escape): JSON.parse reads it, so it is not called invalid.
                Err(e) if is_json_text(output) => Verdict::done(
                    false,
                    format!(
                        "Not checked: the answer is valid JSON, but too deep or too large to check against the schema here ({e})."
                    ),
                ),
                Err(e) => Verdict::done(false, format!("Not valid JSON: {e}.")),
                Ok(v) => match Validator::asserting_formats(&schema).map(|s| s.validate(&v)) {
                    Err(p) => Verdict::done(false, format!("The JSON schema cannot be used: {p}.")),
                    Ok(Ok(())) => Verdict::done(true, "The JSON matches the schema."),
                    Ok(Err(invalid)) => {
                        let errs = &invalid.errors;
                        let shown: Vec<String> =
                            errs.iter().take(3).map(|e| e.to_string()).collect();
                        let more = match (errs.len().saturating_sub(3), invalid.truncated) {
                            (_, true) => " (and more)".to_owned(),
                            (0, false) => String::new(),
                            (n, false) => format!(" (and {n} more)"),
                        };
                        Verdict::done(
                            false,
                            format!(
                                "The JSON does not match the schema: {}{more}.",
                                shown.join("; ")
                            ),
                        )
                    }
                },
            }
        }
        Check::Length { unit, min, max } => {
            let n = match unit {
                LengthUnit::Chars => output.trim().chars().count(),
                LengthUnit::Words => output.split_whitespace().count(),
            } as u64;
            let u = match unit {
                LengthUnit::Chars => "characters",
                LengthUnit::Words => "words",
            };
            let low = min.is_none_or(|m| n >= u64::from(m));
            let high = max.is_none_or(|m| n <= u64::from(m));
            let ok = low && high;
            let why = if !low {
                format!("{n} {u}, fewer than {}.", min.unwrap_or(0))
            } else if !high {
                format!("{n} {u}, more than {}.", max.unwrap_or(0))
            } else {
                format!("{n} {u}.")
            };
            Verdict::done(ok, why)
        }
        Check::Judge { threshold, .. } | Check::Graded { threshold, .. } => match judgement {
            None => Verdict::Pending,
            // Tryout 9: the tiny local judge's "reasoning" was the answer's own first sentence
            // and its score 10/10 on an answer that plainly failed: a score whose reasoning only
            // repeats the answer graded nothing, so it is no verdict.
            Some(judge::Judgement::Scored { score, reasoning })
                if judge::echoes_the_answer(reasoning, output) =>
            {
                Verdict::JudgeError {
                    raw: reasoning.clone(),
                    error: format!(
                        "The judge's reasoning only repeats the answer (\u{201c}{}\u{201d}), so its {score}/10 grades nothing. Re-judge it, or choose another model for scoring in Settings.",
                        clip(reasoning.trim(), 120)
                    ),
                }
            }
            Some(judge::Judgement::Scored { score, reasoning }) => Verdict::Done {
                pass: *score >= *threshold,
                score: f64::from(*score) / 10.0,
                reason: format!(
                    "Score {score}/10 (pass at {threshold}){}. {reasoning}",
                    if observed.rough_judge {
                        ", by the built-in tiny model: a rough guess, not a verdict to trust"
                    } else {
                        ""
                    }
                ),
            },
            Some(judge::Judgement::Unreadable { raw, error }) => Verdict::JudgeError {
                raw: raw.clone(),
                error: error.clone(),
            },
        },
        Check::Levenshtein { text, max_distance } => {
            let limit = *max_distance as usize;
            let edits = |n: usize| format!("{n} edit{}", if n == 1 { "" } else { "s" });
            // promptfoo: `distance(outputString, renderedValue)`, neither trimmed.
            match matchers::levenshtein_within(output, text, limit) {
                Some(d) => Verdict::done(
                    true,
                    format!(
                        "{} from the expected text (at most {limit} allowed).",
                        edits(d)
                    ),
                ),
                None => {
                    // The review of tryout 113's fix: the quoted answer is trimmed, so a line
                    // break at its end, which counts, was not to be seen.
                    let ends = if matchers::levenshtein_within(output.trim(), text.trim(), limit)
                        .is_some()
                    {
                        " Spaces or line breaks at the ends of the answer or of the expected text count as edits (as in promptfoo), and they make the difference."
                    } else {
                        ""
                    };
                    // Tryout 114: a failure never said how far: the count where it is cheap
                    // to find (both texts short), so an emoji counting two can be seen.
                    let (n, m) = (output.encode_utf16().count(), text.encode_utf16().count());
                    let far = (n.saturating_mul(m) <= 4_000_000)
                        .then(|| matchers::levenshtein_within(output, text, n.max(m)))
                        .flatten();
                    let how_far = match far {
                        Some(d) => format!(
                            "{} from the expected text (at most {limit} allowed)",
                            edits(d)
                        ),
                        None => format!("More than {} from the expected text", edits(limit)),
                    };
                    Verdict::done(
                        false,
                        format!(
                            "{how_far}: the answer is {}.{ends}{}",
                            excerpt(output.trim()),
                            other_form(output, &[text])
                        ),
                    )
                }
            }
        }
        // promptfoo: passes when a JSON object is found in the answer and, with a schema, when
        // any one of them matches it. Tryout 51: a cut-off object and one missing a comma
        // passed (they were mended as a model's draft reply is).
        Check::ContainsJson(schema) => {
            let found = json_objects_in(output);
            if found.is_empty() {
                return Verdict::done(
                    false,
                    "There is no valid JSON object in the answer (a broken or cut-off one does not count).",
                );
            }
            match schema {
                None => Verdict::done(true, "The answer contains a valid JSON object."),
                Some(text) => {
                    let schema: Value = serde_json::from_str(text).expect("checked by problem()");
                    let mut first_errs = None;
                    let held: Vec<&Value> = found.iter().flatten().collect();
                    // `format` asserted as for matches-schema (promptfoo's one Ajv for both).
                    let validator = match Validator::asserting_formats(&schema) {
                        Ok(v) => v,
                        Err(p) => {
                            return Verdict::done(
                                false,
                                format!("The JSON schema cannot be used: {p}."),
                            );
                        }
                    };
                    for v in &held {
                        let errs: Vec<String> = validator
                            .validate(v)
                            .err()
                            .map(|e| e.errors.iter().map(ToString::to_string).collect())
                            .unwrap_or_default();
                        if errs.is_empty() {
                            return Verdict::done(
                                true,
                                "A JSON object in the answer matches the schema.",
                            );
                        }
                        first_errs.get_or_insert(errs);
                    }
                    // Valid JSON this reader cannot hold (as for matches-json above).
                    let unheld = found.len() - held.len();
                    let Some(errs) = first_errs else {
                        return Verdict::done(
                            false,
                            if unheld == 1 {
                                "Not checked: the JSON object in the answer is valid JSON, but too deep or too large to check against the schema here.".to_owned()
                            } else {
                                format!(
                                    "Not checked: the {unheld} JSON objects in the answer are valid JSON, but too deep or too large to check against the schema here."
                                )
                            },
                        );
                    };
                    let why = schema_mismatch(&errs);
                    let why = if held.len() > 1 {
                        format!(
                            "None of the {} JSON objects in the answer matches the schema; the first: {}",
                            held.len(),
                            why.trim_start_matches("The JSON does not match the schema: ")
                        )
                    } else {
                        why
                    };
                    Verdict::done(
                        false,
                        match unheld {
                            0 => why,
                            1 => format!(
                                "{why} One more JSON object is too deep or too large to check here."
                            ),
                            n => format!(
                                "{why} {n} more JSON objects are too deep or too large to check here."
                            ),
                        },
                    )
                }
            }
        }
        Check::IsXml(paths) => match matchers::xml_document(output.trim()) {
            Err(why) => Verdict::done(false, format!("Not valid XML: {why}.")),
            Ok(root) => {
                let missing: Vec<String> = paths
                    .iter()
                    .filter(|p| !p.trim().is_empty() && !root.has_path(p))
                    .map(|p| excerpt(p.trim()))
                    .collect();
                if missing.is_empty() {
                    Verdict::done(true, "The answer is valid XML.")
                } else {
                    Verdict::done(
                        false,
                        format!("Valid XML, but it lacks {}.", missing.join(", ")),
                    )
                }
            }
        },
        Check::ContainsXml(paths) => {
            let fragments = matchers::xml_fragments(output);
            if fragments.is_empty() {
                return Verdict::done(false, "There is no well-formed XML in the answer.");
            }
            let wanted: Vec<&String> = paths.iter().filter(|p| !p.trim().is_empty()).collect();
            if fragments
                .iter()
                .any(|f| wanted.iter().all(|p| f.has_path(p)))
            {
                Verdict::done(true, "The answer contains valid XML.")
            } else {
                let names: Vec<String> = wanted.iter().map(|p| excerpt(p.trim())).collect();
                Verdict::done(
                    false,
                    format!(
                        "The answer has XML, but none of it holds {}.",
                        names.join(", ")
                    ),
                )
            }
        }
        Check::IsRefusal => {
            if let Some(msg) = &observed.refusal {
                return Verdict::done(
                    true,
                    format!("The provider reported a refusal: {}.", excerpt(msg)),
                );
            }
            match matchers::refusal_wording(output) {
                // Passed with a score of 0, as promptfoo's `handleIsRefusal` has it ("Empty
                // response treated as refusal", score 0; under `not-`, a fail scored 0 too: see
                // `check`).
                Some(w) if w.is_empty() => Verdict::Done {
                    pass: true,
                    score: 0.0,
                    reason: "The answer is empty: a refusal (scored 0, as promptfoo scores an empty answer)."
                        .into(),
                },
                Some(w) => Verdict::done(true, format!("It reads as a refusal ({}).", excerpt(&w))),
                None => Verdict::done(false, "It answers: no refusal wording found."),
            }
        }
        Check::FinishReason(want) => match &observed.finish_reason {
            None => Verdict::Unmeasured {
                reason: "The provider did not say why the model stopped.".into(),
            },
            Some(got) => {
                let ok = same_finish_reason(got, want);
                Verdict::done(
                    ok,
                    if ok {
                        format!("The model stopped because of \u{201c}{got}\u{201d}.")
                    } else {
                        format!(
                            "The model stopped because of \u{201c}{got}\u{201d}, not \u{201c}{}\u{201d}.",
                            want.trim()
                        )
                    },
                )
            }
        },
        Check::Latency { max_ms } => match observed.latency_ms {
            None => Verdict::Unmeasured {
                reason: "The time this answer took was not recorded.".into(),
            },
            Some(ms) => Verdict::done(
                ms <= *max_ms,
                if ms <= *max_ms {
                    format!("It took {ms} ms (at most {max_ms} allowed).")
                } else {
                    format!("It took {ms} ms, more than {max_ms}.")
                },
            ),
        },
        Check::Cost { max_usd } => match observed.cost_usd {
            None => Verdict::Unmeasured {
                reason: "The cost of this answer is unknown (no list price for this model).".into(),
            },
            // Session 42: an answer with no usage reported passed "It cost $0.000000" in the
            // loop, and a run judged the estimate as a measured cost.
            Some(usd) if observed.cost_estimated => Verdict::Unmeasured {
                reason: format!(
                    "The cost of this answer is an estimate from the texts (about ${usd:.6}): the provider reported no usage for it, or attempts that stalled were sent again, so it is not checked against ${max_usd}."
                ),
            },
            Some(usd) => {
                let ok = usd <= *max_usd;
                Verdict::done(
                    ok,
                    if ok {
                        format!("It cost ${usd:.6} (at most ${max_usd} allowed).")
                    } else {
                        format!("It cost ${usd:.6}, more than ${max_usd}.")
                    },
                )
            }
        },
    }
}

/// An output read as JSON the way promptfoo's `is-json` reads it (`JSON.parse(output)`): the
/// whole text, with only JSON's own whitespace around it. Tryout 51: a reply wrapped in a ```
/// code fence passed, though any program reading the answer as JSON fails on the fence; the
/// error says so when the fenced text is JSON.
fn parse_json_output(output: &str) -> Result<Value, String> {
    serde_json::from_str(output).map_err(|e| {
        let t = output.trim();
        let fenced = t
            .strip_prefix("```json")
            .or_else(|| t.strip_prefix("```"))
            .and_then(|r| r.trim_end().strip_suffix("```"))
            .is_some_and(|body| serde_json::from_str::<Value>(body.trim()).is_ok());
        if fenced {
            "the answer wraps its JSON in a ``` code fence, and a program reading the answer as JSON fails on the fence (tell the model to answer with the JSON alone)".to_owned()
        } else {
            e.to_string()
        }
    })
}

/// Whether `output` is JSON text as `JSON.parse` reads it: JSON's grammar only, with no limit on
/// nesting, number size or escapes (tryout 51: 200 nested lists, `1e400` and `"\ud800"` were
/// called invalid).
fn is_json_text(output: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(output).is_ok()
}

/// The JSON objects in an output, as promptfoo's `contains-json` finds them: from each `{`, the
/// JSON object that starts there and parses whole (a broken or cut-off one is no object), the
/// search going on after it. Arrays and other values outside an object are not looked for. Each
/// object is found by JSON's grammar alone, as `JSON.parse` reads it (helper-52: an object with
/// `1e400`, a lone surrogate escape `"\ud800"` or nesting past 128 was not found); its value is
/// `None` when this reader cannot hold it (such an object cannot be checked against a schema).
fn json_objects_in(output: &str) -> Vec<Option<Value>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = output[at..].find('{').map(|i| at + i) {
        let mut values =
            serde_json::Deserializer::from_str(&output[i..]).into_iter::<serde::de::IgnoredAny>();
        match values.next() {
            Some(Ok(_)) => {
                let end = i + values.byte_offset();
                found.push(serde_json::from_str(&output[i..end]).ok());
                at = end;
            }
            _ => at = i + 1,
        }
    }
    found
}

/// The test suite of a draft: the cases, the assertions that apply to every case, and the rule
/// for answers cut off at the token limit.
/// In the browser build a `reactive_stores::Store` whose cases are keyed by their id: a case row
/// reads (and an edit of one case writes) that case alone.
#[derive(Debug, Clone)]
#[cfg_attr(target_arch = "wasm32", derive(reactive_stores::Store))]
pub struct Suite {
    #[cfg_attr(target_arch = "wasm32", store(key: u32 = |c| c.id))]
    pub cases: Vec<TestCase>,
    pub global: Vec<Assertion>,
    /// Answers cut off at the token limit ([`Observed::cut_off`]) fail, scoring 0, unless a
    /// `finish-reason` check of the case decides about the stop reason (see [`score_case`]).
    /// On by default, and for drafts kept before the setting existed.
    pub cut_off_fails: bool,
    /// An answer the person rated down counts as one failed check ("Thumbs-down counts as a
    /// failed check", see [`score_case`]). On by default, and for drafts kept before the setting
    /// existed.
    pub thumbs_down_fails: bool,
    /// The highest case id given in this draft so far, deleted cases included: a new case never
    /// takes a deleted one's id, with its tick, its typed entries and its results (tryout 65: a
    /// new case showed the answer of a deleted case with its id, and inherited its tick). Kept
    /// in memory; a draft read from storage or a link starts from its highest case or result id
    /// (`wire`). Not compared by `PartialEq`: nothing a reader shows depends on it.
    pub used_ids: u32,
}

impl PartialEq for Suite {
    fn eq(&self, other: &Self) -> bool {
        self.cases == other.cases
            && self.global == other.global
            && self.cut_off_fails == other.cut_off_fails
            && self.thumbs_down_fails == other.thumbs_down_fails
    }
}

impl Default for Suite {
    fn default() -> Self {
        Self {
            cases: Vec::new(),
            global: Vec::new(),
            cut_off_fails: true,
            thumbs_down_fails: true,
            used_ids: 0,
        }
    }
}

/// Whether a variable's name says it holds the expected answer: a word of it (split at `_`,
/// `-`, spaces and capitals) is `answer`, `expected`, `reference`, `truth`, `solution`, `gold`,
/// `correct`, `ideal` or `target` (`expected_output`, `ground_truth`, `correctValue`; not
/// `unexpected` or `incorrect_examples`, the review): [`Suite::checked_vars_sent`] counts such a
/// variable when a grader's criteria name it.
pub fn expected_name(name: &str) -> bool {
    let mut words = Vec::new();
    let mut cur = String::new();
    for c in name.chars() {
        if c.is_uppercase() && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    words.push(cur);
    const WORDS: [&str; 10] = [
        "answer",
        "expected",
        "reference",
        "truth",
        "solution",
        "gold",
        "correct",
        "ideal",
        "target",
        "ref",
    ];
    words.iter().any(|w| WORDS.contains(&w.as_str()))
}

impl Suite {
    /// The ids of the cases in one split, in table order.
    pub fn ids_in(&self, split: Split) -> Vec<u32> {
        self.cases
            .iter()
            .filter(|c| c.split == split)
            .map(|c| c.id)
            .collect()
    }

    /// The next free case id: past every case's and every id given before ([`Suite::used_ids`]).
    pub fn next_id(&self) -> u32 {
        self.cases
            .iter()
            .map(|c| c.id)
            .max()
            .unwrap_or(0)
            .max(self.used_ids)
            + 1
    }

    /// Notes `id` as given ([`Suite::used_ids`]).
    fn given(&mut self, id: u32) -> u32 {
        self.used_ids = self.used_ids.max(id);
        id
    }

    pub fn case(&self, id: u32) -> Option<&TestCase> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// Whether any check applies to the case (its own or one for every case). A case with none
    /// has nothing to be scored on: runs show it as "no checks" and leave it out of the mean, and
    /// the optimizer neither sends it nor learns from it ([`CaseScore::counted`]).
    pub fn has_checks(&self, case: &TestCase) -> bool {
        self.assertions_for(case).next().is_some()
    }

    /// Whether any case has a judge check (its own or one for every case): only then does a run
    /// or the loop call the judge.
    pub fn has_judge_checks(&self) -> bool {
        self.cases
            .iter()
            .any(|c| !judge_rubrics(self, c).is_empty())
    }

    /// The ids of the cases of `split` that have a check ([`Suite::has_checks`]), in order.
    pub fn checked_ids_in(&self, split: Split) -> Vec<u32> {
        self.cases
            .iter()
            .filter(|c| c.split == split && self.has_checks(c))
            .map(|c| c.id)
            .collect()
    }

    /// The names of the cases' variables that a check for every case compares the answer with
    /// ([`Assertion::compares_with_var`]), sorted, each once.
    pub fn global_reads(&self) -> Vec<String> {
        let mut names: Vec<&String> = self
            .cases
            .iter()
            .flat_map(|c| c.vars.iter().map(|(k, _)| k))
            .collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| self.global.iter().any(|a| a.compares_with_var(n)))
            .cloned()
            .collect()
    }

    /// What a stored answer's score reads of the suite ([`score_case`], the optimizer's means):
    /// the cases' ids, splits, checks, variables and pass scores, the checks for every case and
    /// the two rules; inputs, turns, descriptions, expected answers and tags left empty. A view
    /// of stored answers' scores (the loop's candidates) is drawn anew when this changes, so an
    /// edited check shows in it at once (tryout 110: a candidate read "no score" while *Start
    /// again* counted it as scored by the new check) and a letter typed into an input does not
    /// redraw it.
    pub fn scoring_parts(&self) -> Suite {
        Suite {
            cases: self
                .cases
                .iter()
                .map(|c| TestCase {
                    id: c.id,
                    vars: c.vars.clone(),
                    assertions: c.assertions.clone(),
                    split: c.split,
                    threshold: c.threshold,
                    ..Default::default()
                })
                .collect(),
            global: self.global.clone(),
            cut_off_fails: self.cut_off_fails,
            thumbs_down_fails: self.thumbs_down_fails,
            used_ids: 0,
        }
    }

    /// Every assertion that applies to a case: its own, then the global ones.
    pub fn assertions_for<'a>(&'a self, case: &'a TestCase) -> impl Iterator<Item = &'a Assertion> {
        case.assertions.iter().chain(self.global.iter())
    }

    /// The names of the checks [`score_case`] runs on `case`, in its order, with the case's
    /// `{{variables}}` filled in as they are checked (tryout 87: a failed check read "equals
    /// “{{answer}}” — The answer is “3” instead", the expected "2" nowhere).
    pub fn check_names(&self, case: &TestCase) -> Vec<String> {
        self.assertions_for(case)
            .map(|a| a.with_vars(&case.vars).describe())
            .collect()
    }

    /// The variables of `case` that go to the model as lines of its message
    /// ([`TestCase::user_message`]: the case has no input, the variable a value) and that a
    /// check of the case (its own or one for every case) compares the answer with: `equals
    /// {{answer}}`, a rubric naming it, and the like, not a check that the answer leaves it out
    /// (`not-contains`, any `not-` check). The model is then shown what it is scored against
    /// (a bare CSV of `question,answer` with `__expected: equals {{answer}}`). A grader's
    /// criteria (`llm-rubric`, `g-eval`, `model-graded-closedqa`, `select-best`;
    /// `answer-relevance` never) may name the question itself (tryout 109: `Does this describe
    /// {{topic}} accurately`, `topic` the case's only line): a variable only such criteria read
    /// counts when a line no check reads is left as the question, or its name says it is the
    /// expected one ([`expected_name`]). In the case's order; empty when the case has an input.
    pub fn checked_vars_sent(&self, case: &TestCase) -> Vec<String> {
        if !case.input.trim().is_empty() {
            return Vec::new();
        }
        let sent = || case.vars.iter().filter(|(_, v)| !v.trim().is_empty());
        let criteria = |a: &Assertion| match &a.check {
            Check::Judge { .. } => true,
            Check::Graded { grader, .. } => *grader != Grader::Factuality,
            _ => false,
        };
        let compared = |name: &str, by_criteria: bool| {
            self.assertions_for(case).any(|a| {
                a.compares_with_var(name)
                    && criteria(a) == by_criteria
                    && !matches!(
                        a.check,
                        Check::Graded {
                            grader: Grader::AnswerRelevance,
                            ..
                        }
                    )
            })
        };
        let question_left =
            sent().any(|(name, _)| !self.assertions_for(case).any(|a| a.reads_var(name)));
        sent()
            .filter(|(name, _)| {
                compared(name, false)
                    || compared(name, true) && (question_left || expected_name(name))
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Every unusable assertion: `(case id or None for global, index, problem)`.
    pub fn problems(&self, spec: Option<&PromptSpec>) -> Vec<(Option<u32>, usize, String)> {
        let mut out = Vec::new();
        for (i, a) in self.global.iter().enumerate() {
            if let Some(p) = a.problem(spec) {
                out.push((None, i, p));
            }
        }
        for c in &self.cases {
            for (i, a) in c.assertions.iter().enumerate() {
                if let Some(p) = a.problem(spec) {
                    out.push((Some(c.id), i, p));
                }
            }
        }
        out
    }

    /// Adds a case with a fresh id; returns the id.
    pub fn add(&mut self, mut case: TestCase) -> u32 {
        case.id = self.next_id();
        let id = self.given(case.id);
        self.cases.push(case);
        id
    }

    /// Copies a case with a fresh id; returns the copy's id. The copy goes right after the
    /// original and after the unchanged copies already made of it there, so copies made one
    /// after another read in the order they were made (#1, #3, #4), never the newest first.
    pub fn duplicate(&mut self, id: u32) -> Option<u32> {
        let at = self.cases.iter().position(|c| c.id == id)?;
        let original = &self.cases[at];
        let same = |c: &TestCase| {
            c.id > original.id
                && *c
                    == TestCase {
                        id: c.id,
                        ..original.clone()
                    }
        };
        let after = self.cases[at + 1..].iter().take_while(|c| same(c)).count();
        let mut copy = original.clone();
        copy.id = self.next_id();
        let new = self.given(copy.id);
        self.cases.insert(at + 1 + after, copy);
        Some(new)
    }

    /// Puts a removed case back at `at` (or last, when the list is shorter now); returns its
    /// id: its own, unless a case added since took it, then a fresh one (two cases never share
    /// an id).
    pub fn restore(&mut self, at: usize, mut case: TestCase) -> u32 {
        if case.id == 0 || self.case(case.id).is_some() {
            case.id = self.next_id();
        }
        let id = self.given(case.id);
        self.cases.insert(at.min(self.cases.len()), case);
        id
    }

    /// Takes case `id` out (its id is not given again: [`Suite::used_ids`]); its place and the
    /// case, for Undo ([`Suite::restore`]).
    pub fn remove(&mut self, id: u32) -> Option<(usize, TestCase)> {
        let at = self.cases.iter().position(|c| c.id == id)?;
        self.given(id);
        Some((at, self.cases.remove(at)))
    }

    /// Takes the cases `ids` out at once (ids not in the suite are passed over; their ids are
    /// not given again): each with its place in the list as it was, in list order, so that
    /// [`Suite::restore_all`] puts them back where they were ("Delete selected" and its Undo).
    pub fn remove_all(
        &mut self,
        ids: &crate::domain::sorted::SortedSet<u32>,
    ) -> Vec<(usize, TestCase)> {
        let mut gone = Vec::new();
        let mut kept = Vec::with_capacity(self.cases.len());
        for (at, case) in std::mem::take(&mut self.cases).into_iter().enumerate() {
            if ids.contains(&case.id) {
                gone.push((at, case));
            } else {
                kept.push(case);
            }
        }
        self.cases = kept;
        for (_, c) in &gone {
            self.given(c.id);
        }
        gone
    }

    /// Puts back cases [`Suite::remove_all`] took out, each at its place as it was (in list
    /// order, as it gives them); the ids they get, in that order ([`Suite::restore`]).
    /// One pass over the list, whatever the number of cases (Undo of 60,000 cases one by one
    /// looked up every id in the whole list each time).
    pub fn restore_all(&mut self, gone: Vec<(usize, TestCase)>) -> Vec<u32> {
        let mut taken: crate::domain::sorted::SortedSet<u32> =
            self.cases.iter().map(|c| c.id).collect();
        let mut rest = std::mem::take(&mut self.cases).into_iter();
        let mut cases = Vec::with_capacity(rest.len() + gone.len());
        let mut ids = Vec::with_capacity(gone.len());
        for (at, mut case) in gone {
            while cases.len() < at {
                let Some(c) = rest.next() else { break };
                cases.push(c);
            }
            if case.id == 0 || taken.contains(&case.id) {
                case.id = self.used_ids.max(taken.last().copied().unwrap_or(0)) + 1;
            }
            taken.insert(case.id);
            ids.push(self.given(case.id));
            cases.push(case);
        }
        cases.extend(rest);
        self.cases = cases;
        ids
    }

    /// Moves a case up (`-1`) or down (`+1`).
    pub fn shift(&mut self, id: u32, by: isize) -> bool {
        let Some(at) = self.cases.iter().position(|c| c.id == id) else {
            return false;
        };
        let to = at as isize + by;
        if to < 0 || to as usize >= self.cases.len() {
            return false;
        }
        self.cases.swap(at, to as usize);
        true
    }
}

/// Assertions worth proposing for a prompt: "is valid JSON" and the schema check when the Format
/// section asks for JSON; none already present are proposed again.
pub fn proposed_global(spec: &PromptSpec, present: &[Assertion]) -> Vec<Assertion> {
    let wants_json =
        !spec.json_schema.trim().is_empty() || spec.format.to_lowercase().contains("json");
    if !wants_json {
        return Vec::new();
    }
    let mut out = vec![Assertion::new(Check::IsJson)];
    if schema_problem(&spec.json_schema).is_none() {
        out.push(Assertion::new(Check::MatchesSchema(None)));
    }
    out.retain(|a| !present.iter().any(|p| p.check == a.check));
    out
}

/// How one case did on one output: each assertion's verdict and the case's score.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseScore {
    pub verdicts: Vec<Verdict>,
    /// Mean over checked assertions, 0..=1; `None` when nothing could be checked.
    pub score: Option<f64>,
    /// Every assertion checked and passed (or, with a case threshold, the score reaches it).
    pub pass: bool,
    /// Some judge verdict is still pending.
    pub pending: bool,
    /// The answer stopped at the output token limit ([`Observed::cut_off`]): shown on the result
    /// whatever the suite's rule.
    pub cut_off: bool,
    /// The case failed, with score 0, because the answer was cut off ([`Suite::cut_off_fails`]).
    pub failed_cut_off: bool,
    /// The judge failed on some judge check (its call failed or its reply had no score): why, in
    /// the page's words (the first such check's error). `score` then leaves the judge out, the
    /// case does not pass, and [`aggregate`] leaves the case out of the mean.
    pub judge_failed: Option<String>,
    /// With `judge_failed`: the case fails whatever the failed judge checks would say (another
    /// check failed it, or its rating, or its cut-off answer; with a pass mark, its score with
    /// those checks at full marks stays under it), and this is that best score, 0..=1 (tryout
    /// 120: "Score 86 over 4 of 5 cases" where the case left out held it to 76 at most; tryout
    /// 121: "No score yet", no pass count, for a case that had failed a text check). `None`
    /// otherwise.
    pub fails_anyway: Option<f64>,
    /// Some judge check was graded (its verdict is in `score`): with `judge_failed`, the score
    /// leaves out only the judge checks that failed (tryout 96: "Score 78 without the judge"
    /// held two judge verdicts).
    pub judge_scored: bool,
    /// The case's pass or fail rests on a verdict of the built-in tiny judge
    /// ([`Observed::rough_judge`]): a judge check it scored counts, and no other check decides
    /// the case on its own (a failed check, a thumbs-down, a cut-off answer). The page says such
    /// a verdict is a rough guess on the row's badge, the score line and Reflexion's verdict, not
    /// only in the check's reason (tryout 118: a green "pass" over the tiny model's 10/10).
    pub rough_judge: bool,
    /// The model refused ([`Observed::refusal`]): its checks read the provider's words as the
    /// output (judge checks not measured), and a refused case with nothing else to check scores
    /// 0 and fails.
    pub refused: bool,
    /// The person rated the answer down and the suite counts that
    /// ([`Suite::thumbs_down_fails`]): the reason of that one failed check ("You rated this
    /// answer down: <note>"). It scores 0 among the checks and the case does not pass.
    pub rated_down: Option<String>,
    /// The case's pass mark (its `threshold`, 0..=1), when it has one: the score is shown
    /// beside it ([`CaseScore::label`]).
    pub threshold: Option<f64>,
}

impl CaseScore {
    /// The score the case adds to a mean or a comparison, 0..=1: the one rule for a run's
    /// results, comparisons and the optimizer. `None` (left out, and said apart) when the judge
    /// failed on it, unless it already failed for being cut off (score 0 whatever the judge), or
    /// when nothing could be checked.
    pub fn counted(&self) -> Option<f64> {
        if (self.judge_failed.is_some() || self.pending) && !self.failed_cut_off {
            return None;
        }
        self.score
    }

    /// A score of this case (0..=1) as a figure out of 100: [`figures::points`], or beside the
    /// case's pass mark when it has one ([`figures::points_against`]: "66.7", not "67", for a
    /// score that fails a mark of 67).
    pub fn figure(&self, x: f64) -> String {
        match self.threshold {
            Some(t) => figures::points_against(x * 100.0, t * 100.0),
            None => figures::points(x * 100.0).to_string(),
        }
    }

    /// The case's score as a row shows it: "67" ("66.6" beside a pass mark of 67 it fails,
    /// [`figures::points_against`]); "Score 67 without the judge (the judge call
    /// failed: …)" when a judge check failed and other checks were scored ("without the judge
    /// checks it could not grade" when other judge checks were graded); "No score (the
    /// judge's reply has no score from 1 to 10)" when nothing else was; empty while there is no
    /// score; "Score 100 without the judge (not judged yet)" while a judge verdict is pending
    /// (tryout 89: a big "100" beside the "not judged" tag, over the other checks alone), or
    /// "Score 93 without the judge checks not judged yet" when another was graded. (The
    /// judge's errors all begin "The judge…", so they read as the reason.)
    pub fn label(&self) -> String {
        let pct = self.score.map(|x| self.figure(x));
        if self.pending && self.judge_failed.is_none() && !self.failed_cut_off {
            // Tryout 121: "Score 93 without the judge" held a judge check already graded.
            let which = if self.judge_scored {
                "without the judge checks not judged yet"
            } else {
                "without the judge (not judged yet)"
            };
            return pct
                .map(|p| format!("Score {p} {which}"))
                .unwrap_or_default();
        }
        match (&self.judge_failed, pct) {
            (None, Some(p)) => p,
            (None, None) => String::new(),
            (Some(why), Some(p)) if !self.failed_cut_off && self.judge_scored => format!(
                "Score {p} without the judge checks it could not grade ({})",
                lower_first(why)
            ),
            (Some(why), Some(p)) if !self.failed_cut_off => {
                format!("Score {p} without the judge ({})", lower_first(why))
            }
            (Some(_), Some(p)) => p,
            (Some(why), None) => format!("No score ({})", lower_first(why)),
        }
    }

    /// How a passing case passed (`None`: it did not pass): every check passed, or on its
    /// threshold with a check failing (a thumbs-down counts as a failed check, see
    /// [`score_case`]), or with a check not measured.
    pub fn passed_how(&self) -> Option<Passed> {
        if !self.pass {
            return None;
        }
        let failing = self.rated_down.is_some()
            || self
                .verdicts
                .iter()
                .any(|v| matches!(v, Verdict::Done { pass: false, .. }));
        let unmeasured = self
            .verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Unmeasured { .. }));
        Some(if failing {
            Passed::WithACheckFailing
        } else if unmeasured {
            Passed::WithACheckUnmeasured
        } else {
            Passed::EveryCheck
        })
    }

    /// The case's verdict in words, as one answer's line says it after its score: "passed
    /// every check", "passed on its threshold, with a check failing", "passed, with a check
    /// not measured", "did not pass" (tryout 79: "passed every check" was said of an answer
    /// that passed on its threshold with two checks failing).
    pub fn verdict_words(&self) -> &'static str {
        match self.passed_how() {
            Some(Passed::EveryCheck) => "passed every check",
            Some(Passed::WithACheckFailing) => "passed on its threshold, with a check failing",
            Some(Passed::WithACheckUnmeasured) => "passed, with a check not measured",
            None => "did not pass",
        }
    }

    /// Why the case did not pass, one plain sentence per cause, in this order: cut off at the
    /// token limit (when that fails it), the model refused, the judge failed, then each failed
    /// check's own reason. The person's thumbs-down is not among them: its reason is
    /// [`CaseScore::rated_down`], worded for the person who rated. Empty when the case passed
    /// or is still pending. Shown where only the verdict travels (a shared draft's results;
    /// tryout 10: the receiver saw "fail, score 0 / 100" and no reason).
    pub fn why_failed(&self) -> Vec<String> {
        if self.pass || self.pending {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.failed_cut_off {
            out.push(
                "The answer was cut off at the token limit, and cut-off answers fail in this suite."
                    .to_owned(),
            );
        }
        if self.refused {
            out.push("The model refused to answer.".to_owned());
        }
        if let Some(why) = &self.judge_failed {
            out.push(why.trim().to_owned());
        }
        for v in &self.verdicts {
            if let Verdict::Done {
                pass: false,
                reason,
                ..
            } = v
            {
                let r = reason.trim();
                if !r.is_empty() && !out.iter().any(|o| o == r) {
                    out.push(r.to_owned());
                }
            }
        }
        out
    }
}

/// A sentence's first letter in lower case, for quoting it inside another sentence; the final
/// full stop dropped.
fn lower_first(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The judge rubrics a case needs (its own assertions, then the global ones, variables filled,
/// each once, in order): the texts to send to the judge and the keys of its verdicts.
pub fn judge_rubrics(suite: &Suite, case: &TestCase) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in suite.assertions_for(case) {
        if let Some(r) = a.with_vars(&case.vars).judge_rubric()
            && !r.is_empty()
            && !out.contains(&r)
        {
            out.push(r);
        }
    }
    out
}

/// Scores one output against the assertions that apply to the case, their `{{variables}}`
/// filled from the case. `observed` is what the run saw besides the text; `judgements` maps a
/// judge rubric ([`judge_rubrics`]) to the judge's verdict on this output.
///
/// An answer cut off at the token limit ([`Observed::cut_off`]) fails with score 0 while the
/// suite's [`Suite::cut_off_fails`] is on, whatever its checks say; a `finish-reason` check of the
/// case (its own or one for every case) decides about the stop reason instead, so a check that
/// asks for `length` is never contradicted. The person's thumbs-down (`observed.rating`) is one
/// more failed check, scored 0, with the reason "You rated this answer down: <note>"
/// ([`CaseScore::rated_down`]), while [`Suite::thumbs_down_fails`] is on; a thumbs-up adds none.
/// Every workflow that scores an output (runs, Reflexion's final answer, the optimizer) comes
/// through here.
pub fn score_case(
    suite: &Suite,
    case: &TestCase,
    output: &str,
    observed: &Observed,
    spec: Option<&PromptSpec>,
    judgements: &SortedMap<String, judge::Judgement>,
) -> CaseScore {
    let verdicts: Vec<Verdict> = suite
        .assertions_for(case)
        .map(|a| {
            let a = a.with_vars(&case.vars);
            let j = a.judge_rubric().and_then(|r| judgements.get(&r));
            check(&a, output, observed, spec, j)
        })
        .collect();
    // (score, weight) of each check that gave one.
    let mut scores: Vec<(f64, f64)> = verdicts
        .iter()
        .zip(suite.assertions_for(case))
        .filter_map(|(v, a)| match v {
            Verdict::Done { score, .. } => Some((*score, a.weight)),
            _ => None,
        })
        .collect();
    // The person's thumbs-down is one more failed check (a thumbs-up adds none).
    let rated_down = observed
        .rating
        .as_ref()
        .and_then(rating::Rating::down_reason)
        .filter(|_| suite.thumbs_down_fails);
    if rated_down.is_some() {
        scores.push((0.0, 1.0));
    }
    // promptfoo's score: the weighted mean of the checks' scores, 0 when every weight is 0
    // (`AssertionsResult::testResult`).
    let mut score = (!scores.is_empty()).then(|| {
        let total: f64 = scores.iter().map(|(_, w)| w).sum();
        if total > 0.0 {
            scores.iter().map(|(s, w)| s * w).sum::<f64>() / total
        } else {
            0.0
        }
    });
    let pending = verdicts.iter().any(|v| matches!(v, Verdict::Pending));
    let cut_off = observed.cut_off();
    let failed_cut_off = cut_off
        && suite.cut_off_fails
        && !suite
            .assertions_for(case)
            .any(|a| a.kind() == CheckKind::FinishReason);
    if failed_cut_off {
        score = Some(0.0);
    }
    // A refusal with nothing checked is still no answer: it fails, scored 0.
    let refused = observed.refusal.is_some();
    if refused && score.is_none() && !pending {
        score = Some(0.0);
    }
    let judge_failed = verdicts.iter().find_map(|v| match v {
        Verdict::JudgeError { error, .. } => Some(error.clone()),
        _ => None,
    });
    let judge_scored = verdicts
        .iter()
        .zip(suite.assertions_for(case))
        .any(|(v, a)| a.judge_rubric().is_some() && matches!(v, Verdict::Done { .. }));
    // A case whose judge failed is not known to pass, whatever its other checks or threshold say.
    let pass = !failed_cut_off
        && judge_failed.is_none()
        && !(refused && scores.is_empty())
        && match case.threshold {
            Some(t) => !pending && score.is_some_and(|s| s + 1e-9 >= t),
            None => {
                !scores.is_empty()
                    && rated_down.is_none()
                    && verdicts
                        .iter()
                        .all(|v| v.passed() || matches!(v, Verdict::Unmeasured { .. }))
            }
        };
    // Only the judge's checks failed (a threshold weighs every check, the judge's among them).
    let only_judge_failed = case.threshold.is_some()
        || verdicts
            .iter()
            .zip(suite.assertions_for(case))
            .all(|(v, a)| {
                a.judge_rubric().is_some() || !matches!(v, Verdict::Done { pass: false, .. })
            });
    let rough_judge = observed.rough_judge
        && judge_scored
        && (pass || (only_judge_failed && rated_down.is_none() && !failed_cut_off));
    // The best this case could score were every failed judge check at full marks, and whether
    // it fails even so.
    let fails_anyway = judge_failed.as_ref().and_then(|_| {
        let failed_weight: f64 = verdicts
            .iter()
            .zip(suite.assertions_for(case))
            .filter(|(v, _)| matches!(v, Verdict::JudgeError { .. }))
            .map(|(_, a)| a.weight)
            .sum();
        let (sum, total) = scores
            .iter()
            .fold((0.0, 0.0), |(s, t), (x, w)| (s + x * w, t + w));
        let best = if failed_cut_off {
            0.0
        } else if total + failed_weight > 0.0 {
            (sum + failed_weight) / (total + failed_weight)
        } else {
            0.0
        };
        // Any check that gave a failing verdict, a graded judge check among them.
        let other_failed = verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Done { pass: false, .. }));
        let fails = failed_cut_off
            || match case.threshold {
                Some(t) => best + 1e-9 < t,
                None => rated_down.is_some() || other_failed,
            };
        (fails && !pending).then_some(best)
    });
    CaseScore {
        pass,
        pending,
        score,
        verdicts,
        cut_off,
        failed_cut_off,
        judge_failed,
        fails_anyway,
        judge_scored,
        rough_judge,
        refused,
        rated_down,
        threshold: case.threshold,
    }
}

/// The aggregate of a run: mean case score (0..=100) over scored cases, and pass counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Aggregate {
    pub mean: Option<f64>,
    pub passed: usize,
    pub scored: usize,
    /// Cases left out of `mean` and `scored` because their judge failed
    /// ([`CaseScore::judge_failed`]): their score would leave the judge out.
    pub judge_failed: usize,
    /// Cases with nothing that could be checked (no checks, or none measured): no score.
    pub unchecked: usize,
    /// Cases whose judge has not answered ([`CaseScore::pending`]): still being judged, or the
    /// run stopped before (a reload, Cancel). Left out of `mean` and `scored` like `judge_failed`:
    /// their score without the judge is not their score, and they have not failed.
    pub unjudged: usize,
    /// Refused cases (among `scored`: a refusal is scored like any answer, see
    /// [`CaseScore::refused`]).
    pub refused: usize,
    /// Passed cases (among `passed`) with a check that failed: their threshold let them pass.
    pub passed_failing: usize,
    /// Passed cases (among `passed`, none of `passed_failing`) with a check that could not be
    /// measured ([`Verdict::Unmeasured`], left out of their score).
    pub passed_unmeasured: usize,
    /// Scored cases whose pass or fail rests on the built-in tiny judge
    /// ([`CaseScore::rough_judge`]): said on the line as a rough guess.
    pub rough_judged: usize,
    /// Of `judge_failed`, the cases that fail whatever their judge would say
    /// ([`CaseScore::fails_anyway`]).
    pub failed_anyway: usize,
    /// With `failed_anyway` cases: the most the mean (0..=100) could be over the scored cases
    /// and them, each at its best score; the line says it beside the mean, which leaves them
    /// out (tryout 120: 86 over 4 of 5 cases, at most 76 with the fifth).
    pub at_most: Option<f64>,
}

impl Aggregate {
    /// Every finished case counted: scored, left out for the judge, or with nothing to check.
    pub fn total(&self) -> usize {
        self.scored + self.judge_failed + self.unchecked + self.unjudged
    }

    /// The score line of a run's results, accounting for every finished case: "Score 40 / 100
    /// over 2 of 3 cases · 1 of 3 cases passed every check · 1 refused · 1 case had nothing to
    /// check" (the mean's case count is said when it is not every case); "No score yet" when no
    /// case has a score, with what else there is to say ("No score yet: 1 case had nothing to
    /// check"), never a pass count of nothing scored. The cases left out for the judge are counted in
    /// "of N" and named by the page (with Re-judge) after this line.
    ///
    /// Tryout 51: cases that passed on their threshold with a check failing, or with a check
    /// not measured, were counted as having "passed every check"; then the line says "passed"
    /// and counts them: "3 of 4 cases passed · 2 of them on their threshold, with a check
    /// failing · 1 with a check not measured".
    pub fn line(&self) -> String {
        self.line_saying(true)
    }

    /// [`Self::line`], saying its "N not judged yet" only when `unjudged` (the page leaves it
    /// out when its fuller sentence on the cases not judged follows the line: tryout 89, "No
    /// score yet: 5 not judged yet · 5 cases are not judged yet…").
    pub fn line_saying(&self, unjudged: bool) -> String {
        let total = self.total();
        let every = self.passed_failing == 0 && self.passed_unmeasured == 0;
        let mut parts = vec![format!(
            "{} of {} passed{}",
            self.passed,
            figures::count(total, "case", "cases"),
            if every { " every check" } else { "" }
        )];
        if self.passed_failing > 0 {
            parts.push(format!(
                "{} of them on {} threshold, with a check failing",
                self.passed_failing,
                if self.passed_failing == 1 {
                    "its"
                } else {
                    "their"
                }
            ));
        }
        if self.passed_unmeasured > 0 {
            parts.push(format!(
                "{} with a check not measured",
                self.passed_unmeasured
            ));
        }
        if self.refused > 0 {
            parts.push(format!("{} refused", self.refused));
        }
        if self.unchecked > 0 {
            parts.push(format!(
                "{} nothing to check",
                figures::count(self.unchecked, "case had", "cases had")
            ));
        }
        if unjudged && self.unjudged > 0 {
            parts.push(format!("{} not judged yet", self.unjudged));
        }
        if self.rough_judged > 0 {
            parts.push(format!(
                "{} by the built-in tiny model's judge: a rough guess",
                figures::count(self.rough_judged, "case decided", "cases decided")
            ));
        }
        // Cases left out for their judge that fail whatever it says: the most the mean could be
        // with them (tryout 120), and a pass count even with no score (tryout 121).
        let anyway = match (self.failed_anyway, self.at_most) {
            (n @ 1.., Some(best)) => format!(
                " (at most {} with the {} left out that {} whatever {} judge says)",
                figures::points(best),
                if n == 1 {
                    "case".to_owned()
                } else {
                    format!("{n} cases")
                },
                if n == 1 { "fails" } else { "fail" },
                if n == 1 { "its" } else { "their" }
            ),
            _ => String::new(),
        };
        match self.mean {
            // Tryout 62: "Score 100 / 100" read as the run's when 2 of 3 cases were left out of
            // it (their judge failed): a mean over fewer cases than finished says over how many.
            Some(m) if self.scored < total => format!(
                "Score {} / 100 over {} of {total} cases{anyway} · {}",
                figures::points(m),
                self.scored,
                parts.join(" · ")
            ),
            Some(m) => format!("Score {} / 100 · {}", figures::points(m), parts.join(" · ")),
            // Tryout 82: "0 of 1 case passed every check" for a case whose only judge check
            // failed to answer read as a failed case: with no score at all, no pass count,
            // unless a case failed whatever its judge says (tryout 121).
            None if self.failed_anyway > 0 => format!(
                "No score yet: {} · {} whatever {} judge says",
                parts.join(" · "),
                figures::count(self.failed_anyway, "case fails", "cases fail"),
                if self.failed_anyway == 1 {
                    "its"
                } else {
                    "their"
                }
            ),
            None if parts.len() > 1 => format!("No score yet: {}", parts[1..].join(" · ")),
            None => "No score yet".to_owned(),
        }
    }
}

/// How a case passed ([`CaseScore::passed_how`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    /// Every check passed and was measured.
    EveryCheck,
    /// On the case's threshold, with a check failing (or rated down).
    WithACheckFailing,
    /// Every measured check passed; one could not be measured.
    WithACheckUnmeasured,
}

/// The mean score and pass counts of finished cases. A case whose judge failed is counted in
/// `judge_failed` only: a mean mixing scores with and without the judge would not say what it
/// measures. (A case failed for being cut off keeps its 0: the judge does not decide it.)
pub fn aggregate<'a>(scores: impl IntoIterator<Item = &'a CaseScore>) -> Aggregate {
    let mut sum = 0.0;
    let mut best_sum = 0.0;
    let mut agg = Aggregate::default();
    for s in scores {
        if s.judge_failed.is_some() && !s.failed_cut_off {
            agg.judge_failed += 1;
            if let Some(best) = s.fails_anyway {
                agg.failed_anyway += 1;
                best_sum += best;
            }
            continue;
        }
        if s.pending && !s.failed_cut_off {
            agg.unjudged += 1;
            continue;
        }
        agg.refused += usize::from(s.refused);
        if let Some(x) = s.counted() {
            sum += x;
            agg.scored += 1;
            agg.passed += usize::from(s.pass);
            agg.rough_judged += usize::from(s.rough_judge);
            match s.passed_how() {
                Some(Passed::WithACheckFailing) => agg.passed_failing += 1,
                Some(Passed::WithACheckUnmeasured) => agg.passed_unmeasured += 1,
                Some(Passed::EveryCheck) | None => {}
            }
        } else {
            agg.unchecked += 1;
        }
    }
    agg.mean = (agg.scored > 0).then(|| 100.0 * sum / agg.scored as f64);
    agg.at_most = (agg.failed_anyway > 0)
        .then(|| 100.0 * (sum + best_sum) / (agg.scored + agg.failed_anyway) as f64);
    agg
}

/// Comparison of two versions on the same cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// `(case id, score a, score b, outcome)` for cases scored under both.
    pub rows: Vec<(u32, f64, f64, std::cmp::Ordering)>,
    pub wins: usize,
    pub losses: usize,
    pub ties: usize,
    /// Mean of b minus mean of a, in points (0..=100 scale), over the shared cases.
    pub difference: f64,
}

/// Compares per-case scores of version A and version B (`Greater` = B wins).
pub fn compare(a: &SortedMap<u32, f64>, b: &SortedMap<u32, f64>) -> Comparison {
    let mut c = Comparison::default();
    let (mut sa, mut sb) = (0.0, 0.0);
    for (id, x) in a {
        let Some(y) = b.get(id) else { continue };
        let ord = if (y - x).abs() < 1e-9 {
            std::cmp::Ordering::Equal
        } else if y > x {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Less
        };
        match ord {
            std::cmp::Ordering::Greater => c.wins += 1,
            std::cmp::Ordering::Less => c.losses += 1,
            std::cmp::Ordering::Equal => c.ties += 1,
        }
        sa += x;
        sb += y;
        c.rows.push((*id, *x, *y, ord));
    }
    if !c.rows.is_empty() {
        c.difference = 100.0 * (sb - sa) / c.rows.len() as f64;
    }
    c
}

/// Two answers to one case (Reflexion's draft and final) scored on the same checks: the checks
/// measured for both, so a check that could not be measured for one answer (the final's cost is
/// not kept; its time is, since tryout 79) does not move the comparison. See [`compare_answers`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnswersCompared {
    /// The first answer's weighted mean over the shared checks, 0..=1, by the checks' weights as
    /// in its own score (0 when it failed for being cut off, or when every shared check weighs
    /// 0); `None` when no check was measured for both.
    pub a: Option<f64>,
    /// The second answer's, likewise.
    pub b: Option<f64>,
    /// The indices (in [`Suite::assertions_for`] order) of the checks left out of the
    /// comparison: not measured, pending or not judged for one answer or both.
    pub left_out: Vec<usize>,
}

/// Compares two scores of the same case (same checks, same order) on the checks measured for
/// both ([`Verdict::Done`] on each side), each weighted by its `weights` entry (the checks'
/// [`Assertion::weight`], in [`Suite::assertions_for`] order; a missing entry weighs 1), as
/// [`score_case`] weighs them: with every check measured for both, each side is its own score
/// (tryout 119: an unweighted mean said "Reflection helped: 33 → 67" over "Draft · 60" and
/// "Final · 40"). An answer failed for being cut off ([`CaseScore::failed_cut_off`]) keeps its
/// 0, as in its own score.
pub fn compare_answers(a: &CaseScore, b: &CaseScore, weights: &[f64]) -> AnswersCompared {
    let mut out = AnswersCompared::default();
    let (mut sa, mut sb, mut total, mut n) = (0.0, 0.0, 0.0, 0usize);
    for (i, (va, vb)) in a.verdicts.iter().zip(b.verdicts.iter()).enumerate() {
        match (va, vb) {
            (Verdict::Done { score: x, .. }, Verdict::Done { score: y, .. }) => {
                let w = weights.get(i).copied().unwrap_or(1.0);
                sa += x * w;
                sb += y * w;
                total += w;
                n += 1;
            }
            _ => out.left_out.push(i),
        }
    }
    // promptfoo's rule: 0 when every weight is 0 (`AssertionsResult::testResult`).
    let mean = |s: f64| (n > 0).then(|| if total > 0.0 { s / total } else { 0.0 });
    let side = |c: &CaseScore, m: Option<f64>| {
        if c.failed_cut_off {
            Some(0.0)
        } else if n == 0 {
            // Nothing else to compare on: a refusal still scores its 0.
            c.score.filter(|_| c.verdicts.is_empty())
        } else {
            m
        }
    };
    out.a = side(a, mean(sa));
    out.b = side(b, mean(sb));
    out
}
