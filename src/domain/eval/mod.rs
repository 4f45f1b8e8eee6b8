//! Test cases and their assertions: what a prompt must do, checked on each output, with one score
//! per case and per run. Deterministic checks are pure functions of the output; the LLM-judge
//! verdict comes from [`judge`] and is merged in here.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::schema::{Validator, check_schema};
use crate::domain::spec::PromptSpec;

pub mod cases_io;
pub mod judge;
pub mod run;
pub mod synth;
#[cfg(test)]
mod tests;

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
    /// The user message sent with the prompt (may be empty when variables carry the input).
    pub input: String,
    /// Values for the prompt's `{{variables}}`, in order.
    pub vars: Vec<(String, String)>,
    /// What a good answer looks like (optional; shown to the judge as a reference).
    pub expected: String,
    pub assertions: Vec<Assertion>,
    pub tags: Vec<String>,
    pub split: Split,
}

impl TestCase {
    /// The user message for the execution model: the input, else the variables as `name: value` lines.
    pub fn user_message(&self) -> String {
        if !self.input.trim().is_empty() || self.vars.is_empty() {
            return self.input.clone();
        }
        self.vars
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A one-line summary of the input, for lists.
    pub fn summary(&self) -> String {
        let text = if !self.description.trim().is_empty() {
            self.description.clone()
        } else {
            self.user_message()
        };
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.chars().count() > 80 {
            format!("{}…", line.chars().take(79).collect::<String>())
        } else {
            line
        }
    }
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

/// What an assertion checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The whole output equals the text (ends trimmed).
    Equals(String),
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
}

impl CheckKind {
    pub const ALL: [CheckKind; 10] = [
        Self::ContainsAll,
        Self::ContainsAny,
        Self::NotContains,
        Self::Equals,
        Self::StartsWith,
        Self::Regex,
        Self::IsJson,
        Self::MatchesSchema,
        Self::Length,
        Self::Judge,
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
        }
    }

    /// A plain-words hint for people who do not know the term.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Equals => "The whole answer must be exactly this text.",
            Self::ContainsAll => "Every listed phrase must appear (one per line).",
            Self::ContainsAny => "At least one listed phrase must appear (one per line).",
            Self::NotContains => "None of the listed phrases may appear (one per line).",
            Self::StartsWith => "The answer must begin with this text.",
            Self::Regex => {
                "A regular expression: a text pattern such as ^\\d{4}-\\d{2}-\\d{2}$ for a date."
            }
            Self::IsJson => "The answer must be valid JSON data that a program can read.",
            Self::MatchesSchema => {
                "The answer must be JSON shaped like the JSON schema (from the Format section unless you paste one)."
            }
            Self::Length => "Bounds on the answer's length, in characters or words.",
            Self::Judge => {
                "The judge model reads the answer, explains its reasoning, then scores it 1-10 against your rubric."
            }
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
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
        }
    }
}

/// One assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub check: Check,
    /// Compare text without regard to letter case (text checks only).
    pub ignore_case: bool,
}

impl Assertion {
    pub fn new(check: Check) -> Self {
        Self {
            check,
            ignore_case: false,
        }
    }

    pub fn kind(&self) -> CheckKind {
        match self.check {
            Check::Equals(_) => CheckKind::Equals,
            Check::ContainsAll(_) => CheckKind::ContainsAll,
            Check::ContainsAny(_) => CheckKind::ContainsAny,
            Check::NotContains(_) => CheckKind::NotContains,
            Check::StartsWith(_) => CheckKind::StartsWith,
            Check::Regex(_) => CheckKind::Regex,
            Check::IsJson => CheckKind::IsJson,
            Check::MatchesSchema(_) => CheckKind::MatchesSchema,
            Check::Length { .. } => CheckKind::Length,
            Check::Judge { .. } => CheckKind::Judge,
        }
    }

