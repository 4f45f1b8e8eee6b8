//! Synthetic test cases (seed 002): the request that asks the meta model for N diverse cases
//! (typical, edge, adversarial), the review request that lets it flag unrealistic ones, and the
//! near-duplicate measure (word-bigram and character-trigram Jaccard similarity over inputs) that
//! proposes dropping cases too close to an earlier one.
use std::collections::HashSet;

use serde_json::Value;

use super::{Message, Speaker, TestCase};
use crate::domain::meta::reply::{ReplyCause, diagnose, read_list, reply_field};
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::structured;
use crate::domain::template;

#[cfg(test)]
#[path = "synth_tests.rs"]
mod tests;

const SYNTH: &str = include_str!("synth.md");
const SYNTH_USER: &str = include_str!("synth_user.md");
const SYNTH_SCHEMA: &str = include_str!("synth.schema.json");
const REVIEW: &str = include_str!("review.md");
const REVIEW_USER: &str = include_str!("review_user.md");
const REVIEW_SCHEMA: &str = include_str!("review.schema.json");

/// Inputs at least this similar to an earlier one are proposed for dropping.
pub const NEAR_DUPLICATE: f64 = 0.65;

pub fn schema() -> Value {
    serde_json::from_str(SYNTH_SCHEMA).expect("synth.schema.json is valid JSON")
}

pub fn review_schema() -> Value {
    serde_json::from_str(REVIEW_SCHEMA).expect("review.schema.json is valid JSON")
}

/// How `n` suggested cases (clamped to 1..=50) divide into (typical, edge, adversarial): about a
/// quarter edge and a fifth adversarial, at least one edge from 3 cases and one adversarial from 4.
pub fn mix(n: u32) -> (u32, u32, u32) {
    let n = n.clamp(1, 50);
    let edge = (n / 4).max(u32::from(n >= 3));
    let adversarial = (n / 5).max(u32::from(n >= 4));
    (n - edge - adversarial, edge, adversarial)
}

