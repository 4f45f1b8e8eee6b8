//! The app's meta-prompts and the schemas their replies are checked against never contradict
//! each other: every field a prompt names exists in its schema, every count or range a prompt asks
//! for is accepted by the schema, and every part a prompt allows to be empty may be empty.
//! Regression (issue 13): generate.md asked for an example "where the input is incomplete" while
//! spec.schema.json required at least one character in every input, so a reply that did exactly
//! what was asked was refused.
use serde_json::{Value, json};

use crate::domain::schema;

/// A meta-prompt (its system text and, where it has one, its user template) with its schema.
struct Meta {
    name: &'static str,
    text: String,
    schema: Value,
    /// Whether the prompt lists every field of its reply by name (then each required field must
    /// be named in it).
    names_every_field: bool,
}

fn metas() -> Vec<Meta> {
    let s = |t: &str| serde_json::from_str::<Value>(t).unwrap();
    vec![
        Meta {
            name: "generate",
            text: [
                include_str!("generate.md"),
                include_str!("generate_user.md"),
            ]
            .concat(),
            schema: s(include_str!("spec.schema.json")),
            names_every_field: true,
        },
        Meta {
            name: "section",
            text: [include_str!("section.md"), include_str!("section_user.md")].concat(),
            schema: s(include_str!("spec.schema.json")),
            names_every_field: false,
        },
        Meta {
            name: "adapt",
            text: [include_str!("adapt.md"), include_str!("adapt_user.md")].concat(),
            schema: s(include_str!("spec.schema.json")),
            names_every_field: false,
        },
        Meta {
            name: "judge",
            text: include_str!("../eval/judge.md").to_owned(),
            schema: s(include_str!("../eval/judge.schema.json")),
            names_every_field: true,
        },
        Meta {
            name: "synth",
            text: include_str!("../eval/synth.md").to_owned(),
            schema: s(include_str!("../eval/synth.schema.json")),
            names_every_field: false,
        },
        Meta {
            name: "review",
            text: include_str!("../eval/review.md").to_owned(),
            schema: s(include_str!("../eval/review.schema.json")),
            names_every_field: false,
        },
        Meta {
            name: "improve_rubric",
            text: [
                include_str!("../eval/improve_rubric.md"),
                include_str!("../eval/improve_rubric_user.md"),
            ]
            .concat(),
            schema: s(include_str!("../eval/improve_rubric.schema.json")),
            names_every_field: true,
        },
        Meta {
            name: "note_check",
            text: [
                include_str!("../eval/note_check.md"),
                include_str!("../eval/note_check_user.md"),
            ]
            .concat(),
            schema: s(include_str!("../eval/note_check.schema.json")),
            names_every_field: true,
        },
        Meta {
            name: "critique_prompt",
            text: include_str!("../optimize/critique_prompt.md").to_owned(),
            schema: s(include_str!("../optimize/critique_prompt.schema.json")),
            names_every_field: false,
        },
        Meta {
            name: "propose",
            text: include_str!("../optimize/propose.md").to_owned(),
            schema: s(include_str!("../optimize/propose.schema.json")),
            names_every_field: false,
        },
    ]
}

/// What a prompt says about one part of its reply, pinned by the exact words it uses.
enum Rule {
    /// A list of `lo..=hi` items (`hi` = `None`: no upper bound said).
    Count(u64, Option<u64>),
    /// A number from `lo` to `hi`.
    Range(i64, i64),
    /// The text may be empty.
    MayBeEmpty,
}

/// Every count, range and "may be empty" in the prompts, each with the words that say it and the
/// schema path (JSON pointer) it is about. A count phrase in a prompt that is not listed here
/// fails `every_count_in_a_prompt_is_checked`, so a new one cannot slip past the schema.
fn claims() -> Vec<(&'static str, &'static str, &'static str, Rule)> {
    vec![
        (
            "generate",
            "short imperative steps (3 to 7)",
            "/properties/steps",
            Rule::Count(3, Some(7)),
        ),
        (
            "generate",
            "\"examples\": exactly 3 pairs",
            "/properties/examples",
            Rule::Count(3, Some(3)),
        ),
        (
            "generate",
            "one where the input is incomplete, off-topic or empty",
            "/properties/examples/items/properties/input",
            Rule::MayBeEmpty,
        ),
        (
            "generate",
            "otherwise leave \"json_schema\" empty",
            "/properties/json_schema",
            Rule::MayBeEmpty,
        ),
        (
            "judge",
            "a whole number from 1 to 10",
            "/properties/score",
            Rule::Range(1, 10),
        ),
        (
            "synth",
            "otherwise an empty list",
            "/properties/cases/items/properties/vars",
            Rule::Count(0, None),
        ),
        (
            "synth",
            "Give an empty list for a case that is a single message",
            "/properties/cases/items/properties/turns",
            Rule::Count(0, None),
        ),
        (
            "critique_prompt",
            "at most 6",
            "/properties/weaknesses",
            Rule::Count(0, Some(6)),
        ),
    ]
}

