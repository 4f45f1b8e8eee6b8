//! Tests for finding, validating and repairing JSON in model replies.
use serde_json::json;

use super::*;

fn schema() -> Value {
    json!({"type": "object", "required": ["title", "steps"], "additionalProperties": false,
        "properties": {"title": {"type": "string", "minLength": 1},
            "steps": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "level": {"enum": ["low", "high"]}, "score": {"type": "integer", "minimum": 1, "maximum": 10}}})
}

#[test]
fn finds_json_whole_fenced_or_in_prose() {
    let cases = [
        r#"{"a": 1}"#,
        "Here you go:\n```json\n{\"a\": 1}\n```\nHope it helps.",
        "```\n{\"a\": 1}\n```",
        "Sure! The answer is {\"a\": 1} as requested.",
        "Note {not json} then {\"a\": 1}",
        "unterminated fence ```json\n{\"a\": 1}",
    ];
    for c in cases {
        assert_eq!(extract_json(c).unwrap(), json!({"a": 1}), "{c}");
    }
    assert_eq!(
        extract_json("prose with \"quoted } brace\" and [1, 2]").unwrap(),
        json!([1, 2])
    );
    assert_eq!(extract_json("no json here"), Err(StructuredError::NoJson));
    assert!(matches!(
        extract_json("{\"a\": }"),
        Err(StructuredError::Invalid(_))
    ));
}

#[test]
fn near_json_is_repaired_before_failing() {
    // Regression: replies whose meaning is plain (comments, raw line breaks, trailing commas,
    // single quotes, a missing final brace) failed here and cost a repair round trip.
    let cases = [
        "{\n  \"reasoning\": \"Follows all three steps.\n- tone is friendly\",\n  \"score\": 7 // docked for length\n}",
        "Here it is:\n```json\n{'reasoning': 'Follows all three steps.\n- tone is friendly', score: 7,}\n```",
        "Sure! {reasoning: \"Follows all three steps.\n- tone is friendly\", /* why */ \"score\": 7",
    ];
    for c in cases {
        assert_eq!(
            extract_json(c).unwrap(),
            json!({"reasoning": "Follows all three steps.\n- tone is friendly", "score": 7}),
            "{c}"
        );
    }
    // Braces inside a single-quoted string do not cut the value short.
    assert_eq!(
        extract_json("Result: {'note': 'uses } and [1, 2]', 'ok': True}").unwrap(),
        json!({"note": "uses } and [1, 2]", "ok": true})
    );
    // Prose before a real value is skipped, as before.
    assert_eq!(
        extract_json("Use {name} here, then {\"a\": 1,}").unwrap(),
        json!({"a": 1})
    );
    // A text cut off inside a string is still not read.
    assert!(matches!(
        extract_json("{\"reasoning\": \"cut off"),
        Err(StructuredError::NoJson)
    ));
}

#[test]
fn validation_names_every_problem_with_its_path() {
    let v = json!({"title": "", "steps": [1], "level": "mid", "score": 11, "extra": true});
    let errs = validate(&v, &schema());
    assert_eq!(
        errs,
        [
            "title: must have at least 1 character, has 0",
            "steps[0]: must be a string, is an integer",
            "level: must be one of \"low\" or \"high\", is \"mid\"",
            "score: must be at most 10, is 11",
            "the value has an unexpected field \"extra\"",
        ]
    );
    assert_eq!(
        validate(&json!({"title": "x"}), &schema()),
        ["the value is missing \"steps\""]
    );
    assert!(
        validate(
            &json!({"title": "x", "steps": ["a"], "score": 3}),
            &schema()
        )
        .is_empty()
    );
    assert_eq!(
        validate(&json!(3.5), &json!({"type": "integer"})),
        ["the value must be an integer, is a number"]
    );
    assert!(validate(&json!(3), &json!({"type": ["number", "null"]})).is_empty());
}

#[test]
fn parse_reply_and_repair_message() {
    #[derive(serde::Deserialize, Debug)]
    struct Plan {
        title: String,
        steps: Vec<String>,
    }
    let p: Plan = parse_reply(
        "```json\n{\"title\":\"T\",\"steps\":[\"a\",\"b\"]}\n```",
        &schema(),
    )
    .unwrap();
    assert_eq!((p.title.as_str(), p.steps.len()), ("T", 2));
    let err = parse_reply::<Plan>("{\"title\":\"T\"}", &schema()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the reply's JSON does not follow the expected structure: the value is missing \"steps\""
    );
    let msg = repair_message(&err, &schema());
    assert!(msg.contains("missing \"steps\"") && msg.contains("\"required\""));
}