/// The request for `n` new cases for a prompt; `conversations` is how many of the suite's cases
/// are conversations (with earlier turns): the meta-prompt then asks for conversations too, and
/// otherwise only when the prompt is for a chatbot.
pub fn request(prompt: &str, variables: &[String], n: u32, conversations: usize) -> ChatRequest {
    let n = n.clamp(1, 50);
    let (typical, edge, adversarial) = mix(n);
    let vars = if variables.is_empty() {
        "none (the input is the user's message)".to_owned()
    } else {
        variables
            .iter()
            .map(|v| format!("{{{{{v}}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let user = template::fill(
        SYNTH_USER,
        &[
            ("n", &n.to_string()),
            ("typical", &typical.to_string()),
            ("edge", &edge.to_string()),
            ("adversarial", &adversarial.to_string()),
            ("variables", &vars),
            ("conversations", &conversations_note(conversations)),
            ("prompt", prompt.trim()),
        ],
    );
    ChatRequest::structured(
        SYNTH,
        user.trim(),
        OutputSchema::new("test_cases", schema()),
        400 + 350 * n,
        0.8,
    )
}

/// About how many tokens (input, output) the two calls of a suggestion of `n` cases use when
/// each answer runs to its cap, counted as a provider billing the most would count them: each
/// request's every byte a token ([`request_bound`](crate::domain::estimate::request_bound)) and
/// its answer at its cap, and the review's input also holding the cases written, at 4 bytes a
/// token of the first answer's cap, with a few tokens of framing a case. An estimate, not a
/// bound: the review re-reads text a model wrote, whose size is not known before it is
/// written (tryout 83: the average count said $0.0031 for calls billed $0.0049).
pub fn estimate(prompt: &str, variables: &[String], n: u32, conversations: usize) -> (u64, u64) {
    use crate::domain::estimate::request_bound;
    let n = n.clamp(1, 50);
    let write = request(prompt, variables, n, conversations);
    let (i1, o1) = request_bound(&write);
    let (i2, _) = request_bound(&review_request(prompt, &[]));
    let o2 = u64::from(200 + 80 * n);
    (i1 + i2 + 4 * o1 + 8 * u64::from(n), o1 + o2)
}

/// What the suggestions request says about conversations, from how many of the suite's cases
/// are conversations.
fn conversations_note(conversations: usize) -> String {
    if conversations == 0 {
        "The test cases hold no conversations yet: give earlier turns only when the prompt is for a chatbot or an assistant that holds conversations.".to_owned()
    } else {
        format!(
            "The test cases already hold conversations ({} with earlier turns): include conversations among the new cases.",
            crate::domain::figures::count(conversations, "case", "cases")
        )
    }
}

/// The earlier turns of a suggested case (`turns`, or `messages`/`conversation`), read item by
/// item: a turn is a `{"role", "text"}` object (`content`/`message` for the text; roles `user`
/// or `human`, `assistant`, `model` or `ai`, any case); a turn that does not read is left out and
/// named in `left_out` ("its turn 2 …").
fn turns_of(v: Option<&Value>, left_out: &mut Vec<String>) -> Vec<Message> {
    let Some(Value::Array(items)) = v else {
        if v.is_some_and(|v| !v.is_null()) {
            left_out.push("its earlier turns are not a list and were left out".to_owned());
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = i + 1;
        let Some(m) = item.as_object() else {
            left_out.push(format!("its turn {at} is not a message and was left out"));
            continue;
        };
        let role = text(reply_field(m, &["role", "speaker", "from"]))
            .trim()
            .to_lowercase();
        let speaker = match role.as_str() {
            "user" | "human" => Speaker::User,
            "assistant" | "model" | "ai" | "bot" => Speaker::Assistant,
            other => {
                left_out.push(format!(
                    "its turn {at} has no speaker this app knows (\u{201c}{other}\u{201d}) and was left out"
                ));
                continue;
            }
        };
        out.push(Message {
            speaker,
            text: text(reply_field(m, &["text", "content", "message"])),
        });
    }
    out
}

/// A proposed case, before the person keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Its place in the model's list, from one. Left-out suggestions keep their numbers, so the
    /// kept ones may skip some ("Suggestion 2 was left out", then "Keep suggestion 3").
    pub number: usize,
    /// typical, edge or adversarial.
    pub kind: String,
    pub case: TestCase,
    /// `(index of the earlier proposal or existing case, similarity)` when it is a near-duplicate.
    pub duplicate_of: Option<(Similar, f64)>,
    /// The model's doubt about realism, if it has one.
    pub unrealistic: Option<String>,
    /// How its variables do not fit the prompt's (see [`variables_note`]), if they do not.
    pub vars_note: Option<String>,
}

/// How a suggested case's variables do not fit the prompt's `variables` (names without
/// braces): the names it gives that the prompt does not use, and the prompt's that it leaves
/// without a value, e.g. "It gives {{unknownvar}}, which your prompt does not use, and leaves
/// {{notes}} empty." `None` when they fit (tryout 47: such a case came in ticked, and its
/// message went out with `{{notes}}` empty).
pub fn variables_note(case: &TestCase, variables: &[String]) -> Option<String> {
    use crate::domain::figures::and_list;
    let braced = |n: &str| format!("{{{{{n}}}}}");
    let unknown: Vec<String> = case
        .vars
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !variables.contains(k))
        .map(|k| braced(k))
        .collect();
    let unset: Vec<String> = variables
        .iter()
        .filter(|v| {
            !case
                .vars
                .iter()
                .any(|(k, value)| k == *v && !value.trim().is_empty())
        })
        .map(|v| braced(v))
        .collect();
    let gives = (!unknown.is_empty()).then(|| {
        format!(
            "gives {}, which your prompt does not use",
            and_list(&unknown)
        )
    });
    let leaves = (!unset.is_empty()).then(|| format!("leaves {} empty", and_list(&unset)));
    match (gives, leaves) {
        (None, None) => None,
        (Some(g), None) => Some(format!("It {g}.")),
        (None, Some(l)) => Some(format!("It {l}.")),
        (Some(g), Some(l)) => Some(format!("It {g}, and {l}.")),
    }
}

/// What a proposal is too similar to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Similar {
    /// A case already in the table (its id).
    Existing(u32),
    /// An earlier proposal (its index).
    Proposal(usize),
}