fn accepts(schema: &Value, value: &Value) -> bool {
    schema::validate(value, schema).is_empty()
}

#[test]
fn what_each_prompt_asks_for_its_schema_accepts() {
    let metas = metas();
    for (name, words, path, rule) in claims() {
        let m = metas.iter().find(|m| m.name == name).unwrap();
        assert!(
            m.text.contains(words),
            "{name}: the prompt no longer says {words:?}: update this claim"
        );
        let part = m
            .schema
            .pointer(path)
            .unwrap_or_else(|| panic!("{name}: no {path} in the schema"));
        match rule {
            Rule::Count(lo, hi) => {
                let min = part["minItems"].as_u64().unwrap_or(0);
                let max = part["maxItems"].as_u64();
                assert!(
                    min <= lo,
                    "{name}: the prompt allows {lo} at {path}, the schema wants {min}"
                );
                match (hi, max) {
                    (Some(hi), Some(max)) => assert!(
                        hi <= max,
                        "{name}: the prompt allows {hi} at {path}, the schema at most {max}"
                    ),
                    (None, Some(max)) => {
                        panic!("{name}: the prompt sets no limit at {path}, the schema {max}")
                    }
                    _ => {}
                }
            }
            Rule::Range(lo, hi) => {
                for n in [lo, hi] {
                    assert!(
                        accepts(part, &json!(n)),
                        "{name}: the prompt allows {n} at {path}, the schema refuses it"
                    );
                }
                for n in [lo - 1, hi + 1] {
                    assert!(
                        !accepts(part, &json!(n)),
                        "{name}: the schema accepts {n} at {path}, outside what the prompt says"
                    );
                }
            }
            Rule::MayBeEmpty => assert!(
                accepts(part, &json!("")),
                "{name}: the prompt lets {path} be empty, the schema refuses an empty text"
            ),
        }
    }
}

/// The counting phrases in a text, as written: "exactly 3", "3 to 7", "at most 6", "at least 2".
/// (The prompts' own numbered lists, "1." "2.", are not counts.)
fn count_phrases(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let clean = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let number = |w: &str| {
        let w = clean(w);
        w.parse::<u32>().is_ok()
            || [
                "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            ]
            .contains(&w.as_str())
    };
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        match clean(w).as_str() {
            "exactly" if number(next) => out.push(format!("exactly {}", clean(next))),
            "at" if matches!(clean(next).as_str(), "most" | "least") && number(after) => {
                out.push(format!("at {} {}", clean(next), clean(after)))
            }
            _ if number(w) && clean(next) == "to" && number(after) => {
                out.push(format!("{} to {}", clean(w), clean(after)))
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_count_in_a_prompt_is_checked() {
    let metas = metas();
    let claims = claims();
    for m in &metas {
        for phrase in count_phrases(&m.text) {
            let covered = claims
                .iter()
                .any(|(name, words, _, _)| *name == m.name && words.contains(&phrase));
            assert!(
                covered,
                "{}: \"{phrase}\" is a count with no claim in prompt_rules_tests",
                m.name
            );
        }
    }
}

/// Every property name anywhere in a schema, and every enum value.
fn names(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(m) => {
            if let Some(Value::Object(p)) = m.get("properties") {
                out.extend(p.keys().cloned());
            }
            if let Some(Value::Array(e)) = m.get("enum") {
                out.extend(e.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            m.values().for_each(|v| names(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| names(v, out)),
        _ => {}
    }
}

/// The `"quoted"` words of a text that look like field names (lower case, `_` or `-`).
fn quoted_names(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_field_a_prompt_names_is_in_its_schema() {
    for m in metas() {
        let mut known = Vec::new();
        names(&m.schema, &mut known);
        for q in quoted_names(&m.text) {
            assert!(
                known.contains(&q),
                "{}: the prompt names \"{q}\", which its schema does not have",
                m.name
            );
        }
        if m.names_every_field {
            let required = m.schema["required"].as_array().unwrap();
            for r in required.iter().filter_map(Value::as_str) {
                assert!(
                    m.text.contains(&format!("\"{r}\"")),
                    "{}: the schema requires \"{r}\", which the prompt never asks for",
                    m.name
                );
            }
        }
    }
}

#[test]
fn the_checks_catch_the_contradiction_of_issue_13() {
    // The old schema's rule for an example's input, against the prompt's words.
    let old = json!({"type": "string", "minLength": 1, "maxLength": 600});
    assert!(!accepts(&old, &json!("")));
    assert_eq!(
        count_phrases("write (3 to 7) steps, exactly three examples, at most 6 items; 1. Read."),
        ["3 to 7", "exactly three", "at most 6"]
    );
    assert_eq!(
        quoted_names("give \"score\", then \"Reason\" and \"a b\""),
        ["score"]
    );
}
