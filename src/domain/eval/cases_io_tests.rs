//! Tests for reading and writing case files: hand-written files in every format (good and bad rows,
//! with the bad rows' exact lines), promptfoo fixtures, round trips, and a 10,000-row file.
use super::*;
use crate::domain::eval::{Check, LengthUnit, Suite};
use expect_test::{Expect, expect};
use proptest::prelude::*;

const PROMPTFOO_CONFIG: &str = include_str!("fixtures/promptfooconfig.yaml");
const PROMPTFOO_TESTS_YAML: &str = include_str!("fixtures/tests.yaml");
const PROMPTFOO_CSV: &str = include_str!("fixtures/promptfoo_tests.csv");
const CASES_JSONL: &str = include_str!("fixtures/cases.jsonl");
const CASES_JSON: &str = include_str!("fixtures/cases.json");

fn render_assertion(a: &Assertion) -> String {
    let ic = if a.ignore_case { " (any case)" } else { "" };
    let not = if a.negate { " (not)" } else { "" };
    format!("{:?}{ic}{not}", a.check)
}

/// An import rendered one fact a line, the form the expectations below are written in.
fn render(r: &Result<Imported, String>) -> String {
    let im = match r {
        Ok(im) => im,
        Err(e) => return format!("ERROR {e}\n"),
    };
    let mut s = format!("format {}\n", im.format);
    for c in &im.cases {
        assert_eq!(c.id, 0, "imported cases have no id yet");
        s.push_str(&format!(
            "case {:?} split={}",
            c.description,
            c.split.as_str()
        ));
        if !c.tags.is_empty() {
            s.push_str(&format!(" tags={:?}", c.tags));
        }
        if let Some(t) = c.threshold {
            s.push_str(&format!(" threshold={t}"));
        }
        s.push('\n');
        for t in &c.turns {
            let who = match t.speaker {
                Speaker::User => "user",
                Speaker::Assistant => "assistant",
            };
            s.push_str(&format!("  turn {who} {:?}\n", t.text));
        }
        if !c.input.is_empty() {
            s.push_str(&format!("  input {:?}\n", c.input));
        }
        for (k, v) in &c.vars {
            s.push_str(&format!("  var {k} = {v:?}\n"));
        }
        if !c.expected.is_empty() {
            s.push_str(&format!("  expected {:?}\n", c.expected));
        }
        for a in &c.assertions {
            s.push_str(&format!("  assert {}\n", render_assertion(a)));
        }
    }
    for a in &im.global {
        s.push_str(&format!("global {}\n", render_assertion(a)));
    }
    for l in &im.left_out {
        let file = l
            .file
            .as_deref()
            .map(|f| format!("{f} "))
            .unwrap_or_default();
        let item = l.item.map(|i| format!(" item {i}")).unwrap_or_default();
        s.push_str(&format!(
            "left {file}line {}{item}: {}\n",
            l.line,
            l.message()
        ));
    }
    for b in &im.bad {
        let file = b
            .file
            .as_deref()
            .map(|f| format!("{f} "))
            .unwrap_or_default();
        let item = b.item.map(|i| format!(" item {i}")).unwrap_or_default();
        s.push_str(&format!("bad {file}line {}{item}: {}\n", b.line, b.why));
    }
    s
}

/// Imports `text` under `file_name` and compares the rendering with `expected`.
/// What an import says it left out, a line each: "line 12: the metric of … left out: …".
fn said_by_line(im: &Imported) -> Vec<String> {
    im.left_out
        .iter()
        .map(|l| format!("line {}: {}", l.line, l.message()))
        .collect()
}

fn check(file_name: &str, text: &str, expected: Expect) {
    expected.assert_eq(&render(&import(file_name, text)));
}

fn left_lines(file_name: &str, text: &str) -> Vec<usize> {
    import(file_name, text)
        .expect("readable")
        .left_out
        .iter()
        .map(|l| l.line)
        .collect()
}

