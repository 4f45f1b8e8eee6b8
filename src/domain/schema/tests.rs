//! Tests for the JSON Schema validator: error wording, choices, schema problems, limits, and
//! random schemas and values (no panic, both entry points agree). The official suite is in
//! `suite_tests`.
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// `value` against `schema`: the errors as displayed, one per line ("" when valid).
fn errors(schema: Value, value: Value) -> String {
    validate(&value, &schema)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(schema: Value, value: Value, expected: &str) {
    assert_eq!(
        errors(schema.clone(), value.clone()),
        expected,
        "{schema} / {value}"
    );
}

#[test]
fn errors_name_the_place_and_the_rule() {
    let todo = json!({
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "maxItems": 3, "items": {
                "type": "object", "required": ["title", "due"],
                "properties": {"due": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}}
            }},
            "address": {"type": "object", "required": ["city"]},
            "tags": {"type": "array", "maxItems": 3, "uniqueItems": true},
            "two words": {"type": "integer", "minimum": 1}
        }
    });
    check(
        todo.clone(),
        json!({"items": [
            {"title": "a", "due": "2026-01-01"},
            {"title": "b", "due": "2026-01-02"},
            {"title": "c", "due": "tomorrow"}
        ], "address": {}, "tags": ["a", "b", "c", "d", "a"], "two words": 0}),
        "items[2].due: must match the pattern ^\\d{4}-\\d{2}-\\d{2}$\n\
         address: is missing \"city\"\n\
         tags: must have at most 3 items, has 5\n\
         tags: must not repeat items, but items 0 and 4 are equal\n\
         [\"two words\"]: must be at least 1, is 0",
    );
    check(todo.clone(), json!({"items": []}), "");
    check(
        todo.clone(),
        json!([]),
        "the value must be an object, is an array",
    );
    check(todo, json!({}), "the value is missing \"items\"");
}

#[test]
fn each_keyword_has_plain_words() {
    let cases = [
        (
            json!({"type": ["string", "null"]}),
            json!(1.5),
            "the value must be a string or null, is a number",
        ),
        (json!({"type": "integer"}), json!(1.0), ""),
        (
            json!({"const": "draft"}),
            json!("final"),
            "the value must be \"draft\", is \"final\"",
        ),
        (json!({"const": 1}), json!(1.0), ""),
        (
            json!({"enum": [1, 2]}),
            json!(3),
            "the value must be one of 1 or 2, is 3",
        ),
        (
            json!({"multipleOf": 0.5}),
            json!(1.2),
            "the value must be a multiple of 0.5, is 1.2",
        ),
        (
            json!({"exclusiveMaximum": 3}),
            json!(3),
            "the value must be less than 3, is 3",
        ),
        (
            json!({"exclusiveMinimum": 3}),
            json!(3),
            "the value must be more than 3, is 3",
        ),
        (
            json!({"minLength": 2}),
            json!("é"),
            "the value must have at least 2 characters, has 1",
        ),
        (json!({"maxLength": 1}), json!("😀"), ""),
        (
            json!({"minItems": 1}),
            json!([]),
            "the value must have at least 1 item, has 0",
        ),
        (
            json!({"minProperties": 2}),
            json!({"a": 1}),
            "the value must have at least 2 fields, has 1",
        ),
        (
            json!({"additionalProperties": false}),
            json!({"x": 1}),
            "the value has an unexpected field \"x\"",
        ),
        (
            json!({"properties": {"x": false}}),
            json!({"x": 1}),
            "the value must not have the field \"x\"",
        ),
        (
            json!({"propertyNames": {"pattern": "^[a-z]+$"}}),
            json!({"Ab": 1}),
            "the value has a field name \"Ab\" that must match the pattern ^[a-z]+$",
        ),
        (
            json!({"dependentRequired": {"card": ["billing"]}}),
            json!({"card": 1}),
            "the value has \"card\", so it must also have \"billing\"",
        ),
        (
            json!({"contains": {"const": "urgent"}}),
            json!(["a"]),
            "the value must contain \"urgent\"",
        ),
        (
            json!({"contains": {"type": "integer"}, "minContains": 2}),
            json!([1, "a"]),
            "the value must contain at least 2 items matching the \"contains\" schema, has 1",
        ),
        (
            json!({"prefixItems": [{}], "items": false}),
            json!([1, 2]),
            "the value must have at most 1 item, has 2",
        ),
        (
            json!({"not": {"type": "string"}}),
            json!("x"),
            "the value must not be a string",
        ),
        (
            json!({"not": {"required": ["a", "b"]}}),
            json!({"a": 1, "b": 2}),
            "the value must not have \"a\" and \"b\"",
        ),
        (
            json!({"if": {"required": ["a"]}, "then": {"required": ["b"]}}),
            json!({"a": 1}),
            "the value is missing \"b\"",
        ),
        (
            json!({"unevaluatedProperties": false, "allOf": [{"properties": {"a": true}}]}),
            json!({"a": 1, "b": 2}),
            "the value has an unexpected field \"b\"",
        ),
        (
            json!({"unevaluatedItems": false, "prefixItems": [true]}),
            json!([1, 2]),
            "[1]: is not allowed here",
        ),
        (json!(false), json!(null), "the value is not allowed here"),
        (json!({"format": "email"}), json!("not an email"), ""),
    ];
    for (schema, value, expected) in cases {
        check(schema, value, expected);
    }
}

