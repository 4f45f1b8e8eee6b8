//! The LLM judge: the request that asks the judge model to grade one output against a rubric
//! (reasoning first, then a score 1-10), and the parser of its reply, which also reads scores
//! written in prose ("Score: 7/10") and keeps an unreadable reply whole so it can be shown and re-judged.
use serde_json::Value;

use super::clip;
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::structured;

const JUDGE: &str = include_str!("judge.md");
const JUDGE_USER: &str = include_str!("judge_user.md");
const JUDGE_SCHEMA: &str = include_str!("judge.schema.json");

/// The judge model's verdict on one output for one rubric.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Judgement {
    Scored {
        score: u8,
        reasoning: String,
    },
    /// No score could be read: the raw reply and why.
    Unreadable {
        raw: String,
        error: String,
    },
}

pub fn schema() -> Value {
    serde_json::from_str(JUDGE_SCHEMA).expect("judge.schema.json is valid JSON")
}

/// The grading request. Long texts are cut to keep the judge's context small.
pub fn request(
    rubric: &str,
    prompt: &str,
    input: &str,
    expected: &str,
    output: &str,
) -> ChatRequest {
    let expected = if expected.trim().is_empty() {
        "(none given)".to_owned()
    } else {
        clip(expected, 4000)
    };
    let user = JUDGE_USER
        .replace("{rubric}", rubric.trim())
        .replace("{prompt}", &clip(prompt, 6000))
        .replace("{input}", &clip(input, 4000))
        .replace("{expected}", &expected)
        .replace("{output}", &clip(output, 8000));
    let mut req = ChatRequest::new(Some(JUDGE.trim().to_owned()), user.trim());
    req.max_tokens = 600;
    req.temperature = 0.0;
    req.schema = Some(OutputSchema {
        name: "grade".into(),
        schema: schema(),
    });
    req
}

/// Reads the judge's reply: the JSON object, else a score in prose ("score: 7", "7/10").
pub fn parse(reply: &str) -> Judgement {
    let unreadable = |error: &str| Judgement::Unreadable {
        raw: reply.to_owned(),
        error: error.to_owned(),
    };
    if reply.trim().is_empty() {
        return unreadable("The judge replied with nothing.");
    }
    if let Ok(v) = structured::extract_json(reply) {
        if v.is_object() {
            let reasoning = ["reasoning", "reason", "explanation", "justification"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
                .unwrap_or("")
                .trim()
                .to_owned();
            return match v.get("score").and_then(score_of) {
                Some(score) => Judgement::Scored { score, reasoning },
                None => unreadable("The judge's reply has no score from 1 to 10."),
            };
        }
    }
    match prose_score(reply) {
        Some(score) => {
            let reasoning = reply.trim().to_owned();
            Judgement::Scored { score, reasoning }
        }
        None => unreadable("The judge's reply has no score from 1 to 10."),
    }
}

fn score_of(v: &Value) -> Option<u8> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => leading_number(s.trim())?,
        _ => return None,
    };
    in_range(x)
}

fn in_range(x: f64) -> Option<u8> {
    (1.0..=10.0).contains(&x).then(|| x.round() as u8)
}

fn leading_number(s: &str) -> Option<f64> {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(s.len(), |(i, _)| i);
    s[..end].trim_end_matches('.').parse().ok()
}

/// "Score: 7", "score - 8/10", "**Score**: 9", or "7/10" anywhere; the last mention wins, since
/// the judge is asked to reason first.
fn prose_score(text: &str) -> Option<u8> {
    let lower = text.to_lowercase();
    let mut found = None;
    for (i, _) in lower.match_indices("score") {
        let rest = lower[i + 5..].trim_start_matches(|c: char| {
            c == '*'
                || c == ':'
                || c == '-'
                || c == '='
                || c == ' '
                || c == '\u{a0}'
                || c == 'i'
                || c == 's'
        });
        if let Some(x) = leading_number(rest).and_then(in_range) {
            found = Some(x);
        }
    }
    if found.is_some() {
        return found;
    }
    for (i, _) in lower.match_indices("/10") {
        let before = lower[..i].trim_end();
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map_or(0, |(j, c)| j + c.len_utf8());
        if let Some(x) = before[start..].parse::<f64>().ok().and_then(in_range) {
            found = Some(x);
        }
    }
    found
}