    /// A short description, e.g. `contains all of "a", "b"`.
    pub fn describe(&self) -> String {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("\u{201c}{s}\u{201d}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ic = if self.ignore_case { " (any case)" } else { "" };
        match &self.check {
            Check::Equals(s) => format!("equals \u{201c}{s}\u{201d}{ic}"),
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
        }
    }

    /// What makes this assertion unusable, if anything (shown inline; a run will not start).
    pub fn problem(&self, spec: Option<&PromptSpec>) -> Option<String> {
        let empty_list = |v: &[String]| v.iter().all(|s| s.trim().is_empty());
        match &self.check {
            Check::Equals(s) | Check::StartsWith(s) if s.is_empty() => {
                Some("Type the text to compare with.".into())
            }
            Check::ContainsAll(v) | Check::ContainsAny(v) | Check::NotContains(v)
                if empty_list(v) =>
            {
                Some("Add at least one phrase (one per line).".into())
            }
            Check::Regex(r) if r.is_empty() => Some("Type a pattern.".into()),
            Check::Regex(r) => compile(r, self.ignore_case)
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
                schema_problem(&text)
            }
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
            Check::Judge { threshold, .. } if !(1..=10).contains(threshold) => {
                Some("The pass mark must be between 1 and 10.".into())
            }
            _ => None,
        }
    }
}

fn compile(pattern: &str, ignore_case: bool) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .size_limit(1 << 20)
        .build()
}

/// Whether a schema text is usable: valid JSON, an object, and a schema [`check_schema`] accepts
/// (a known draft, no reference to another document, valid patterns).
pub fn schema_problem(text: &str) -> Option<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => check_schema(&v)
            .err()
            .map(|p| format!("The JSON schema cannot be used: {p}.")),
        Ok(_) => Some("The JSON schema must be a JSON object.".into()),
        Err(e) => Some(format!("The JSON schema is not valid JSON: {e}")),
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

fn excerpt(s: &str) -> String {
    let one: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        format!("\u{201c}{one}…\u{201d}")
    } else {
        format!("\u{201c}{one}\u{201d}")
    }
}

/// Checks a deterministic assertion on an output. Judge assertions return
/// [`Verdict::Pending`] unless a judgement for their rubric is given.
pub fn check(
    a: &Assertion,
    output: &str,
    spec: Option<&PromptSpec>,
    judgement: Option<&judge::Judgement>,
) -> Verdict {
    if let Some(p) = a.problem(spec) {
        return Verdict::done(false, format!("Not checked: {p}"));
    }
    let ic = a.ignore_case;
    let out = fold(output, ic);
    match &a.check {
        Check::Equals(s) => {
            let ok = out.trim() == fold(s, ic).trim();
            Verdict::done(
                ok,
                if ok {
                    "The answer is exactly the expected text.".to_owned()
                } else {
                    format!("The answer is {} instead.", excerpt(output.trim()))
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
                Verdict::done(false, format!("Missing: {}.", names.join(", ")))
            }
        }
        Check::ContainsAny(v) => match v
            .iter()
            .find(|p| !p.is_empty() && out.contains(&fold(p, ic)))
        {
            Some(p) => Verdict::done(true, format!("Found {}.", excerpt(p))),
            None => Verdict::done(false, "None of the phrases appears."),
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
                Verdict::done(false, format!("Found: {}.", found.join(", ")))
            }
        }
        Check::StartsWith(s) => {
            let ok = out.trim_start().starts_with(&fold(s, ic));
            Verdict::done(
                ok,
                if ok {
                    "It starts as required.".to_owned()
                } else {
                    format!("It starts with {} instead.", excerpt(output.trim_start()))
                },
            )
        }
        Check::Regex(r) => {
            let re = compile(r, ic).expect("checked by problem()");
            match re.find(output) {
                Some(m) => Verdict::done(true, format!("Matched {}.", excerpt(m.as_str()))),
                None => Verdict::done(false, "The pattern matches nowhere in the answer."),
            }
        }
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
                Err(e) => Verdict::done(false, format!("Not valid JSON: {e}.")),
                Ok(v) => match Validator::new(&schema).map(|s| s.validate(&v)) {
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
        Check::Judge { threshold, .. } => match judgement {
            None => Verdict::Pending,
            Some(judge::Judgement::Scored { score, reasoning }) => Verdict::Done {
                pass: *score >= *threshold,
                score: f64::from(*score) / 10.0,
                reason: format!("Score {score}/10 (pass at {threshold}). {reasoning}"),
            },
            Some(judge::Judgement::Unreadable { raw, error }) => Verdict::JudgeError {
                raw: raw.clone(),
                error: error.clone(),
            },
        },
    }
}

/// An output read as JSON: the whole text, or the only JSON inside a code fence.
fn parse_json_output(output: &str) -> Result<Value, String> {
    let t = output.trim();
    let body = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|r| r.trim_end().strip_suffix("```"))
        .unwrap_or(t);
    serde_json::from_str(body.trim()).map_err(|e| e.to_string())
}