/// What a suggestions reply gave: the usable cases, and the ones left out, each with why in plain
/// words, counted from one ("Suggestion 3 has no input and no variable values.").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Suggested {
    pub proposals: Vec<Proposal>,
    pub left_out: Vec<String>,
}

/// The text of a field (a string, a number or a list of strings joined by lines), trimmed.
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The variables of a suggested case: a list of `{"name", "value"}` (the schema's shape) or an
/// object of name -> value (what models also write); `{{` `}}` around names dropped.
fn vars_of(v: Option<&Value>) -> Vec<(String, String)> {
    let clean = |k: &str| k.trim().trim_matches(['{', '}']).trim().to_owned();
    let pairs: Vec<(String, String)> = match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|m| {
                (
                    clean(&text(reply_field(m, &["name", "variable", "key"]))),
                    text(reply_field(m, &["value", "text"])),
                )
            })
            .collect(),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (clean(k), text(Some(v)))).collect(),
        _ => Vec::new(),
    };
    pairs.into_iter().filter(|(k, _)| !k.is_empty()).collect()
}

/// Reads the generation reply case by case (leniently: field names in any case, variables as a
/// list or an object, an unknown kind read as "typical") and marks near-duplicates against the
/// table and earlier proposals. A case with neither an input nor a variable value is left out and
/// named. Errors: the likeliest cause when no list of cases can be found in the reply.
pub fn parse(reply: &str, existing: &[TestCase]) -> Result<Suggested, ReplyCause> {
    let reading = read_list(reply, &["cases", "test_cases", "tests", "suggestions"])?;
    let list = &reading.items;
    let mut out = Suggested::default();
    for (n, item) in list.iter().enumerate() {
        let n = n + 1;
        let Some(m) = item.as_object() else {
            out.left_out
                .push(format!("Suggestion {n} is not a test case."));
            continue;
        };
        let kind = text(reply_field(m, &["kind", "type", "category"]))
            .trim()
            .to_lowercase();
        let kind = if ["typical", "edge", "adversarial"].contains(&kind.as_str()) {
            kind
        } else {
            "typical".to_owned()
        };
        let mut turn_notes = Vec::new();
        let turns = turns_of(
            reply_field(m, &["turns", "messages", "conversation"]),
            &mut turn_notes,
        );
        let case = TestCase {
            turns,
            description: text(reply_field(m, &["description", "name", "title"]))
                .trim()
                .to_owned(),
            input: text(reply_field(m, &["input", "message", "user_message"])),
            vars: vars_of(reply_field(m, &["vars", "variables"])),
            expected: text(reply_field(
                m,
                &["expected", "expected_output", "expectation"],
            ))
            .trim()
            .to_owned(),
            tags: vec![kind.clone()],
            ..Default::default()
        };
        if case.user_message().trim().is_empty() {
            out.left_out.push(format!(
                "Suggestion {n} has no input and no variable values."
            ));
            continue;
        }
        for note in turn_notes {
            out.left_out.push(format!("Suggestion {n}: {note}."));
        }
        out.push(n, kind, case, existing);
    }
    out.left_out
        .extend(reading.note("suggestion", "suggestions"));
    Ok(out)
}

impl Suggested {
    /// Adds suggestion `number` (its place in the model's list, from one), marked as a
    /// near-duplicate (similarity at least [`NEAR_DUPLICATE`]) of the most similar case in
    /// `existing` or earlier proposal, if any.
    pub fn push(&mut self, number: usize, kind: String, case: TestCase, existing: &[TestCase]) {
        let text = case_text(&case);
        let mut best: Option<(Similar, f64)> = None;
        for e in existing {
            let s = similarity(&text, &case_text(e));
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((Similar::Existing(e.id), s));
            }
        }
        for (i, p) in self.proposals.iter().enumerate() {
            let s = similarity(&text, &case_text(&p.case));
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((Similar::Proposal(i), s));
            }
        }
        self.proposals.push(Proposal {
            number,
            kind,
            case,
            duplicate_of: best.filter(|(_, s)| *s >= NEAR_DUPLICATE),
            unrealistic: None,
            vars_note: None,
        });
    }
}

