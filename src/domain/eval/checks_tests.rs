//! Tests of the check kinds added after promptfoo's names (levenshtein, contains-json, is-xml,
//! contains-xml, is-refusal, finish-reason, latency, cost, the model-graded kinds), of `not-` on
//! every kind, of what a run observed, and of their wire form: data tables, pass and fail, with
//! unicode.
use crate::domain::sorted::SortedMap;

use super::judge::Judgement;
use super::*;
use crate::domain::wire::{AssertionV1, CaseRunV1, CaseV1, DraftV1};

fn a(check: Check) -> Assertion {
    Assertion::new(check)
}

fn not(check: Check) -> Assertion {
    Assertion {
        negate: true,
        ..Assertion::new(check)
    }
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn seen(finish: Option<&str>, ms: Option<u64>, usd: Option<f64>) -> Observed {
    Observed {
        finish_reason: finish.map(str::to_owned),
        latency_ms: ms,
        cost_usd: usd,
        cost_estimated: false,
        refusal: None,
        rating: None,
        rough_judge: false,
    }
}

/// Expected outcome of one row: pass, fail, or not measured; and a phrase the reason holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Pass,
    Fail,
    Unmeasured,
}
use Want::*;

fn row(a: &Assertion, output: &str, observed: &Observed, want: Want, reason: &str) {
    let verdict = check(a, output, observed, None, None);
    let (got, text) = match &verdict {
        Verdict::Done {
            pass: true, reason, ..
        } => (Pass, reason.clone()),
        Verdict::Done {
            pass: false,
            reason,
            ..
        } => (Fail, reason.clone()),
        Verdict::Unmeasured { reason } => (Unmeasured, reason.clone()),
        other => panic!("{a:?} on {output:?}: {other:?}"),
    };
    assert_eq!(got, want, "{a:?} on {output:?}: {text}");
    assert!(
        text.contains(reason),
        "{a:?} on {output:?}: reason {text:?} lacks {reason:?}"
    );
}

