//! Synthetic test cases (seed 002): the request that asks the meta model for N diverse cases
//! (typical, edge, adversarial), the review request that lets it flag unrealistic ones, and the
//! near-duplicate measure (word-bigram and character-trigram Jaccard similarity over inputs) that
//! proposes dropping cases too close to an earlier one.
use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::TestCase;
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::structured::{self, StructuredError};
use crate::domain::template;

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

/// The request for `n` new cases for a prompt.
pub fn request(prompt: &str, variables: &[String], n: u32) -> ChatRequest {
    let n = n.clamp(1, 50);
    let edge = (n / 4).max(u32::from(n >= 3));
    let adversarial = (n / 5).max(u32::from(n >= 4));
    let typical = n - edge - adversarial;
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
            ("prompt", prompt.trim()),
        ],
    );
    let mut req = ChatRequest::new(Some(SYNTH.trim().to_owned()), user.trim());
    req.max_tokens = 400 + 350 * n;
    req.temperature = 0.8;
    req.schema = Some(OutputSchema {
        name: "test_cases".into(),
        schema: schema(),
    });
    req
}

/// A proposed case, before the person keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// typical, edge or adversarial.
    pub kind: String,
    pub case: TestCase,
    /// `(index of the earlier proposal or existing case, similarity)` when it is a near-duplicate.
    pub duplicate_of: Option<(Similar, f64)>,
    /// The model's doubt about realism, if it has one.
    pub unrealistic: Option<String>,
}

/// What a proposal is too similar to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Similar {
    /// A case already in the table (its id).
    Existing(u32),
    /// An earlier proposal (its index).
    Proposal(usize),
}

#[derive(Deserialize)]
struct Reply {
    cases: Vec<ReplyCase>,
}

#[derive(Deserialize)]
struct ReplyCase {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    input: String,
    #[serde(default)]
    vars: Vec<ReplyVar>,
    #[serde(default)]
    expected: String,
}

#[derive(Deserialize)]
struct ReplyVar {
    name: String,
    #[serde(default)]
    value: String,
}

/// Reads the generation reply and marks near-duplicates (against the table and earlier proposals).
pub fn parse(reply: &str, existing: &[TestCase]) -> Result<Vec<Proposal>, StructuredError> {
    let r: Reply = structured::parse_reply(reply, &schema())?;
    let mut out: Vec<Proposal> = Vec::new();
    for c in r.cases {
        let case = TestCase {
            description: c.description.trim().to_owned(),
            input: c.input,
            vars: c
                .vars
                .into_iter()
                .map(|v| {
                    let name = v.name.trim().trim_matches(['{', '}']).trim().to_owned();
                    (name, v.value)
                })
                .filter(|(k, _)| !k.is_empty())
                .collect(),
            expected: c.expected.trim().to_owned(),
            tags: vec![c.kind.clone()]
                .into_iter()
                .filter(|k| !k.is_empty())
                .collect(),
            ..Default::default()
        };
        if case.user_message().trim().is_empty() {
            continue;
        }
        let text = case_text(&case);
        let mut best: Option<(Similar, f64)> = None;
        for e in existing {
            let s = similarity(&text, &case_text(e));
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((Similar::Existing(e.id), s));
            }
        }
        for (i, p) in out.iter().enumerate() {
            let s = similarity(&text, &case_text(&p.case));
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((Similar::Proposal(i), s));
            }
        }
        out.push(Proposal {
            kind: c.kind,
            case,
            duplicate_of: best.filter(|(_, s)| *s >= NEAR_DUPLICATE),
            unrealistic: None,
        });
    }
    Ok(out)
}

/// The text compared for near-duplicates: the input and the variables' values.
fn case_text(c: &TestCase) -> String {
    let mut t = c.input.clone();
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
            let msg: String = p.case.user_message().chars().take(1500).collect();
            format!("{}. [{}] {}\n{}", i + 1, p.kind, p.case.description, msg)
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let user = template::fill(REVIEW_USER, &[("prompt", prompt.trim()), ("cases", &cases)]);
    let mut req = ChatRequest::new(Some(REVIEW.trim().to_owned()), user.trim());
    req.max_tokens = 200 + 80 * proposals.len() as u32;
    req.temperature = 0.0;
    req.schema = Some(OutputSchema {
        name: "case_review".into(),
        schema: review_schema(),
    });
    req
}

#[derive(Deserialize)]
struct ReviewReply {
    reviews: Vec<Review>,
}

#[derive(Deserialize)]
struct Review {
    case: i64,
    realistic: bool,
    #[serde(default)]
    reason: String,
}

/// Applies the review reply: proposals the model finds unrealistic get its reason. Entries naming
/// no proposal are ignored.
pub fn apply_review(reply: &str, proposals: &mut [Proposal]) -> Result<usize, StructuredError> {
    let r: ReviewReply = structured::parse_reply(reply, &review_schema())?;
    let mut flagged = 0;
    for rv in r.reviews {
        let Some(p) = usize::try_from(rv.case - 1)
            .ok()
            .and_then(|i| proposals.get_mut(i))
        else {
            continue;
        };
        if !rv.realistic {
            let reason = rv.reason.trim();
            p.unrealistic = Some(if reason.is_empty() {
                "The model finds this unrealistic.".into()
            } else {
                reason.to_owned()
            });
            flagged += 1;
        }
    }
    Ok(flagged)
}