#[test]
fn failed_choices_are_summarised() {
    // Only kinds were wanted: one line naming them.
    check(
        json!({"anyOf": [{"type": "string"}, {"type": "null"}, {"const": 3}]}),
        json!(true),
        "the value must be a string, null or 3, is true",
    );
    // One option wants this kind of value: its own errors, not a summary.
    check(
        json!({"oneOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}),
        json!("abcdef"),
        "the value must have at most 3 characters, has 6",
    );
    // Several options could have fitted: the first error of each.
    check(
        json!({"anyOf": [
            {"type": "object", "required": ["id"]},
            {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
        ]}),
        json!({"name": 1}),
        "the value matches none of the 2 options (option 1: the value is missing \"id\"; \
         option 2: name: must be a string, is an integer)",
    );
    check(
        json!({"oneOf": [{"minimum": 0}, {"maximum": 10}]}),
        json!(5),
        "the value must match exactly one of the 2 options, matches options 1 and 2",
    );
}

#[test]
fn errors_stop_at_the_cap() {
    let schema = json!({"items": {"type": "string"}});
    let v = Validator::new(&schema).unwrap();
    let many = Value::Array((0..50).map(|i| json!(i)).collect());
    let invalid = v.validate(&many).unwrap_err();
    assert_eq!(invalid.errors.len(), MAX_ERRORS);
    assert!(invalid.truncated);
    assert!(invalid.to_string().ends_with("; and more"));
    assert!(!v.is_valid(&many));
    let few = json!([1, "a", 2]);
    let invalid = v.validate(&few).unwrap_err();
    assert_eq!(
        (invalid.errors.len(), invalid.truncated),
        (2, false),
        "{invalid}"
    );
}

#[test]
fn references_stay_inside_the_document() {
    let schema = json!({
        "$id": "https://example.com/root.json",
        "$defs": {
            "date": {"$anchor": "date", "type": "string", "pattern": "^\\d{4}$"},
            "a/b": {"$id": "nested/other.json", "type": "integer"},
            "percent%": {"type": "boolean"}
        },
        "properties": {
            "d": {"$ref": "#date"},
            "n": {"$ref": "nested/other.json"},
            "p": {"$ref": "#/$defs/a~1b"},
            "q": {"$ref": "#/$defs/percent%25"}
        }
    });
    check(
        schema.clone(),
        json!({"d": "2026", "n": 1, "p": 2, "q": true}),
        "",
    );
    check(
        schema,
        json!({"d": "x", "n": "1", "q": 0}),
        "d: must match the pattern ^\\d{4}$\n\
         n: must be an integer, is a string\n\
         q: must be a boolean, is an integer",
    );
}

#[test]
fn unusable_schemas_are_refused_with_a_reason() {
    let remote = json!({"properties": {"a": {"$ref": "https://example.com/a.json"}}});
    assert_eq!(
        check_schema(&remote).unwrap_err().to_string(),
        "the schema refers to https://example.com/a.json, which is not fetched; put the \
         definition in $defs"
    );
    check(
        remote,
        json!({}),
        "the value cannot be checked: the schema refers to https://example.com/a.json, which is \
         not fetched; put the definition in $defs",
    );
    let relative =
        json!({"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "other.json#/x"});
    assert_eq!(
        check_schema(&relative).unwrap_err().to_string(),
        "the schema refers to other.json#/x, which is not fetched; put the definition in definitions"
    );
    let with_base = json!({"$id": "https://example.com/s/root.json", "$ref": "other.json"});
    assert_eq!(
        check_schema(&with_base).unwrap_err(),
        SchemaProblem::Remote {
            shown: "other.json (https://example.com/s/other.json)".into(),
            defs: "$defs"
        }
    );
    assert!(matches!(
        check_schema(&json!({"$ref": "https://json-schema.org/draft/2020-12/schema"})),
        Err(SchemaProblem::Metaschema(_))
    ));
    assert_eq!(
        check_schema(&json!({"$ref": "#/$defs/missing"}))
            .unwrap_err()
            .to_string(),
        "the reference #/$defs/missing (at /) points to nothing in the schema"
    );
    assert!(matches!(
        check_schema(&json!({"properties": {"a": {"pattern": "(unclosed"}}})),
        Err(SchemaProblem::Pattern { at, .. }) if at == "/properties/a/pattern"
    ));
    assert!(matches!(
        check_schema(&json!({"patternProperties": {"[": {}}})),
        Err(SchemaProblem::Pattern { .. })
    ));
    assert_eq!(
        check_schema(&json!([1])).unwrap_err().to_string(),
        "the schema must be a JSON object (or true or false), not an array"
    );
    // An unknown dialect: refused by the check, read as 2020-12 by the validator.
    let unknown = json!({"$schema": "https://example.com/my-dialect", "type": "string"});
    assert!(matches!(
        check_schema(&unknown),
        Err(SchemaProblem::UnknownDialect(_))
    ));
    assert_eq!(
        Validator::new(&unknown).unwrap().dialect(),
        Dialect::Draft2020_12
    );
    assert_eq!(
        check_schema(&json!({"type": "string"})),
        Ok(Dialect::Draft2020_12)
    );
    assert_eq!(
        check_schema(&json!({"$schema": "http://json-schema.org/draft-04/schema#"})),
        Ok(Dialect::Draft07)
    );
}

#[test]
fn draft_07_rules_apply_when_named() {
    let d7 = "http://json-schema.org/draft-07/schema#";
    // `$ref` hides its siblings in draft-07, not in 2020-12.
    let sibling = |dialect: &str| {
        json!({"$schema": dialect, "$defs": {"s": {"type": "string"}},
            "definitions": {"s": {"type": "string"}},
            "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 1}}})
    };
    check(sibling(d7), json!({"a": "long"}), "");
    check(
        sibling("https://json-schema.org/draft/2020-12/schema"),
        json!({"a": "long"}),
        "a: must have at most 1 character, has 4",
    );
    // Array `items` with `additionalItems`, and `dependencies`.
    let tuple = json!({"$schema": d7, "items": [{"type": "string"}], "additionalItems": false,
        "dependencies": {"a": ["b"], "c": {"required": ["d"]}}});
    check(
        tuple.clone(),
        json!(["x", 1]),
        "the value must have at most 1 item, has 2",
    );
    check(
        tuple,
        json!({"a": 1, "c": 2}),
        "the value has \"a\", so it must also have \"b\"\nthe value is missing \"d\"",
    );
    // 2020-12-only keywords are ignored in draft-07.
    check(
        json!({"$schema": d7, "prefixItems": [false]}),
        json!([1]),
        "",
    );
}

#[test]
fn dynamic_references_follow_the_dynamic_scope() {
    // A generic list whose item schema the outer resource overrides (2020-12 Core §8.2.3.2).
    let schema = json!({
        "$id": "https://example.com/strings",
        "$ref": "list",
        "$defs": {
            "item": {"$dynamicAnchor": "item", "type": "string"},
            "list": {
                "$id": "list",
                "type": "array",
                "items": {"$dynamicRef": "#item"},
                "$defs": {"item": {"$dynamicAnchor": "item"}}
            }
        }
    });
    check(schema.clone(), json!(["a", "b"]), "");
    check(
        schema,
        json!(["a", 2]),
        "[1]: must be a string, is an integer",
    );
}

#[test]
fn loops_depth_and_effort_are_bounded() {
    let halted = |schema: Value, value: Value| {
        let e = errors(schema, value);
        assert!(e.starts_with("the value cannot be checked:"), "{e}");
        e
    };
    let e = halted(json!({"$ref": "#"}), json!(1));
    assert!(e.contains("loop"), "{e}");
    halted(
        json!({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}},
            "$ref": "#/$defs/a"}),
        json!({}),
    );
    // Evaluating the same place twice side by side is not a loop (suite: infinite-loop-detection).
    check(
        json!({"$defs": {"i": {"type": "integer"}}, "allOf": [{"$ref": "#/$defs/i"}, {"$ref": "#/$defs/i"}]}),
        json!(1),
        "",
    );
    // A value deeper than the limit stops with an error instead of exhausting the stack.
    let mut deep = json!(1);
    for _ in 0..(MAX_DEPTH * 2) {
        deep = json!([deep]);
    }
    let e = halted(json!({"items": {"$ref": "#"}}), deep.clone());
    assert!(e.contains("nest more than"), "{e}");
    // Exponential work stops at the step budget: each definition tries the previous one twice,
    // so a schema of 31 definitions asks for 2^30 evaluations.
    let mut defs = serde_json::Map::new();
    defs.insert("d0".into(), json!({"type": "integer"}));
    for i in 1..=30 {
        let previous = format!("#/$defs/d{}", i - 1);
        defs.insert(
            format!("d{i}"),
            json!({"anyOf": [{"$ref": previous}, {"$ref": previous}]}),
        );
    }
    let e = halted(json!({"$defs": defs, "$ref": "#/$defs/d30"}), json!("x"));
    assert!(e.contains("steps"), "{e}");
    // A schema nested beyond the limit is refused before it is walked further.
    let mut tall = json!({});
    for _ in 0..(MAX_DEPTH + 10) {
        tall = json!({"not": tall});
    }
    assert_eq!(check_schema(&tall), Err(SchemaProblem::TooDeep));
}

/// Stack one level of evaluation may take in a debug build; release frames are smaller.
const STACK_PER_LEVEL: usize = 6 << 10;

#[test]
fn the_deepest_evaluation_fits_in_a_test_thread() {
    // Regression: frames of 7.6 KiB per level (one function doing every keyword) put
    // MAX_DEPTH levels at 1.95 MB, the edge of a 2 MiB test thread.
    let run = || {
        let top = 0u8;
        let top = std::ptr::addr_of!(top) as usize;
        let mut deep = json!("leaf");
        for _ in 0..MAX_DEPTH {
            deep = json!({"child": [deep]});
        }
        let schema = json!({"anyOf": [{"type": "string"}, {"type": "object",
            "properties": {"child": {"items": {"$ref": "#"}}}, "unevaluatedProperties": false}]});
        let outcome = Validator::new(&schema).unwrap().validate(&deep);
        let (low, levels) = super::eval::stack_probe::read();
        (outcome, top.saturating_sub(low), levels)
    };
    let (outcome, used, levels) = std::thread::Builder::new()
        .stack_size(MAX_DEPTH * STACK_PER_LEVEL + (256 << 10))
        .spawn(run)
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(levels, MAX_DEPTH);
    eprintln!("{} bytes of stack per level of evaluation", used / levels);
    let e = outcome.unwrap_err().to_string();
    assert!(e.contains("nest more than"), "{e}");
    assert!(
        used / levels < STACK_PER_LEVEL,
        "{} bytes of stack per level of evaluation",
        used / levels
    );
}

/// Random JSON values, up to a few levels deep.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        Just(json!(1.0)),
        "[a-c0-9é😀 ]{0,4}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c$]{0,2}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Random schemas built from real keywords, references that may or may not resolve, and
/// patterns that may or may not be valid.
fn arb_schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!(true)),
        Just(json!(false)),
        Just(json!({})),
        prop_oneof![
            Just("string"),
            Just("integer"),
            Just("number"),
            Just("object"),
            Just("array"),
            Just("null"),
            Just("boolean"),
            Just("nonsense")
        ]
        .prop_map(|t| json!({"type": t})),
        arb_value().prop_map(|v| json!({"const": v})),
        prop::collection::vec(arb_value(), 0..3).prop_map(|v| json!({"enum": v})),
        (
            prop_oneof![
                Just("minimum"),
                Just("maximum"),
                Just("exclusiveMinimum"),
                Just("exclusiveMaximum"),
                Just("multipleOf"),
                Just("minLength"),
                Just("maxLength"),
                Just("minItems"),
                Just("maxItems"),
                Just("minProperties"),
                Just("maxProperties"),
                Just("minContains"),
                Just("maxContains")
            ],
            prop_oneof![
                Just(json!(0)),
                Just(json!(2)),
                Just(json!(-1)),
                Just(json!(0.5)),
                Just(json!("x"))
            ]
        )
            .prop_map(|(k, v)| json!({ k: v })),
        prop_oneof![
            Just("^a"),
            Just("[0-9]+"),
            Just("(unclosed"),
            Just("\\p{L}"),
            Just("(?=x)"),
            Just("a{2,1}")
        ]
        .prop_map(|p| json!({"pattern": p})),
        prop_oneof![
            Just("#"),
            Just("#/$defs/a"),
            Just("#/$defs/missing"),
            Just("#anchor"),
            Just("other.json"),
            Just("#/properties/x"),
            Just("#/items/0")
        ]
        .prop_map(|r| json!({"$ref": r})),
        prop_oneof![Just("#anchor"), Just("#/$defs/a")].prop_map(|r| json!({"$dynamicRef": r})),
        Just(json!({"uniqueItems": true})),
        Just(json!({"required": ["a", "b"]})),
        Just(json!({"$schema": "http://json-schema.org/draft-07/schema#"})),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let one = prop_oneof![
            Just("not"),
            Just("if"),
            Just("then"),
            Just("else"),
            Just("items"),
            Just("contains"),
            Just("additionalProperties"),
            Just("propertyNames"),
            Just("unevaluatedItems"),
            Just("unevaluatedProperties"),
            Just("additionalItems")
        ];
        let list = prop_oneof![
            Just("allOf"),
            Just("anyOf"),
            Just("oneOf"),
            Just("prefixItems"),
            Just("items")
        ];
        let map = prop_oneof![
            Just("properties"),
            Just("patternProperties"),
            Just("$defs"),
            Just("dependentSchemas"),
            Just("dependencies"),
            Just("definitions")
        ];
        prop_oneof![
            (one, inner.clone()).prop_map(|(k, s)| json!({ k: s })),
            (list, prop::collection::vec(inner.clone(), 0..3)).prop_map(|(k, s)| json!({ k: s })),
            (
                map,
                prop::collection::btree_map("[a-c]|x|\\^a", inner.clone(), 0..3)
            )
                .prop_map(|(k, m)| json!({ k: Value::Object(m.into_iter().collect()) })),
            (
                inner.clone(),
                inner.clone(),
                prop_oneof![Just("anchor"), Just("a")]
            )
                .prop_map(|(a, b, name)| {
                    let mut o = serde_json::Map::new();
                    o.insert(
                        "$defs".into(),
                        json!({"a": a, "b": {"$dynamicAnchor": name}}),
                    );
                    o.insert("$anchor".into(), json!(name));
                    o.insert("$id".into(), json!("https://example.com/x.json"));
                    o.insert("allOf".into(), json!([b]));
                    Value::Object(o)
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// No schema and no value make the validator panic, and its two entry points agree.
    #[test]
    fn random_schemas_and_values_never_panic(schema in arb_schema(), value in arb_value()) {
        let _ = check_schema(&schema);
        let _ = validate(&value, &schema);
        for dialect in [Dialect::Draft2020_12, Dialect::Draft07] {
            if let Ok(v) = Validator::with_default(&schema, dialect) {
                let full = v.validate(&value);
                prop_assert_eq!(v.is_valid(&value), full.is_ok());
                if let Err(invalid) = full {
                    prop_assert!(!invalid.errors.is_empty());
                    prop_assert!(invalid.errors.len() <= MAX_ERRORS);
                }
            }
        }
    }

    /// Any JSON value at all, used as a schema, is refused or evaluated without a panic.
    #[test]
    fn any_value_as_a_schema_never_panics(schema in arb_value(), value in arb_value()) {
        let _ = check_schema(&schema);
        let _ = validate(&value, &schema);
    }
}

// Tryout 80: `{"type": "strnig"}` and `{"required": "oops"}` were taken as schemas, and then
// failed (or passed) every answer. Keyword values are checked against the metaschema, nested
// schemas too, and the place is named.
#[test]
fn keyword_values_the_metaschema_refuses_are_named() {
    let problem = |v: Value| check_schema(&v).unwrap_err().to_string();
    assert_eq!(
        problem(json!({"type": "strnig"})),
        "\u{201c}type\u{201d} at the top is \u{201c}strnig\u{201d}, but must be one of null, boolean, object, array, number, string, integer (or a list of them)"
    );
    assert_eq!(
        problem(json!({"type": "object", "required": "oops"})),
        "\u{201c}required\u{201d} at the top is \u{201c}oops\u{201d}, but must be a list of field names"
    );
    assert_eq!(
        problem(json!({"properties": {"due": {"type": "date"}}})),
        "\u{201c}type\u{201d} at the top \u{2192} properties \u{2192} due is \u{201c}date\u{201d}, but must be one of null, boolean, object, array, number, string, integer (or a list of them)"
    );
    assert!(problem(json!({"items": {"minLength": -1}})).contains("a whole number, 0 or more"));
    assert!(problem(json!({"anyOf": []})).contains("a list of schemas, not empty"));
    assert!(
        problem(json!({"properties": {"a": 5}})).contains("a schema (an object, or true or false)")
    );
    // What the metaschemas allow is taken: lists of types, unknown keywords, draft-07 tuples.
    for ok in [
        json!({"type": ["string", "null"], "x-note": 5, "required": []}),
        json!({"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}, true]}),
        json!({"minLength": 2.0, "multipleOf": 0.5, "enum": [1, "a"], "uniqueItems": true}),
    ] {
        assert!(check_schema(&ok).is_ok(), "{ok}");
    }
}

// Tryout 113: `{"format": "email"}` passed "not-an-email" and `{"format": "date"}` passed
// "2024-13-45" in a check, where promptfoo (Ajv with ajv-formats, "full" mode) fails both. The
// check asserts formats; the validator's default keeps them annotations (the official suite).
#[test]
fn asserted_formats_read_as_ajv_formats_reads_them() {
    let rows: &[(&str, Value, bool)] = &[
        ("email", json!("a.b+c@example.co.uk"), true),
        ("email", json!("not-an-email"), false),
        ("email", json!("a@b"), false),
        ("email", json!("a..b@example.com"), false),
        ("email", json!("a@-example.com"), false),
        ("date", json!("2024-02-29"), true),
        ("date", json!("2023-02-29"), false),
        ("date", json!("2024-13-45"), false),
        ("date", json!("2024-1-05"), false),
        ("date", json!("２０２４-01-05"), false),
        ("time", json!("12:30:00Z"), true),
        ("time", json!("12:30:00.25+05:30"), true),
        ("time", json!("12:30:00+0530"), true),
        ("time", json!("12:30:00"), false),
        ("time", json!("24:00:00Z"), false),
        ("time", json!("23:59:60Z"), true),
        ("time", json!("22:59:60Z"), false),
        ("time", json!("12:60:00Z"), false),
        ("time", json!("é2:30:00Z"), false),
        ("iso-time", json!("12:30:00"), true),
        ("date-time", json!("2024-05-01T12:30:00Z"), true),
        ("date-time", json!("2024-05-01 12:30:00z"), true),
        ("date-time", json!("2024-05-01T12:30:00"), false),
        ("date-time", json!("2024-05-01"), false),
        ("iso-date-time", json!("2024-05-01T12:30:00"), true),
        ("duration", json!("P1Y2M3DT4H5M6S"), true),
        ("duration", json!("PT36H"), true),
        ("duration", json!("P3W"), true),
        ("duration", json!("P"), false),
        ("duration", json!("PT"), false),
        ("duration", json!("P1D2Y"), false),
        ("duration", json!("P1Y2W"), false),
        (
            "uri",
            json!("https://user@example.com:8080/a/b?c=d#e"),
            true,
        ),
        ("uri", json!("urn:isbn:0451450523"), true),
        ("uri", json!("http://[::1]:80/"), true),
        ("uri", json!("/relative/path"), false),
        ("uri", json!("http://exa mple.com"), false),
        ("uri", json!("http://example.com/%zz"), false),
        ("uri", json!("http://example.com/é"), false),
        ("uri-reference", json!("/relative/path?q#f"), true),
        ("uri-reference", json!("a:b/c"), true),
        ("uri-reference", json!("\\\\WINDOWS\\file"), false),
        ("url", json!("https://example.com/x"), true),
        ("url", json!("mailto:a@example.com"), false),
        // The review of tryout 113's fix: ajv-formats' url is Diego Perini's pattern.
        ("url", json!("http://localhost:3000"), false),
        ("url", json!("https://example.com?q=1"), false),
        ("url", json!("https://example.com/?q=1"), true),
        ("url", json!("http://10.0.0.1/"), false),
        ("url", json!("http://172.20.1.1/"), false),
        ("url", json!("http://8.8.8.8/"), true),
        ("url", json!("https://bücher.de/"), true),
        ("url", json!("https://example.com/a|b"), true),
        ("url", json!("https://user:pw@example.com:8080/x"), true),
        ("url", json!("https://example.com:8/x"), false),
        ("url", json!("https://exa--mple.com/"), false),
        ("url", json!("https://example.c0m/"), false),
        ("uri", json!("urn:"), false),
        ("uri-reference", json!("_a:b"), true),
        ("uri-reference", json!("/a\"b"), true),
        (
            "uuid",
            json!("URN:UUID:123e4567-e89b-12d3-a456-426614174000"),
            true,
        ),
        // An escaped backslash before Z is a literal Z; a quantifier with nothing to repeat is
        // refused (tryout 114: `a**` and `^*` passed).
        ("regex", json!("a**"), false),
        ("regex", json!("^*"), false),
        ("regex", json!("a\\\\Z"), true),
        ("byte", json!("aGVsbG8=\n"), true),
        ("byte", json!("not base64!\naGVsbG8="), true),
        ("email", json!(format!("a@{}.com", "b".repeat(70))), true),
        ("date-time", json!("2024-05-01\u{85}12:30:00Z"), false),
        (
            "uri-template",
            json!("http://example.com/{user}/{+path*}{?q,lang:2}"),
            true,
        ),
        ("uri-template", json!("http://example.com/{user"), false),
        ("uri-template", json!("http://example.com/{us er}"), false),
        ("hostname", json!("www.example.com."), true),
        ("hostname", json!("-bad.example.com"), false),
        ("hostname", json!(format!("{}.com", "a".repeat(64))), false),
        ("ipv4", json!("192.168.0.1"), true),
        ("ipv4", json!("192.168.0.01"), false),
        ("ipv4", json!("256.1.1.1"), false),
        ("ipv6", json!("2001:db8::1"), true),
        ("ipv6", json!("::ffff:192.168.0.1"), true),
        ("ipv6", json!("2001:db8:::1"), false),
        ("regex", json!("^[a-z]+$"), true),
        ("regex", json!("^(abc]"), false),
        ("regex", json!("abc\\Z"), false),
        ("uuid", json!("123e4567-e89b-12d3-a456-426614174000"), true),
        (
            "uuid",
            json!("urn:uuid:123e4567-e89b-12d3-a456-426614174000"),
            true,
        ),
        ("uuid", json!("123e4567e89b12d3a456426614174000"), false),
        ("json-pointer", json!("/a~1b/c~0d"), true),
        ("json-pointer", json!(""), true),
        ("json-pointer", json!("a/b"), false),
        ("json-pointer", json!("/a~2"), false),
        ("json-pointer-uri-fragment", json!("#/a%20b"), true),
        ("json-pointer-uri-fragment", json!("#/a b"), false),
        ("relative-json-pointer", json!("1/a"), true),
        ("relative-json-pointer", json!("0#"), true),
        ("relative-json-pointer", json!("01/a"), false),
        ("byte", json!("aGVsbG8="), true),
        ("byte", json!(""), true),
        ("byte", json!("aGVsbG8"), false),
        ("byte", json!("aGV=bG8="), false),
        ("int32", json!(2147483647), true),
        ("int32", json!(2147483648_i64), false),
        ("int32", json!(1.5), false),
        ("int32", json!(3.0), true),
        ("int64", json!(1e20), true),
        ("int64", json!(0.5), false),
        ("float", json!(0.5), true),
        ("double", json!(1), true),
        ("password", json!("anything"), true),
        ("binary", json!("anything"), true),
        // String formats pass other values; number formats pass strings.
        ("email", json!(42), true),
        ("date", json!(null), true),
        ("int32", json!("x"), true),
    ];
    for (format, value, valid) in rows {
        let schema = json!({ "format": format });
        let asserting = Validator::asserting_formats(&schema).unwrap();
        assert_eq!(
            asserting.is_valid(value),
            *valid,
            "format {format}, value {value}"
        );
        // The default keeps `format` an annotation (2020-12 Validation §7.2.1).
        assert!(Validator::new(&schema).unwrap().is_valid(value), "{format}");
    }
    let schema =
        json!({"type": "object", "properties": {"email": {"type": "string", "format": "email"}}});
    let said = Validator::asserting_formats(&schema)
        .unwrap()
        .validate(&json!({"email": "not-an-email"}))
        .unwrap_err()
        .to_string();
    assert_eq!(said, "email: must match the format \u{201c}email\u{201d}");
    // A format ajv-formats does not define: Ajv refuses the schema ("unknown format").
    let phone = json!({"properties": {"p": {"format": "phone"}}});
    assert_eq!(
        Validator::asserting_formats(&phone).unwrap_err(),
        SchemaProblem::UnknownFormat {
            format: "phone".into(),
            at: "/properties/p/format".into()
        }
    );
    assert!(Validator::new(&phone).is_ok());
}

/// Ajv compiles only the subschemas it reaches (ajv-validator/ajv#1546): an unknown format in a
/// `$defs` entry nothing refers to is never met, so promptfoo runs that schema; one a reached
/// `$ref` leads to, directly or through another entry, makes Ajv refuse it. A property named
/// `$defs` is a property, not a definitions list.
#[test]
fn an_unknown_format_counts_only_where_a_validator_reaches_it() {
    let unknown = |schema: Value| match Validator::asserting_formats(&schema) {
        Ok(_) => None,
        Err(SchemaProblem::UnknownFormat { at, .. }) => Some(at),
        Err(other) => panic!("{schema}: {other}"),
    };
    let cases = [
        (
            json!({"type": "object", "$defs": {"t": {"format": "phone"}}}),
            None,
        ),
        (
            json!({"$defs": {"t": {"format": "phone"}}, "$ref": "#/$defs/t"}),
            Some("/$defs/t/format"),
        ),
        // Through another entry, reached only when the first one is.
        (
            json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"format": "phone"}}}),
            None,
        ),
        (
            json!({"properties": {"p": {"$ref": "#/$defs/a"}},
                   "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"format": "phone"}}}),
            Some("/$defs/b/format"),
        ),
        // Inside an entry's own subschemas, by an anchor, and draft-07's `definitions`.
        (
            json!({"items": {"$ref": "#/$defs/a/properties/x"},
                   "$defs": {"a": {"properties": {"x": {"items": {"format": "phone"}}}}}}),
            Some("/$defs/a/properties/x/items/format"),
        ),
        (
            json!({"items": {"$ref": "#tel"},
                   "$defs": {"a": {"$anchor": "tel", "format": "phone"}}}),
            Some("/$defs/a/format"),
        ),
        (
            json!({"$schema": "http://json-schema.org/draft-07/schema#",
                   "definitions": {"a": {"format": "phone"}},
                   "properties": {"p": {"$ref": "#/definitions/a"}}}),
            Some("/definitions/a/format"),
        ),
        (
            json!({"$schema": "http://json-schema.org/draft-07/schema#",
                   "definitions": {"a": {"format": "phone"}}}),
            None,
        ),
        // A reference to the root does not reach the root's definitions.
        (
            json!({"properties": {"next": {"$ref": "#"}}, "$defs": {"t": {"format": "phone"}}}),
            None,
        ),
        // Nested definitions below a subschema, and a property named `$defs`.
        (
            json!({"properties": {"p": {"$defs": {"q": {"format": "phone"}}}}}),
            None,
        ),
        (
            json!({"properties": {"$defs": {"format": "phone"}}}),
            Some("/properties/$defs/format"),
        ),
    ];
    for (schema, want) in cases {
        assert_eq!(unknown(schema.clone()).as_deref(), want, "{schema}");
    }
}