/// The text compared for near-duplicates: a conversation's earlier turns, the input and the
/// variables' values.
fn case_text(c: &TestCase) -> String {
    let mut t: String = c.turns.iter().map(|m| format!("{}\n", m.text)).collect();
    t.push_str(&c.input);
    for (_, v) in &c.vars {
        t.push('\n');
        t.push_str(v);
    }
    t
}

/// Similarity of two texts in 0..=1: the larger of word-bigram and character-trigram Jaccard
/// similarity after lower-casing and collapsing punctuation, so reworded copies and copies with
/// small edits both score high, while different requests on one topic score low.
pub fn similarity(a: &str, b: &str) -> f64 {
    let na = normalize(a);
    let nb = normalize(b);
    if na.is_empty() && nb.is_empty() {
        return 1.0;
    }
    let words = |s: &str| -> HashSet<String> {
        let w: Vec<&str> = s.split(' ').collect();
        if w.len() < 2 {
            return w.iter().map(|x| (*x).to_owned()).collect();
        }
        w.windows(2).map(|p| format!("{} {}", p[0], p[1])).collect()
    };
    let grams = |s: &str| -> HashSet<String> {
        let c: Vec<char> = s.chars().collect();
        if c.len() < 3 {
            return std::iter::once(s.to_owned()).collect();
        }
        c.windows(3).map(|w| w.iter().collect()).collect()
    };
    jaccard(&words(&na), &words(&nb)).max(jaccard(&grams(&na), &grams(&nb)))
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

fn normalize(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The review request: is each proposal realistic?
pub fn review_request(prompt: &str, proposals: &[Proposal]) -> ChatRequest {
    let cases = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let msg = p.case.shown_input(1500);
            format!("{}. [{}] {}\n{}", i + 1, p.kind, p.case.description, msg)
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let user = template::fill(REVIEW_USER, &[("prompt", prompt.trim()), ("cases", &cases)]);
    ChatRequest::structured(
        REVIEW,
        user.trim(),
        OutputSchema::new("case_review", review_schema()),
        200 + 80 * proposals.len() as u32,
        0.0,
    )
}

/// Applies the review reply: proposals the model finds unrealistic get its reason. Read item by
/// item (the case number as a number or text, `realistic` as a boolean or yes/no); items naming no
/// proposal or that do not read are skipped. Returns how many were flagged and the proposals
/// (numbered from 1) the review gave no verdict on, for the page to say (tryout 100: a reply of
/// cases, not reviews, read as a review that found nothing); errors with the likeliest cause when
/// the reply holds no list of reviews.
pub fn apply_review(
    reply: &str,
    proposals: &mut [Proposal],
) -> Result<(usize, Vec<usize>), ReplyCause> {
    let value = structured::extract_json(reply);
    let list = match &value {
        Ok(Value::Array(a)) => Some(a.clone()),
        Ok(Value::Object(m)) => match reply_field(m, &["reviews", "cases", "review"]) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        },
        _ => None,
    };
    let Some(list) = list else {
        return Err(diagnose(reply, value, false));
    };
    let mut flagged = 0;
    let mut judged = vec![false; proposals.len()];
    for m in list.iter().filter_map(Value::as_object) {
        let case = match reply_field(m, &["case", "number", "index"]) {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().trim_start_matches('#').parse().ok(),
            _ => None,
        };
        let Some((at, p)) = case
            .and_then(|c| usize::try_from(c).ok()?.checked_sub(1))
            .and_then(|i| Some((i, proposals.get_mut(i)?)))
        else {
            continue;
        };
        let realistic = match reply_field(m, &["realistic", "is_realistic"]) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => match s.trim().to_lowercase().as_str() {
                "true" | "yes" => Some(true),
                "false" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if realistic.is_some() {
            judged[at] = true;
        }
        if realistic == Some(false) {
            let reason = text(reply_field(m, &["reason", "why"]));
            let reason = reason.trim();
            p.unrealistic = Some(if reason.is_empty() {
                "The model finds this unrealistic.".into()
            } else {
                reason.to_owned()
            });
            flagged += 1;
        }
    }
    let unjudged = judged
        .iter()
        .enumerate()
        .filter(|(_, j)| !**j)
        .map(|(i, _)| i + 1)
        .collect();
    Ok((flagged, unjudged))
}