/// The test suite of a draft: the cases and the assertions that apply to every case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Suite {
    pub cases: Vec<TestCase>,
    pub global: Vec<Assertion>,
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

    /// The next free case id.
    pub fn next_id(&self) -> u32 {
        self.cases.iter().map(|c| c.id).max().unwrap_or(0) + 1
    }

    pub fn case(&self, id: u32) -> Option<&TestCase> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// Every assertion that applies to a case: its own, then the global ones.
    pub fn assertions_for<'a>(&'a self, case: &'a TestCase) -> impl Iterator<Item = &'a Assertion> {
        case.assertions.iter().chain(self.global.iter())
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
        let id = case.id;
        self.cases.push(case);
        id
    }

    /// Copies a case right after it; returns the copy's id.
    pub fn duplicate(&mut self, id: u32) -> Option<u32> {
        let at = self.cases.iter().position(|c| c.id == id)?;
        let mut copy = self.cases[at].clone();
        copy.id = self.next_id();
        let new = copy.id;
        self.cases.insert(at + 1, copy);
        Some(new)
    }

    pub fn remove(&mut self, id: u32) -> Option<(usize, TestCase)> {
        let at = self.cases.iter().position(|c| c.id == id)?;
        Some((at, self.cases.remove(at)))
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
    /// Every assertion checked and passed.
    pub pass: bool,
    /// Some judge verdict is still pending.
    pub pending: bool,
}

/// Scores one output against the assertions that apply to the case. `judgements` maps a rubric to
/// the judge's verdict on this output.
pub fn score_case(
    suite: &Suite,
    case: &TestCase,
    output: &str,
    spec: Option<&PromptSpec>,
    judgements: &BTreeMap<String, judge::Judgement>,
) -> CaseScore {
    let verdicts: Vec<Verdict> = suite
        .assertions_for(case)
        .map(|a| {
            let j = match &a.check {
                Check::Judge { rubric, .. } => judgements.get(rubric.trim()),
                _ => None,
            };
            check(a, output, spec, j)
        })
        .collect();
    let scores: Vec<f64> = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::Done { score, .. } => Some(*score),
            _ => None,
        })
        .collect();
    let score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    CaseScore {
        pass: !verdicts.is_empty() && verdicts.iter().all(Verdict::passed),
        pending: verdicts.iter().any(|v| matches!(v, Verdict::Pending)),
        score,
        verdicts,
    }
}

/// The aggregate of a run: mean case score (0..=100) over scored cases, and pass counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Aggregate {
    pub mean: Option<f64>,
    pub passed: usize,
    pub scored: usize,
}

pub fn aggregate<'a>(scores: impl IntoIterator<Item = &'a CaseScore>) -> Aggregate {
    let mut sum = 0.0;
    let mut agg = Aggregate::default();
    for s in scores {
        if let Some(x) = s.score {
            sum += x;
            agg.scored += 1;
            agg.passed += usize::from(s.pass);
        }
    }
    agg.mean = (agg.scored > 0).then(|| 100.0 * sum / agg.scored as f64);
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
pub fn compare(a: &BTreeMap<u32, f64>, b: &BTreeMap<u32, f64>) -> Comparison {
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
