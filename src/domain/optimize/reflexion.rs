//! Reflexion (seeds 000-002): for one case, the execution model's draft answer is critiqued harshly
//! (with the case's checks and the prompt's Format in view) and rewritten into a final answer; and
//! "Critique this prompt", which lists a prompt's weaknesses, each with a fix that can become a
//! section rewrite.
use serde_json::Value;

use crate::domain::eval::{Assertion, TestCase, clip, fill_variables};
use crate::domain::meta::reply::{ReplyCause, read_list, reply_field};
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::spec::{PromptSpec, RenderStyle, Section};
use crate::domain::template;

const CRITIQUE_CASE: &str = include_str!("critique_case.md");
const CRITIQUE_CASE_USER: &str = include_str!("critique_case_user.md");
const FINAL_CASE_USER: &str = include_str!("final_case_user.md");
pub(crate) const CRITIQUE_PROMPT: &str = include_str!("critique_prompt.md");
const CRITIQUE_PROMPT_SCHEMA: &str = include_str!("critique_prompt.schema.json");

/// The harsh critique of a draft answer.
pub fn critique_request(
    spec: &PromptSpec,
    style: RenderStyle,
    case: &TestCase,
    checks: &[Assertion],
    draft: &str,
    cut_off: bool,
) -> ChatRequest {
    let prompt = fill_variables(&spec.render(style), &case.vars);
    let checks = if checks.is_empty() {
        "(none given)".to_owned()
    } else {
        checks
            .iter()
            .map(|a| format!("- {}", a.describe()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let format = if spec.json_schema.trim().is_empty() {
        spec.format.clone()
    } else {
        format!("{}\nJSON schema: {}", spec.format, spec.json_schema)
    };
    let user = template::fill(
        CRITIQUE_CASE_USER,
        &[
            ("prompt", &clip(&prompt, 6000)),
            ("format", &format),
            ("checks", &checks),
            ("input", &case.shown_input(4000)),
            ("draft", &clip(draft, 6000)),
        ],
    );
    // Told like the judge: a draft that stopped at the token limit is not the model's choice.
    let user = if cut_off {
        format!(
            "{}

{}",
            user.trim(),
            crate::domain::eval::judge::CUT_OFF_NOTE
        )
    } else {
        user
    };
    let mut req = ChatRequest::new(Some(CRITIQUE_CASE.trim().to_owned()), user.trim());
    req.max_tokens = 700;
    req.temperature = 0.2;
    req
}

/// Most characters of the critique the final answer's call reads ([`clip`]'s "… [cut]" after
/// them): far more than a critique at its 700-token cap holds in English (about 2,800), and what
/// makes the final call's cost boundable before the critique is written
/// ([`CRITIQUE_READ_BOUND`]).
pub const CRITIQUE_CHARS: usize = 4000;

/// The most tokens the critique adds to the final answer's call: [`CRITIQUE_CHARS`] characters
/// of at most 4 UTF-8 bytes each, and the cut mark
/// ([`crate::domain::estimate::token_bound`]: a byte is at most a token).
pub const CRITIQUE_READ_BOUND: u64 = 4 * CRITIQUE_CHARS as u64 + 16;

/// The final answer, rewritten from the draft and its critique (clipped to [`CRITIQUE_CHARS`]),
/// with the prompt as the system message and a conversation's earlier turns before it, as the
/// draft was asked ([`crate::domain::eval::run::request`]).
pub fn final_request(
    spec: &PromptSpec,
    style: RenderStyle,
    case: &TestCase,
    draft: &str,
    critique: &str,
    max_tokens: u32,
) -> ChatRequest {
    let user = template::fill(
        FINAL_CASE_USER,
        &[
            ("input", &case.user_message()),
            ("draft", draft),
            ("critique", &clip(critique.trim(), CRITIQUE_CHARS)),
        ],
    );
    let mut req = ChatRequest::new(
        Some(fill_variables(&spec.render(style), &case.vars)),
        user.trim(),
    );
    req.messages.splice(0..0, case.turns.iter().cloned());
    req.max_tokens = max_tokens;
    req.temperature = 0.2;
    req
}

/// Whether a critique found nothing to fix (the final answer is then the draft).
pub fn found_nothing(critique: &str) -> bool {
    let t = critique.trim().to_lowercase();
    t.is_empty() || (t.starts_with("no problems found") && t.len() < 40)
}

/// One weakness of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weakness {
    /// ambiguity, missing-constraint, format-gap, examples, steps, other.
    pub kind: String,
    /// The section it is about; `None` when the reply names no section of the prompt (it is a
    /// remark on the whole prompt: no one section is rewritten for it).
    pub section: Option<Section>,
    pub problem: String,
    /// An instruction for rewriting the section.
    pub fix: String,
}

pub fn critique_prompt_schema() -> Value {
    serde_json::from_str(CRITIQUE_PROMPT_SCHEMA).expect("critique_prompt.schema.json is valid JSON")
}

/// "Critique this prompt".
pub fn critique_prompt_request(spec: &PromptSpec) -> ChatRequest {
    ChatRequest::structured(
        CRITIQUE_PROMPT,
        spec.render(RenderStyle::Markdown),
        OutputSchema::new("prompt_critique", critique_prompt_schema()),
        1500,
        0.2,
    )
}

/// The most weaknesses "Critique this prompt" asks for and reads (its instructions say "at most
/// 6"); a reply's items past them are left out and said.
pub const CRITIQUE_ITEMS: usize = 6;
/// The longest problem, in characters, a weakness shows; a longer one is shortened and said.
pub const PROBLEM_CHARS: usize = 600;
/// The longest fix, in characters, a weakness shows and sends to a rewrite; a longer one is
/// shortened and said.
pub const FIX_CHARS: usize = 1200;

/// What a critique reply gave: its weaknesses, and what was left out of it, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Critique {
    pub weaknesses: Vec<Weakness>,
    /// Sentences naming what was left out ("1 item was empty and left out.", where the reply
    /// breaks); empty when everything came in.
    pub left_out: Vec<String>,
}

/// Other names models give the sections, each mapped to its section (after the section's own
/// name, which is matched first). A name matching none of them is no section.
const SECTION_NAMES: [(&str, Section); 13] = [
    ("role", Section::Persona),
    ("identity", Section::Persona),
    ("background", Section::Context),
    ("instructions", Section::Steps),
    ("instruction", Section::Steps),
    ("process", Section::Steps),
    ("output format", Section::Format),
    ("output", Section::Format),
    ("json schema", Section::Format),
    ("json_schema", Section::Format),
    ("schema", Section::Format),
    ("example", Section::Examples),
    ("few-shot", Section::Examples),
];

/// The section a critique item names: the section's own name (or its singular) as a word of
/// the name ("Steps", "the steps section"), else a known other name for it (`SECTION_NAMES`),
/// ignoring case; `None` for anything else (e.g. "budget").
pub fn critique_section(name: &str) -> Option<Section> {
    let n = name.trim().to_lowercase();
    let words: Vec<&str> = n.split(|c: char| !c.is_alphanumeric()).collect();
    Section::ALL
        .into_iter()
        .find(|s| {
            let own = s.as_str();
            words
                .iter()
                .any(|w| *w == own || Some(*w) == own.strip_suffix('s'))
        })
        .or_else(|| SECTION_NAMES.iter().find(|(k, _)| n == *k).map(|(_, s)| *s))
}

/// Reads a critique reply item by item: every weakness with a problem comes in (a kind the
/// schema does not know becomes "other", a section it does not know is no section (see
/// [`critique_section`]) and is named in `left_out`, a missing fix is made from the problem); an item without a problem is
/// left out and counted, and a reply whose JSON breaks is read up to the break, which is named
/// (see [`read_list`]). `Err` names the likeliest cause when no list of weaknesses can be found
/// at all (see [`ReplyCause`]).
pub fn parse_prompt_critique(reply: &str) -> Result<Critique, ReplyCause> {
    let reading = read_list(reply, &["weaknesses"])?;
    let kinds = critique_prompt_schema()
        .pointer("/properties/weaknesses/items/properties/kind/enum")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = |m: &serde_json::Map<String, Value>, k: &str| {
        reply_field(m, &[k])
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let mut empty = 0;
    // Tryout 84: a reply of more items than asked showed them all, and a 1,500-word problem
    // whole: the first [`CRITIQUE_ITEMS`] are read (most important first, as asked), and a
    // problem or fix past its length is shortened, each said.
    let mut beyond = 0;
    let mut shortened = 0;
    let mut clipped = |t: String, max: usize| {
        if t.chars().count() > max {
            shortened += 1;
            format!(
                "{}…",
                t.chars().take(max - 1).collect::<String>().trim_end()
            )
        } else {
            t
        }
    };
    // Section names the prompt does not have, as written: said, the item kept as a remark on
    // the whole prompt.
    let mut unknown: Vec<String> = Vec::new();
    let mut weaknesses = Vec::new();
    for item in &reading.items {
        let Some(w) = item.as_object().filter(|w| !text(w, "problem").is_empty()) else {
            empty += 1;
            continue;
        };
        if weaknesses.len() == CRITIQUE_ITEMS {
            beyond += 1;
            continue;
        }
        let kind = text(w, "kind").to_lowercase().replace(' ', "-");
        let problem = clipped(text(w, "problem"), PROBLEM_CHARS);
        let fix = clipped(text(w, "fix"), FIX_CHARS);
        weaknesses.push(Weakness {
            kind: if kinds.iter().any(|k| k == kind.as_str()) {
                kind
            } else {
                "other".into()
            },
            section: {
                let named = text(w, "section");
                let read = critique_section(&named);
                if read.is_none() && !named.is_empty() && !unknown.contains(&named) {
                    unknown.push(named);
                }
                read
            },
            fix: if fix.is_empty() {
                format!("Fix this: {problem}")
            } else {
                fix
            },
            problem,
        });
    }
    let mut left_out = Vec::new();
    if empty > 0 {
        left_out.push(if empty == 1 {
            "1 item had no problem written in it and was left out.".to_owned()
        } else {
            format!("{empty} items had no problem written in them and were left out.")
        });
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown
            .iter()
            .map(|n| format!("\u{201c}{n}\u{201d}"))
            .collect();
        left_out.push(format!(
            "The critique named {} the prompt does not have ({}): {} shown as a remark on the whole prompt.",
            if unknown.len() == 1 { "a section" } else { "sections" },
            names.join(", "),
            if unknown.len() == 1 { "that item is" } else { "those items are" }
        ));
    }
    if beyond > 0 {
        left_out.push(format!(
            "The critique gave {} weaknesses, more than the {CRITIQUE_ITEMS} asked for: the first {CRITIQUE_ITEMS} are shown (it was asked to list the most important first).",
            weaknesses.len() + beyond
        ));
    }
    if shortened > 0 {
        left_out.push(format!(
            "{} longer than {PROBLEM_CHARS} characters (a problem) or {} (a fix) {} shortened here, ending in \u{201c}…\u{201d}; a fix is sent as shown.",
            crate::domain::figures::count(shortened, "text", "texts"),
            crate::domain::figures::grouped(FIX_CHARS as u64),
            if shortened == 1 { "is" } else { "are" }
        ));
    }
    left_out.extend(reading.note("weakness", "weaknesses"));
    Ok(Critique {
        weaknesses,
        left_out,
    })
}

/// A "Critique this prompt" reply that could not be read: why, what to do, what arrived, and
/// how many tries in a row failed so.
#[derive(Debug, Clone, PartialEq)]
pub struct CritiqueFailure {
    pub message: String,
    pub advice: &'static str,
    pub raw: String,
    /// Which try in a row failed so, and whether the one before failed for the same cause.
    pub attempt: crate::domain::attempt::Attempt,
    /// The cause's key (`attempt::reply_key`).
    cause: String,
    /// The message of the try right before, when it failed for another cause (both are named).
    pub before: Option<String>,
}

/// Reads a "Critique this prompt" reply (the job's one call; its provider errors are the
/// call's own): the weaknesses, or why nothing could be read, counted as the next try after
/// `before` (the failure right before this try, if the last try failed).
pub fn read_prompt_critique(
    reply: &str,
    before: Option<&CritiqueFailure>,
    cut_off: bool,
) -> Result<Critique, CritiqueFailure> {
    use crate::domain::attempt::{self, Attempt};
    parse_prompt_critique(reply).map_err(|cause| {
        // The provider said the reply stopped at the length limit: that is why it does not
        // read, whatever the break looks like (tryout 88: "it is broken… pick a stronger model").
        let cause = if cut_off { ReplyCause::CutOff } else { cause };
        let key = attempt::reply_key(&cause);
        let number = before.map_or(1, |b| b.attempt.number + 1);
        CritiqueFailure {
            attempt: Attempt::of(number, before.map(|b| b.cause.as_str()), &key),
            before: before.filter(|b| b.cause != key).map(|b| b.message.clone()),
            message: cause.message(),
            advice: match cause {
                ReplyCause::CutOff => {
                    "Pick a model that writes longer replies in Settings, or press \u{201c}Critique this prompt\u{201d} again."
                }
                _ => {
                    "Press \u{201c}Critique this prompt\u{201d} again, or pick a stronger model for writing prompts in Settings."
                }
            },
            cause: key,
            raw: reply.to_owned(),
        }
    })
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn an_unreadable_critique_counts_its_tries_and_names_a_different_cause_before() {
        let first = read_prompt_critique("I think the prompt is fine.", None, false).unwrap_err();
        assert_eq!(first.attempt.number, 1);
        assert!(first.before.is_none());
        assert!(first.advice.starts_with("Press"));
        assert_eq!(first.raw, "I think the prompt is fine.");
        // The same cause again: attempt 2, "failed again".
        let again = read_prompt_critique("Still no list.", Some(&first), false).unwrap_err();
        assert_eq!(again.attempt.number, 2);
        assert!(again.attempt.same_as_before && again.before.is_none());
        // Another cause (it ends mid-JSON, why unknown): the one before is named.
        let cut = read_prompt_critique(
            r#"{"weaknesses": [{"section": "steps", "prob"#,
            Some(&again),
            false,
        )
        .unwrap_err();
        assert_eq!(cut.attempt.number, 3);
        assert!(!cut.attempt.same_as_before);
        assert_eq!(cut.before.as_deref(), Some(again.message.as_str()));
        assert!(
            cut.message
                .contains("it ends before its first item is complete"),
            "{}",
            cut.message
        );
        assert!(cut.advice.starts_with("Press"), "{}", cut.advice);
        // The same reply stopped at the length limit (tryout 88: "broken… pick a stronger
        // model"): said as cut off, with the advice for that.
        for reply in [
            r#"{"weaknesses": [{"section": "steps", "prob"#,
            "The prompt lacks",
        ] {
            let limit = read_prompt_critique(reply, None, true).unwrap_err();
            assert!(
                limit
                    .message
                    .contains("cut off at the model's length limit"),
                "{}",
                limit.message
            );
            assert!(
                limit
                    .advice
                    .starts_with("Pick a model that writes longer replies")
            );
        }
    }

    #[test]
    fn a_readable_critique_gives_its_weaknesses() {
        let reply = r#"{"weaknesses": [{"kind": "ambiguity", "section": "steps", "problem": "Step 2 does not say what an owner is.", "fix": "Say an owner is the person named with the task."}]}"#;
        let c = read_prompt_critique(reply, None, false).expect("readable");
        assert_eq!(c.weaknesses.len(), 1);
    }
}
