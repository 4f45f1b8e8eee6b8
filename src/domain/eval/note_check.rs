//! "Turn this note into a check": the meta model proposes, from the person's note on a rated
//! answer, one deterministic check in promptfoo's vocabulary (`contains`, `icontains`,
//! `not-contains`, `not-icontains`, `starts-with`, `regex`, `not-regex`) or an `llm-rubric`
//! line ([`request`]); [`read`] takes the reply tolerantly and turns it into an [`Assertion`]
//! the person keeps (for the case or every case) or dismisses. JSON-only: off on the tiny
//! built-in model.
use serde_json::Value;

use super::rating::{Rating, Thumb};
use super::{Assertion, TestCase, clip};
use crate::domain::meta::reply::{ReplyCause, diagnose, reply_field};
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::structured;
use crate::domain::template;
use crate::domain::wire::AssertionV1;

const NOTE_CHECK: &str = include_str!("note_check.md");
const NOTE_CHECK_USER: &str = include_str!("note_check_user.md");
const NOTE_CHECK_SCHEMA: &str = include_str!("note_check.schema.json");

/// The promptfoo types a proposal may have.
pub const TYPES: [&str; 8] = [
    "contains",
    "icontains",
    "not-contains",
    "not-icontains",
    "starts-with",
    "regex",
    "not-regex",
    "llm-rubric",
];

/// The JSON schema of the reply: `{"type", "value", "why"}`.
pub fn schema() -> Value {
    serde_json::from_str(NOTE_CHECK_SCHEMA).expect("note_check.schema.json is valid JSON")
}

/// Most characters of the note the request quotes: a note says what is wrong in a few
/// sentences, and a pasted page of text would make a large request with no word before it
/// (tryout 83: a 68 KB request went out).
pub const NOTE_CHARS: usize = 2000;

/// The meta model's request for a check from `rating`'s note on `output` (the answer to `case`).
/// The case is quoted as it was answered ([`TestCase::shown_input`]): a conversation with its
/// earlier turns, then the last user message; the note up to [`NOTE_CHARS`] characters.
pub fn request(case: &TestCase, output: &str, rating: &Rating) -> ChatRequest {
    let user = template::fill(
        NOTE_CHECK_USER,
        &[
            ("note", &clip(rating.note.trim(), NOTE_CHARS)),
            (
                "thumb",
                match rating.thumb {
                    Thumb::Up => "thumbs up (a good answer)",
                    Thumb::Down => "thumbs down (a bad answer)",
                },
            ),
            ("input", &case.shown_input(2000)),
            ("output", &clip(output, 3000)),
        ],
    );
    ChatRequest::structured(
        NOTE_CHECK,
        user.trim(),
        OutputSchema::new("check", schema()),
        400,
        0.2,
    )
}

/// A proposed check and the model's reason for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub assertion: Assertion,
    pub why: String,
}

/// Why a reply gave no check to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCheck {
    /// Nothing could be read (the likeliest cause).
    Unread(ReplyCause),
    /// It reads, but the check is not one this job proposes, or cannot be used: why.
    Unusable(String),
}

impl NoCheck {
    /// What happened and what to do, in plain words.
    pub fn message(&self) -> String {
        match self {
            Self::Unread(c) => format!(
                "The proposed check could not be read. {} {}",
                c.message(),
                c.advice_without_manual_mode()
            ),
            Self::Unusable(why) => format!(
                "The model proposed a check that cannot be used: {why}. Ask again, or add a check by hand under Test cases."
            ),
        }
    }
}

/// Reads the reply tolerantly: the JSON object (near-JSON, fenced or in prose too) with `type`
/// (any case; `kind` or `assert` too) and `value` (`rubric`, `text` or `pattern` too). A type
/// outside [`TYPES`], an empty value or a check with a problem (a regex that does not compile)
/// is [`NoCheck::Unusable`], named; a reply with no such object is [`NoCheck::Unread`].
pub fn read(reply: &str, cut_off: bool) -> Result<Proposal, NoCheck> {
    let extracted = structured::extract_json(reply);
    let obj = match &extracted {
        Ok(Value::Object(m)) => m.clone(),
        Ok(Value::Array(a)) => match a.iter().find_map(Value::as_object) {
            Some(m) => m.clone(),
            None => return Err(NoCheck::Unread(diagnose(reply, extracted, cut_off))),
        },
        _ => return Err(NoCheck::Unread(diagnose(reply, extracted, cut_off))),
    };
    let text = |names: &[&str]| {
        reply_field(&obj, names)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let kind = text(&["type", "kind", "assert"])
        .to_ascii_lowercase()
        .replace(['_', ' '], "-");
    let value = text(&["value", "rubric", "text", "pattern"]);
    if kind.is_empty() && value.is_empty() {
        return Err(NoCheck::Unread(diagnose(reply, extracted, cut_off)));
    }
    if !TYPES.contains(&kind.as_str()) {
        return Err(NoCheck::Unusable(if kind.is_empty() {
            "it has no type".to_owned()
        } else {
            format!("\u{201c}{kind}\u{201d} is not one of {}", TYPES.join(", "))
        }));
    }
    if value.is_empty() {
        return Err(NoCheck::Unusable("its value is empty".to_owned()));
    }
    let wire = AssertionV1 {
        kind: kind.clone(),
        value: Some(Value::String(value)),
        ..AssertionV1::default()
    };
    let assertion = Assertion::try_from(&wire).map_err(|e| NoCheck::Unusable(e.why))?;
    if let Some(p) = assertion.problem(None) {
        return Err(NoCheck::Unusable(p.trim_end_matches('.').to_owned()));
    }
    Ok(Proposal {
        assertion,
        why: text(&["why", "reason", "rationale"]),
    })
}