#[test]
fn new_kinds_on_a_table() {
    use Check::*;
    let none = Observed::default();
    let lev = |t: &str, d: u32| {
        a(Levenshtein {
            text: t.into(),
            max_distance: d,
        })
    };
    let rows: Vec<(Assertion, &str, Observed, Want, &str)> = vec![
        // levenshtein: the threshold is the most edits.
        (lev("colour", 1), "color", none.clone(), Pass, "1 edit"),
        // As promptfoo counts: the answer's line break is an edit (nothing is trimmed), and an
        // emoji outside the Basic Multilingual Plane is two UTF-16 units (tryout 113).
        (
            lev("colour", 1),
            "color\n",
            none.clone(),
            Fail,
            "line breaks at the ends",
        ),
        (
            lev("👍", 1),
            "",
            none.clone(),
            Fail,
            "2 edits from the expected text (at most 1 allowed)",
        ),
        (
            lev("café", 0),
            "cafe\u{301}",
            none.clone(),
            Fail,
            "another Unicode form",
        ),
        (lev("👍", 2), "", none.clone(), Pass, "2 edits"),
        (
            lev("kitten", 2),
            "sitting",
            none.clone(),
            Fail,
            "3 edits from the expected text (at most 2 allowed)",
        ),
        (
            lev("Zoë Kraków", 2),
            "Zoe Krakow",
            none.clone(),
            Pass,
            "2 edits",
        ),
        (
            lev("日本語です", 0),
            "日本語です",
            none.clone(),
            Pass,
            "0 edits",
        ),
        (lev("😀", 0), "😃", none.clone(), Fail, "\u{201c}😃\u{201d}"),
        // contains-json: JSON anywhere, optionally matching a schema.
        (
            a(ContainsJson(None)),
            "Here: {\"name\": \"Zoë\"} done",
            none.clone(),
            Pass,
            "contains a valid JSON object",
        ),
        // Tryout 51: as promptfoo, a JSON object that parses whole; a cut-off or broken one,
        // or a list alone, is none.
        (
            a(ContainsJson(None)),
            "Here {\"a\": [1, 2",
            none.clone(),
            Fail,
            "no valid JSON object",
        ),
        (
            a(ContainsJson(None)),
            "x {\"a\": 1 \"b\": 2} y",
            none.clone(),
            Fail,
            "no valid JSON object",
        ),
        (
            a(ContainsJson(None)),
            "list: [1, 2, 3]",
            none.clone(),
            Fail,
            "no valid JSON object",
        ),
        (
            a(ContainsJson(None)),
            "first {broken} then {\"ok\": {\"nested\": true}}",
            none.clone(),
            Pass,
            "valid JSON object",
        ),
        // With a schema, any one object of the answer that matches it passes.
        (
            a(ContainsJson(Some(r#"{"required":["b"]}"#.into()))),
            "x {\"a\": \"x\"} and {\"b\": 2}",
            none.clone(),
            Pass,
            "matches the schema",
        ),
        (
            a(ContainsJson(Some(r#"{"required":["b"]}"#.into()))),
            "x {\"a\": \"x\"} and {\"c\": 2}",
            none.clone(),
            Fail,
            "None of the 2 JSON objects in the answer matches the schema; the first: ",
        ),
        (
            a(ContainsJson(None)),
            "no braces here",
            none.clone(),
            Fail,
            "no valid JSON",
        ),
        (
            a(ContainsJson(Some(
                r#"{"type":"object","required":["city"]}"#.into(),
            ))),
            "```json\n{\"city\": \"Kraków\"}\n```",
            none.clone(),
            Pass,
            "matches the schema",
        ),
        (
            a(ContainsJson(Some(
                r#"{"type":"object","required":["city"]}"#.into(),
            ))),
            "Result: {\"town\": \"Kraków\"}",
            none.clone(),
            Fail,
            "does not match",
        ),
        // is-xml: the whole answer, with required element paths.
        (
            a(IsXml(v(&["analysis.color"]))),
            "<analysis><color>Röd</color></analysis>",
            none.clone(),
            Pass,
            "valid XML",
        ),
        (
            a(IsXml(v(&["analysis.color"]))),
            "<analysis><size>M</size></analysis>",
            none.clone(),
            Fail,
            "lacks \u{201c}analysis.color\u{201d}",
        ),
        (
            a(IsXml(vec![])),
            "Sure! <a/>",
            none.clone(),
            Fail,
            "Not valid XML",
        ),
        (
            a(IsXml(vec![])),
            "<日本><語/></日本>",
            none.clone(),
            Pass,
            "valid XML",
        ),
        // contains-xml: a fragment anywhere.
        (
            a(ContainsXml(v(&["root.child"]))),
            "Here is your XML:\n<root><child>Ünï</child></root>\nAnything else?",
            none.clone(),
            Pass,
            "contains valid XML",
        ),
        (
            a(ContainsXml(v(&["root.other"]))),
            "<root><child/></root>",
            none.clone(),
            Fail,
            "none of it holds",
        ),
        (
            a(ContainsXml(vec![])),
            "a < b > c",
            none.clone(),
            Fail,
            "no well-formed XML",
        ),
        // is-refusal: the provider's refusal, or refusal wording.
        (
            a(IsRefusal),
            "I\u{2019}m sorry, but I can\u{2019}t help with that.",
            none.clone(),
            Pass,
            "reads as a refusal",
        ),
        (a(IsRefusal), "", none.clone(), Pass, "empty"),
        (
            a(IsRefusal),
            "Voilà : la réponse est 42.",
            none.clone(),
            Fail,
            "no refusal",
        ),
        (
            a(IsRefusal),
            "Anything",
            Observed {
                refusal: Some("Policy: no".into()),
                ..Observed::default()
            },
            Pass,
            "provider reported a refusal",
        ),
        (
            not(IsRefusal),
            "Here is the plan.",
            none.clone(),
            Pass,
            "must not hold",
        ),
        // finish-reason: any case; nothing observed is not a fail.
        (
            a(FinishReason("stop".into())),
            "x",
            seen(Some("STOP"), None, None),
            Pass,
            "stop",
        ),
        (
            a(FinishReason("stop".into())),
            "x",
            seen(Some("length"), None, None),
            Fail,
            "\u{201c}length\u{201d}, not \u{201c}stop\u{201d}",
        ),
        (
            a(FinishReason("stop".into())),
            "x",
            none.clone(),
            Unmeasured,
            "did not say",
        ),
        // latency and cost: from the run's own timing and usage.
        (
            a(Latency { max_ms: 3000 }),
            "x",
            seen(None, Some(2999), None),
            Pass,
            "2999 ms",
        ),
        (
            a(Latency { max_ms: 3000 }),
            "x",
            seen(None, Some(3001), None),
            Fail,
            "more than 3000",
        ),
        (
            a(Latency { max_ms: 3000 }),
            "x",
            none.clone(),
            Unmeasured,
            "not recorded",
        ),
        (
            a(Cost { max_usd: 0.002 }),
            "x",
            seen(None, None, Some(0.0015)),
            Pass,
            "$0.001500",
        ),
        (
            a(Cost { max_usd: 0.002 }),
            "x",
            seen(None, None, Some(0.01)),
            Fail,
            "more than $0.002",
        ),
        (
            a(Cost { max_usd: 0.002 }),
            "x",
            none.clone(),
            Unmeasured,
            "unknown",
        ),
        // Session 42: a cost estimated from the texts (no usage reported) is not measured,
        // whichever side of the bound the estimate falls.
        (
            a(Cost { max_usd: 0.002 }),
            "x",
            Observed {
                cost_estimated: true,
                ..seen(None, None, Some(0.0))
            },
            Unmeasured,
            "an estimate from the texts (about $0.000000)",
        ),
        (
            a(Cost { max_usd: 0.002 }),
            "x",
            Observed {
                cost_estimated: true,
                ..seen(None, None, Some(0.01))
            },
            Unmeasured,
            "reported no usage",
        ),
        // not- works with every kind.
        (
            not(Equals("Paris".into())),
            "Lyon",
            none.clone(),
            Pass,
            "must not hold",
        ),
        (
            not(Equals("Paris".into())),
            "Paris",
            none.clone(),
            Fail,
            "must not hold",
        ),
        // As promptfoo: exactly, so " Paris " is not "Paris" (tryout 51).
        (
            not(Equals("Paris".into())),
            " Paris ",
            none.clone(),
            Pass,
            "must not hold",
        ),
        (
            not(ContainsAll(v(&["a", "b"]))),
            "only a",
            none.clone(),
            Pass,
            "",
        ),
        (
            not(Regex(r"\d+".into())),
            "no digits",
            none.clone(),
            Pass,
            "",
        ),
        (not(IsJson), "{\"a\":1}", none.clone(), Fail, ""),
        (
            not(Levenshtein {
                text: "hello".into(),
                max_distance: 1,
            }),
            "hellp",
            none.clone(),
            Fail,
            "",
        ),
        (
            not(Latency { max_ms: 10 }),
            "x",
            none.clone(),
            Unmeasured,
            "",
        ),
        (
            not(Length {
                unit: LengthUnit::Words,
                min: None,
                max: Some(2),
            }),
            "one two three",
            none.clone(),
            Pass,
            "",
        ),
    ];
    for (assertion, output, observed, want, reason) in &rows {
        row(assertion, output, observed, *want, reason);
    }
}

#[test]
fn model_graded_kinds_use_their_rubric_and_pass_mark() {
    let graded = |grader: Grader, value: &str, threshold: u8| Check::Graded {
        grader,
        value: value.into(),
        threshold,
    };
    let factuality = a(graded(
        Grader::Factuality,
        "Paris is the capital of France",
        7,
    ));
    let rubric = factuality.judge_rubric().expect("judged");
    assert!(
        rubric.contains("Paris is the capital of France"),
        "{rubric}"
    );
    assert!(rubric.contains("contradicts"), "{rubric}");
    // Each grader has its own template; an empty answer-relevance value points at the input.
    let texts: Vec<String> = Grader::ALL
        .iter()
        .map(|g| a(graded(*g, "X", 7)).judge_rubric().unwrap())
        .collect();
    for (i, t) in texts.iter().enumerate() {
        assert!(
            texts.iter().skip(i + 1).all(|u| u != t),
            "two graders share {t}"
        );
    }
    assert!(
        a(graded(Grader::AnswerRelevance, "", 7))
            .judge_rubric()
            .unwrap()
            .contains("the input above")
    );
    assert!(
        a(graded(Grader::AnswerRelevance, "", 7))
            .problem(None)
            .is_none()
    );
    assert!(a(graded(Grader::GEval, " ", 7)).problem(None).is_some());

    let scored = |s: u8| Judgement::Scored {
        score: s,
        reasoning: "ok".into(),
    };
    let pass = |a: &Assertion, s: u8| {
        check(a, "answer", Observed::none(), None, Some(&scored(s))).passed()
    };
    assert!(pass(&factuality, 7));
    assert!(!pass(&factuality, 6));
    let not_geval = not(graded(Grader::GEval, "leaks personal data", 7));
    assert!(pass(&not_geval, 3), "not-g-eval passes below the pass mark");
    assert!(!pass(&not_geval, 8));
    // An unreadable judge reply is not turned into a pass by not-.
    let unreadable = Judgement::Unreadable {
        raw: "??".into(),
        error: "no score".into(),
    };
    assert!(matches!(
        check(&not_geval, "x", Observed::none(), None, Some(&unreadable)),
        Verdict::JudgeError { .. }
    ));
    assert_eq!(
        check(&factuality, "x", Observed::none(), None, None),
        Verdict::Pending
    );
}

#[test]
fn thresholds_map_onto_the_judge_scale() {
    let rows: &[(Option<f64>, u8)] = &[
        (None, 7),
        (Some(0.7), 7),
        (Some(0.75), 8),
        (Some(0.8), 8),
        (Some(0.675), 7),
        (Some(0.61), 7),
        (Some(0.3), 3),
        (Some(0.0), 1),
        (Some(1.0), 10),
        (Some(8.0), 8),
        // Tryout 111's kind: a mark out of 10 with a fraction is met by the whole score above.
        (Some(7.4), 8),
        (Some(7.5), 8),
        (Some(42.0), 10),
        (Some(f64::NAN), 7),
    ];
    for (t, want) in rows {
        assert_eq!(pass_mark(*t), *want, "{t:?}");
    }
    // Every pass mark survives the trip through promptfoo's 0-1 scale.
    for mark in 1..=10u8 {
        assert_eq!(pass_mark(Some(f64::from(mark) / 10.0)), mark);
    }
    // Tryout 81: a rubric with no threshold is written with none (promptfoo applies one that
    // is written), and every other mark is written and read back.
    for mark in 1..=10u8 {
        let check = a(Check::Judge {
            rubric: "kind".into(),
            threshold: mark,
        });
        let w = crate::domain::wire::AssertionV1::from(&check);
        assert_eq!(
            w.threshold,
            (mark != 7).then(|| f64::from(mark) / 10.0),
            "{mark}"
        );
        let back = Assertion::try_from(&w).expect("reads back");
        assert_eq!(back.check, check.check);
    }
}

#[test]
fn checks_fill_the_case_variables() {
    let mut suite = Suite::default();
    suite.global.push(a(Check::Equals("{{answer}}".into())));
    suite.global.push(a(Check::Judge {
        rubric: "Answers about {{topic}}".into(),
        threshold: 7,
    }));
    let case = TestCase {
        vars: vec![
            ("answer".into(), "2".into()),
            ("topic".into(), "Kraków".into()),
        ],
        ..TestCase::default()
    };
    assert_eq!(judge_rubrics(&suite, &case), vec!["Answers about Kraków"]);
    let judgements: SortedMap<String, Judgement> = [(
        "Answers about Kraków".to_owned(),
        Judgement::Scored {
            score: 9,
            reasoning: "yes".into(),
        },
    )]
    .into();
    let s = score_case(&suite, &case, "2", Observed::none(), None, &judgements);
    assert!(s.pass, "{s:?}");
    let s = score_case(&suite, &case, "3", Observed::none(), None, &judgements);
    assert!(!s.pass);
}

#[test]
fn case_threshold_and_unmeasured_checks_in_scores() {
    let mut suite = Suite::default();
    let mut case = TestCase {
        input: "q".into(),
        assertions: vec![
            a(Check::ContainsAll(v(&["a"]))),
            a(Check::ContainsAll(v(&["b"]))),
            a(Check::Latency { max_ms: 100 }),
        ],
        ..TestCase::default()
    };
    // Latency not observed: left out of the score, not a fail.
    let s = score_case(
        &suite,
        &case,
        "a b",
        Observed::none(),
        None,
        &SortedMap::new(),
    );
    assert_eq!(s.score, Some(1.0));
    assert!(s.pass);
    let s = score_case(
        &suite,
        &case,
        "a",
        Observed::none(),
        None,
        &SortedMap::new(),
    );
    assert_eq!(s.score, Some(0.5));
    assert!(!s.pass);
    // With promptfoo's test threshold the case passes when its score reaches it.
    case.threshold = Some(0.5);
    let s = score_case(
        &suite,
        &case,
        "a",
        Observed::none(),
        None,
        &SortedMap::new(),
    );
    assert!(s.pass);
    case.threshold = Some(0.6);
    let s = score_case(
        &suite,
        &case,
        "a",
        Observed::none(),
        None,
        &SortedMap::new(),
    );
    assert!(!s.pass);
    // Measured: it counts.
    suite.cases.push(case.clone());
    let s = score_case(
        &suite,
        &case,
        "a b",
        &seen(None, Some(500), None),
        None,
        &SortedMap::new(),
    );
    assert!((s.score.unwrap() - 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn new_kinds_round_trip_through_the_wire_form() {
    use Check::*;
    let all = vec![
        a(Levenshtein {
            text: "Zoë".into(),
            max_distance: 0,
        }),
        a(Levenshtein {
            text: "hello".into(),
            max_distance: 3,
        }),
        a(ContainsJson(None)),
        a(ContainsJson(Some("{\n  \"type\": \"object\"\n}".into()))),
        a(IsXml(vec![])),
        a(IsXml(v(&["root.child", "root.b"]))),
        a(ContainsXml(v(&["a.b"]))),
        a(IsRefusal),
        not(IsRefusal),
        a(FinishReason("length".into())),
        a(Latency { max_ms: 3000 }),
        a(Cost { max_usd: 0.002 }),
        not(Equals("x".into())),
        not(ContainsAll(v(&["a", "b"]))),
        not(Regex("^a".into())),
        not(IsJson),
        not(Judge {
            rubric: "rude".into(),
            threshold: 6,
        }),
    ];
    let mut graded = Vec::new();
    for g in Grader::ALL {
        graded.push(a(Graded {
            grader: g,
            value: "criterion, with a comma".into(),
            threshold: 8,
        }));
    }
    for x in all.into_iter().chain(graded) {
        let w = AssertionV1::from(&x);
        let json = serde_json::to_string(&w).unwrap();
        let back: AssertionV1 = serde_json::from_str(&json).unwrap();
        assert_eq!(Assertion::try_from(&back).unwrap(), x, "{json}");
        assert_eq!(x.type_name(), w.kind);
    }
    // A schema check with its own schema is written as promptfoo's `is-json` with a value, and
    // reads back as the same check.
    let own = a(MatchesSchema(Some(r#"{"type": "object"}"#.into())));
    let w = AssertionV1::from(&own);
    assert_eq!(w.kind, "is-json");
    assert!(matches!(
        Assertion::try_from(&w).unwrap().check,
        MatchesSchema(Some(_))
    ));
    assert_eq!(own.type_name(), "matches-schema");
    assert_eq!(not(Equals("x".into())).type_name(), "not-equals");
    assert_eq!(
        Assertion {
            ignore_case: true,
            ..a(ContainsAny(v(&["a"])))
        }
        .type_name(),
        "icontains-any"
    );
    // `not` of a negative type is the positive one: the same check.
    let w = AssertionV1::from(&not(NotContains(v(&["x"]))));
    assert_eq!(w.kind, "contains");
}

#[test]
fn old_records_still_load() {
    // A case record from before these kinds, with a check type this app cannot run: the case
    // stays, with its other checks.
    let w: CaseV1 = serde_json::from_str(
        r#"{"input":"hi","assert":[{"type":"icontains-all","value":["a"]},{"type":"javascript","value":"1"},{"type":"llm-rubric","value":"kind","threshold":0.7}]}"#,
    )
    .unwrap();
    let (case, left) = w.into_case();
    assert_eq!(case.input, "hi");
    assert_eq!(case.assertions.len(), 2);
    assert_eq!(case.threshold, None);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, 1);
    assert_eq!(
        left[0].1.to_string(),
        "javascript check left out: it would run code"
    );
    // A stored run without stop reason or cost reads as "not observed".
    let r: CaseRunV1 =
        serde_json::from_str(r#"{"id":3,"status":"done","output":"x","ms":12.0}"#).unwrap();
    assert_eq!(r.stop, None);
    assert_eq!(r.cost, None);
    // A stored draft whose case holds a check from a newer app keeps the case.
    let draft: DraftV1 = serde_json::from_str(
        r#"{"name":"d","versions":[{"n":1,"spec":{"persona":"p"}}],"current":1,"cases":[{"id":4,"input":"q","assert":[{"type":"future-check"}]}]}"#,
    )
    .unwrap();
    let d = draft.into_salvaged().draft;
    assert_eq!(d.suite.cases.len(), 1);
    assert_eq!(d.suite.cases[0].id, 4);
    assert!(d.suite.cases[0].assertions.is_empty());
}

#[test]
fn observed_from_a_run_and_stop_reasons() {
    use crate::domain::eval::run::{CaseRun, Status};
    use crate::domain::provider::StopReason;
    let cr = CaseRun {
        status: Status::Done,
        ms: 1234.4,
        finish_reason: Some("length".into()),
        cost_usd: Some(0.003),
        ..CaseRun::default()
    };
    assert_eq!(cr.observed(), seen(Some("length"), Some(1234), Some(0.003)));
    let names: Vec<String> = [
        StopReason::End,
        StopReason::MaxTokens,
        StopReason::ContentFilter,
        StopReason::ToolUse,
        StopReason::Other("RECITATION".into()),
    ]
    .iter()
    .map(Observed::finish_reason_of)
    .collect();
    assert_eq!(
        names,
        [
            "stop",
            "length",
            "content_filter",
            "tool_calls",
            "recitation"
        ]
    );
}

#[test]
fn every_kind_has_a_picker_entry_label_hint_and_blank() {
    let presets = Preset::all();
    assert_eq!(presets.len(), CheckKind::ALL.len() + 1);
    let mut names: Vec<String> = presets.iter().map(|p| p.name()).collect();
    assert!(names.contains(&"not-equals".to_owned()));
    names.sort();
    names.dedup();
    assert_eq!(names.len(), presets.len(), "picker values are unique");
    for p in presets {
        assert!(!p.label().is_empty() && !p.hint().is_empty());
        assert_eq!(Preset::parse(&p.name()), Some(p));
        assert_eq!(p.assertion().kind(), p.kind);
    }
    for k in CheckKind::ALL {
        assert_eq!(CheckKind::parse(k.as_str()), Some(k));
    }
}

/// Tryout 118: an imported `icontains` (one phrase) was edited under "Contains all of" while its
/// row said "contains": a list of one phrase is titled "Contains", a longer one by its kind.
#[test]
fn a_list_of_one_phrase_is_titled_contains() {
    let mut one = a(Check::ContainsAll(v(&["ok"])));
    one.ignore_case = true;
    assert_eq!(one.label(), "Contains");
    assert_eq!(a(Check::ContainsAny(v(&["ok"]))).label(), "Contains");
    assert_eq!(not(Check::NotContains(v(&["ok"]))).label(), "Contains");
    assert_eq!(
        a(Check::ContainsAll(v(&["a", "b"]))).label(),
        "Contains all of"
    );
    assert_eq!(
        a(Check::ContainsAny(v(&["a", "b"]))).label(),
        "Contains any of"
    );
    assert_eq!(
        a(Check::NotContains(v(&["ok"]))).label(),
        "Does not contain"
    );
    assert_eq!(
        not(Check::ContainsAll(v(&["ok"]))).label(),
        "Does not contain"
    );
    assert_eq!(
        not(Check::ContainsAll(v(&["a", "b"]))).label(),
        "Not: contains all of"
    );
}

// Bug (tryout 3): "Reflection made it worse: 75 → 67" when the final only lost a latency check
// that is not measured for a final answer. Draft and final are compared on the checks measured
// for both, and the others are named.
#[test]
fn draft_and_final_are_compared_on_the_checks_measured_for_both() {
    let suite = Suite::default();
    let case = TestCase {
        input: "q".into(),
        assertions: vec![
            a(Check::ContainsAll(v(&["a"]))),
            a(Check::ContainsAll(v(&["b"]))),
            a(Check::ContainsAll(v(&["c"]))),
            a(Check::Latency { max_ms: 5000 }),
        ],
        ..TestCase::default()
    };
    let none = SortedMap::new();
    let draft = score_case(
        &suite,
        &case,
        "a b",
        &seen(Some("stop"), Some(900), None),
        None,
        &none,
    );
    let fin = score_case(
        &suite,
        &case,
        "a b",
        &seen(Some("stop"), None, None),
        None,
        &none,
    );
    assert_eq!(draft.score, Some(0.75));
    assert!((fin.score.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let c = compare_answers(&draft, &fin, &[]);
    assert_eq!(c.left_out, vec![3]);
    assert!((c.a.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(c.a, c.b);
    // A real change on a shared check still shows.
    let better = score_case(
        &suite,
        &case,
        "a b c",
        &seen(Some("stop"), None, None),
        None,
        &none,
    );
    let c = compare_answers(&draft, &better, &[]);
    assert_eq!(
        (c.a.map(|x| (x * 100.0).round()), c.b),
        (Some(67.0), Some(1.0))
    );
    // A final cut off at the token limit keeps its 0.
    let cut = score_case(
        &suite,
        &case,
        "a b c",
        &seen(Some("length"), None, None),
        None,
        &none,
    );
    assert_eq!(compare_answers(&draft, &cut, &[]).b, Some(0.0));
}

/// Tryout 119: "Reflection helped: 33 → 67" over "Draft · 60" and "Final · 40": the comparison
/// was an unweighted mean. With weights 3, 1, 1, each side is its own weighted score, and every
/// weight 0 gives 0 as promptfoo's mean does.
#[test]
fn draft_and_final_are_compared_by_the_checks_weights() {
    let weighted = |check, weight| Assertion { weight, ..a(check) };
    let case = TestCase {
        input: "q".into(),
        assertions: vec![
            weighted(Check::ContainsAll(v(&["alpha"])), 3.0),
            weighted(Check::ContainsAll(v(&["beta"])), 1.0),
            weighted(Check::ContainsAll(v(&["gamma"])), 1.0),
        ],
        ..TestCase::default()
    };
    let suite = Suite::default();
    let none = SortedMap::new();
    let stop = seen(Some("stop"), Some(900), None);
    let draft = score_case(&suite, &case, "alpha", &stop, None, &none);
    let fin = score_case(&suite, &case, "beta gamma", &stop, None, &none);
    assert_eq!((draft.score, fin.score), (Some(0.6), Some(0.4)));
    let weights: Vec<f64> = suite.assertions_for(&case).map(|a| a.weight).collect();
    let c = compare_answers(&draft, &fin, &weights);
    assert_eq!((c.a, c.b), (draft.score, fin.score), "{c:?}");
    // A cut-off draft keeps its 0; the final its weighted 40.
    let cut = score_case(
        &suite,
        &case,
        "alpha",
        &seen(Some("length"), None, None),
        None,
        &none,
    );
    let c = compare_answers(&cut, &fin, &weights);
    assert_eq!((c.a, c.b), (Some(0.0), Some(0.4)));
    // Every weight 0: 0 on both sides.
    let c = compare_answers(&draft, &fin, &[0.0, 0.0, 0.0]);
    assert_eq!((c.a, c.b), (Some(0.0), Some(0.0)));
}

// Tryout: "Matches the JSON schema" showed `matches-schema`, then `is-json` once a schema was
// typed (or while it did not parse): the tag followed the value. It names the check's type.
#[test]
fn a_checks_tag_stays_its_type_whatever_its_value() {
    use Check::*;
    for given in [
        None,
        Some(r#"{"type": "object", "required": ["a"]}"#.to_owned()),
        Some("{\"type\": ".to_owned()),
        Some("not a schema".to_owned()),
    ] {
        let x = a(MatchesSchema(given.clone()));
        assert_eq!(x.type_name(), "matches-schema", "{given:?}");
        assert_eq!(x.type_name(), x.kind().as_str(), "{given:?}");
    }
    // Every other kind's tag is its kind's name too, with an empty value or a filled one.
    for (empty, filled) in [
        (ContainsJson(None), ContainsJson(Some("{}".into()))),
        (IsXml(vec![]), IsXml(v(&["root.child"]))),
        (Equals(String::new()), Equals("x".into())),
    ] {
        assert_eq!(a(empty).type_name(), a(filled).type_name());
    }
}

// Tryout 19: "Found “SEND THE DECK”" for an answer that wrote "Send the deck": the phrase
// searched for is quoted, and said to be found with capitals ignored.
#[test]
fn a_phrase_found_with_capitals_ignored_says_so() {
    let phrases = vec!["SEND THE DECK".to_owned()];
    let any = Assertion {
        ignore_case: true,
        ..Assertion::new(Check::ContainsAny(phrases.clone()))
    };
    let none = Assertion {
        ignore_case: true,
        ..Assertion::new(Check::NotContains(phrases))
    };
    let reason =
        |a: &Assertion| match check(a, "Send the deck by Friday.", Observed::none(), None, None) {
            Verdict::Done { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
    assert_eq!(
        reason(&any),
        "Found \u{201c}SEND THE DECK\u{201d} (capitals ignored)."
    );
    assert_eq!(
        reason(&none),
        "Found: \u{201c}SEND THE DECK\u{201d} (capitals ignored)."
    );
}

// Tryout 62: `contains-any: [sorry, apolog]` failed "Sorry for the delay…" with "None of the
// phrases appears.", true only with capitals compared, and nothing said the check compares
// them. Every kind that compares capitals says so when the text is there with other capitals;
// the kinds that ignore capitals, and a failure with no such text, add nothing.
#[test]
fn a_failure_only_by_capitals_says_the_check_compares_them() {
    let answer = "Sorry for the delay, your parcel arrives Friday.";
    let hint = "this check compares capitals";
    let fail = |a: Assertion, output: &str| match check(&a, output, Observed::none(), None, None) {
        Verdict::Done {
            pass: false,
            reason,
            ..
        } => reason,
        other => panic!("{a:?} on {output:?}: {other:?}"),
    };
    let any = fail(a(Check::ContainsAny(v(&["sorry", "apolog"]))), answer);
    assert_eq!(
        any,
        "None of the phrases appears. \u{201c}sorry\u{201d} is there with other capitals (\u{201c}Sorry\u{201d}): this check compares capitals; its kind with capitals ignored would accept it."
    );
    let all = fail(
        a(Check::ContainsAll(v(&["sorry", "FRIDAY", "refund"]))),
        answer,
    );
    assert!(
        all.starts_with(
            "Missing: \u{201c}sorry\u{201d}, \u{201c}FRIDAY\u{201d}, \u{201c}refund\u{201d}."
        ),
        "{all}"
    );
    assert!(
        all.contains("\u{201c}sorry\u{201d} (and 1 more) is there with other capitals"),
        "{all}"
    );
    let eq = fail(a(Check::Equals("paris".into())), "Paris");
    assert!(
        eq.contains("differs only in capitals") && eq.contains(hint),
        "{eq}"
    );
    // Its start is quoted, not the whole answer (helper-63).
    let sw = fail(a(Check::StartsWith("sorry".into())), answer);
    assert_eq!(
        sw,
        "It starts with \u{201c}Sorry\u{201d} instead: it differs only in capitals, and this check compares capitals."
    );
    // No such text: nothing added. Capitals ignored: the check fails on other grounds only.
    let none = fail(a(Check::ContainsAny(v(&["refund"]))), answer);
    assert_eq!(none, "None of the phrases appears.");
    let ignoring = Assertion {
        ignore_case: true,
        ..a(Check::ContainsAny(v(&["refund"])))
    };
    assert!(!fail(ignoring, answer).contains(hint));
    // A lowercasing that changes byte lengths ("İ" is 2 bytes, "i̇" 3) names the phrase alone.
    let dotted = fail(a(Check::ContainsAny(v(&["i̇stanbul"]))), "İSTANBUL İstanbul");
    assert!(dotted.contains("is there with other capitals"), "{dotted}");
}

// Tryout 113: the JSON schema check passed `{"email":"not-an-email"}` against `format: email` and
// `"2024-13-45"` against `format: date`; promptfoo's is-json (Ajv with ajv-formats) fails both.
// A format Ajv does not know makes the schema unusable, as Ajv refuses it.
#[test]
fn a_schema_check_asserts_formats_as_promptfoo_does() {
    use Check::*;
    let none = Observed::default();
    let email = r#"{"type":"object","properties":{"email":{"type":"string","format":"email"}}}"#;
    let date = r#"{"properties":{"d":{"type":"string","format":"date"}}}"#;
    let matches = |schema: &str| a(MatchesSchema(Some(schema.into())));
    // contains-json reads the schema with the same Ajv in promptfoo (the review of tryout 113's
    // fix: it still passed the invalid email).
    let contains = |schema: &str| a(ContainsJson(Some(schema.into())));
    let rows = [
        (
            matches(email),
            r#"{"email":"not-an-email"}"#,
            Fail,
            "email: must match the format \u{201c}email\u{201d}",
        ),
        (
            matches(email),
            r#"{"email":"ann@example.com"}"#,
            Pass,
            "matches the schema",
        ),
        (
            matches(date),
            r#"{"d":"2024-13-45"}"#,
            Fail,
            "must match the format",
        ),
        (
            matches(date),
            r#"{"d":"2024-02-29"}"#,
            Pass,
            "matches the schema",
        ),
        (
            contains(email),
            r#"Here: {"email":"not-an-email"}"#,
            Fail,
            "must match the format",
        ),
        (
            contains(email),
            r#"Here: {"email":"a@example.com"}"#,
            Pass,
            "matches the schema",
        ),
    ];
    for (check, output, want, reason) in &rows {
        row(check, output, &none, *want, reason);
    }
    let phone = r#"{"properties":{"p":{"format":"phone"}}}"#;
    let problem = schema_problem(phone).unwrap_or_default();
    assert!(
        problem.contains(
            "the format \"phone\" (at /properties/p/format) is not one promptfoo's checker knows"
        ),
        "{problem}"
    );
}

// Tryout 113: "Missing: “café”." for an answer with "cafe" and U+0301, two identical-looking
// texts; and an answer-relevance check with no value read `answer-relevance: ""`.
#[test]
fn another_unicode_form_is_named_and_an_empty_grader_value_is_not_quoted() {
    use Check::*;
    let none = Observed::default();
    let cafe = "un cafe\u{301} noir";
    row(
        &a(ContainsAll(vec!["café".into()])),
        cafe,
        &none,
        Fail,
        "another Unicode form",
    );
    row(
        &a(ContainsAny(vec!["café".into()])),
        cafe,
        &none,
        Fail,
        "another Unicode form",
    );
    row(
        &a(Equals("café".into())),
        "cafe\u{301}",
        &none,
        Fail,
        "another Unicode form",
    );
    row(
        &a(ContainsAll(vec!["thé".into()])),
        "un café",
        &none,
        Fail,
        "Missing",
    );
    let plain = check(
        &a(ContainsAll(vec!["thé".into()])),
        "un café",
        &none,
        None,
        None,
    );
    assert!(!format!("{plain:?}").contains("Unicode form"), "{plain:?}");
    // A mark in the answer says nothing about a phrase with no accented letter.
    let ascii = check(
        &a(ContainsAll(vec!["hello".into()])),
        cafe,
        &none,
        None,
        None,
    );
    assert!(!format!("{ascii:?}").contains("Unicode form"), "{ascii:?}");
    let relevance = a(Graded {
        grader: Grader::AnswerRelevance,
        value: String::new(),
        threshold: 5,
    });
    assert_eq!(relevance.describe(), "answer-relevance (pass at 5/10)");
}