fn bad_lines(file_name: &str, text: &str) -> Vec<usize> {
    import(file_name, text)
        .expect("readable")
        .bad
        .iter()
        .map(|b| b.line)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Format detection
// ---------------------------------------------------------------------------------------------

#[test]
fn format_from_extension_then_content() {
    let cases: &[(&str, &str, &str)] = &[
        ("a.csv", "input\nhi\n", "CSV"),
        ("A.CSV", "input\nhi\n", "CSV"),
        ("a.tsv", "input\tx\nhi\t1\n", "TSV"),
        ("a.jsonl", "{\"input\":\"hi\"}\n", "JSONL"),
        ("a.ndjson", "{\"input\":\"hi\"}\n", "JSONL"),
        ("a.json", "[{\"input\":\"hi\"}]", "JSON"),
        ("a.yaml", "- input: hi\n", "YAML"),
        ("a.yml", "tests:\n  - input: hi\n", "YAML"),
        // No or unknown extension: the content decides.
        ("", "input,expected_output\nhi,hello\n", "CSV"),
        ("cases.txt", "input\texpected_output\nhi\thello\n", "TSV"),
        ("", "[{\"input\":\"hi\"}]", "JSON"),
        ("", "{\"input\":\"a\"}\n{\"input\":\"b\"}\n", "JSONL"),
        ("", "{\n  \"input\": \"a\"\n}\n", "JSON"),
        ("", "# a comment\n---\ntests:\n  - vars: {a: 1}\n", "YAML"),
        ("", "- vars:\n    a: 1\n", "YAML"),
        ("", "description: one test\nvars:\n  a: b\n", "YAML"),
        ("notes", "__metadata:x,input\n1,hi\n", "CSV"),
        // A `.json` file holding JSON lines is read as JSONL.
        ("a.json", "{\"input\":\"a\"}\n{\"input\":\"b\"}\n", "JSONL"),
        ("\u{1F600}.csv", "input\nhi\n", "CSV"),
    ];
    for (name, text, want) in cases {
        let got = import(name, text).map(|i| i.format);
        assert_eq!(got, Ok(*want), "{name:?} {text:?}");
    }
}

#[test]
fn whole_file_errors() {
    check(
        "a.csv",
        "",
        expect![[r#"
        ERROR The file is empty.
    "#]],
    );
    check(
        "a.csv",
        "\u{feff}  \n\n",
        expect![[r#"
        ERROR The file is empty.
    "#]],
    );
    // Tryout 78: a header and nothing else said only "holds no test cases".
    check(
        "a.csv",
        "input,expected_output\n\n",
        expect![[r#"
        ERROR This CSV file has only its header line and no rows below it, so it holds no test cases: each row under the header is a case.
    "#]],
    );
    check(
        "a.json",
        "[]",
        expect![[r#"
        ERROR The file holds no test cases.
    "#]],
    );
    check(
        "a.json",
        "{\"input\": \"x\",\n  \"vars\": {]}",
        expect![[r#"
        ERROR This JSON file could not be read: key must be a string (line 2, column 12).
    "#]],
    );
    check(
        "a.json",
        "42",
        expect![[r#"
        ERROR This JSON file holds a number, not a list of test cases.
    "#]],
    );
    check(
        "a.yaml",
        "just text",
        expect![[r#"
        ERROR This YAML file holds a single value, not a list of tests.
    "#]],
    );
    check(
        "a.yaml",
        "prompts: [p.txt]\nproviders: [openai:gpt-4o]\n",
        expect![[r#"
        ERROR This YAML file is neither a list of tests nor a promptfoo config with tests.
    "#]],
    );
    check(
        "a.yaml",
        "- input: a\n---\n- input: b\n",
        expect![[r#"
        ERROR This YAML file holds several documents (the second starts on line 3); put the tests in one.
    "#]],
    );
}

// ---------------------------------------------------------------------------------------------
// JSONL and JSON
// ---------------------------------------------------------------------------------------------

// Tryout 80: a latency check with threshold -5 read "it has no threshold".
#[test]
fn a_negative_latency_or_cost_threshold_is_named_as_that() {
    let text = "tests:\n  - vars: {a: x}\n    assert:\n      - type: latency\n        threshold: -5\n      - type: cost\n        threshold: -1\n      - type: latency\n      - type: contains\n        value: x\n";
    let im = import("t.yaml", text).unwrap();
    let said: Vec<String> = im.left_out.iter().map(LeftOut::message).collect();
    assert!(
        said.iter()
            .any(|m| m.contains("its threshold, -5, is not a time")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("its threshold, -1, is not a price")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("it has no threshold (the most milliseconds allowed)")),
        "{said:?}"
    );
}

// Tryout 79: a "matches the JSON schema" check on the Format section's schema was exported with
// no schema, and came back into another draft as a check to fix. The export carries the schema.
#[test]
fn an_export_carries_the_format_schema_of_its_schema_checks() {
    let schema = r#"{"type": "object", "required": ["owner"]}"#;
    let case = TestCase {
        input: "notes".into(),
        assertions: vec![
            Assertion::new(Check::MatchesSchema(None)),
            Assertion::new(Check::MatchesSchema(Some("{}".into()))),
        ],
        ..TestCase::default()
    };
    let out = for_export(std::slice::from_ref(&case), schema);
    assert_eq!(
        out[0].assertions[0].check,
        Check::MatchesSchema(Some(schema.into()))
    );
    assert_eq!(
        out[0].assertions[1].check,
        Check::MatchesSchema(Some("{}".into()))
    );
    for (name, text) in [("c.jsonl", to_jsonl(&out)), ("c.csv", to_csv(&out))] {
        let back = import(name, &text).unwrap();
        let a = &back.cases[0].assertions[0];
        assert_eq!(a.problem(None), None, "{name}: {text}");
        let Check::MatchesSchema(Some(back)) = &a.check else {
            panic!("{name}: {:?}", a.check)
        };
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(back).unwrap(),
            serde_json::from_str::<serde_json::Value>(schema).unwrap(),
            "{name}"
        );
    }
    // No schema in the Format section: as it is.
    assert_eq!(for_export(std::slice::from_ref(&case), " ")[0], case);
}

// Tryout 78: a JSON list written on one line said "Line 1:" for each of its bad items; the
// review now names each by its place in the list, and only where the line does not.
#[test]
fn a_json_list_on_one_line_names_its_bad_items_by_place() {
    check(
        "arr.json",
        r#"[{"vars": {"notes": "a"}}, 5, null, "str", {"vars": 7}, {"assert": [{"type": "javascript", "value": "1"}, {"type": "equals", "value": "x"}]}]"#,
        expect![[r#"
            format JSON
            case "" split=train
              var notes = "a"
            case "" split=train
              assert Equals("x")
            left line 1 item 6: javascript check left out: it would run code
            bad line 1 item 2: this is not a test case: expected a set of fields such as vars and assert, found a number
            bad line 1 item 3: this is not a test case: expected a set of fields such as vars and assert, found nothing
            bad line 1 item 4: this is not a test case: expected a set of fields such as vars and assert, found a piece of text
            bad line 1 item 5: its vars are not a set of name: value pairs (found a number)
        "#]],
    );
    // One item a line: the line says which.
    check(
        "arr.json",
        "[\n  {\"vars\": {\"notes\": \"a\"}},\n  5\n]",
        expect![[r#"
            format JSON
            case "" split=train
              var notes = "a"
            bad line 3: this is not a test case: expected a set of fields such as vars and assert, found a number
        "#]],
    );
    let im = import("arr.json", "[1, 2]").unwrap();
    assert_eq!(im.bad[1].place(), "Line 1, item 2");
}

// Tryout 78: a file nested 100,000 deep read "not valid JSON … column 128", as if a typo were
// there; it is said as nesting deeper than the parser reads, for a cases file, a JSONL line and
// a drafts export.
#[test]
fn json_nested_past_the_parsers_depth_is_said_as_that() {
    let deep = "[".repeat(100_000);
    check(
        "deep.json",
        &deep,
        expect![[r#"
            ERROR This JSON file nests lists or objects more than 128 levels deep (line 1, column 128), deeper than anything Promptwright writes or reads, so it was not read.
        "#]],
    );
    let line = format!("{{\"vars\": {{\"a\": \"b\"}}}}\n{{\"vars\": {deep}}}\n");
    check(
        "deep.jsonl",
        &line,
        expect![[r#"
            format JSONL
            case "" split=train
              var a = "b"
            bad line 2: this line nests lists or objects more than 128 levels deep, deeper than any test case
        "#]],
    );
    let drafts = crate::domain::wire::parse_import(&deep).unwrap_err();
    assert!(
        drafts.starts_with("This file nests lists or objects more than 128 levels deep"),
        "{drafts}"
    );
}

#[test]
fn jsonl_good_and_bad_lines() {
    check(
        "cases.jsonl",
        CASES_JSONL,
        expect![[r#"
            format JSONL
            case "Greets in Spanish" split=train tags=["es", "greeting"]
              input "Hola"
              expected "¡Hola! ¿En qué puedo ayudarte?"
              assert StartsWith("¡Hola")
            case "" split=train
              var question = "2+2?"
              var format = "digits"
              assert Equals("4")
            case "" split=train
              var q = "x"
            case "" split=held-out
              input "emoji 🎉 test"
              assert Judge { rubric: "Celebrates", threshold: 9 }
              assert Length { unit: Words, min: None, max: Some(50) }
            case "" split=train
              var n = "42"
              var flag = "true"
              var list = "[1,\"a\"]"
              var obj = "{\"k\":null}"
            left line 6: python check left out: it would run code
            bad line 4: this line is not valid JSON (near character 21)
            bad line 5: this is not a test case: expected a set of fields such as vars and assert, found a list
            bad line 7: its vars are not a set of name: value pairs (found a piece of text)
        "#]],
    );
    assert_eq!(bad_lines("cases.jsonl", CASES_JSONL), vec![4, 5, 7]);
    assert_eq!(left_lines("cases.jsonl", CASES_JSONL), vec![6]);
}

#[test]
fn jsonl_crlf_blank_lines_and_odd_fields() {
    check(
        "x.jsonl",
        "\u{feff}{\"input\":\"a\"}\r\n\r\n   \r\n{\"input\":\"b\",\"tags\":\"x; y ,\",\"description\":7}\r\n{\"assert\":{\"type\":\"equals\"}}\r\n{\"assert\":[\"contains\"]}\r\n{\"tags\":{\"a\":1}}\r\n",
        expect![[r#"
            format JSONL
            case "" split=train
              input "a"
            case "7" split=train tags=["x", "y"]
              input "b"
            bad line 7: its tags are not a list of words (found a set of fields)
            bad line 5: this test has nothing Promptwright can use: no variables or input, and the assert field left out: it is not a list of checks (found a set of fields)
            bad line 6: this test has nothing Promptwright can use: no variables or input, and a check left out: it is not a set of fields such as type and value (found a piece of text)
        "#]],
    );
}

// A chat log line (OpenAI's messages shape) came in as an empty case with no warning: it now
// comes in as a conversation case (the last user message tested, the assistant's reply after it
// the expected answer, the system message named as left out), and a line that cannot be placed
// is reported by line with why.
#[test]
fn a_chat_log_line_becomes_a_conversation_case() {
    check(
        "chats.jsonl",
        concat!(
            r#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"I want to visit Italy."},{"role":"assistant","content":"When?"},{"role":"user","content":"In July."},{"role":"assistant","content":"July is hot; try the coast."}]}"#,
            "\n",
            r#"{"messages":[{"role":"user","content":"hi"}],"tags":["chat"],"description":"greeting"}"#,
            "\n",
            r#"{"messages":[{"role":"system","content":"Only a system message."}]}"#,
            "\n",
            r#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#,
            "\n",
            r#"{"messages":"hello"}"#,
            "\n",
            r#"{"prompt":"hi","completion":"hello"}"#,
            "\n",
            r#"{"input":"one message"}"#,
            "\n"
        ),
        expect![[r#"
            format JSONL
            case "" split=train
              turn user "I want to visit Italy."
              turn assistant "When?"
              input "In July."
              expected "July is hot; try the coast."
            case "greeting" split=train tags=["chat"]
              input "hi"
            case "" split=train
              input "one message"
            left line 1: the system message (message 1) left out: the draft's prompt is the system message, so this one is not sent
            bad line 3: this conversation has no user message, so there is no turn to test
            bad line 4: message 1 of this conversation cannot be read: it holds a part Promptwright cannot send (image_url)
            bad line 5: its messages are not a list of messages (found a piece of text)
            bad line 6: this test has nothing Promptwright can use: its fields (prompt, completion) are not ones Promptwright reads (a test has input, vars, assert, expected, messages…)
        "#]],
    );
}

#[test]
fn json_array_reports_each_element_line() {
    check(
        "cases.json",
        CASES_JSON,
        expect![[r#"
            format JSON
            case "Ünïcödé ok" split=train
              var name = "Zoë"
              var city = "Kraków"
              assert ContainsAll(["zoë"]) (any case)
            case "" split=train
              var name = "Bob"
            case "" split=train
              input "same line \"}\" tricky, [x]"
              expected "ok"
            left line 7: webhook check left out: it would send the answer to another server
            bad line 11 item 3: this is not a test case: expected a set of fields such as vars and assert, found a piece of text
        "#]],
    );
    assert_eq!(bad_lines("cases.json", CASES_JSON), vec![11]);
    assert_eq!(left_lines("cases.json", CASES_JSON), vec![7]);
}

#[test]
fn json_element_lines_skip_strings_and_nesting() {
    let text = "[\n  {\"a\": \"[,]\\\"{\"},\n\n  [1,\n 2], \"x\",\n3]";
    assert_eq!(json_element_lines(text), vec![2, 4, 5, 6]);
    assert_eq!(json_element_lines("[]"), Vec::<usize>::new());
    assert_eq!(json_element_lines(" [ 1 , 2 ] "), vec![1, 1]);
}

#[test]
fn json_single_case_and_promptfoo_config() {
    check(
        "one.json",
        "\n\n{\"input\": \"only one\"}",
        expect![[r#"
        format JSON
        case "" split=train
          input "only one"
    "#]],
    );
    check(
        "promptfooconfig.json",
        r#"{
  "prompts": ["Answer: {{q}}"],
  "defaultTest": {"assert": [{"type": "icontains", "value": "yes"}]},
  "tests": [
    {"vars": {"q": "Is water wet? 💧", "n": 1.50}},
    {"vars": {"q": "no"}, "assert": [{"type": "rouge-n", "value": "x"}]}
  ]
}"#,
        expect![[r#"
            format JSON
            case "" split=train
              input "Answer: Is water wet? 💧"
              var q = "Is water wet? 💧"
              var n = "1.50"
            case "" split=train
              input "Answer: no"
              var q = "no"
            global ContainsAll(["yes"]) (any case)
            left line 6: rouge-n check left out: Promptwright has no rouge-n check yet
        "#]],
    );
}

/// JSON the YAML reader refuses (an escaped surrogate pair) is still read, without line numbers.
#[test]
fn json_config_the_yaml_reader_cannot_take() {
    check(
        "promptfooconfig.json",
        "{\"tests\": [\n  {\"vars\": {\"q\": \"\\ud83d\\ude00\"}},\n  {\"assert\": [{\"type\": \"cost\"}]}\n]}",
        expect![[r#"
            format JSON
            case "" split=train
              var q = "😀"
            bad line 1: this test has nothing Promptwright can use: no variables or input, and cost check left out: it has no threshold (the most dollars allowed); without one promptfoo only records the cost
        "#]],
    );
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_our_columns_and_bare_names() {
    check(
        "x.csv",
        "description,input,expected_output,tags,split,tone\nFirst,Hello,Hi there,\"a, b;c ;\",held-out,warm\n",
        expect![[r#"
            format CSV
            case "First" split=held-out tags=["a", "b", "c"]
              input "Hello"
              var tone = "warm"
              expected "Hi there"
        "#]],
    );
    // With `__input` present, a bare `input` column is a variable (promptfoo's {{input}}).
    check(
        "x.csv",
        "__input,input,__description,__split\nmessage,var value,d,TEST\n",
        expect![[r#"
            format CSV
            case "d" split=held-out
              input "message"
              var input = "var value"
        "#]],
    );
}

#[test]
fn csv_quoted_fields_and_line_numbers() {
    let text = "input,note\n\"multi\nline, \"\"quoted\"\"\",x\nshort row\n\n,,\n\"a\",\"b\",\"c\"\n\"é 😀\",\"\"\n";
    check(
        "x.csv",
        text,
        expect![[r#"
        format CSV
        case "" split=train
          input "multi\nline, \"quoted\""
          var note = "x"
        case "" split=train
          input "é 😀"
          var note = ""
        bad line 4: this row has 1 cell but the header has 2 columns
        bad line 6: every cell of this row is empty, so it holds no test case
        bad line 7: this row has 3 cells but the header has 2 columns
    "#]],
    );
    assert_eq!(bad_lines("x.csv", text), vec![4, 6, 7]);
}

#[test]
fn csv_quote_never_closed_says_where_it_opens() {
    // The tryout's file: line 2's quote is never closed, so lines 2 to 4 read as one cell.
    let text = "notes,__expected\n\"Ann sends the deck,Ann\nBob books the room,contains: Bob\nCarla pays,contains: Carla\n";
    check(
        "x.csv",
        text,
        expect![[r#"
            format CSV
            bad line 2: this line opens a quote (") that is never closed, so the rest of the file was read as one cell. Close the quote or remove it; if the file was cut off while it was being saved or downloaded, save or download it again.
        "#]],
    );
    // The same quote closed (with a doubled quote inside) reads every row.
    let closed = "notes,__expected\n\"Ann sends \"\"the deck\"\"\",Ann\nBob,Bob\n";
    assert_eq!(import("x.csv", closed).unwrap().cases.len(), 2);
    assert_eq!(bad_lines("x.csv", closed), Vec::<usize>::new());
    // A quote inside an unquoted cell is a plain character, not an opening.
    let inner = "notes,n\nsize 5\" screen,1\nBob,2\n";
    assert_eq!(import("x.csv", inner).unwrap().cases.len(), 2);
    // A quote that opens in the header leaves no row to read: the whole file is refused, saying
    // where; so is one opening after a multi-line cell that did close.
    check(
        "x.csv",
        "\"notes,n\nBob,2\n",
        expect![[r#"
            ERROR Line 1 opens a quote (") that is never closed, so the rest of the file was read as one cell. Close the quote or remove it; if the file was cut off while it was being saved or downloaded, save or download it again.
        "#]],
    );
    assert_eq!(
        bad_lines("x.csv", "notes,n\n\"two\nlines\",1\nok,2\nx,\"open\nmore\n"),
        vec![5]
    );
    // Tab-separated files follow the same rule.
    assert_eq!(bad_lines("x.tsv", "notes\tn\nok\t1\n\"open\t2\n"), vec![3]);
}

#[test]
fn csv_assert_column() {
    let text = concat!(
        "__input,__assert\n",
        "a,\"[{\"\"type\"\":\"\"contains-all\"\",\"\"value\"\":[\"\"x\"\",\"\"y\"\"]},{\"\"type\"\":\"\"length\"\",\"\"max\"\":5,\"\"unit\"\":\"\"words\"\"}]\"\n",
        "b,\"{\"\"type\"\":\"\"is-json\"\"}\"\n",
        "c,not json\n",
        "d,\"[{\"\"type\"\":\"\"cost\"\",\"\"threshold\"\":0.1}]\"\n",
        "e,\n",
    );
    check(
        "x.csv",
        text,
        expect![[r#"
            format CSV
            case "" split=train
              input "a"
              assert ContainsAll(["x", "y"])
              assert Length { unit: Words, min: None, max: Some(5) }
            case "" split=train
              input "b"
              assert IsJson
            case "" split=train
              input "c"
            case "" split=train
              input "d"
              assert Cost { max_usd: 0.1 }
            case "" split=train
              input "e"
            left line 4: column __assert left out: its cell is not valid JSON
        "#]],
    );
    assert_eq!(bad_lines("x.csv", text), Vec::<usize>::new());
    assert_eq!(left_lines("x.csv", text), vec![4]);
}

#[test]
fn promptfoo_csv_fixture() {
    check(
        "tests.csv",
        PROMPTFOO_CSV,
        expect![[r#"
            format CSV
            case "Capital city" split=train tags=["topic=geo"]
              var question = "What is the capital of France?"
              var context = "Geography"
              assert Equals("Paris")
              assert ContainsAny(["Paris", "paris"])
            case "Haiku" split=train tags=["topic=poetry"]
              var question = "Write a haiku about \"autumn\""
              var context = "Poetry"
              assert ContainsAll(["autumn", "leaves"])
              assert NotContains(["As an AI"])
              assert Judge { rubric: "Is a haiku (5-7-5 syllables)", threshold: 7 }
            case "Summary as JSON" split=train
              var question = "Summarise:\nline one, with a comma\nline two"
              var context = "Multi-line input"
              assert IsJson
              assert MatchesSchema(Some("{\"type\":\"object\",\"required\":[\"summary\"]}"))
            case "Japanese" split=train tags=["topic=lang"]
              var question = "Translate 'good night' into Japanese"
              var context = "Translation"
              assert ContainsAll(["おやすみ"]) (any case)
              assert StartsWith("おやすみ")
              assert Regex("^[ぁ-ん]+")
            case "JS check" split=train
              var question = "Say hi"
              var context = "Greeting"
            case "Similarity" split=train
              var question = "Say bye"
              var context = "Farewell"
            case "Emoji" split=train
              var question = "Rate this 😀 emoji"
              var context = "Emoji"
              assert Judge { rubric: "Mentions what the emoji means", threshold: 7 }
              assert ContainsAny(["smile", "happy"]) (any case)
              assert NotContains(["SAD"]) (any case)
            case "Plain equals" split=train
              var question = "Count to three"
              var context = "Numbers"
              assert Equals("1 2 3")
              assert ContainsAll(["one", "two"]) (any case)
            case "Py" split=train
              var question = "Explain"
              var context = "Python check"
            case "Unknown prefix is plain text" split=train
              var question = "Define it"
              var context = "Defs"
              assert Equals("Note: a plain answer")
              assert Equals("exact")
            case "Lev" split=train
              var question = "Levenshtein"
              var context = "Edit distance"
              assert Levenshtein { text: "hello", max_distance: 5 }
            case "Neg" split=train
              var question = "Not equal"
              var context = "Negated"
              assert Equals("foo") (not)
            case "Fn" split=train
              var question = "Legacy fn"
              var context = "Legacy"
            left line 1: column __prefix left out: Promptwright sends the prompt as written; put that text in the prompt instead
            left line 8: javascript check left out: it would run code
            left line 9: similar check left out: needs embeddings (a model that turns text into numbers), which Promptwright does not call
            left line 14: python check left out: it would run code
            left line 18: javascript check left out: it would run code
            bad line 12: this row has 9 cells but the header has 8 columns
        "#]],
    );
    assert_eq!(bad_lines("tests.csv", PROMPTFOO_CSV), vec![12]);
    assert_eq!(
        left_lines("tests.csv", PROMPTFOO_CSV),
        vec![1, 8, 9, 14, 18]
    );
}

/// One `__expected` cell, as promptfoo writes them, read into our assertion or the error.
#[test]
fn promptfoo_expected_cell_syntax() {
    let cases: &[(&str, &str)] = &[
        ("Paris", r#"Equals("Paris")"#),
        ("equals:Paris", r#"Equals("Paris")"#),
        ("Note: plain text", r#"Equals("Note: plain text")"#),
        ("contains:Par", r#"ContainsAll(["Par"])"#),
        ("icontains:par", r#"ContainsAll(["par"]) (any case)"#),
        // Regression: the space after the colon is not part of the phrase (promptfoo trims it).
        ("icontains: carol", r#"ContainsAll(["carol"]) (any case)"#),
        (
            "llm-rubric:  is polite ",
            r#"Judge { rubric: "is polite", threshold: 7 }"#,
        ),
        ("contains-any:a, b,c", r#"ContainsAny(["a", "b", "c"])"#),
        ("contains-all:a,b", r#"ContainsAll(["a", "b"])"#),
        ("icontains-any:A", r#"ContainsAny(["A"]) (any case)"#),
        (
            "icontains-all:A, B",
            r#"ContainsAll(["A", "B"]) (any case)"#,
        ),
        ("not-contains:sorry", r#"NotContains(["sorry"])"#),
        (
            "not-icontains:Sorry",
            r#"NotContains(["Sorry"]) (any case)"#,
        ),
        ("starts-with:Dear", r#"StartsWith("Dear")"#),
        ("regex:^\\d+$", r#"Regex("^\\d+$")"#),
        ("is-json", "IsJson"),
        ("is-json:", "IsJson"),
        ("contains-json", "ContainsJson(None)"),
        (
            "is-json:{\"type\":\"object\"}",
            r#"MatchesSchema(Some("{\"type\":\"object\"}"))"#,
        ),
        (
            "llm-rubric:Is kind",
            r#"Judge { rubric: "Is kind", threshold: 7 }"#,
        ),
        (
            "grade:Is kind, short",
            r#"Judge { rubric: "Is kind, short", threshold: 7 }"#,
        ),
        (
            "llm-rubric(0.9):Is kind",
            r#"Judge { rubric: "Is kind", threshold: 9 }"#,
        ),
        ("starts-with(0.5):x", r#"StartsWith("x")"#),
        ("contains(abc):x", r#"Equals("contains(abc):x")"#),
        ("unknown-type:x", r#"Equals("unknown-type:x")"#),
        ("日本語:テスト", r#"Equals("日本語:テスト")"#),
        ("javascript:output.length > 1", "ERR javascript"),
        ("fn:output.includes('a')", "ERR javascript"),
        ("eval:1", "ERR javascript"),
        ("python:len(output)", "ERR python"),
        ("file://checks/grade.py", "ERR python"),
        ("file://checks/grade.js:check", "ERR javascript"),
        ("similar:hello", "ERR similar"),
        ("similar(0.8):hello", "ERR similar"),
        ("similar:cosine:hello", "ERR similar:cosine"),
        (
            "levenshtein(5):hello",
            r#"Levenshtein { text: "hello", max_distance: 5 }"#,
        ),
        // promptfoo's CSV reader gives levenshtein 0.75 when no threshold is written: exact.
        (
            "levenshtein:hello",
            r#"Levenshtein { text: "hello", max_distance: 0 }"#,
        ),
        ("not-equals:x", r#"Equals("x") (not)"#),
        ("not-regex:x", r#"Regex("x") (not)"#),
        (
            "not-icontains-all:A,B",
            r#"ContainsAll(["A", "B"]) (any case) (not)"#,
        ),
        ("not-is-json", "IsJson (not)"),
        ("is-xml", "IsXml([])"),
        (
            "contains-xml:root.a, root.b",
            r#"ContainsXml(["root.a", "root.b"])"#,
        ),
        ("is-refusal", "IsRefusal"),
        ("not-is-refusal", "IsRefusal (not)"),
        ("finish-reason:length", r#"FinishReason("length")"#),
        ("latency(3000)", "Latency { max_ms: 3000 }"),
        ("cost(0.002)", "Cost { max_usd: 0.002 }"),
        (
            "factuality:Paris is the capital",
            r#"Graded { grader: Factuality, value: "Paris is the capital", threshold: 7 }"#,
        ),
        (
            "g-eval(0.8):Clear, kind",
            r#"Graded { grader: GEval, value: "Clear, kind", threshold: 8 }"#,
        ),
        (
            "model-graded-closedqa:Is it polite?",
            r#"Graded { grader: ClosedQa, value: "Is it polite?", threshold: 7 }"#,
        ),
        (
            "answer-relevance",
            r#"Graded { grader: AnswerRelevance, value: "", threshold: 8 }"#,
        ),
        (
            "select-best:the funniest",
            r#"Graded { grader: SelectBest, value: "the funniest", threshold: 7 }"#,
        ),
        // Regression (CSV cells): a quoted value keeps its commas.
        (
            "contains-all:\"1,000\",in stock",
            r#"ContainsAll(["1,000", "in stock"])"#,
        ),
        (
            "icontains-any:\"a, b\", c",
            r#"ContainsAny(["a, b", "c"]) (any case)"#,
        ),
        ("contains-any:\"never closed", "ERR contains-any"),
        ("  is-json  ", "IsJson"),
        ("webhook:https://x", "ERR webhook"),
        ("rouge-n(0.5):x", "ERR rouge-n"),
    ];
    for (cell, want) in cases {
        let got = match Assertion::try_from(&promptfoo::expected_cell(cell)) {
            Ok(a) => render_assertion(&a),
            Err(e) => format!("ERR {}", e.kind),
        };
        assert_eq!(&got, want, "cell {cell:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// promptfoo YAML
// ---------------------------------------------------------------------------------------------

#[test]
fn promptfoo_config_fixture() {
    check(
        "promptfooconfig.yaml",
        PROMPTFOO_CONFIG,
        expect![[r#"
            format YAML
            case "Login problem, in French" split=train
              var product = "Acme Cloud"
              var language = "French"
              var ticket = "Je n'arrive pas à me connecter depuis hier 😞"
              var priority = "2"
              assert ContainsAll(["login"]) (any case)
              assert ContainsAny(["urgent", "high"])
            case "" split=train
              var product = "Acme Cloud"
              var language = "English"
              var ticket = "My invoice for March is wrong.\nIt charges me twice.\n"
              var amount = "1.50"
              var items = "seat"
              assert NotContains(["refund guaranteed"])
            case "" split=train
              var product = "Acme Cloud"
              var language = "English"
              var ticket = "My invoice for March is wrong.\nIt charges me twice.\n"
              var amount = "1.50"
              var items = "storage"
              assert NotContains(["refund guaranteed"])
            case "日本語のチケット" split=train
              var product = "Acme Cloud"
              var language = "English"
              var ticket = "パスワードを忘れました"
              assert Regex("\"category\":\\s*\"account\"")
              assert MatchesSchema(Some("{\n  \"type\": \"object\",\n  \"required\": [\n    \"category\"\n  ]\n}"))
            case "Spam" split=train
              var product = "Acme Cloud"
              var language = "English"
              var ticket = "BUY CHEAP WATCHES"
              assert Equals("{\"category\":\"spam\"}")
              assert Judge { rubric: "Flags the message as spam", threshold: 7 }
            global IsJson
            global Judge { rubric: "The reply is polite and never blames the customer", threshold: 8 }
            left line 5: prompt 1 left out: Promptwright reads a prompt written in the config as text, not one in a file or in another form: its cases send their variables as lines instead
            left line 22: javascript check left out: it would run code (a check for every case)
            left line 46: similar check left out: needs embeddings (a model that turns text into numbers), which Promptwright does not call
            left line 61: file://tests/more_tests.yaml left out: it was not among the files chosen: choose it together with this one
            bad line 63: its vars are not a set of name: value pairs (found a piece of text)
        "#]],
    );
    // The prompt in a file, defaultTest's javascript, the `similar` test, the file:// entry,
    // vars given as text.
    assert_eq!(
        bad_lines("promptfooconfig.yaml", PROMPTFOO_CONFIG),
        vec![63]
    );
    assert_eq!(
        left_lines("promptfooconfig.yaml", PROMPTFOO_CONFIG),
        vec![5, 22, 46, 61]
    );
}

#[test]
fn promptfoo_tests_file_with_anchors_and_merge_keys() {
    check(
        "tests.yaml",
        PROMPTFOO_TESTS_YAML,
        expect![[r#"
            format YAML
            case "Greeting in Arabic" split=train
              var message = "مرحبا، كيف حالك؟"
              var formal = "true"
              assert StartsWith("مرحبا")
            case "Greeting, informal" split=train
              var message = "hey 👋"
              assert StartsWith("مرحبا")
            case "" split=train
              var message = "bye"
              var count = "0x1F"
              assert ContainsAll(["bye", "👋"])
              assert Length { unit: Words, min: None, max: Some(40) }
            case "Greeting in Arabic" split=train
              var message = "مرحبا، كيف حالك؟"
              var formal = "true"
              assert StartsWith("مرحبا")
            bad line 16: this is not a test case: expected a set of fields such as vars and assert, found a piece of text
            bad line 18: its vars are not a set of name: value pairs (found a list)
            bad line 19: its vars are not a set of name: value pairs (found a list)
        "#]],
    );
    // An alias is reported where it stands, not where its anchor is.
    assert_eq!(
        bad_lines("tests.yaml", PROMPTFOO_TESTS_YAML),
        vec![16, 18, 19]
    );
}

#[test]
fn yaml_values_become_text_as_written() {
    check(
        "t.yaml",
        "- description: 42\n  vars:\n    price: 1.50\n    big: 123456789012345678901234567890\n    yes: yes\n    on: true\n    none: ~\n    quoted: \"007\"\n    list: [1, two, 3.0]\n    map: {a: 1, b: [x]}\n    block: >\n      folded\n      text\n  expected: 0o17\n  assert:\n    - type: length\n      min: 2\n      max: 0x10\n    - type: llm-rubric\n      value: ok\n      threshold: 8\n",
        expect![[r#"
            format YAML
            case "42" split=train
              var price = "1.50"
              var big = "123456789012345678901234567890"
              var yes = "yes"
              var on = "true"
              var none = ""
              var quoted = "007"
              var list = "[1,\"two\",3.0]"
              var map = "{\"a\":1,\"b\":[\"x\"]}"
              var block = "folded text\n"
              expected "0o17"
              assert Length { unit: Chars, min: Some(2), max: Some(16) }
              assert Judge { rubric: "ok", threshold: 8 }
        "#]],
    );
}

#[test]
fn yaml_whole_file_errors_name_the_line() {
    check(
        "c.yaml",
        "tests:\n  - vars:\n      a: [1, 2\n  - vars: {b: 1}\n",
        expect![[r#"
        ERROR This YAML file could not be read: line 4: illegal placement of ':' indicator, inside the list that opens with “[” on line 3 (is its “]” missing?).
    "#]],
    );
    // Tryout 102: a `[` or `{` never closed was reported on a later line only.
    check(
        "c.yaml",
        "tests:\n  - assert:\n      - type: contains-any\n        value: {a: 1\n\n  - vars: x\n",
        expect![[r#"
            ERROR This YAML file could not be read: line 6: while parsing a flow mapping, did not find expected ',' or '}', inside the map that opens with “{” on line 4 (is its “}” missing?).
        "#]],
    );
    // Brackets closed on their line: nothing said of them.
    check(
        "c.yaml",
        "tests:\n  - vars: {a: [1, 2]}\n    b: : c\n",
        expect![[r#"
            ERROR This YAML file could not be read: line 3: mapping values are not allowed in this context.
        "#]],
    );
    check(
        "c.yaml",
        "tests: file://tests/*.csv\n",
        expect![[r#"
            ERROR The tests of this file are in another file (file://tests/*.csv), which was not among the files chosen: choose both files together.
        "#]],
    );
    check(
        "c.yaml",
        "prompts: [a]\ntests: 'file://cases.yaml'\n",
        expect![[r#"
            ERROR The tests of this file are in another file (file://cases.yaml), which was not among the files chosen: choose both files together.
        "#]],
    );
    check(
        "c.yaml",
        "tests:\n  a: 1\n",
        expect![[r#"
        ERROR The tests: of this promptfoo config (line 2) are not a list.
    "#]],
    );
    check(
        "c.yaml",
        "- &a [x, *a]\n",
        expect![[r#"
        ERROR This YAML file could not be read: line 1: an alias names no anchor.
    "#]],
    );
}

#[test]
fn yaml_bad_items_and_default_test_variants() {
    let text = "defaultTest: file://default.yaml\ntests:\n  - 12\n  - [a, b]\n  - vars: [a]\n  - assert: {type: equals}\n  - assert:\n      - just text\n  -\n\n    # the test is below its dash\n    vars: {ok: yes}\n    assert: [{type: webhook}]\n  - vars: {ok: yes}\n";
    check(
        "c.yaml",
        text,
        expect![[r#"
            format YAML
            case "" split=train
              var ok = "yes"
            case "" split=train
              var ok = "yes"
            left line 1: file://default.yaml left out: defaultTest is in that file, which was not among the files chosen: its checks and variables did not come in
            left line 13: webhook check left out: it would send the answer to another server
            bad line 3: this is not a test case: expected a set of fields such as vars and assert, found a number
            bad line 4: this is not a test case: expected a set of fields such as vars and assert, found a list
            bad line 5: its vars are not a set of name: value pairs (found a list)
            bad line 6: this test has nothing Promptwright can use: no variables or input, and the assert field left out: it is not a list of checks (found a set of fields)
            bad line 7: this test has nothing Promptwright can use: no variables or input, and a check left out: it is not a set of fields such as type and value (found a piece of text)
        "#]],
    );
    assert_eq!(bad_lines("c.yaml", text), vec![3, 4, 5, 6, 7]);
    assert_eq!(left_lines("c.yaml", text), vec![1, 13]);
    check(
        "c.yaml",
        "defaultTest:\n  assert: {type: is-json}\ntests:\n  - vars: {a: b}\n",
        expect![[r#"
            format YAML
            case "" split=train
              var a = "b"
            bad line 2: defaultTest's assert is not a list of assertions
        "#]],
    );
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("tests: [*a8]\n");
    check(
        "bomb.yaml",
        &text,
        expect![[r#"
        ERROR This YAML file repeats its anchors too many times to be read.
    "#]],
    );
}

// ---------------------------------------------------------------------------------------------
// Export and round trips
// ---------------------------------------------------------------------------------------------

fn a(check: Check) -> Assertion {
    Assertion::new(check)
}

fn ai(check: Check) -> Assertion {
    Assertion {
        ignore_case: true,
        ..Assertion::new(check)
    }
}

/// Cases with every field, awkward text, every kind of assertion.
fn varied_cases() -> Vec<TestCase> {
    let vars = |a: &str, b: &str| {
        vec![
            ("topic".to_owned(), a.to_owned()),
            ("tone".to_owned(), b.to_owned()),
        ]
    };
    vec![
        TestCase {
            id: 0,
            description: "Commas, \"quotes\" and\nnew lines".into(),
            input: "Line one\r\nLine two, with a comma\n\"quoted\"".into(),
            turns: vec![
                Message::user("Hi, \"billing\", please"),
                Message::assistant("Sure.\nWhich invoice?"),
                Message::user(""),
            ],
            vars: vars("billing, refunds", ""),
            expected: "  leading and trailing spaces  ".into(),
            assertions: vec![
                a(Check::ContainsAll(vec!["refund".into(), "a,b".into()])),
                ai(Check::ContainsAny(vec!["Yes".into()])),
                a(Check::NotContains(vec!["sorry".into()])),
                ai(Check::NotContains(vec!["x".into(), "y".into()])),
                ai(Check::Equals("OK".into())),
                a(Check::StartsWith("Dear".into())),
                ai(Check::Regex(r"^\d{4}-\d{2}$".into())),
            ],
            tags: vec!["billing".into(), "edge case".into()],
            split: Split::HeldOut,
            threshold: None,
        },
        TestCase {
            id: 0,
            description: "日本語とemoji 😀🎉".into(),
            input: String::new(),
            turns: vec![
                Message::assistant("Welcome 😀"),
                Message::assistant("Second"),
            ],
            vars: vars("مرحبا", "Zoë — “curly” ‘quotes’"),
            expected: String::new(),
            assertions: vec![
                a(Check::IsJson),
                a(Check::MatchesSchema(None)),
                a(Check::MatchesSchema(Some(
                    "{\n  \"type\": \"object\"\n}".into(),
                ))),
                a(Check::MatchesSchema(Some("not json".into()))),
                a(Check::Length {
                    unit: LengthUnit::Words,
                    min: Some(3),
                    max: None,
                }),
                a(Check::Judge {
                    rubric: "Polite; \"kind\", brief.".into(),
                    threshold: 8,
                }),
            ],
            tags: vec![],
            split: Split::Train,
            threshold: None,
        },
        TestCase {
            id: 0,
            description: String::new(),
            input: "=SUM(A1:A2)\ttab".into(),
            turns: vec![],
            vars: vars("", "\"\""),
            expected: "\n".into(),
            assertions: vec![],
            tags: vec!["ü".into()],
            split: Split::Train,
            threshold: Some(0.5),
        },
    ]
}

#[test]
fn csv_round_trip_of_varied_cases() {
    let cases = varied_cases();
    let csv = to_csv(&cases);
    let back = import("cases.csv", &csv).expect("readable");
    assert!(back.bad.is_empty(), "{:?}", back.bad);
    assert_eq!(back.cases, cases);
    // Sniffed too, without the extension.
    assert_eq!(import("", &csv).expect("readable").cases, cases);
}

// Tryout 103: an exported CSV held its checks in `__assert` only, a column promptfoo reads as a
// variable: every case ran unchecked there. Each check with a form in promptfoo's compact CSV
// syntax is written again in an `__expected…` column; read as promptfoo reads the file (the
// `__assert` column taken out), the cases have those checks, and the file with it reads back
// whole.
#[test]
fn a_csv_export_gives_promptfoo_its_checks_in_expected_columns() {
    let mut weighted = a(Check::ContainsAll(vec!["Bob".into()]));
    weighted.weight = 2.0;
    let not_any = ai(Check::NotContains(vec!["sorry".into(), "cannot".into()]));
    let kept = vec![
        a(Check::ContainsAll(vec!["Bob".into()])),
        not_any,
        a(Check::Equals("line one\nline two".into())),
        ai(Check::Equals("OK".into())),
        ai(Check::Regex("^dear".into())),
        a(Check::IsJson),
        a(Check::Judge {
            rubric: "Polite, names the owner.".into(),
            threshold: 7,
        }),
        a(Check::Levenshtein {
            text: "hello".into(),
            max_distance: 3,
        }),
        a(Check::Length {
            unit: LengthUnit::Chars,
            min: Some(1),
            max: Some(9),
        }),
    ];
    let only_ours = vec![
        weighted,
        a(Check::Equals(" spaced ".into())),
        a(Check::ContainsAny(vec!["a, b".into(), "c".into()])),
        a(Check::MatchesSchema(None)),
        // promptfoo's CSV reader drops an llm-rubric's `(threshold)`.
        a(Check::Judge {
            rubric: "Short.".into(),
            threshold: 9,
        }),
    ];
    let case = TestCase {
        input: "notes".into(),
        assertions: kept.iter().chain(&only_ours).cloned().collect(),
        ..TestCase::default()
    };
    let csv = to_csv(std::slice::from_ref(&case));
    let back = import("x.csv", &csv).expect("readable");
    assert!(back.bad.is_empty(), "{:?}", back.bad);
    assert_eq!(back.cases, vec![case.clone()], "read once");
    // Tryout 104: an edit of an `__expected` cell, where promptfoo reads the check, was ignored
    // (read from `__assert`); it counts, in its place.
    assert!(csv.contains(",contains:Bob,"), "{csv}");
    let edited =
        import("x.csv", &csv.replace(",contains:Bob,", ",contains:EDITED,")).expect("readable");
    let mut want = case.assertions.clone();
    want[0] = a(Check::ContainsAll(vec!["EDITED".into()]));
    assert_eq!(edited.cases[0].assertions, want);
    // As promptfoo reads it: no `__assert`.
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().unwrap().clone();
    let at = header.iter().position(|h| h == "__assert").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    let drop = |rec: &csv::StringRecord| -> Vec<String> {
        rec.iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, c)| c.to_owned())
            .collect()
    };
    w.write_record(drop(&header)).unwrap();
    for rec in r.records() {
        w.write_record(drop(&rec.unwrap())).unwrap();
    }
    let promptfoos = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(
        promptfoos.starts_with("__description,__input,__reference,__tags,__split,__expected1,"),
        "{promptfoos}"
    );
    let read = import("x.csv", &promptfoos).expect("readable");
    assert_eq!(read.cases[0].assertions, kept, "{promptfoos}");
    // The page says which are Promptwright's alone.
    assert_eq!(
        csv_only_note(&[case]).as_deref(),
        Some(
            "5 checks have no form in promptfoo's CSV syntax (a weight, a pass mark its CSV reader drops, a JSON value, a value with spaces at its ends, a comma or a quote in a list item, or a check of Promptwright's own): they are in the __assert column only, which Promptwright reads and promptfoo does not. Export JSONL to give promptfoo every check it has a type for."
        )
    );
}

#[test]
fn jsonl_round_trip_of_varied_cases() {
    let cases = varied_cases();
    let jsonl = to_jsonl(&cases);
    assert_eq!(jsonl.lines().count(), cases.len());
    let back = import("cases.jsonl", &jsonl).expect("readable");
    assert!(back.bad.is_empty(), "{:?}", back.bad);
    assert_eq!(back.cases, cases);
    assert_eq!(import("", &jsonl).expect("readable").cases, cases);
}

#[test]
fn csv_export_layout() {
    let cases = vec![
        TestCase {
            description: "One".into(),
            input: "hi".into(),
            vars: vec![("b".into(), "1".into()), ("a".into(), "x, y".into())],
            tags: vec!["t1".into(), "t2".into()],
            assertions: vec![ai(Check::ContainsAll(vec!["hello".into()]))],
            ..TestCase::default()
        },
        TestCase {
            vars: vec![("c".into(), "new".into()), ("a".into(), "2".into())],
            expected: "bye".into(),
            split: Split::HeldOut,
            ..TestCase::default()
        },
    ];
    let csv = to_csv(&cases);
    assert_eq!(
        csv.matches("\r\n").count(),
        3,
        "RFC 4180 line ends: {csv:?}"
    );
    expect![[r#"
        __description,__input,b,a,c,__reference,__tags,__split,__assert,__expected1
        One,hi,1,"x, y",,,"t1, t2",train,"[{""type"":""icontains"",""value"":""hello""}]",icontains:hello
        ,,,2,new,bye,,held-out,,
    "#]]
    .assert_eq(&csv.replace("\r\n", "\n"));
    expect![[r#"
        {"description":"One","input":"hi","vars":{"b":"1","a":"x, y"},"assert":[{"type":"icontains","value":"hello"}],"tags":["t1","t2"]}
        {"vars":{"c":"new","a":"2"},"expected":"bye","split":"held-out"}
    "#]].assert_eq(&to_jsonl(&cases));
    // Variables a case lacks come back empty.
    let back = import("x.csv", &to_csv(&cases)).expect("readable").cases;
    assert_eq!(
        back[1].vars,
        vec![
            ("b".to_owned(), String::new()),
            ("a".to_owned(), "2".to_owned()),
            ("c".to_owned(), "new".to_owned())
        ]
    );
    assert_eq!(
        to_csv(&[]),
        "__description,__input,__reference,__tags,__split,__assert\r\n"
    );
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z ,\"\n\r;:é日😀]{0,12}",
        Just(String::new()),
    ]
}

fn arb_list() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(arb_text(), 0..3)
}

/// Assertions in the forms the wire format keeps exactly (see `AssertionV1`).
fn arb_assertion() -> impl Strategy<Value = Assertion> {
    let text_check = prop_oneof![
        arb_text().prop_map(Check::Equals),
        arb_list().prop_map(Check::ContainsAll),
        arb_list().prop_map(Check::ContainsAny),
        arb_list().prop_map(Check::NotContains),
        arb_text().prop_map(Check::StartsWith),
        // `"`, `/` and a line break: an ignore-capitals pattern goes as JavaScript code.
        "[a-z.*+?()\\[\\]\\\\^$\"/\n]{0,10}".prop_map(Check::Regex),
    ];
    let other = prop_oneof![
        Just(Check::IsJson),
        Just(Check::MatchesSchema(None)),
        "x[a-z{}\" ]{0,8}".prop_map(|s| Check::MatchesSchema(Some(s))),
        (any::<bool>(), any::<Option<u32>>(), any::<Option<u32>>()).prop_map(|(w, min, max)| {
            Check::Length {
                unit: if w {
                    LengthUnit::Words
                } else {
                    LengthUnit::Chars
                },
                min,
                max,
            }
        }),
        (arb_text(), 1u8..=10).prop_map(|(rubric, threshold)| Check::Judge { rubric, threshold }),
    ];
    prop_oneof![
        (text_check, any::<bool>()).prop_map(|(check, ignore_case)| Assertion {
            ignore_case,
            ..Assertion::new(check)
        }),
        other.prop_map(Assertion::new),
    ]
}

/// Cases sharing their variable names (as the cases of one prompt do).
fn arb_cases() -> impl Strategy<Value = Vec<TestCase>> {
    let names = prop::collection::btree_set("[a-z][a-z0-9_]{0,5}", 0..4);
    names.prop_flat_map(|names| {
        let names: Vec<String> = names.into_iter().collect();
        let n = names.len();
        let case = (
            arb_text(),
            arb_text(),
            prop::collection::vec(arb_text(), n),
            arb_text(),
            prop::collection::vec(arb_assertion(), 0..4),
            // Commas and semicolons within a tag too (tryout 109: a CSV round trip split
            // "advanced,theory").
            prop::collection::vec("[\\p{L}\\p{N}_!,;-]{1,6}", 0..3),
            any::<bool>(),
            prop::collection::vec((any::<bool>(), arb_text()), 0..4),
        )
            .prop_map(
                move |(description, input, values, expected, assertions, tags, held, turns)| {
                    TestCase {
                        id: 0,
                        description,
                        input,
                        turns: turns
                            .into_iter()
                            .map(|(user, text)| {
                                if user {
                                    Message::user(text)
                                } else {
                                    Message::assistant(text)
                                }
                            })
                            .collect(),
                        vars: names.iter().cloned().zip(values).collect(),
                        expected,
                        assertions,
                        tags,
                        split: if held { Split::HeldOut } else { Split::Train },
                        threshold: None,
                    }
                },
            );
        // A case with nothing in it is reported, not imported (see `finish`).
        let case = case.prop_filter("a case with something in it", |c| {
            !(c.input.is_empty()
                && c.turns.is_empty()
                && c.vars.is_empty()
                && c.expected.is_empty()
                && c.assertions.is_empty()
                && c.description.is_empty()
                && c.tags.is_empty())
        });
        prop::collection::vec(case, 1..6)
    })
}

proptest! {
    #[test]
    fn csv_round_trips(cases in arb_cases()) {
        let back = import("cases.csv", &to_csv(&cases)).map_err(TestCaseError::fail)?;
        prop_assert!(back.bad.is_empty(), "{:?}", back.bad);
        prop_assert_eq!(back.cases, cases);
    }

    #[test]
    fn jsonl_round_trips(cases in arb_cases()) {
        let back = import("cases.jsonl", &to_jsonl(&cases)).map_err(TestCaseError::fail)?;
        prop_assert!(back.bad.is_empty(), "{:?}", back.bad);
        prop_assert_eq!(back.cases, cases);
    }

    /// Any text at all: an answer or an error, never a panic.
    #[test]
    fn import_never_panics(text in any::<String>(), ext in prop_oneof![Just(""), Just("x.csv"), Just("x.json"), Just("x.jsonl"), Just("x.yaml")]) {
        let _ = import(ext, &text);
    }
}

// ---------------------------------------------------------------------------------------------
// Large files
// ---------------------------------------------------------------------------------------------

#[test]
fn ten_thousand_rows() {
    let mut csv = String::from("question,__expected1,__description\n");
    for i in 0..10_000 {
        csv.push_str(&format!(
            "\"Question {i}, with a comma\",\"contains-any:{i}, n{i}\",Row {i} 😀\n"
        ));
    }
    csv.push_str("broken,row\n");
    let started = std::time::Instant::now();
    let im = import("big.csv", &csv).expect("readable");
    assert_eq!(im.cases.len(), 10_000);
    assert_eq!(
        im.bad,
        vec![BadRow {
            file: None,
            line: 10_002,
            item: None,
            why: "this row has 2 cells but the header has 3 columns".into()
        }]
    );
    assert_eq!(
        im.cases[9_999].vars,
        vec![(
            "question".to_owned(),
            "Question 9999, with a comma".to_owned()
        )]
    );

    let cases = im.cases;
    let jsonl = to_jsonl(&cases);
    assert_eq!(import("big.jsonl", &jsonl).expect("readable").cases, cases);
    let again = to_csv(&cases);
    assert_eq!(import("big.csv", &again).expect("readable").cases, cases);

    let mut yaml = String::from("tests:\n");
    for i in 0..10_000 {
        yaml.push_str(&format!("  - vars: {{question: \"Q{i}\"}}\n    assert:\n      - type: icontains\n        value: a{i}\n"));
    }
    let im = import("big.yaml", &yaml).expect("readable");
    assert_eq!(im.cases.len(), 10_000);
    assert!(im.bad.is_empty());
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 30, "10,000 rows took {elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// promptfoo semantics: expansion, defaults, templates, values, references
// ---------------------------------------------------------------------------------------------

#[test]
fn array_vars_expand_as_promptfoo_does() {
    check(
        "c.yaml",
        concat!(
            "defaultTest:\n",
            "  vars:\n",
            "    tone: [warm, dry]\n",
            "    n: 1\n",
            "tests:\n",
            "  - vars:\n",
            "      city: [Kraków, 'Zürich']\n",
            "      numbers: [1, 2]\n",
            "      turns:\n",
            "        - {input: hi, output: hello}\n",
            "    assert:\n",
            "      - type: icontains\n",
            "        value: '{{city}}'\n",
            "  - vars: {city: Oslo, tone: [calm]}\n",
            "    options: {disableVarExpansion: true}\n",
            "  - vars: {empty: []}\n",
        ),
        expect![[r#"
            format YAML
            case "" split=train
              var tone = "warm"
              var n = "1"
              var city = "Kraków"
              var numbers = "[1,2]"
              var turns = "[{\"input\":\"hi\",\"output\":\"hello\"}]"
              assert ContainsAll(["{{city}}"]) (any case)
            case "" split=train
              var tone = "warm"
              var n = "1"
              var city = "Zürich"
              var numbers = "[1,2]"
              var turns = "[{\"input\":\"hi\",\"output\":\"hello\"}]"
              assert ContainsAll(["{{city}}"]) (any case)
            case "" split=train
              var tone = "dry"
              var n = "1"
              var city = "Kraków"
              var numbers = "[1,2]"
              var turns = "[{\"input\":\"hi\",\"output\":\"hello\"}]"
              assert ContainsAll(["{{city}}"]) (any case)
            case "" split=train
              var tone = "dry"
              var n = "1"
              var city = "Zürich"
              var numbers = "[1,2]"
              var turns = "[{\"input\":\"hi\",\"output\":\"hello\"}]"
              assert ContainsAll(["{{city}}"]) (any case)
            case "" split=train
              var tone = "[\"calm\"]"
              var n = "1"
              var city = "Oslo"
            case "" split=train
              var tone = "warm"
              var n = "1"
              var empty = "[]"
            case "" split=train
              var tone = "dry"
              var n = "1"
              var empty = "[]"
        "#]],
    );
    // Too many combinations: reported, not imported.
    let mut text = String::from("- vars:\n");
    for v in ["a", "b", "c", "d", "e"] {
        text.push_str(&format!(
            "    {v}: [1x, 2x, 3x, 4x, 5x, 6x, 7x, 8x, 9x, 10x]\n"
        ));
    }
    let im = import("t.yaml", &text).unwrap();
    assert!(im.cases.is_empty());
    assert!(im.bad[0].why.contains("100,000 cases"), "{:?}", im.bad);
}

#[test]
fn values_templates_and_commas_in_yaml() {
    check(
        "c.yaml",
        concat!(
            "assertionTemplates:\n",
            "  pirate: {type: icontains, value: arrr}\n",
            "tests:\n",
            "  - vars: {q: math}\n",
            "    assert:\n",
            "      - type: contains\n",
            "        value: 24.01\n",
            "      - type: contains-any\n",
            "        value: [-3.625, '-29/8', 1.50]\n",
            "      - type: contains-all\n",
            "        value: '\"1,000\", in stock'\n",
            "      - $ref: '#/assertionTemplates/pirate'\n",
            "      - $ref: '#/assertionTemplates/missing'\n",
            "      - type: levenshtein\n",
            "        value: 12345\n",
            "        threshold: 1\n",
            "      - type: not-g-eval\n",
            "        value: [leaks data, rude]\n",
            "        threshold: 0.75\n",
            "      - type: equals\n",
            "        value: file://expected.txt\n",
            "      - type: cost\n",
        ),
        expect![[r#"
            format YAML
            case "" split=train
              var q = "math"
              assert ContainsAll(["24.01"])
              assert ContainsAny(["-3.625", "-29/8", "1.5"])
              assert ContainsAll(["1,000", "in stock"])
              assert ContainsAll(["arrr"]) (any case)
              assert Levenshtein { text: "12345", max_distance: 1 }
              assert Graded { grader: GEval, value: "leaks data\nrude", threshold: 8 } (not)
            left line 13: a check left out: its $ref points to “#/assertionTemplates/missing”, which this file's assertionTemplates do not define
            left line 20: equals check left out: its value is in another file (file://expected.txt), which was not among the files chosen
            left line 22: cost check left out: it has no threshold (the most dollars allowed); without one promptfoo only records the cost
        "#]],
    );
}

#[test]
fn files_chosen_together_resolve_their_references() {
    let files = [
        FileText {
            name: "evals/promptfooconfig.yaml".into(),
            text: concat!(
                "defaultTest: file://default.yaml\n",
                "tests:\n",
                "  - file://cases/*.csv\n",
                "  - vars: {q: inline, doc: file://doc.txt}\n",
                "    assert:\n",
                "      - type: equals\n",
                "        value: file://expected.txt\n",
                "  - file://missing.jsonl\n",
            )
            .into(),
        },
        FileText {
            name: "evals/default.yaml".into(),
            text: "vars: {lang: [en, fr]}\nassert:\n  - type: is-json\n  - type: python\n    value: x\n".into(),
        },
        FileText {
            name: "evals/cases/a.csv".into(),
            text: "q,__expected\nfirst,contains: 1\n".into(),
        },
        FileText {
            name: "evals/cases/b.csv".into(),
            text: "q,__expected\nsecond,\"contains-all:\"\"1,000\"\",in stock\"\nbroken,row,extra\n".into(),
        },
        FileText {
            name: "evals/doc.txt".into(),
            text: "Zoë's document\n".into(),
        },
        FileText {
            name: "evals/expected.txt".into(),
            text: "Paris\n".into(),
        },
        FileText {
            name: "other/notes.csv".into(),
            text: "input\nstand-alone\n".into(),
        },
    ];
    let results = import_files(&files);
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["evals/promptfooconfig.yaml", "other/notes.csv"]);
    expect![[r#"
        format YAML
        case "" split=train
          var lang = "en"
          var q = "first"
          assert ContainsAll(["1"])
        case "" split=train
          var lang = "fr"
          var q = "first"
          assert ContainsAll(["1"])
        case "" split=train
          var lang = "en"
          var q = "second"
          assert ContainsAll(["1,000", "in stock"])
        case "" split=train
          var lang = "fr"
          var q = "second"
          assert ContainsAll(["1,000", "in stock"])
        case "" split=train
          var lang = "en"
          var q = "inline"
          var doc = "Zoë's document\n"
          assert Equals("Paris")
        case "" split=train
          var lang = "fr"
          var q = "inline"
          var doc = "Zoë's document\n"
          assert Equals("Paris")
        global IsJson
        left line 8: file://missing.jsonl left out: no file chosen with this one has that name (files are matched by their names), so its tests are not read from it
        left evals/default.yaml line 4: python check left out: it would run code (a check for every case)
        bad evals/cases/b.csv line 3: this row has 3 cells but the header has 2 columns
    "#]]
    .assert_eq(&render(&results[0].1));
    assert_eq!(results[1].1.as_ref().unwrap().cases[0].input, "stand-alone");
}

#[test]
fn csv_metadata_thresholds_and_columns() {
    check(
        "t.csv",
        concat!(
            "topic,__expected1,__expected2,__metadata:tags[],__metadata:level,__threshold,__config:__expected:threshold,__config:__expected2:threshold,__prefix,__metric\n",
            "ML,contains: algorithm,llm-rubric:Describes {{topic}},\"ai,data\\, science\",hard,0.5,0.9,0.85,Answer:,m\n",
            "Physics,g-eval:Accurate,,,,0,abc,,,\n",
        ),
        expect![[r#"
            format CSV
            case "" split=train tags=["ai", "data, science", "level=hard"] threshold=0.5
              var topic = "ML"
              assert ContainsAll(["algorithm"])
              assert Judge { rubric: "Describes {{topic}}", threshold: 9 }
            case "" split=train
              var topic = "Physics"
              assert Graded { grader: GEval, value: "Accurate", threshold: 7 }
            left line 1: column __prefix left out: Promptwright sends the prompt as written; put that text in the prompt instead
            left line 1: column __metric left out: named scores are not kept here; the row's checks are kept
            left line 3: column __config:__expected:threshold left out: “abc” is not a number
        "#]],
    );
}

/// The file of the end-to-end import test (tests/harness/tests/cases.rs), read natively: the
/// texts it waits for come from here.
#[test]
fn the_end_to_end_import_file() {
    let text = "notes,__expected,__expected2\n\"Bob sends the deck, Friday\",contains: Bob,\nAna books the room,contains: Ana,x,y\nCarol buys snacks,icontains: carol,javascript: output.length > 3\n";
    let im = import("tests.csv", text).unwrap();
    assert_eq!(im.cases.len(), 2);
    assert_eq!(im.cases[1].assertions.len(), 1);
    assert_eq!(
        im.left_out
            .iter()
            .map(|l| format!("Line {}: {}", l.line, l.message()))
            .collect::<Vec<_>>(),
        ["Line 4: javascript check left out: it would run code"]
    );
    assert_eq!(bad_lines("tests.csv", text), [3]);
}

// Regression: the CSV cell `contains-all:"1,000",in stock` was split at every comma, giving the
// values `"1`, `000"` and `in stock`; a value in double quotes keeps its commas, so the check has
// the two values `1,000` and `in stock` (promptfoo's docs: "Quote values containing commas").
#[test]
fn csv_contains_all_keeps_quoted_commas() {
    let text = "item,__expected\nwidget,\"contains-all:\"\"1,000\"\",in stock\"\n";
    let im = import("tests.csv", text).expect("readable");
    assert_eq!(
        im.cases[0].assertions,
        vec![Assertion::new(Check::ContainsAll(vec![
            "1,000".into(),
            "in stock".into()
        ]))]
    );
    assert!(im.bad.is_empty() && im.left_out.is_empty());
}

#[test]
fn a_file_with_only_what_cannot_run_says_why() {
    check(
        "c.yaml",
        "scenarios:\n  - config: [{vars: {a: 1}}]\n",
        expect![[r#"
            ERROR Nothing in this file can be imported: scenarios left out: Promptwright has no scenarios; import their tests as cases instead.
        "#]],
    );
}

// Bug: YAML nesting depth was unbounded; a deeply nested file could overflow the stack when the
// tree was walked. Past the bound it is refused with a clear message.
#[test]
fn yaml_nesting_is_bounded_with_a_clear_message() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let deep = format!("tests: {}1{}", open.repeat(100_000), close.repeat(100_000));
        let err = import("deep.yaml", &deep).err().expect("refused");
        assert!(err.contains("more than 64 levels deep"), "{err}");
    }
    // 60 levels read.
    let ok = format!(
        "tests:\n  - vars:\n      notes: {}x{}\n",
        "[".repeat(60),
        "]".repeat(60)
    );
    assert!(import("ok.yaml", &ok).is_ok());
}

// Tryout: a drafts export cut off while saving said "not valid JSON: EOF while parsing an object
// at line 293 column 14". Every importer of files says a cut-off file ends early, in plain words,
// with the likely cause and what to do; none says "EOF" or "end of stream".
#[test]
fn a_file_cut_off_says_it_ends_early_in_every_format() {
    let said = |r: &Result<Imported, String>| match r {
        Err(e) => e.clone(),
        Ok(i) => i
            .bad
            .iter()
            .map(|b| b.why.clone())
            .collect::<Vec<_>>()
            .join(" | "),
    };
    let jargon = |m: &str| {
        ["EOF", "end of stream", "parsing"]
            .iter()
            .any(|j| m.contains(j))
    };
    // A JSON list cut inside its second case.
    let whole = CASES_JSON;
    let at = (0..=whole.len() * 2 / 3)
        .rev()
        .find(|&i| whole.is_char_boundary(i))
        .unwrap();
    let cut = &whole[..at];
    let m = said(&import("cases.json", cut));
    assert!(m.starts_with("This JSON file ends early (line "), "{m}");
    assert!(
        m.contains("cut off while it was being saved or downloaded"),
        "{m}"
    );
    assert!(!jargon(&m), "{m}");
    // JSONL: the last line stops half-way; the lines before come in.
    let jsonl = "{\"input\": \"a\"}\n{\"input\": \"b\"}\n{\"input\": \"c";
    let r = import("cases.jsonl", jsonl);
    assert_eq!(r.as_ref().unwrap().cases.len(), 2);
    let m = said(&r);
    assert!(
        m.starts_with("the file ends in the middle of this line: it was probably cut off"),
        "{m}"
    );
    assert_eq!(bad_lines("cases.jsonl", jsonl), vec![3]);
    // A broken line that is not the last keeps its own cause.
    let mid = "{\"input\": \"a\"\n{\"input\": \"b\"}\n";
    assert!(!said(&import("cases.jsonl", mid)).contains("cut off"));
    // YAML: the file stops inside a quoted text.
    let yaml = "tests:\n  - vars:\n      question: \"What is the capital of";
    let m = said(&import("tests.yaml", yaml));
    assert!(
        m.starts_with("This YAML file ends inside a quoted text that starts on line 3"),
        "{m}"
    );
    assert!(m.contains("cut off"), "{m}");
    assert!(!jargon(&m), "{m}");
    // CSV: the file stops inside a quoted cell.
    let csv = "question,__expected\nWhat is 2+2?,4\n\"What is the capital";
    let m = said(&import("tests.csv", csv));
    assert!(m.contains("never closed"), "{m}");
    assert!(
        m.contains("cut off while it was being saved or downloaded"),
        "{m}"
    );
    // A JSON file with a mistake (not cut off) names the mistake, not a cut.
    let m = said(&import("cases.json", "[{\"input\": \"a\",}]"));
    assert!(!m.contains("cut off"), "{m}");
}

#[test]
fn promptfoo_conversation_var_becomes_earlier_turns() {
    check(
        "tests.yaml",
        r#"
- description: chat
  vars:
    message: And in July?
    _conversation:
      - input: I go to Italy.
        output: When?
      - output: Any questions?
- description: whole conversation
  vars:
    _conversation:
      - input: Hi
        output: Hello!
      - input: Weather?
        output: Sunny.
- description: bad
  vars:
    message: x
    _conversation: just text
"#,
        expect![[r#"
            format YAML
            case "chat" split=train
              turn user "I go to Italy."
              turn assistant "When?"
              turn assistant "Any questions?"
              var message = "And in July?"
            case "whole conversation" split=train
              turn user "Hi"
              turn assistant "Hello!"
              input "Weather?"
              expected "Sunny."
            bad line 16: its _conversation is not a JSON list of {"input", "output"} pairs
        "#]],
    );
    check(
        "tests.csv",
        concat!(
            "__input,_conversation,__reference\n",
            "\"And now?\",\"[{\"\"input\"\":\"\"Hi\"\",\"\"output\"\":\"\"Hello\"\"}]\",ok\n",
            "\"One message\",,\n",
            "\"Broken\",\"[{\"\"input\"\":\",\n",
        ),
        expect![[r#"
            format CSV
            case "" split=train
              turn user "Hi"
              turn assistant "Hello"
              input "And now?"
              expected "ok"
            case "" split=train
              input "One message"
            bad line 4: its _conversation is not a JSON list of {"input", "output"} pairs
        "#]],
    );
}

#[test]
fn a_conversation_exports_as_a_messages_line_and_a_conversation_column() {
    let c = TestCase {
        description: "chat".into(),
        input: "And in July?".into(),
        turns: vec![Message::user("I go to Italy."), Message::assistant("When?")],
        expected: "Hot.".into(),
        tags: vec!["chat".into()],
        ..Default::default()
    };
    let jsonl = to_jsonl(std::slice::from_ref(&c));
    let v: Value = serde_json::from_str(jsonl.trim()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "messages": [
                {"role": "user", "content": "I go to Italy."},
                {"role": "assistant", "content": "When?"},
                {"role": "user", "content": "And in July?"},
                {"role": "assistant", "content": "Hot."}
            ],
            "description": "chat",
            "tags": ["chat"]
        })
    );
    assert_eq!(import("x.jsonl", &jsonl).unwrap().cases, vec![c.clone()]);
    let csv = to_csv(std::slice::from_ref(&c));
    assert!(
        csv.starts_with("__description,__input,_conversation,"),
        "{csv}"
    );
    assert!(
        csv.contains(r#""[{""input"":""I go to Italy."",""output"":""When?""}]""#),
        "{csv}"
    );
    assert_eq!(import("x.csv", &csv).unwrap().cases, vec![c]);
}

// Tryout 9 (m10): a row of empty cells (`"","",""`) was skipped with no word ("Imported 1 case").
// It is named; blank lines, lines of spaces and the newline a file ends with are not.
#[test]
fn a_row_of_empty_cells_is_named_and_blank_lines_are_not() {
    // Tryout 10: a row after blank lines was reported at the first blank line: each row is
    // named at its own line (CRLF too), whatever comes before it.
    let text = "notes,__expected\nAna books the room,contains: Ana\n\"\",\"\"\n\n   \n,\n\n\n\"\",\"\"\r\n\r\nshort\nBob sends the deck,contains: Bob\n";
    let im = import("tests.csv", text).unwrap();
    assert_eq!(im.cases.len(), 2, "{im:?}");
    let bad: Vec<(usize, &str)> = im.bad.iter().map(|b| (b.line, b.why.as_str())).collect();
    let empty = "every cell of this row is empty, so it holds no test case";
    assert_eq!(
        bad,
        vec![
            (3, empty),
            (6, empty),
            (9, empty),
            (11, "this row has 1 cell but the header has 2 columns"),
        ]
    );
    let late_header = import("t.csv", "\n\nnotes,__expected\n\n\"\",\"\"\n").unwrap();
    assert_eq!(late_header.bad[0].line, 5, "{late_header:?}");
}

// Tryout (session 21): 300 random bytes chosen as `garbage.csv` came in as one case of
// mojibake ("Imported 1 case"). A file that is not UTF-8 text is not read, and the page says why.
#[test]
fn a_file_that_is_not_text_is_not_read_and_says_why() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..300)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    let err = file_text(&garbage, true).unwrap_err();
    assert!(
        err.starts_with("This file is not UTF-8 text: line ")
            || err.starts_with("This is not a text file: line "),
        "{err}"
    );
    assert!(err.contains("Nothing was imported"), "{err}");
    // A CSV saved in Windows-1252 ("café" as the byte E9): named by its line.
    assert_eq!(
        file_text(b"input,expected\nhello,hi\ncaf\xe9,coffee\n", true).unwrap_err(),
        "This file is not UTF-8 text: line 3 has bytes that are not UTF-8 (a file saved in another encoding). Nothing was imported: save it as UTF-8 and import it again."
    );
    // A NUL (a binary file that starts like text).
    assert_eq!(
        file_text(b"{\"input\": \"a\"}\n\0\0\n", true).unwrap_err(),
        "This is not a text file: line 2 has a NUL byte, which no CSV, JSON or YAML file has. Nothing was imported. If it comes from a spreadsheet, save it as \u{201c}CSV UTF-8\u{201d} and import that."
    );
    // Tryout 117: a workbook (.xlsx and .ods are ZIP archives, .xls an OLE2 file) says to save it
    // as CSV; a drafts import of one says what a NUL says.
    for head in [
        &b"PK\x03\x04\x14\0\x06\0"[..],
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0",
    ] {
        let err = file_text(head, true).unwrap_err();
        assert!(
            err.starts_with("This is a spreadsheet's own file format")
                && err.contains("save the sheet as \u{201c}CSV UTF-8\u{201d}"),
            "{err}"
        );
        assert!(file_text(head, false).unwrap_err().contains("NUL byte"));
    }
    // UTF-8 text (tabs, CRLF, "é", a U+FFFD written on purpose) is read as it is, less its
    // byte order mark.
    let text = "input\texpected\r\ncafé\t\u{fffd}\r\n";
    assert_eq!(
        file_text(format!("\u{feff}{text}").as_bytes(), true).unwrap(),
        text
    );
    // Every file this page exports reads back (the round-trip tests cover the text itself).
    let cases = import("cases.csv", "input,expected\nhello,hi\n")
        .unwrap()
        .cases;
    assert_eq!(
        file_text(to_csv(&cases).as_bytes(), true).unwrap(),
        to_csv(&cases)
    );
    assert_eq!(
        file_text(to_jsonl(&cases).as_bytes(), true).unwrap(),
        to_jsonl(&cases)
    );
}

// Tryout (session 21): a promptfoo test with only `assert` came in as a case with an empty
// input and the summary did not say so; the review called a YAML test a "row".
#[test]
fn a_test_with_only_checks_is_counted_and_bad_entries_are_named_by_their_kind() {
    let text = "tests:\n  - assert:\n      - type: contains\n        value: owner\n  - vars: {input: Ana sends the deck}\n  - 12\n";
    let imp = import("tests.yaml", text).unwrap();
    assert_eq!(imp.cases.len(), 2);
    assert_eq!(imp.without_input(), 1);
    assert_eq!(imp.bad_words(), ("test", "tests"));
    let imp = import("c.jsonl", "{\"input\": \"a\"}\n12\n").unwrap();
    assert_eq!(imp.without_input(), 0);
    assert_eq!(imp.bad_words(), ("line", "lines"));
    let imp = import("c.csv", "input,expected\na,b,c\n").unwrap();
    assert_eq!(imp.bad_words(), ("row", "rows"));
    // A case with variables (a prompt that reads them) has something to send.
    let imp = import("t.yaml", "tests:\n  - vars: {topic: tea}\n").unwrap();
    assert_eq!(imp.without_input(), 0);
}

// Tryout 46: a line bad from its first character was said to be bad "near character 2" (the
// parser fails inside a word that starts like `null`); the place is where the word starts.
#[test]
fn a_bad_word_is_placed_at_its_start() {
    let said = |line: &str| {
        import("cases.jsonl", &format!("{{\"input\": \"ok\"}}\n{line}\n"))
            .expect("readable")
            .bad
            .iter()
            .map(|b| b.why.clone())
            .collect::<Vec<_>>()
    };
    for (line, at) in [
        ("nope", 1),
        ("  nothing here", 3),
        ("true story", 6),
        ("{\"input\": nul}", 11),
        ("{\"input\": fals}", 11),
        ("hello", 1),
        ("{\"input\": \"é\", \"x\": tru}", 21),
    ] {
        let got = said(line);
        assert!(
            got.iter()
                .any(|m| m.contains(&format!("(near character {at})"))),
            "{line}: {got:?}"
        );
    }
}

/// Tryout 51: a check's `weight` and `metric` went without a word (and the score ignored the
/// weight). The weight is kept (promptfoo's weighted score, `score_case`); a metric is named as
/// left out on its line, and so is a weight below 0 (the check weighs 1).
#[test]
fn a_checks_weight_is_kept_and_its_metric_named_as_left_out() {
    let yaml = "tests:\n  - vars:\n      q: hi\n    threshold: 0.6\n    assert:\n      - type: contains\n        value: hello\n        weight: 3\n      - type: contains\n        value: zzz\n        weight: 1\n        metric: Tone\n      - type: contains\n        value: x\n        weight: -2\n      - type: contains\n        value: y\n        weight: 1e308\n      - type: contains\n        value: z\n        weight: '2'\n      - type: contains\n        value: w\n        weight: [2]\n      - type: contains\n        value: v\n        weight: null\ndefaultTest:\n  assert:\n    - type: contains\n      value: u\n      weight: '3'\n";
    let im = import("weights.yaml", yaml).expect("readable");
    assert_eq!(im.cases.len(), 1);
    let weights: Vec<f64> = im.cases[0].assertions.iter().map(|a| a.weight).collect();
    assert_eq!(weights, [3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    let left = said_by_line(&im);
    assert_eq!(
        left,
        [
            // Each note points at its field's line (helper-56: at the check's first line).
            "line 12: the metric of the contains check left out: named scores (\u{201c}Tone\u{201d}) are not kept here; the check is kept",
            "line 15: the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it -2); the check weighs 1",
            // Tryout 52: 1e308 came in without a word (two such checks scored 0 for 50).
            "line 18: the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it 1e+308); the check weighs 1",
            // Helper-51: a weight as text dropped the whole check ("expected f64").
            "line 21: the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it \u{201c}2\u{201d}, as text); the check weighs 1",
            "line 24: the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it [2]); the check weighs 1",
            "line 32: the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it \u{201c}3\u{201d}, as text); the check weighs 1 (a check for every case)",
        ]
    );
    // The weight travels in exports and back.
    let back = import("back.jsonl", &to_jsonl(&im.cases)).expect("readable");
    assert_eq!(back.cases[0].assertions, im.cases[0].assertions);
    // YAML's not-a-number and infinity are numbers, not text (helper-58: ".nan, as text").
    let yaml = "tests:\n  - vars:\n      q: hi\n    assert:\n      - type: contains\n        value: a\n        weight: .nan\n      - type: contains\n        value: b\n        weight: -.Inf\n";
    let im = import("special.yaml", yaml).expect("readable");
    let left: Vec<String> = im.left_out.iter().map(|l| l.message()).collect();
    assert_eq!(
        left,
        [
            "the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it .nan, which is not a finite number); the check weighs 1",
            "the weight of the contains check left out: a weight is a number from 0 to 1,000,000 (the file gives it -.Inf, which is not a finite number); the check weighs 1",
        ]
    );
}

/// Tryout 107: a config's grader (`defaultTest.options.provider`) went without a word, and so
/// would a test's or a check's (`provider`, `rubricPrompt`; tryout 109: `options.rubricPrompt`):
/// each is named as left out on its line, the checks kept; here the Scoring model in Settings
/// grades them.
#[test]
fn a_configs_grader_is_named_as_left_out_and_the_checks_kept() {
    let yaml = "defaultTest:\n  options:\n    provider: openai:gpt-4.1-mini\n    rubricPrompt: Grade strictly\ntests:\n  - vars:\n      q: hi\n    options:\n      provider:\n        id: anthropic:messages:claude-sonnet-4\n      rubricPrompt: Grade kindly\n    assert:\n      - type: llm-rubric\n        value: Says hello\n        provider: openai:gpt-4o\n        rubricPrompt: Grade it\n      - type: contains\n        value: hi\n";
    let im = import("grader.yaml", yaml).expect("readable");
    assert_eq!(im.cases.len(), 1);
    assert_eq!(im.cases[0].assertions.len(), 2, "both checks kept");
    let left = said_by_line(&im);
    assert_eq!(
        left,
        [
            "line 3: the grader (defaultTest options.provider) left out: model-graded checks are graded by the Scoring model chosen in Settings (the file names \u{201c}openai:gpt-4.1-mini\u{201d}); every case's checks are kept",
            // Tryout 109: the grading prompt of defaultTest and of a test went without a word.
            "line 4: the grading prompt (defaultTest options.rubricPrompt) left out: the judge grades with Promptwright's own grading prompt; every case's checks are kept",
            "line 6: the grader (options.provider) left out: model-graded checks are graded by the Scoring model chosen in Settings (the file names \u{201c}anthropic:messages:claude-sonnet-4\u{201d}); this case's checks are kept",
            "line 6: the grading prompt (options.rubricPrompt) left out: the judge grades with Promptwright's own grading prompt; this case's checks are kept",
            "line 15: the provider of the llm-rubric check left out: model-graded checks are graded by the Scoring model chosen in Settings (the file names \u{201c}openai:gpt-4o\u{201d}); the check is kept",
            "line 16: the rubricPrompt of the llm-rubric check left out: the judge grades with Promptwright's own grading prompt; the check is kept",
        ]
    );
}

/// Tryout 51: a number value is compared as promptfoo compares it, the text JavaScript writes
/// for the number js-yaml or JSON.parse read (`1.50` is "1.5", `1e3` "1000", `0x10` "16",
/// JSON's `10.0` "10"); a quoted one stays as written.
#[test]
fn number_values_read_as_promptfoo_compares_them() {
    let yaml = "tests:\n  - vars: {q: a}\n    assert:\n      - type: contains\n        value: 1.50\n      - type: equals\n        value: 1e3\n      - type: contains-any\n        value: [10.0, 0x10, '1.50', 1e21, 0.0000001]\n";
    let im = import("n.yaml", yaml).expect("readable");
    let checks: Vec<&Check> = im.cases[0].assertions.iter().map(|a| &a.check).collect();
    assert_eq!(
        checks,
        [
            &Check::ContainsAll(vec!["1.5".into()]),
            &Check::Equals("1000".into()),
            &Check::ContainsAny(vec![
                "10".into(),
                "16".into(),
                "1.50".into(),
                "1e+21".into(),
                "1e-7".into()
            ]),
        ]
    );
    let jsonl =
        "{\"vars\": {\"q\": \"a\"}, \"assert\": [{\"type\": \"contains\", \"value\": 10.0}]}\n";
    let im = import("n.jsonl", jsonl).expect("readable");
    assert_eq!(
        im.cases[0].assertions[0].check,
        Check::ContainsAll(vec!["10".into()])
    );
}

/// Tryout 51: an export of cases left the checks for every case behind without a word.
#[test]
fn an_export_says_it_leaves_the_checks_for_every_case_behind() {
    assert_eq!(export_note(0), None);
    assert_eq!(
        export_note(2).as_deref(),
        Some(
            "The file has the cases, not the 2 checks for every case (a CSV or JSONL file holds cases only): a draft's Export in Drafts keeps them."
        )
    );
    assert!(
        export_note(1)
            .unwrap()
            .contains("the 1 check for every case")
    );
}

/// Tryout 91: a case input `=HYPERLINK("http://evil.example","click")` went into the CSV as it
/// was, with no word; a spreadsheet app may run it. The file keeps it (promptfoo reads it as
/// text) and the page says how many cells a spreadsheet may read as formulas.
#[test]
fn an_exported_csv_names_the_cells_a_spreadsheet_may_run() {
    let case = |input: &str, expected: &str| TestCase {
        input: input.into(),
        expected: expected.into(),
        ..Default::default()
    };
    let text = to_csv(&[
        case(
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "- Bob: send the deck",
        ),
        case("plain", "fine"),
    ]);
    assert!(text.contains("=HYPERLINK"), "kept as written: {text}");
    assert_eq!(
        formula_note(&text).as_deref(),
        Some(
            "2 cells start with =, +, - or @: a spreadsheet app may read them as a formula when it opens the file (the file keeps the text as written, as promptfoo reads it)."
        )
    );
    assert_eq!(formula_note(&to_csv(&[case("plain", "fine")])), None);
    // The header's own `__…` names are not cells.
    assert_eq!(formula_note("__input\nx\n"), None);
}

/// Tryout 51: a UTF-16 file (a spreadsheet's "Unicode text") was called "not a text file".
#[test]
fn a_utf16_file_is_named_as_utf16() {
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("q\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let why = file_text(&utf16, true).unwrap_err();
    assert!(why.starts_with("This file is UTF-16 text"), "{why}");
    assert!(why.contains("CSV UTF-8"), "{why}");
    // Without its byte order mark, either byte order (tryout 94: "not a text file").
    for bare in [
        "{\"drafts\": []}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
        "{\"drafts\": []}"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect(),
    ] {
        let why = file_text(&bare, false).unwrap_err();
        assert!(why.starts_with("This file is UTF-16 text"), "{why}");
    }
    // A file with a NUL byte here and there is still not text.
    assert!(
        file_text(b"ab\0cdef", true)
            .unwrap_err()
            .starts_with("This is not a text file")
    );
    // A drafts export is not a spreadsheet's file (tryout 93: it was told to save as CSV).
    let why = file_text(&utf16, false).unwrap_err();
    assert!(why.starts_with("This file is UTF-16 text"), "{why}");
    assert!(!why.contains("CSV"), "{why}");
}

/// Tryout 51: a test with `q:` twice kept the last value; js-yaml refuses such a file.
#[test]
fn a_yaml_key_given_twice_is_refused_with_its_lines() {
    let yaml = "tests:\n  - vars:\n      q: one\n      q: two\n";
    let why = import("dup.yaml", yaml).map(|_| ()).unwrap_err();
    assert_eq!(
        why,
        "This YAML file gives the key \u{201c}q\u{201d} twice in one place (lines 3 and 4); YAML allows a key once, and promptfoo refuses the file. Keep one of them."
    );
    // A second top-level `tests:` and a check's `value` twice are refused too (tryout 52).
    let why = import(
        "top.yaml",
        "tests:\n  - vars: {q: a}\ntests:\n  - vars: {q: b}\n",
    )
    .map(|_| ())
    .unwrap_err();
    assert!(
        why.contains("\u{201c}tests\u{201d} twice in one place (lines 1 and 3)"),
        "{why}"
    );
    let why = import(
        "value.yaml",
        "tests:\n  - assert:\n      - type: contains\n        value: a\n        value: b\n",
    )
    .map(|_| ())
    .unwrap_err();
    assert!(why.contains("\u{201c}value\u{201d} twice"), "{why}");
    // The same key in two tests, and a merge key, are fine.
    assert!(
        import(
            "ok.yaml",
            "tests:\n  - vars: {q: one}\n  - vars: {q: two}\n"
        )
        .is_ok()
    );
}

// Tryout 62 and helper-63: a CSV separated by semicolons, or by tabs, imported as "1 case" with
// one odd column and no word. Read with the separator its header shows.
#[test]
fn a_csv_separated_by_semicolons_or_tabs_is_read_so() {
    check(
        "x.csv",
        "question;__expected\nWhat is 2+2?;4\n",
        expect![[r#"
            format CSV
            case "" split=train
              var question = "What is 2+2?"
              assert Equals("4")
        "#]],
    );
    check(
        "x.csv",
        "question\t__expected\nWhat is 2+2?\t4\n",
        expect![[r#"
            format TSV
            case "" split=train
              var question = "What is 2+2?"
              assert Equals("4")
        "#]],
    );
    // A comma-separated file whose cells hold semicolons or tabs reads as before.
    let imp = import("x.csv", "question,note\nWhat is 2+2?,a;b\tc\n").unwrap();
    assert_eq!(imp.cases.len(), 1);
    assert_eq!(
        imp.cases[0].vars[1],
        ("note".to_owned(), "a;b\tc".to_owned())
    );
    // One column with no separator in it stays one column.
    assert_eq!(
        import("x.csv", "question\nWhat is 2+2?\n")
            .unwrap()
            .cases
            .len(),
        1
    );
}

// Tryout 78: a CSV's unclosed pattern and empty "contains-all" came in without a word in the
// review that listed the file's unknown check type; they were said only after the import.
#[test]
fn the_review_lists_the_checks_that_come_in_to_fix() {
    let text = "__description,__input,__assert\nx,hi,\"[{\"\"type\"\":\"\"no-such-kind\"\",\"\"value\"\":1},{\"\"type\"\":\"\"regex\"\",\"\"value\"\":\"\"(unclosed\"\"},{\"\"type\"\":\"\"contains-all\"\"}]\"\nok,fine,\n";
    let imp = import("badassert.csv", text).unwrap();
    assert_eq!(imp.cases.len(), 2);
    assert_eq!(imp.left_out.len(), 1, "{:?}", imp.left_out);
    let fix = imp.to_fix(None);
    assert_eq!(fix.len(), 2, "{fix:#?}");
    assert!(
        fix[0].starts_with(
            "Line 2: regex check comes in to fix: This pattern is not a valid regular expression"
        ),
        "{fix:#?}"
    );
    assert_eq!(
        fix[1],
        "Line 2: contains-all check comes in to fix: Add at least one phrase (one per line)."
    );
    // The checks for every case are named as such; a one-line list's case by its item.
    let yaml = import("t.yaml", "defaultTest:\n  assert:\n    - type: regex\n      value: \"(\"\ntests:\n  - vars: {input: a}\n").unwrap();
    assert!(
        yaml.to_fix(None)[0].starts_with("The checks for every case: regex check comes in to fix:")
    );
    // Tryout 103: a check on line 6 was named at its test's line 2; each at its own line now.
    let lines = import(
        "t.yaml",
        "tests:\n  - vars: {q: hi}\n    assert:\n      - type: contains\n        value: x\n      - type: regex\n        value: \"(unclosed\"\n      - type: contains-all\n        value: []\n",
    )
    .unwrap();
    let fix = lines.to_fix(None);
    assert!(
        fix[0].starts_with("Line 6: regex check comes in to fix:"),
        "{fix:#?}"
    );
    assert!(
        fix[1].starts_with("Line 8: contains-all check comes in to fix:"),
        "{fix:#?}"
    );
    let list = import("a.json", r#"[{"vars": {"a": "1"}}, {"vars": {"a": "2"}, "assert": [{"type": "regex", "value": "["}]}]"#).unwrap();
    assert!(
        list.to_fix(None)[0].starts_with("Line 1, item 2: regex check"),
        "{:?}",
        list.to_fix(None)
    );
}

#[test]
fn checks_that_cannot_run_as_imported_are_counted() {
    // Helper-63: cases with checks a run then waited for came in as "Imported 4 cases.".
    let text = concat!(
        r#"{"vars": {"input": "a"}, "assert": [{"type": "regex", "value": "("}, {"type": "contains", "value": "ok"}]}"#,
        "\n",
        r#"{"vars": {"input": "b"}, "assert": [{"type": "is-json", "value": "{not json"}]}"#,
        "\n",
        r#"{"vars": {"input": "c"}}"#,
        "\n",
    );
    let imp = import("cases.jsonl", text).unwrap();
    assert_eq!(imp.cases.len(), 3, "{:?}", imp.bad);
    let problems: Vec<Option<String>> = imp
        .cases
        .iter()
        .flat_map(|c| &c.assertions)
        .map(|a| a.problem(None))
        .collect();
    // Counted in the draft as it is now (tryout 67: "1 check cannot run" stayed after its case
    // was deleted): a case deleted, or its check fixed, no longer counts.
    let mut suite = Suite::default();
    let ids: Vec<u32> = imp.cases.iter().cloned().map(|c| suite.add(c)).collect();
    let to_fix = |s: &Suite| checks_to_fix_in(s, &ids, &imp.global, None);
    assert_eq!(to_fix(&suite), 2, "{problems:?}");
    suite.cases.retain(|c| c.id != ids[0]);
    assert_eq!(to_fix(&suite), 1);
    suite.cases[0].assertions[0] = Assertion::new(Check::IsJson);
    assert_eq!(to_fix(&suite), 0);
    // Checks for every case that came with it count too, while they are as imported.
    let with_global = import("t.yaml", "defaultTest:\n  assert:\n    - type: regex\n      value: \"(\"\ntests:\n  - vars: {input: a}\n").unwrap();
    let mut suite = Suite::default();
    let ids: Vec<u32> = with_global
        .cases
        .iter()
        .cloned()
        .map(|c| suite.add(c))
        .collect();
    suite.global = with_global.global.clone();
    assert_eq!(checks_to_fix_in(&suite, &ids, &with_global.global, None), 1);
    suite.global.clear();
    assert_eq!(checks_to_fix_in(&suite, &ids, &with_global.global, None), 0);
    let fine = import("cases.jsonl", "{\"vars\": {\"input\": \"c\"}, \"assert\": [{\"type\": \"contains\", \"value\": \"ok\"}]}\n").unwrap();
    let mut suite = Suite::default();
    let ids: Vec<u32> = fine.cases.iter().cloned().map(|c| suite.add(c)).collect();
    assert_eq!(checks_to_fix_in(&suite, &ids, &[], None), 0);
}

// The llm-rubric threshold 0.75 came back as 0.8: the pass mark is a whole score of 10 (0.75
// needs 8), and the export wrote it in tenths, which promptfoo's own judge (scores 0-1) applies
// as 0.8, failing what 0.75 passes. A threshold is written back as it came while it still
// gives the check's pass mark; a pass mark changed in the page is written from it.
#[test]
fn a_model_graded_threshold_exports_as_it_came() {
    let line = r#"{"vars": {"q": "x"}, "assert": [{"type": "llm-rubric", "value": "polite", "threshold": 0.75}, {"type": "llm-rubric", "value": "brief", "threshold": 0.7}, {"type": "llm-rubric", "value": "kind"}, {"type": "factuality", "value": "Paris", "threshold": 0.65}]}"#;
    let read = import("cases.jsonl", line).expect("readable");
    let thresholds = |cases: &[TestCase]| -> Vec<serde_json::Value> {
        let out: serde_json::Value = serde_json::from_str(to_jsonl(cases).trim()).unwrap();
        out["assert"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["threshold"].clone())
            .collect()
    };
    assert_eq!(
        thresholds(&read.cases),
        [
            serde_json::json!(0.75),
            serde_json::json!(0.7),
            serde_json::Value::Null,
            serde_json::json!(0.65)
        ]
    );
    // The pass marks the page applies: the smallest whole score that meets each.
    let marks: Vec<u8> = read.cases[0]
        .assertions
        .iter()
        .map(|a| match a.check {
            Check::Judge { threshold, .. } | Check::Graded { threshold, .. } => threshold,
            _ => 0,
        })
        .collect();
    assert_eq!(marks, [8, 7, 7, 7]);
    // A pass mark changed in the page is what goes out.
    let mut changed = read.cases.clone();
    if let Check::Judge { threshold, .. } = &mut changed[0].assertions[0].check {
        *threshold = 6;
    }
    assert_eq!(thresholds(&changed)[0], serde_json::json!(0.6));
}

// Session 42's notes: a config's prompt with Nunjucks filters or tags, or a chat written as a
// JSON list, was each case's message as written: the model read "{{ topic | upper }}". Such a
// prompt is named as left out, and the cases send their variables as lines, as without one.
#[test]
fn a_configs_prompt_that_promptwright_cannot_fill_is_left_out_and_said() {
    for (prompt, said) in [
        (
            "'Write about {{ topic | upper }}'",
            "it holds the placeholder {{ topic | upper }}, which Promptwright does not fill",
        ),
        (
            "'{% for c in choices %}{{c}}{% endfor %}: pick {{topic}}'",
            "it holds a template tag ({% for c in choices %})",
        ),
        (
            "'About {{ item.name }}'",
            "it holds the placeholder {{ item.name }}",
        ),
        (
            "'[{\"role\": \"user\", \"content\": \"About {{topic}}\"}]'",
            "it holds a chat written as a JSON list of messages",
        ),
    ] {
        let text = format!("prompts:\n  - {prompt}\ntests:\n  - vars: {{topic: tides}}\n");
        let im = import("promptfooconfig.yaml", &text).expect("readable");
        assert_eq!(im.cases.len(), 1, "{prompt}");
        assert_eq!(im.cases[0].user_message(), "topic: tides", "{prompt}");
        let left: Vec<String> = im.left_out.iter().map(|l| l.why.clone()).collect();
        assert!(
            left.iter().any(|w| w.contains(said)
                && w.ends_with("its cases send their variables as lines instead")),
            "{prompt}: {left:?}"
        );
    }
    // Plain names, spaced or not, are filled as before.
    let im = import(
        "promptfooconfig.yaml",
        "prompts:\n  - 'About {{ topic }} and {{topic}}'\ntests:\n  - vars: {topic: tides}\n",
    )
    .expect("readable");
    assert_eq!(im.cases[0].user_message(), "About tides and tides");
    assert!(im.left_out.is_empty(), "{:?}", im.left_out);
}

// Tryout 88: a config's test with only checks sent its prompt's "{{notes}}" as written. A
// variable the test does not give is empty, as promptfoo renders it.
#[test]
fn a_configs_prompt_leaves_a_variable_its_test_does_not_give_empty() {
    let im = import(
        "promptfooconfig.yaml",
        "prompts:\n  - 'Extract action items from: {{notes}}'\ntests:\n  - assert: [{type: contains, value: Bob}]\n  - vars: {notes: Bob sends the deck}\n",
    )
    .expect("readable");
    let sent: Vec<String> = im.cases.iter().map(|c| c.user_message()).collect();
    assert_eq!(
        sent,
        vec![
            "Extract action items from: ".to_owned(),
            "Extract action items from: Bob sends the deck".to_owned()
        ]
    );
}

// Tryout 88: a `notes,expected` CSV came in with `expected` as a variable (sent to the model,
// compared with nothing) and the import said nothing. Chosen on its own, it is each case's
// expected answer, as in our JSONL files; with promptfoo's `__expected` columns, or in a CSV a
// config refers to, it is the variable promptfoo reads.
#[test]
fn a_bare_expected_column_is_the_expected_answer_unless_promptfoo_reads_it() {
    let imp = import(
        "notes.csv",
        "notes,expected\nAna books the room,Ana: book the room\n",
    )
    .unwrap();
    assert!(imp.expected_column);
    assert_eq!(imp.cases[0].expected, "Ana: book the room");
    assert_eq!(imp.cases[0].vars.len(), 1);
    assert_eq!(imp.cases[0].vars[0].0, "notes");
    // promptfoo's own columns in the file: `expected` is a variable, as promptfoo reads it.
    let imp = import(
        "t.csv",
        "notes,expected,__expected\nAna books,Ana,equals: {{expected}}\n",
    )
    .unwrap();
    assert!(!imp.expected_column);
    assert!(imp.cases[0].expected.is_empty());
    assert!(imp.cases[0].vars.iter().any(|(k, _)| k == "expected"));
    // Another column for the expected answer: that one is it.
    let imp = import("t.csv", "input,expected,reference\na,b,c\n").unwrap();
    assert!(!imp.expected_column);
    assert_eq!(imp.cases[0].expected, "c");
    // A CSV a promptfoo config refers to: a variable.
    let files = [
        FileText {
            name: "promptfooconfig.yaml".into(),
            text: "prompts: ['{{notes}} {{expected}}']\ntests: file://t.csv\n".into(),
        },
        FileText {
            name: "t.csv".into(),
            text: "notes,expected\nAna books,Ana\n".into(),
        },
    ];
    let (_, imp) = import_files(&files).pop().unwrap();
    let imp = imp.unwrap();
    assert!(!imp.expected_column);
    assert!(imp.cases[0].expected.is_empty());
    assert!(imp.cases[0].vars.iter().any(|(k, _)| k == "expected"));
}

// Tryout 91: `input,notes,notes,expected` kept the second `notes` and the first one's values
// were gone, with no word. The last column of a name is used (as promptfoo reads such a file),
// and the others are named as left out.
#[test]
fn a_column_named_twice_is_named_and_the_last_one_is_used() {
    let imp = import("dup.csv", "input,notes,notes,expected\nList them.,a,b,c\n").unwrap();
    assert_eq!(imp.cases.len(), 1);
    assert_eq!(imp.cases[0].vars, [("notes".to_owned(), "b".to_owned())]);
    assert_eq!(imp.cases[0].expected, "c");
    let said: Vec<String> = imp.left_out.iter().map(LeftOut::message).collect();
    assert_eq!(
        said,
        [
            "column notes left out: the header names it in column 2 and again in column 3, whose values are used (as promptfoo reads such a file)"
        ],
        "{said:?}"
    );
    assert_eq!(imp.left_out[0].line, 1);
    // The same for a column of ours.
    let imp = import("dup.csv", "input,input\nfirst,second\n").unwrap();
    assert_eq!(imp.cases[0].input, "second");
    assert_eq!(imp.left_out.len(), 1);
    // Empty header cells (a spreadsheet's trailing columns) are no names: nothing said.
    let imp = import("blank.csv", "input,notes,,\nGo.,a,,\n").unwrap();
    assert!(imp.left_out.is_empty(), "{:?}", imp.left_out);
}

// Tryout 89: a quote opened by mistake on line 2 and closed by the first quote of line 5 made
// the reader take lines 2-5 as one cell ("Imported 1 case." holding all four lines). Text after
// a closing quote is reported on its row, which is not imported; the other rows are. Tryout
// 90: the good rows after the line where the quote opens came in neither, nor were counted:
// that line is left out, and the lines after it are read on their own.
#[test]
fn text_after_a_closing_quote_is_a_bad_row_not_a_merged_case() {
    let text = "input,expected\n\"unterminated,quote\nfoo,bar\n,,,,\n\"a\"\"b\",c\nok,fine\n";
    let imp = import("bad.csv", text).unwrap();
    let inputs: Vec<&str> = imp.cases.iter().map(|c| c.input.as_str()).collect();
    assert_eq!(inputs, ["foo", "a\"b", "ok"]);
    let lines: Vec<usize> = imp.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [2, 4], "{:?}", imp.bad);
    assert!(
        imp.bad[0].why.starts_with("a quote opens a cell on this line, and the quote that closes it, on line 5, is followed by \u{201c}a\u{201d}"),
        "{}",
        imp.bad[0].why
    );
    assert!(
        imp.bad[0]
            .why
            .contains("This line is left out and the lines after it are read on their own")
    );
    // Two such lines, one after the other; the header's own line is never left out.
    let imp = import(
        "t.csv",
        "input,expected\n\"one,x\n\"two,y\nfoo,bar\n\"z\"q,1\nok,fine\n",
    )
    .unwrap();
    let inputs: Vec<&str> = imp.cases.iter().map(|c| c.input.as_str()).collect();
    assert!(
        inputs.contains(&"ok") && inputs.contains(&"foo"),
        "{inputs:?} {:?}",
        imp.bad
    );
    // On one line; and spaces after a closing quote, or "" inside a cell, are fine.
    let imp = import(
        "t.csv",
        "input,expected\n\"Ana \"sends\" it\",x\n\"a\"\"b\" ,c\n",
    )
    .unwrap();
    assert_eq!(imp.bad.len(), 1);
    assert_eq!(imp.bad[0].line, 2);
    assert!(
        imp.bad[0]
            .why
            .starts_with("a quoted cell on line 2 has \u{201c}s\u{201d} after its closing quote"),
        "{}",
        imp.bad[0].why
    );
    assert_eq!(imp.cases.len(), 1);
    assert_eq!(imp.cases[0].input, "a\"b ");
    // A quote after the spaces is no separator either.
    let imp = import("t.csv", "input,expected\n\"a\" \"b\",x\n").unwrap();
    assert_eq!(imp.bad.len(), 1);
    assert!(
        imp.bad[0]
            .why
            .contains("\u{201c}\"\u{201d} after its closing quote"),
        "{}",
        imp.bad[0].why
    );
}

// Tryout 93: the import review said "file://missing.txt left out: variable ticket names that
// file, …, so it holds the name", and the case came in with the name as its value: read as the
// case left out. The words say what comes in.
#[test]
fn a_variable_naming_a_file_not_chosen_says_its_case_comes_in_with_the_name() {
    let yaml = "tests:\n  - vars:\n      ticket: file://missing.txt\n    assert:\n      - type: contains\n        value: P1\n";
    let got = import("promptfooconfig.yaml", yaml).expect("reads");
    assert_eq!(got.cases.len(), 1, "the case comes in");
    assert_eq!(
        got.cases[0].vars,
        [("ticket".to_owned(), "file://missing.txt".to_owned())]
    );
    let said = got.left_out[0].message();
    assert_eq!(
        said,
        "the text of file://missing.txt left out: variable ticket names that file, which was not among the files chosen, so its case comes in with the file's name as the value of ticket (choose the file too to read it)"
    );
    // Tryout 94: a file named in a list (one case per value) went in as its name, unsaid; one
    // chosen gives its text.
    let yaml =
        "tests:\n  - vars:\n      recipe: [file://recipes/a.txt, inline two, file://b.txt]\n";
    let files = [
        FileText {
            name: "promptfooconfig.yaml".into(),
            text: yaml.into(),
        },
        FileText {
            name: "b.txt".into(),
            text: "Two eggs.".into(),
        },
    ];
    let (_, got) = import_files(&files).pop().unwrap();
    let got = got.unwrap();
    let values: Vec<&str> = got.cases.iter().map(|c| c.vars[0].1.as_str()).collect();
    assert_eq!(values, ["file://recipes/a.txt", "inline two", "Two eggs."]);
    assert_eq!(got.left_out.len(), 1, "{:?}", got.left_out);
    assert_eq!(
        got.left_out[0].message(),
        "the text of file://recipes/a.txt left out: a value in the list of variable recipe names that file, which was not among the files chosen, so its case comes in with the file's name as the value of recipe (choose the file too to read it)"
    );
}

/// The review of session 47: two configs whose tests refer to each other, both chosen, were
/// said to have no file of that name among those chosen; the reference is named as too deep.
#[test]
fn configs_referring_to_each_other_are_named_as_too_deep() {
    let files = [
        FileText {
            name: "a.yaml".into(),
            text: "tests: file://b.yaml\n".into(),
        },
        FileText {
            name: "b.yaml".into(),
            text: "tests: file://a.yaml\n".into(),
        },
    ];
    let said: Vec<String> = import_files(&files)
        .into_iter()
        .map(|(_, r)| r.err().unwrap_or_default())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.contains("refer to each other too deeply")),
        "{said:?}"
    );
    assert!(
        !said
            .iter()
            .any(|m| m.contains("no file chosen with this one has that name")),
        "{said:?}"
    );
}

// Tryout 101: `equals` compared a quoted value that looks like JSON as JSON, where promptfoo
// compares it as text (`String(value) === output`), so `equals '{"a":1}'` passed `{"a": 1}` and
// `not-equals` failed. An object or list value (unquoted YAML, a JSON file's object) is compared
// as JSON; every other value as text; each writes back as it came.
#[test]
fn equals_compares_an_object_value_as_json_and_a_quoted_one_as_text() {
    let text = r#"prompts: ['{{input}}']
tests:
  - vars: {input: t10}
    assert: [{type: equals, value: {a: 1}}]
  - vars: {input: t11}
    assert: [{type: equals, value: '{"a":1}'}]
  - vars: {input: e2}
    assert: [{type: equals, value: "[1,2]"}]
  - vars: {input: e3}
    assert: [{type: not-equals, value: '{"b":2,"a":1}'}]
  - vars: {input: list}
    assert: [{type: not-equals, value: [1, 2]}]
"#;
    let im = import("edges.yaml", text).unwrap();
    let checks: Vec<&Assertion> = im.cases.iter().map(|c| &c.assertions[0]).collect();
    assert_eq!(checks[0].check, Check::EqualsJson(r#"{"a":1}"#.into()));
    assert_eq!(checks[1].check, Check::Equals(r#"{"a":1}"#.into()));
    assert_eq!(checks[2].check, Check::Equals("[1,2]".into()));
    assert_eq!(checks[3].check, Check::Equals(r#"{"b":2,"a":1}"#.into()));
    assert_eq!(checks[4].check, Check::EqualsJson("[1,2]".into()));
    // promptfoo's verdicts on the tryout's replies.
    let verdict = |a: &Assertion, output: &str| {
        crate::domain::eval::check(a, output, crate::domain::eval::Observed::none(), None, None)
            .passed()
    };
    assert!(verdict(checks[0], r#"{"a": 1}"#));
    assert!(!verdict(checks[1], r#"{"a": 1}"#));
    assert!(!verdict(checks[2], "[1, 2]"));
    assert!(verdict(checks[3], r#"{"a":1,"b":2}"#), "not-equals passes");
    assert!(!verdict(checks[4], "[1, 2]"), "not-equals of the same list");
    // Written back as they came: the object and list as JSON, the texts as text.
    let wire: Vec<serde_json::Value> = checks
        .iter()
        .map(|a| serde_json::to_value(AssertionV1::from(*a)).unwrap()["value"].clone())
        .collect();
    assert_eq!(
        wire,
        vec![
            serde_json::json!({"a": 1}),
            serde_json::json!(r#"{"a":1}"#),
            serde_json::json!("[1,2]"),
            serde_json::json!(r#"{"b":2,"a":1}"#),
            serde_json::json!([1, 2]),
        ]
    );
    // "As JSON" with a value that is not an object or list is named before a run.
    let bare = Assertion::new(Check::EqualsJson("1".into()));
    assert!(
        bare.problem(None).unwrap().contains("untick"),
        "{:?}",
        bare.problem(None)
    );
    let broken = Assertion::new(Check::EqualsJson("{\"a\":".into()));
    assert!(
        broken
            .problem(None)
            .unwrap()
            .starts_with("This is not valid JSON")
    );
}

// Tryout 113: a promptfoo `regex: '(?i)^yes'` was read as `^yes` ignoring capitals, silently,
// and passed "YES", where promptfoo's `new RegExp` refuses it ("Invalid group") and the page
// marks the same pattern typed by hand. Every importer takes it as written now, marked to fix;
// drafts and links of the old form keep their reading.
#[test]
fn an_inline_ignore_case_regex_in_a_file_is_kept_as_written_and_marked() {
    let yaml = "tests:\n  - vars: {q: x}\n    assert:\n      - type: regex\n        value: '(?i)^yes'\n      - type: not-regex\n        value: '(?i)no'\n";
    let jsonl = r#"{"vars":{"q":"x"},"assert":[{"type":"regex","value":"(?i)^yes"},{"type":"not-regex","value":"(?i)no"}]}"#;
    let csv = "q,__expected1,__expected2\nx,regex:(?i)^yes,not-regex:(?i)no\n";
    for (name, text) in [("t.yaml", yaml), ("t.jsonl", jsonl), ("t.csv", csv)] {
        let im = import(name, text).unwrap();
        let checks = &im.cases[0].assertions;
        assert_eq!(checks.len(), 2, "{name}");
        assert_eq!(checks[0].check, Check::Regex("(?i)^yes".into()), "{name}");
        assert_eq!(checks[1].check, Check::Regex("(?i)no".into()), "{name}");
        for a in checks {
            assert!(!a.ignore_case, "{name}");
            let problem = a.problem(None).unwrap_or_default();
            assert!(
                problem.contains("not a valid regular expression"),
                "{name}: {problem}"
            );
        }
        assert!(checks[1].negate, "{name}");
    }
    // A draft or link of the old form reads as before.
    let old = crate::domain::wire::AssertionV1 {
        kind: "regex".into(),
        value: Some(serde_json::json!("(?i)hello")),
        ..Default::default()
    };
    let read = Assertion::try_from(&old).unwrap();
    assert!(read.ignore_case && read.check == Check::Regex("hello".into()));
}

// Tryout 113: an "equals … as JSON" check whose value was not a JSON object or list ("HELLO", not
// valid JSON yet, marked to fix) was written as a plain `equals`: a save lost its tick, and a CSV
// round trip lost the check (the plain form has a CSV cell, none was there, so it read as
// deleted). The flag travels now; every file form keeps the check.
#[test]
fn an_equals_as_json_check_of_any_value_survives_every_round_trip() {
    let mut not_hello = Assertion::new(Check::EqualsJson("HELLO".into()));
    not_hello.negate = true;
    let checks = vec![
        not_hello,
        Assertion::new(Check::EqualsJson("5".into())),
        Assertion::new(Check::EqualsJson(r#"{"a":1}"#.into())),
        Assertion::new(Check::ContainsAll(vec!["x".into()])),
    ];
    for a in &checks {
        let w = crate::domain::wire::AssertionV1::from(a);
        assert_eq!(Assertion::try_from(&w).as_ref(), Ok(a), "{w:?}");
    }
    let cases = vec![TestCase {
        id: 1,
        input: "x".into(),
        assertions: checks.clone(),
        ..Default::default()
    }];
    for (name, text) in [("c.csv", to_csv(&cases)), ("c.jsonl", to_jsonl(&cases))] {
        let back = import(name, &text).unwrap();
        assert_eq!(back.cases[0].assertions, checks, "{name}:\n{text}");
    }
}

// Tryout 113: factuality, g-eval and closed QA imported with no threshold were exported with
// "threshold": 0.7, which the file never said (a rubric already went out as it came).
#[test]
fn model_graded_checks_with_no_threshold_export_with_none() {
    let text = "tests:\n  - vars: {q: x}\n    assert:\n      - type: factuality\n        value: Paris\n      - type: g-eval\n        value: clear\n      - type: model-graded-closedqa\n        value: polite\n      - type: llm-rubric\n        value: kind\n      - type: g-eval\n        value: brief\n        threshold: 0.7\n      - type: answer-relevance\n";
    let im = import("t.yaml", text).unwrap();
    let out = to_jsonl(&im.cases);
    // answer-relevance keeps one: promptfoo's default there is 0 (every answer passes), which
    // comes in as the lowest pass mark and goes out as 0.
    assert_eq!(out.matches("threshold").count(), 2, "{out}");
    assert!(out.contains(r#""value":"brief","threshold":0.7"#), "{out}");
    assert!(
        out.contains(r#"{"type":"answer-relevance","threshold":0.0}"#),
        "{out}"
    );
    assert_eq!(import("t.jsonl", &out).unwrap().cases, im.cases);
}

// Session 55's notes: an answer-relevance with no threshold came in at 7/10, failing answers
// promptfoo passes (its default is 0); one with a threshold keeps it, and our own drafts, which
// always write it, read as they are.
#[test]
fn answer_relevance_with_no_threshold_passes_every_graded_answer_as_in_promptfoo() {
    let text = "tests:\n  - vars: {q: x}\n    assert:\n      - type: answer-relevance\n      - type: answer-relevance\n        threshold: 0.8\n      - type: not-answer-relevance\n";
    let im = import("t.yaml", text).unwrap();
    let marks: Vec<String> = im.cases[0]
        .assertions
        .iter()
        .map(|a| a.describe())
        .collect();
    assert_eq!(
        marks,
        [
            "answer-relevance (pass at 1/10)",
            "answer-relevance (pass at 8/10)",
            "not: answer-relevance (pass at 1/10)"
        ]
    );
    let Check::Graded { threshold, .. } = im.cases[0].assertions[0].check else {
        panic!()
    };
    assert_eq!(threshold, 1, "the lowest mark a judge's score meets");
    // A draft's own wire form with no threshold (none is written by this version) keeps 7.
    let own = crate::domain::wire::AssertionV1 {
        kind: "answer-relevance".into(),
        ..Default::default()
    };
    let Check::Graded { threshold, .. } = Assertion::try_from(&own).unwrap().check else {
        panic!()
    };
    assert_eq!(threshold, 7);
}

// Tryout 114: `weight: 999999` came in as 1 (the limit was 1000), and a case promptfoo passes
// (999999 of 1000000 against a threshold of 0.99999) failed at 50.
#[test]
fn a_large_weight_comes_in_and_scores_as_in_promptfoo() {
    let yaml = "tests:\n  - vars: {q: x}\n    threshold: 0.99999\n    assert:\n      - type: contains\n        value: a\n        weight: 999999\n      - type: contains\n        value: zzz\n";
    let im = import("t.yaml", yaml).unwrap();
    assert!(im.left_out.is_empty(), "{:?}", im.left_out);
    let mut suite = Suite::default();
    let id = suite.add(im.cases[0].clone());
    let case = suite.case(id).unwrap().clone();
    let s = crate::domain::eval::score_case(
        &suite,
        &case,
        "a",
        crate::domain::eval::Observed::none(),
        None,
        &crate::domain::sorted::SortedMap::new(),
    );
    assert!(s.pass, "{s:?}");
    assert_eq!(s.score, Some(999_999.0 / 1_000_000.0));
}
