//! Runs that tell the truth: the cut-off rule (answers stopped at the token limit fail unless the
//! suite's switch is off, and the judge is told), what a case would send empty, the preview of a
//! case's request, and results from an earlier run kept apart from the latest run's.
use crate::domain::sorted::SortedMap;

use super::judge::{self, CUT_OFF_NOTE};
use super::run::{self, CaseRun, Gap, KEPT_FROM_BEFORE, ModelUsed, Reflection, Run, Status};
use super::*;
use crate::domain::draft::Leaving;
use crate::domain::wire::{DraftV1, Include};

/// A suite of one case with one check that the answer passes, and its id.
fn one_case(input: &str) -> (Suite, u32) {
    let mut suite = Suite::default();
    let id = suite.add(TestCase {
        input: input.into(),
        assertions: vec![Assertion::new(Check::ContainsAll(vec!["Bob".into()]))],
        ..Default::default()
    });
    (suite, id)
}

fn stopped(reason: &str) -> Observed {
    Observed {
        finish_reason: Some(reason.into()),
        ..Observed::default()
    }
}

fn score(suite: &Suite, id: u32, output: &str, observed: &Observed) -> CaseScore {
    let case = suite.case(id).unwrap();
    score_case(suite, case, output, observed, None, &SortedMap::new())
}

#[test]
fn a_cut_off_answer_fails_by_default_and_passes_its_checks_with_the_switch_off() {
    let (mut suite, id) = one_case("Notes");
    assert!(suite.cut_off_fails, "on by default");
    let whole = score(&suite, id, "- **Bob**: send the deck", &stopped("stop"));
    assert_eq!(
        (whole.pass, whole.score, whole.cut_off),
        (true, Some(1.0), false)
    );
    // The same text, stopped at the token limit: marked, failed, scored 0.
    let cut = score(&suite, id, "- **Bob**: send the", &stopped("length"));
    assert!(cut.cut_off && cut.failed_cut_off, "{cut:?}");
    assert_eq!((cut.pass, cut.score), (false, Some(0.0)));
    // Its checks still say what they found.
    assert!(cut.verdicts[0].passed());
    // Read as the `finish-reason` check reads: any case, ends trimmed.
    assert!(score(&suite, id, "Bob", &stopped(" LENGTH ")).failed_cut_off);
    // Other stops and an unknown stop are not cut off.
    for other in [
        stopped("content_filter"),
        stopped("tool_calls"),
        Observed::default(),
    ] {
        let s = score(&suite, id, "Bob", &other);
        assert!(!s.cut_off && s.pass, "{other:?}");
    }
    // The switch off: still marked as cut off, scored on its checks.
    suite.cut_off_fails = false;
    let s = score(&suite, id, "- **Bob**: send the", &stopped("length"));
    assert!(s.cut_off && !s.failed_cut_off);
    assert_eq!((s.pass, s.score), (true, Some(1.0)));
}

#[test]
fn a_cut_off_answer_fails_a_case_threshold_and_one_without_checks() {
    let (mut suite, id) = one_case("Notes");
    suite.cases[0].threshold = Some(0.5);
    let s = score(&suite, id, "Bob", &stopped("length"));
    assert_eq!((s.pass, s.score), (false, Some(0.0)));
    // No checks at all: the rule alone decides, and says so with a score.
    suite.cases[0].assertions.clear();
    let s = score(&suite, id, "Bob", &stopped("length"));
    assert_eq!(
        (s.pass, s.score, s.failed_cut_off),
        (false, Some(0.0), true)
    );
    let s = score(&suite, id, "Bob", &stopped("stop"));
    assert_eq!((s.pass, s.score), (false, None));
}

#[test]
fn a_finish_reason_check_decides_about_the_stop_instead_of_the_rule() {
    // A case that asks for `length` is never failed for being cut off...
    let (mut suite, id) = one_case("Notes");
    suite
        .global
        .push(Assertion::new(Check::FinishReason("length".into())));
    let s = score(&suite, id, "Bob", &stopped("length"));
    assert!(s.cut_off && !s.failed_cut_off);
    assert_eq!((s.pass, s.score), (true, Some(1.0)));
    // ... and one that asks for `stop` fails through its own check, scored like any check.
    suite.global[0] = Assertion::new(Check::FinishReason("stop".into()));
    let s = score(&suite, id, "Bob", &stopped("length"));
    assert!(!s.failed_cut_off && !s.pass);
    assert_eq!(s.score, Some(0.5));
}

#[test]
fn runs_and_reflexion_finals_are_scored_with_the_rule() {
    let (suite, id) = one_case("Notes");
    let mut r = Run::default();
    r.cases.insert(
        id,
        CaseRun {
            status: Status::Done,
            output: "Bob".into(),
            finish_reason: Some("length".into()),
            ..CaseRun::default()
        },
    );
    let s = &r.scores(&suite, None)[&id];
    assert!(s.failed_cut_off && !s.pass);
    assert_eq!(r.aggregate(&suite, None).passed, 0);
    // A Reflexion final cut off at the token limit is scored as one.
    let reflection = Reflection {
        final_output: "Bob".into(),
        final_stop: Some("length".into()),
        ..Reflection::default()
    };
    let case = suite.case(id).unwrap();
    let observed = reflection.final_observed();
    let s = score_case(&suite, case, "Bob", &observed, None, &SortedMap::new());
    assert!(s.failed_cut_off);
    // A final kept before its stop reason was recorded reads as not cut off.
    let old: Reflection = serde_json::from_str(
        r#"{"critique":"c","final_output":"Bob","judgements":{},"done":true}"#,
    )
    .unwrap();
    assert_eq!(old.final_stop, None);
    assert!(!old.final_observed().cut_off());
}

#[test]
fn the_judge_is_told_when_an_answer_was_cut_off() {
    let case = TestCase {
        input: "Notes".into(),
        ..Default::default()
    };
    let subject = |cut_off| judge::Subject {
        rubric: "Names owners.",
        prompt: "You list action items.",
        case: &case,
        output: "- **Bob**: send the",
        cut_off,
    };
    let cut = judge::call(&subject(true), 0.0).request;
    let whole = judge::call(&subject(false), 0.0).request;
    let text = &cut.messages[0].text;
    assert!(text.contains(CUT_OFF_NOTE), "{text}");
    // Right after the answer it is about.
    assert!(
        text.contains(&format!("</answer>\n{CUT_OFF_NOTE}")),
        "{text}"
    );
    assert!(!whole.messages[0].text.contains("cut off"));
    assert!(whole.messages[0].text.ends_with("</answer>"));
    // The run's estimate holds for the longer request.
    let mut suite = Suite::default();
    let id = suite.add(case.clone());
    suite.global.push(Assertion::new(Check::Judge {
        rubric: "Names owners.".into(),
        threshold: 7,
    }));
    let b = run::run_bound(&suite, "You list action items.", &[id], 0.0, 100);
    let (i, _) = crate::domain::estimate::request_bound(&cut);
    assert!(i <= b.judge_input, "{i} > {}", b.judge_input);
}

fn meeting_case(vars: &[(&str, &str)], input: &str) -> TestCase {
    TestCase {
        input: input.into(),
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Default::default()
    }
}

const PROMPT: &str = "You find action items.\nInputs are meeting notes in {{transcript}}. Never invent owners.\nAnswer in {{ lang }}.";

#[test]
fn empty_whitespace_and_missing_variables_are_gaps_with_what_the_model_would_read() {
    // Empty: the sentence as the model would get it.
    let c = meeting_case(&[("transcript", ""), ("lang", "English")], "");
    let gaps = run::gaps(PROMPT, &c);
    assert_eq!(
        gaps,
        vec![Gap::Empty {
            name: "transcript".into(),
            excerpt: "Inputs are meeting notes in . Never invent owners.".into()
        }]
    );
    assert_eq!(
        gaps[0].describe(),
        "{{transcript}} is empty: the model would get \u{201c}Inputs are meeting notes in . Never invent owners.\u{201d}."
    );
    // Only spaces and line breaks count as empty.
    let c = meeting_case(&[("transcript", " \n\t "), ("lang", "English")], "");
    assert!(
        matches!(&run::gaps(PROMPT, &c)[..], [Gap::Empty { name, .. }] if name == "transcript")
    );
    // A key the case does not have: the placeholder would go out as written.
    let c = meeting_case(&[("transcript", "Bob sends the deck.")], "");
    let gaps = run::gaps(PROMPT, &c);
    assert_eq!(
        gaps,
        vec![Gap::Missing {
            name: "lang".into(),
            excerpt: "Answer in {{ lang }}.".into()
        }]
    );
    assert!(gaps[0].describe().starts_with("{{lang}} has no value"));
    // Every value given: nothing to say.
    let c = meeting_case(&[("transcript", "Bob sends the deck."), ("lang", "en")], "");
    assert_eq!(run::gaps(PROMPT, &c), vec![]);
    // The excerpt shows other variables filled, as the request fills them.
    let c = meeting_case(&[("transcript", "")], "");
    let p = "Notes in {{transcript}} for {{team}}.";
    let gaps = run::gaps(p, &c);
    // (Its empty variable is no line of the user message, which is empty then.)
    assert_eq!(gaps.len(), 3, "{gaps:?}");
    assert!(gaps.contains(&Gap::NoMessage), "{gaps:?}");
    let c = meeting_case(&[("transcript", ""), ("team", "sales")], "");
    assert_eq!(
        run::gaps(p, &c),
        vec![Gap::Empty {
            name: "transcript".into(),
            excerpt: "Notes in  for sales.".into()
        }]
    );
}

#[test]
fn an_empty_message_is_a_gap_and_long_lines_are_cut_around_the_placeholder() {
    let c = meeting_case(&[], "  ");
    assert_eq!(run::gaps("You help.", &c), vec![Gap::NoMessage]);
    assert!(run::gaps("You help.", &meeting_case(&[], "hi")).is_empty());
    // Variables are sent when the input is empty: not an empty message.
    let c = meeting_case(&[("notes", "x")], "");
    assert!(run::gaps("You help.", &c).is_empty());
    // Tryout 85: an empty one is no line of it ("question: " went out after a CSV round trip).
    let c = meeting_case(&[("notes", "x"), ("question", " ")], "");
    assert_eq!(c.user_message(), "notes: x");
    assert_eq!(
        run::gaps("You help.", &meeting_case(&[("question", "")], "")),
        vec![Gap::NoMessage]
    );
    let long = format!("{} {{{{x}}}} {}", "a".repeat(200), "b".repeat(200));
    let gaps = run::gaps(&long, &meeting_case(&[("x", "")], "hi"));
    let Gap::Empty { excerpt, .. } = &gaps[0] else {
        panic!("{gaps:?}")
    };
    assert_eq!(excerpt.chars().count(), 1 + 60 + 60 + 1, "{excerpt}");
    assert!(excerpt.starts_with('…') && excerpt.ends_with('…'));
}

#[test]
fn the_preview_is_the_request_the_run_sends() {
    let c = meeting_case(
        &[("transcript", "Bob sends {{lang}}."), ("lang", "en")],
        "Go.",
    );
    let req = run::request(PROMPT, &c, 0.3, 1500);
    let shown = run::preview(&req);
    assert_eq!(
        shown,
        "System message:\nYou find action items.\nInputs are meeting notes in Bob sends {{lang}}.. Never invent owners.\nAnswer in en.\n\nUser message:\nGo."
    );
    assert_eq!(
        req.system.as_deref(),
        Some(&shown[16..shown.find("\n\nUser").unwrap()])
    );
    // An empty user message is said to be empty.
    let req = run::request("S", &meeting_case(&[], ""), 0.3, 10);
    assert_eq!(
        run::preview(&req),
        "System message:\nS\n\nUser message:\n(empty)"
    );
}

#[test]
fn progress_counts_the_latest_run_and_earlier_results_are_marked() {
    let mut r = Run {
        started_ms: 2000.0,
        ..Run::default()
    };
    let at = |run_ms, status| CaseRun {
        status,
        run_ms,
        input_tokens: 10,
        ..CaseRun::default()
    };
    r.cases.insert(1, at(1000.0, Status::Done));
    r.cases.insert(2, at(2000.0, Status::Failed("400".into())));
    r.cases.insert(3, at(1000.0, Status::Failed("429".into())));
    let p = r.progress();
    assert_eq!((p.total, p.finished(), p.failed, p.done), (1, 1, 1, 0));
    assert_eq!(p.input_tokens, 10);
    assert!(!r.is_latest(&r.cases[&1]) && r.is_latest(&r.cases[&2]));
    assert_eq!(r.latest_ids(), vec![2]);
    // The stamp survives storage; records kept before it read as the latest run's.
    let w = crate::domain::wire::RunV1::from(&r);
    let json = serde_json::to_string(&w).unwrap();
    let back = Run::from(serde_json::from_str::<crate::domain::wire::RunV1>(&json).unwrap());
    assert_eq!(back, r);
    assert_eq!(json.matches("\"run\":").count(), 2, "{json}");
    let old: crate::domain::wire::RunV1 =
        serde_json::from_str(r#"{"version":1,"at":7.0,"cases":[{"id":1,"status":"done"}]}"#)
            .unwrap();
    let old = Run::from(old);
    assert!(old.is_latest(&old.cases[&1]));
}

#[test]
fn the_cut_off_switch_is_kept_and_old_drafts_get_the_default() {
    let (_, mut d) = crate::domain::share::reference_drafts().remove(0);
    assert!(d.suite.cut_off_fails);
    // The default is not written: drafts and links read as before.
    let w = DraftV1::from_draft(&d, Include::ALL);
    assert!(!serde_json::to_string(&w).unwrap().contains("cut_off"));
    d.suite.cut_off_fails = false;
    let w = DraftV1::from_draft(&d, Include::ALL);
    let json = serde_json::to_string(&w).unwrap();
    assert!(json.contains("\"cut_off_fails\":false"));
    // Storage (the part-by-part reader) and share links keep it.
    let kept = crate::domain::wire::read_draft(serde_json::from_str(&json).unwrap()).unwrap();
    assert!(kept.lost.is_empty(), "{:?}", kept.lost);
    assert!(!kept.draft.suite.cut_off_fails);
    let link = crate::domain::share::encode(&d, Include::ALL).unwrap();
    let back = crate::domain::share::decode_salvaged(&link).unwrap();
    assert!(!back.draft.suite.cut_off_fails);
    // A draft kept before the switch existed gets the default.
    let old = serde_json::json!({"name": "d", "versions": [{"n": 1, "spec": {"persona": "p"}}], "current": 1});
    assert!(
        crate::domain::wire::read_draft(old)
            .unwrap()
            .draft
            .suite
            .cut_off_fails
    );
    // A value that does not read is named and the default used; the rest opens.
    let odd = serde_json::json!({"name": "d", "versions": [{"n": 1, "spec": {"persona": "p"}}], "current": 1, "cut_off_fails": "maybe"});
    let s = crate::domain::wire::read_draft(odd).unwrap();
    assert!(s.draft.suite.cut_off_fails);
    assert_eq!(s.lost.len(), 1);
}

#[test]
fn a_result_knows_when_its_case_was_edited() {
    let mut case = TestCase {
        id: 1,
        input: "Ann sends the deck.".into(),
        vars: vec![("transcript".into(), "notes".into())],
        ..Default::default()
    };
    let result = CaseRun {
        sent: Some(run::fingerprint(&case)),
        ..CaseRun::default()
    };
    assert!(!result.case_changed(&case));
    // Checks and labels are not what was sent: changing them leaves the result current.
    case.description = "renamed".into();
    case.expected = "a list".into();
    assert!(!result.case_changed(&case));
    case.vars[0].1 = "other notes".into();
    assert!(result.case_changed(&case), "a variable edited");
    case.vars[0].1 = "notes".into();
    case.input.push(' ');
    assert!(result.case_changed(&case), "the input edited");
    // Texts are ended, so moving a character between fields is a change too.
    let a = TestCase {
        vars: vec![("ab".into(), "c".into())],
        ..Default::default()
    };
    let b = TestCase {
        vars: vec![("a".into(), "bc".into())],
        ..Default::default()
    };
    assert_ne!(run::fingerprint(&a), run::fingerprint(&b));
    // An older record that does not say what was sent is never called changed.
    assert!(!CaseRun::default().case_changed(&case));
}

// Bug: a case whose judge failed showed "67", the mean of its other checks, as if it had been
// judged; the run's mean and the comparison of versions counted it the same way.
#[test]
fn a_case_whose_judge_failed_says_its_score_leaves_the_judge_out() {
    let mut suite = Suite::default();
    let rubric = "Names an owner per item";
    let judged = |input: &str| TestCase {
        input: input.into(),
        assertions: vec![
            Assertion::new(Check::ContainsAll(vec!["Bob".into()])),
            Assertion::new(Check::ContainsAll(vec!["Ann".into()])),
            Assertion::new(Check::Judge {
                rubric: rubric.into(),
                threshold: 7,
            }),
        ],
        ..Default::default()
    };
    let failed = suite.add(judged("Notes 1"));
    let fine = suite.add(judged("Notes 2"));
    let judge_only = suite.add(TestCase {
        input: "Notes 3".into(),
        threshold: Some(0.0),
        assertions: vec![Assertion::new(Check::Judge {
            rubric: rubric.into(),
            threshold: 7,
        })],
        ..Default::default()
    });
    let unreadable = judge::Judgement::Unreadable {
        raw: "I think it is fine".into(),
        error: "The judge's reply has no score from 1 to 10.".into(),
    };
    let scored = judge::Judgement::Scored {
        score: 10,
        reasoning: "owners named".into(),
    };
    let mut r = Run::default();
    for (id, j) in [
        (failed, &unreadable),
        (fine, &scored),
        (judge_only, &unreadable),
    ] {
        r.cases.insert(
            id,
            CaseRun {
                status: Status::Done,
                output: "Bob will book the room.".into(),
                judgements: [(rubric.to_owned(), j.clone())].into(),
                ..CaseRun::default()
            },
        );
    }
    let scores = r.scores(&suite, None);
    let s = &scores[&failed];
    assert_eq!(s.score, Some(0.5), "the checks that ran: Bob yes, Ann no");
    assert!(!s.pass);
    assert_eq!(
        s.label(),
        "Score 50 without the judge (the judge's reply has no score from 1 to 10)"
    );
    assert_eq!(scores[&fine].label(), "67");
    assert_eq!(scores[&fine].judge_failed, None);
    // Tryout 96: two judge checks, one graded and one not: the score holds the graded one, and
    // says it leaves out only the one not graded ("without the judge" read as none in it).
    let other = "Dates are given.";
    let mut two = Suite::default();
    let both = two.add(TestCase {
        input: "Notes 4".into(),
        assertions: vec![
            Assertion::new(Check::ContainsAll(vec!["Bob".into()])),
            Assertion::new(Check::Judge {
                rubric: rubric.into(),
                threshold: 7,
            }),
            Assertion::new(Check::Judge {
                rubric: other.into(),
                threshold: 7,
            }),
        ],
        ..Default::default()
    });
    let mut r2 = Run::default();
    r2.cases.insert(
        both,
        CaseRun {
            status: Status::Done,
            output: "Bob will book the room.".into(),
            judgements: [
                (rubric.to_owned(), scored.clone()),
                (other.to_owned(), unreadable.clone()),
            ]
            .into(),
            ..CaseRun::default()
        },
    );
    let s2 = &r2.scores(&two, None)[&both];
    assert_eq!(
        s2.score,
        Some(1.0),
        "contains 1 and the graded judge check 1"
    );
    assert_eq!(
        s2.label(),
        "Score 100 without the judge checks it could not grade (the judge's reply has no score from 1 to 10)"
    );
    // Tryout 89: before the judge's verdict, the other checks' score is not the case's.
    let pending = CaseScore {
        pending: true,
        judge_scored: false,
        ..scores[&fine].clone()
    };
    assert_eq!(
        pending.label(),
        "Score 67 without the judge (not judged yet)"
    );
    // Nothing but the judge: no score; a threshold of 0 does not make it pass.
    let s = &scores[&judge_only];
    assert_eq!(s.score, None);
    assert!(
        !s.pass,
        "a case the judge never graded passed its threshold"
    );
    assert_eq!(
        s.label(),
        "No score (the judge's reply has no score from 1 to 10)"
    );
    // The mean is over the judged case only; the others are counted apart.
    let agg = r.aggregate(&suite, None);
    assert_eq!((agg.scored, agg.passed, agg.judge_failed), (1, 0, 2));
    assert!((agg.mean.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    // Comparing versions leaves them out too.
    assert_eq!(
        r.score_map(&suite, None)
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![fine]
    );
    assert_eq!(r.judge_failed_ids(&suite, None), vec![failed, judge_only]);
}

// Bug: after "2 of 2 done" the score line said "0 of 1 cases passed": a refused case with nothing
// else to check had no score and was silently not counted. Every finished case is now counted in
// the line, a refusal fails (scored 0, like every check it fails), and the line agrees with the
// per-case verdicts.
#[test]
fn every_finished_case_is_counted_in_the_score_line_and_a_refusal_fails() {
    let mut suite = Suite::default();
    let checked = suite.add(TestCase {
        input: "Notes".into(),
        assertions: vec![Assertion::new(Check::ContainsAll(vec!["Bob".into()]))],
        ..Default::default()
    });
    let bare = suite.add(TestCase {
        input: "Other notes".into(),
        ..Default::default()
    });
    let refused = |output: &str| CaseRun {
        status: Status::Done,
        output: output.into(),
        refusal: Some("I can't help with that.".into()),
        finish_reason: Some("content_filter".into()),
        ..CaseRun::default()
    };
    let mut r = Run::default();
    r.cases.insert(
        checked,
        CaseRun {
            status: Status::Done,
            output: "Alice".into(),
            ..CaseRun::default()
        },
    );
    r.cases.insert(bare, refused(""));
    let scores = r.scores(&suite, None);
    let s = &scores[&bare];
    assert!(s.refused && !s.pass, "a refusal is no answer: it fails");
    assert_eq!(s.score, Some(0.0));
    let a = r.aggregate(&suite, None);
    assert_eq!((a.total(), a.passed, a.refused), (2, 0, 1));
    assert_eq!(
        a.line(),
        "Score 0 / 100 · 0 of 2 cases passed every check · 1 refused"
    );
    // Passes in the line are the cases whose verdict is a pass.
    assert_eq!(a.passed, scores.values().filter(|s| s.pass).count());
    // A refusal that a case expects (is-refusal) passes, and is still named as refused.
    suite.cases[1]
        .assertions
        .push(Assertion::new(Check::IsRefusal));
    let a = r.aggregate(&suite, None);
    assert_eq!(
        a.line(),
        "Score 50 / 100 · 1 of 2 cases passed every check · 1 refused"
    );
    // A case with nothing to check is counted and named, never dropped.
    let mut plain = Suite::default();
    let id = plain.add(TestCase {
        input: "x".into(),
        ..Default::default()
    });
    let mut r = Run::default();
    r.cases.insert(
        id,
        CaseRun {
            status: Status::Done,
            output: "y".into(),
            ..CaseRun::default()
        },
    );
    assert_eq!(
        r.aggregate(&plain, None).line(),
        "No score yet: 1 case had nothing to check"
    );
}

/// Tryout 82: a case whose only judge check failed to answer read "No score yet: 0 of 1 case
/// passed every check", as if it had failed; with nothing scored the line gives no pass count
/// (the page then says the case is left out for the judge, with Re-judge).
#[test]
fn no_score_gives_no_pass_count() {
    use crate::domain::eval::Aggregate;
    let judge_only = Aggregate {
        judge_failed: 1,
        ..Aggregate::default()
    };
    assert_eq!(judge_only.line(), "No score yet");
    let waiting = Aggregate {
        judge_failed: 1,
        unjudged: 1,
        ..Aggregate::default()
    };
    assert_eq!(waiting.line(), "No score yet: 1 not judged yet");
    // The page says the cases not judged after the line, in full: the line leaves them out
    // (tryout 89), and keeps the rest.
    assert_eq!(waiting.line_saying(false), "No score yet");
    let scored = Aggregate {
        mean: Some(45.0),
        scored: 1,
        unjudged: 1,
        refused: 1,
        ..Aggregate::default()
    };
    assert!(
        scored.line().ends_with(" · 1 refused · 1 not judged yet"),
        "{}",
        scored.line()
    );
    assert!(
        scored.line_saying(false).ends_with(" · 1 refused"),
        "{}",
        scored.line_saying(false)
    );
}

// Bug (tryout 3): "0 of 2 cases passed every check (2 from an earlier run)" when only one of the
// two counted cases was from an earlier run: results not counted in "of N" (a failed call, a
// deleted case) were counted as earlier ones.
#[test]
fn from_an_earlier_run_counts_only_the_cases_in_the_score_line() {
    let mut suite = Suite::default();
    for i in 0..3 {
        suite.add(TestCase {
            input: format!("q{i}"),
            assertions: vec![Assertion::new(Check::ContainsAll(vec!["ok".into()]))],
            ..Default::default()
        });
    }
    let mut r = Run {
        started_ms: 2000.0,
        ..Run::default()
    };
    let at = |run_ms, status| CaseRun {
        status,
        run_ms,
        output: "no".into(),
        ..CaseRun::default()
    };
    r.cases.insert(1, at(2000.0, Status::Done));
    r.cases.insert(2, at(1000.0, Status::Done));
    r.cases
        .insert(3, at(1000.0, Status::Failed("HTTP 500".into())));
    // A result of a case deleted since.
    r.cases.insert(9, at(1000.0, Status::Done));
    let scores = r.scores(&suite, None);
    assert_eq!(r.earlier_counted(&scores), 1);
    assert_eq!(
        r.score_line(&scores),
        "Score 0 / 100 · 0 of 2 cases passed every check · 1 of the 2 answers is from an earlier run"
    );
    r.cases.insert(2, at(2000.0, Status::Done));
    let scores = r.scores(&suite, None);
    assert_eq!(
        r.score_line(&scores),
        "Score 0 / 100 · 0 of 2 cases passed every check"
    );
    // Tryout: the case whose call failed was not in the line at all.
    assert_eq!(
        r.failed_note(&suite),
        " · 1 case not answered: its call failed (Retry it below)"
    );
    r.cases
        .insert(1, at(2000.0, Status::Failed("HTTP 429".into())));
    r.cases
        .insert(9, at(2000.0, Status::Failed("HTTP 429".into())));
    assert_eq!(
        r.failed_note(&suite),
        " · 2 cases not answered: their call failed (Retry them below)",
        "a deleted case is not counted"
    );
    // Cancelled by the person, or stopped by leaving (tryout 68): no answer, said.
    r.cases.insert(1, at(2000.0, Status::Cancelled));
    r.cases.insert(
        3,
        CaseRun {
            cut_by: Some(Leaving::Reload),
            ..at(2000.0, Status::Cancelled)
        },
    );
    assert_eq!(
        r.failed_note(&suite),
        " · 2 cases have no answer: 1 cancelled, 1 stopped while answering"
    );
}

// Bug (tryout 3): a run's cost was priced with the model chosen now: a run made with a model
// without a list price showed "free" after switching to the local model, and a shared draft
// showed the sender's run as "free". Each result keeps its models and is priced by them.
#[test]
fn a_runs_cost_is_priced_by_the_models_recorded_with_its_results() {
    use crate::domain::provider::ProviderKind;
    use run::ModelUsed;
    let mini = ModelUsed {
        kind: ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    let unknown = ModelUsed {
        kind: ProviderKind::Custom,
        model: "fake-large".into(),
    };
    let local = ModelUsed {
        kind: ProviderKind::LlamaCpp,
        model: "smollm2".into(),
    };
    let result = |m: Option<&ModelUsed>| CaseRun {
        status: Status::Done,
        input_tokens: 1_000_000,
        output_tokens: 0,
        exec_model: m.cloned(),
        ..CaseRun::default()
    };
    let mut r = Run::default();
    // Tryout 5: a run that had just started, or whose calls all failed, said "free".
    assert_eq!(r.cost_line(), "nothing yet (no tokens counted)");
    r.cases.insert(
        1,
        CaseRun {
            status: Status::Failed("HTTP 500".into()),
            exec_model: Some(unknown.clone()),
            ..CaseRun::default()
        },
    );
    assert_eq!(r.cost_line(), "nothing yet (no tokens counted)");
    r.cases.insert(1, result(Some(&unknown)));
    assert_eq!(
        r.cost_line(),
        "unknown price (no list price for Custom server fake-large)"
            .replace("Custom server", ProviderKind::Custom.label())
    );
    // It survives storage and share links (the wire form), whatever is chosen later.
    let back = Run::from(crate::domain::wire::RunV1::from(&r));
    assert_eq!(back.cases[&1].exec_model, Some(unknown.clone()));
    assert_eq!(back.cost_line(), r.cost_line());
    r.cases.insert(1, result(Some(&local)));
    assert_eq!(r.cost_line(), "free");
    r.cases.insert(2, result(Some(&mini)));
    assert_eq!(r.cost_line(), "$0.15");
    // A judge priced by its own model.
    r.cases.get_mut(&2).unwrap().judge_tokens = (1_000_000, 0);
    r.cases.get_mut(&2).unwrap().judge_model = Some(unknown.clone());
    assert!(
        r.cost_line()
            .starts_with("at least $0.15 (no list price for "),
        "{}",
        r.cost_line()
    );
    // Results kept before the model was recorded: not priced with any model.
    let mut old = Run::default();
    old.cases.insert(1, result(None));
    assert_eq!(
        old.cost_line(),
        "not known (the model of these results was not recorded)"
    );
    let old_json =
        r#"{"version":1,"at":0.0,"cases":[{"id":1,"status":"done","tokens":[10,10,0,0]}]}"#;
    let old = Run::from(serde_json::from_str::<crate::domain::wire::RunV1>(old_json).unwrap());
    assert_eq!(
        old.cost_line(),
        "not known (the model of these results was not recorded)"
    );
    // A preset this app does not know is not guessed at.
    assert_eq!(ModelUsed::from_wire("future-ai:x"), None);
    assert_eq!(ModelUsed::from_wire(&mini.to_wire()), Some(mini));
}

// Bug (tryout 3): "Checks need fixing" stayed in Results after the checks were fixed or removed,
// until Run was pressed again. The notice is read from the draft as it is now.
#[test]
fn why_a_run_cannot_start_is_read_from_the_draft_as_it_is_now() {
    let mut suite = Suite::default();
    suite.add(TestCase {
        input: "q".into(),
        assertions: vec![Assertion::new(Check::Regex("([a-z".into()))],
        ..Default::default()
    });
    suite.global.push(Assertion::new(Check::Regex("(".into())));
    let why = run::blocked(1, 1, &suite.problems(None)).unwrap();
    assert!(
        why.starts_with("2 checks need fixing before a run can start"),
        "{why}"
    );
    assert!(why.contains("A check of case #1: ") && why.contains("A check for every case: "));
    suite.global.clear();
    let why = run::blocked(1, 1, &suite.problems(None)).unwrap();
    assert!(why.starts_with("A check needs fixing"), "{why}");
    suite.cases[0].assertions.clear();
    assert_eq!(run::blocked(1, 1, &suite.problems(None)), None);
    assert_eq!(
        run::blocked(0, 1, &[]).as_deref(),
        Some("Generate or paste a prompt first: there is nothing to run.")
    );
    assert_eq!(
        run::blocked(1, 0, &[]).as_deref(),
        Some("Add a test case first.")
    );
}

// Tryout 5: a reload during a run left two answered cases waiting for their judge forever, and
// the score line counted them as failed ("Score 0 / 100 · 0 of 2 cases passed every check").
// A case whose judge has not answered is counted apart, named, and left out of comparisons.
#[test]
fn a_case_whose_judge_never_answered_is_counted_apart_not_failed() {
    let mut suite = Suite::default();
    let rubric = "Names an owner per item";
    let case = |input: &str| TestCase {
        input: input.into(),
        assertions: vec![
            Assertion::new(Check::ContainsAll(vec!["Ann".into()])),
            Assertion::new(Check::Judge {
                rubric: rubric.into(),
                threshold: 7,
            }),
        ],
        ..Default::default()
    };
    let waiting = suite.add(case("Notes 1"));
    let judged = suite.add(case("Notes 2"));
    let mut r = Run::default();
    for (id, judgements) in [
        (waiting, SortedMap::new()),
        (
            judged,
            [(
                rubric.to_owned(),
                judge::Judgement::Scored {
                    score: 9,
                    reasoning: "owners named".into(),
                },
            )]
            .into(),
        ),
    ] {
        r.cases.insert(
            id,
            CaseRun {
                status: Status::Done,
                output: "Bob books the room.".into(),
                judgements,
                ..CaseRun::default()
            },
        );
    }
    let scores = r.scores(&suite, None);
    assert!(scores[&waiting].pending);
    assert_eq!(
        scores[&waiting].counted(),
        None,
        "no score without its judge"
    );
    let agg = r.aggregate(&suite, None);
    assert_eq!((agg.scored, agg.passed, agg.unjudged), (1, 0, 1));
    assert_eq!(agg.total(), 2);
    assert_eq!(
        agg.line(),
        "Score 45 / 100 over 1 of 2 cases · 0 of 2 cases passed every check · 1 not judged yet"
    );
    assert_eq!(r.unjudged_ids(&suite, None), vec![waiting]);
    assert_eq!(
        r.score_map(&suite, None)
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![judged],
        "left out of comparisons"
    );
}

/// A conversation case: user, assistant, then the tested user message.
fn conversation() -> TestCase {
    TestCase {
        input: "In July. Is it too hot?".into(),
        turns: vec![
            Message::user("I want to visit Italy."),
            Message::assistant("Lovely! When are you going?"),
        ],
        expected: "Says July is hot and suggests the coast.".into(),
        ..Default::default()
    }
}

#[test]
fn a_conversation_is_sent_as_system_then_its_turns_then_the_last_message() {
    let req = run::request("You are a travel agent.", &conversation(), 0.3, 200);
    assert_eq!(req.system.as_deref(), Some("You are a travel agent."));
    assert_eq!(
        req.messages,
        vec![
            Message::user("I want to visit Italy."),
            Message::assistant("Lovely! When are you going?"),
            Message::user("In July. Is it too hot?"),
        ]
    );
    // Turns are sent as they are: a `{{variable}}` in a turn is not filled.
    let mut c = conversation();
    c.vars = vec![("city".into(), "Rome".into())];
    c.turns[0].text = "I like {{city}}.".into();
    let req = run::request("Agent for {{city}}.", &c, 0.3, 200);
    assert_eq!(req.system.as_deref(), Some("Agent for Rome."));
    assert_eq!(req.messages[0].text, "I like {{city}}.");
    // The preview shows every message under its role.
    let preview = run::preview(&run::request("P", &conversation(), 0.3, 200));
    assert_eq!(
        preview,
        "System message:\nP\n\nUser message:\nI want to visit Italy.\n\nAssistant message:\nLovely! When are you going?\n\nUser message:\nIn July. Is it too hot?"
    );
}

#[test]
fn an_empty_turn_is_a_gap_like_an_empty_message() {
    let mut c = conversation();
    c.turns[1].text = "  ".into();
    assert_eq!(
        run::gaps("P", &c),
        vec![Gap::EmptyTurn {
            at: 2,
            speaker: Speaker::Assistant
        }]
    );
    assert_eq!(
        run::gaps("P", &c)[0].describe(),
        "Earlier turn 2 (assistant) is empty: the model would get an empty message there."
    );
    c.input.clear();
    assert_eq!(run::gaps("P", &c).last(), Some(&Gap::NoMessage));
    assert!(run::gaps("P", &conversation()).is_empty());
}

#[test]
fn editing_a_turn_marks_a_result_as_made_for_another_case() {
    let c = conversation();
    let sent = run::fingerprint(&c);
    let result = CaseRun {
        sent: Some(sent),
        ..CaseRun::default()
    };
    assert!(!result.case_changed(&c));
    let mut edited = c.clone();
    edited.turns[1].text.push('!');
    assert!(result.case_changed(&edited), "a turn's text edited");
    let mut swapped = c.clone();
    swapped.turns[1].speaker = Speaker::User;
    assert!(result.case_changed(&swapped), "a turn's speaker changed");
    let mut removed = c.clone();
    removed.turns.pop();
    assert!(result.case_changed(&removed), "a turn removed");
    // A case without turns keeps the fingerprint it had before turns existed (pinned from the
    // earlier algorithm: the user message, then each variable's name and value).
    let plain = TestCase {
        input: "hi".into(),
        ..Default::default()
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "hi".bytes().chain(std::iter::once(0)) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    assert_eq!(run::fingerprint(&plain), h);
}

#[test]
fn the_judge_sees_the_conversation_not_only_the_last_message() {
    let c = conversation();
    let subject = judge::Subject {
        rubric: "Answers the weather question",
        prompt: "You are a travel agent.",
        case: &c,
        output: "Yes, July is hot.",
        cut_off: false,
    };
    let req = judge::call(&subject, 0.0).request;
    let user = &req.messages[0].text;
    assert_in_order(
        user,
        &[
            "I want to visit Italy.",
            "Lovely! When are you going?",
            "In July. Is it too hot?",
        ],
    );
    assert!(user.contains("[Assistant]"), "{user}");
    assert!(user.contains("The last user message, the one the answer replies to"));
    // A one-message case reads as before: the message alone.
    let one = TestCase {
        input: "Plain question".into(),
        ..Default::default()
    };
    let subject = judge::Subject {
        case: &one,
        ..subject
    };
    let user = judge::call(&subject, 0.0).request.messages[0].text.clone();
    assert!(
        user.contains("## Input the assistant received\nPlain question\n"),
        "{user}"
    );
    assert!(!user.contains("conversation"));
}

#[test]
fn a_long_conversation_shows_the_latest_turns_and_counts_the_older_ones() {
    let mut c = conversation();
    c.turns = (0..10)
        .map(|i| Message::user(format!("turn {i} {}", "x".repeat(40))))
        .collect();
    let shown = c.shown_input(50);
    assert!(shown.contains("(7 older turns left out)"), "{shown}");
    assert!(shown.contains("turn 9") && !shown.contains("turn 2 "));
    assert!(shown.ends_with("In July. Is it too hot?"));
}

// Tryout: Cancel during a re-run threw away the last complete results, and opening another
// draft mid-run saved the re-run's queued cases over the answers they had.
#[test]
fn a_cancelled_or_interrupted_re_run_keeps_the_answers_it_would_have_replaced() {
    use crate::domain::wire::RunV1;
    let answer = CaseRun {
        status: Status::Done,
        output: "- **Bob**: send the deck".into(),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    let mut run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: "m".into(),
        started_ms: 20.0,
        cases: SortedMap::new(),
        replaced: Vec::new(),
    };
    // Case 1 had an answer, case 2 had failed, case 3 had nothing: all three are re-run.
    let failed = CaseRun {
        status: Status::Failed("HTTP 500".into()),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    run.cases
        .insert(1, CaseRun::queued(20.0, Some(answer.clone())));
    run.cases.insert(2, CaseRun::queued(20.0, Some(failed)));
    run.cases.insert(3, CaseRun::queued(20.0, None));
    assert_eq!(run.cases[&1].status, Status::Queued);
    assert!(run.cases[&2].earlier.is_none(), "only an answer is kept");
    // Saved mid-run (another draft opened, the page closed): the answer, not a queued case.
    let saved = Run::from(RunV1::from(&run));
    assert_eq!(saved.cases.len(), 1, "{saved:?}");
    assert_eq!(saved.cases[&1].output, answer.output);
    assert_eq!(
        saved.cases[&1].run_ms, 10.0,
        "read as from its own, earlier run"
    );
    // Case 1 answering when Cancel comes: the answer is back, as it was.
    run.cases.get_mut(&1).unwrap().status = Status::Running;
    assert_eq!(
        RunV1::from(&run)
            .cases
            .iter()
            .find(|c| c.id == 1)
            .unwrap()
            .output,
        answer.output
    );
    for c in run.cases.values_mut() {
        c.cancel();
    }
    assert_eq!(
        run.cases[&1],
        CaseRun {
            rerun_cancelled: Some(20.0),
            ..answer.clone()
        },
        "the answer as it was, marked as put back by the run of 20"
    );
    assert!(!run.is_latest(&run.cases[&1]));
    assert_eq!(run.cases[&3].status, Status::Cancelled);
    // Tryout 12 (M1): the cancelled run still counts the case it put back (the progress line
    // went away: it counted the latest run's results only).
    run.started_ms = 20.0;
    let p = run.progress();
    assert_eq!(
        (p.total, p.cancelled, p.cancelled_kept, p.kept_earlier),
        (3, 3, 1, 0),
        "{p:?}"
    );
    // Queued again, then answered: the new answer replaces it and nothing earlier is kept.
    let again = CaseRun::queued(30.0, run.cases.remove(&1));
    assert_eq!(again.earlier.as_deref(), Some(&answer));
    let requeued = CaseRun::queued(40.0, Some(again));
    assert_eq!(
        requeued.earlier.as_deref(),
        Some(&answer),
        "a re-run queued again keeps the answer before both"
    );
}

// Tryout 9 (m3): a call cut off mid-answer said "What arrived is kept; press Retry", and a Retry
// that failed again (the model still down) showed an empty row: the part was gone.
#[test]
fn a_retry_that_fails_before_any_text_keeps_the_part_an_earlier_failure_left() {
    let cut = CaseRun {
        status: Status::Failed("The connection closed before the reply was finished.".into()),
        output: "Owners: Ana".into(),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    // Retried and failing again with nothing: the part stays, with the new reason.
    let mut again = CaseRun::queued(20.0, Some(cut.clone()));
    assert_eq!(again.earlier.as_deref(), Some(&cut));
    again.status = Status::Running;
    again.fail(
        "The local model is not running.".into(),
        String::new(),
        None,
        5.0,
        20.0,
        None,
    );
    assert_eq!(again.output, "Owners: Ana");
    assert_eq!(
        again.status,
        Status::Failed(format!(
            "The local model is not running. {KEPT_FROM_BEFORE}"
        ))
    );
    assert!(again.earlier.is_none());
    // Saved while the retry is queued, or the retry cancelled: the part, as it was.
    let queued = CaseRun::queued(20.0, Some(cut.clone()));
    assert_eq!(queued.settled(), &cut);
    let mut cancelled = queued.clone();
    cancelled.cancel();
    assert_eq!(
        cancelled,
        CaseRun {
            rerun_cancelled: Some(20.0),
            ..cut.clone()
        }
    );
    // A retry that fails after some text of its own shows that text, the newer.
    let mut newer = CaseRun::queued(20.0, Some(cut.clone()));
    newer.fail("cut off".into(), "Owners: Bo".into(), None, 5.0, 20.0, None);
    assert_eq!(newer.output, "Owners: Bo");
    // A re-run of a full answer that fails leaves that answer, from its own run (see
    // `a_rerun_that_fails_keeps_every_earlier_answer_beside_its_failure`).
    let answer = CaseRun {
        status: Status::Done,
        output: "Owners: Ana, Bo".into(),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    let mut failed = CaseRun::queued(20.0, Some(answer));
    failed.fail("HTTP 500".into(), String::new(), None, 5.0, 20.0, None);
    assert_eq!(failed.output, "Owners: Ana, Bo");
    assert_eq!(failed.run_ms, 10.0);
    // A failure with nothing kept is not carried.
    let empty = CaseRun {
        status: Status::Failed("HTTP 500".into()),
        ..CaseRun::default()
    };
    assert!(CaseRun::queued(20.0, Some(empty)).earlier.is_none());
}

// Tryout 10 (m4): a shared draft's receiver saw "fail, score 0 / 100" for an answer cut off at the
// token limit, with no reason; the reasons travel with the verdict.
#[test]
fn a_failed_case_says_why_and_a_passed_one_says_nothing() {
    let (suite, id) = one_case("Notes");
    let cut = score(&suite, id, "- **Bob**: send the", &stopped("length"));
    assert_eq!(
        cut.why_failed(),
        vec![
            "The answer was cut off at the token limit, and cut-off answers fail in this suite."
                .to_owned()
        ],
        "its own check passed, so the cut-off is the one reason"
    );
    let missing = score(&suite, id, "- **Ana**: book the room", &stopped("stop"));
    let why = missing.why_failed();
    assert_eq!(why.len(), 1, "{why:?}");
    assert!(why[0].contains("Bob"), "the check's own reason: {why:?}");
    assert!(
        score(&suite, id, "Bob", &stopped("stop"))
            .why_failed()
            .is_empty()
    );
}

// Tryout 11 (S2, severe): three answered cases were re-run while the model was down; every call
// failed and the three answers were gone, the score with them. A failed re-run leaves each
// answer in place, from its earlier run, with the failure beside it; the run counts the calls as
// failed; the score counts the answers as from an earlier run; a save keeps them.
#[test]
fn a_rerun_that_fails_keeps_every_earlier_answer_beside_its_failure() {
    let (suite, _) = one_case("Notes");
    let mut suite = suite;
    for id in 2..=3 {
        let mut c = suite.cases[0].clone();
        c.id = id;
        suite.cases.push(c);
    }
    let answer = |id: u32| CaseRun {
        status: Status::Done,
        output: format!("Owners: case {id}"),
        run_ms: 10.0,
        input_tokens: 100,
        output_tokens: 20,
        ..CaseRun::default()
    };
    let mut run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: "OpenAI gpt-4o-mini".into(),
        started_ms: 10.0,
        cases: (1..=3).map(|id| (id, answer(id))).collect(),
        replaced: Vec::new(),
    };
    let scored_before = run.aggregate(&suite, None);
    assert_eq!(scored_before.total(), 3);
    // Re-run at 20: queued over the answers, then every call fails; the second after a part.
    run.started_ms = 20.0;
    for id in 1..=3 {
        let before = run.cases.remove(&id);
        run.cases.insert(id, CaseRun::queued(20.0, before));
    }
    for (id, part) in [(1, ""), (2, "Own"), (3, "")] {
        let c = run.cases.get_mut(&id).unwrap();
        c.status = Status::Running;
        c.fail(
            "Could not reach the provider. Nothing had arrived for this request; press Retry."
                .into(),
            part.into(),
            Some(7),
            300.0,
            20.0,
            None,
        );
    }
    for id in 1..=3 {
        let c = &run.cases[&id];
        assert_eq!(c.status, Status::Done, "case {id}");
        assert_eq!(c.output, format!("Owners: case {id}"), "the answer stays");
        assert_eq!(c.run_ms, 10.0, "from its own run");
        assert_eq!(c.ms, 0.0, "its own timing, not the failed call's");
        assert!(!run.is_latest(c));
        assert!(c.rerun_failed_in(20.0) && !c.rerun_failed_in(10.0));
    }
    assert_eq!(
        run.cases[&2].rerun_failed.as_ref().unwrap().partial,
        "Own",
        "what the failed call wrote is kept beside it"
    );
    // The run: three calls failed, three answers kept; no tokens of the earlier run counted.
    let p = run.progress();
    assert_eq!((p.total, p.failed, p.kept_earlier, p.done), (3, 3, 3, 0));
    assert_eq!((p.input_tokens, p.output_tokens), (0, 0));
    assert_eq!(p.failed_billed, 0, "nothing went out that counts");
    // Tryout 111: a re-run that failed after its request went out (a stall, a cut stream) may
    // be billed, as its row says: the run's line counts it so ("3 failed (1 may be billed)").
    let mut billed = run.clone();
    billed
        .cases
        .get_mut(&2)
        .unwrap()
        .rerun_failed
        .as_mut()
        .unwrap()
        .spent = Some(crate::domain::eval::run::Spent {
        model: ModelUsed {
            kind: crate::domain::provider::ProviderKind::OpenAi,
            model: "gpt-4o-mini".into(),
        },
        input_tokens: 7,
        output_tokens: 1,
        estimated: true,
    });
    assert_eq!(billed.progress().failed_billed, 1);
    // And the run's figure beside the ceiling counts the 3 cases it was, not those of its
    // answers alone ("latest run (7 cases)" for a run of 10).
    assert_eq!(billed.latest_tokens(), (1, 3, 8));
    // The score: the same answers, each named as from an earlier run.
    let scores = run.scores(&suite, None);
    assert_eq!(run.aggregate(&suite, None), scored_before);
    assert_eq!(run.earlier_counted(&scores), 3);
    assert!(
        run.score_line(&scores)
            .contains(" · all 3 answers are from an earlier run"),
        "{}",
        run.score_line(&scores)
    );
    assert_eq!(
        run.failed_note(&suite),
        " · 3 cases' re-runs failed: their earlier answers are kept (Retry them below)"
    );
    // Tryout 18 (5): a next run whose first call (case 1) meets a refused key sends the other
    // two no more; their re-runs failed in the run before, which the line says as such.
    let mut next = run.clone();
    next.started_ms = 30.0;
    for id in 1..=3 {
        let before = next.cases.remove(&id);
        next.cases.insert(id, CaseRun::queued(30.0, before));
    }
    next.cases.get_mut(&1).unwrap().fail(
        "The key was not accepted (HTTP 401).".into(),
        String::new(),
        None,
        10.0,
        30.0,
        None,
    );
    next.stop_sending("the key was not accepted (HTTP 401)".into(), &[2, 3]);
    assert_eq!(
        next.failed_note(&suite),
        " · 1 case's re-run failed: its earlier answer is kept (Retry it below) · 2 cases' re-runs failed in an earlier run: their earlier answers are kept (Retry them below)"
    );
    // Saved (the page reloaded): the answers, with the failures beside them (tryout 117: a
    // reload dropped them, and the run's line counted the cases as not its own).
    let saved = Run::from(crate::domain::wire::RunV1::from(&run));
    assert_eq!(saved.cases.len(), 3);
    assert!(
        saved
            .cases
            .values()
            .all(|c| c.rerun_failed_in(20.0) && c.status == Status::Done && c.run_ms == 10.0)
    );
    assert_eq!(saved.progress(), run.progress());
    assert_eq!(saved.failed_note(&suite), run.failed_note(&suite));
    // Queued again: the answer is still the one a cancel puts back (without the old failure).
    let again = CaseRun::queued(30.0, run.cases.remove(&1));
    let earlier = again.earlier.as_deref().unwrap();
    assert_eq!(earlier.output, "Owners: case 1");
    let mut back = again.clone();
    back.cancel();
    assert!(back.rerun_failed.is_none() && back.rerun_cancelled == Some(30.0));
    // Tryout 12 (minor 1): case 2's re-run wrote "Own" before failing; a retry that fails
    // before any text keeps that part, named as from the attempt before.
    let mut retry = CaseRun::queued(30.0, run.cases.remove(&2));
    retry.fail("HTTP 401".into(), String::new(), None, 10.0, 30.0, None);
    let f = retry.rerun_failed.as_ref().unwrap();
    assert_eq!(f.partial, "Own");
    assert_eq!(f.message, format!("HTTP 401 {KEPT_FROM_BEFORE}"));
    assert!(retry.rerun_failed_in(30.0));
    assert_eq!(retry.output, "Owners: case 2");
    // A re-run that answers replaces the answer and its failure note: nothing else to test
    // here (the runner writes a new result over the queued one).
}

// Tryout 12 (M3): after a switch of execution model, a retry on the new one and the answers of
// the old one made one score line with no word of the two models.
#[test]
fn a_score_over_answers_of_two_models_names_them() {
    let (mut suite, _) = one_case("Notes");
    for id in 2..=3 {
        let mut c = suite.cases[0].clone();
        c.id = id;
        suite.cases.push(c);
    }
    let model = |m: &str| {
        Some(ModelUsed {
            kind: crate::domain::provider::ProviderKind::OpenAi,
            model: m.into(),
        })
    };
    let answer = |run_ms: f64, m: &str| CaseRun {
        status: Status::Done,
        output: "Bob".into(),
        run_ms,
        exec_model: model(m),
        ..CaseRun::default()
    };
    let mut run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: "OpenAI gpt-4o".into(),
        started_ms: 20.0,
        cases: [
            (1, answer(10.0, "gpt-4o")),
            (2, answer(10.0, "gpt-4o")),
            (3, answer(20.0, "gpt-4o-mini")),
        ]
        .into(),
        replaced: Vec::new(),
    };
    let scores = run.scores(&suite, None);
    assert_eq!(
        run.score_line(&scores),
        "Score 100 / 100 · 3 of 3 cases passed every check · 2 of the 3 answers are from an earlier run · the answers are from 2 models: OpenAI gpt-4o (2) and OpenAI gpt-4o-mini (1)"
    );
    // One model: nothing added.
    run.cases.insert(3, answer(20.0, "gpt-4o"));
    let scores = run.scores(&suite, None);
    assert!(!run.score_line(&scores).contains("models"));
    // Tryout 81: one model, not the one chosen now: the score says whose answers it is over.
    let gpt = |model: &str| ModelUsed {
        kind: crate::domain::provider::ProviderKind::OpenAi,
        model: model.into(),
    };
    assert_eq!(
        run.other_model_note(&scores, &gpt("o4-mini")),
        " · the answers are from OpenAI gpt-4o, not the execution model chosen now (OpenAI o4-mini): run the cases again to score this version on it"
    );
    assert_eq!(run.other_model_note(&scores, &gpt("gpt-4o")), "");
    run.cases.insert(3, answer(20.0, "gpt-4o-mini"));
    let scores = run.scores(&suite, None);
    assert_eq!(run.other_model_note(&scores, &gpt("o4-mini")), "");
}

// Tryout 12 (minor 4): calls that wrote text and then failed or were cancelled counted as "0
// tokens · nothing yet (no tokens counted)", though a provider bills what they read and wrote.
// They count as estimates, priced by their model, whether or not an earlier answer is put back.
#[test]
fn calls_that_wrote_text_and_ended_without_an_answer_are_counted_as_estimates() {
    let model = ModelUsed {
        kind: crate::domain::provider::ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    assert_eq!(
        run::Spent::of(model.clone(), 100, ""),
        None,
        "nothing arrived"
    );
    let spent = || run::Spent::of(model.clone(), 1_000_000, "abcd");
    let answer = CaseRun {
        status: Status::Done,
        output: "Bob".into(),
        run_ms: 10.0,
        input_tokens: 7,
        output_tokens: 3,
        exec_model: Some(model.clone()),
        ..CaseRun::default()
    };
    let mut run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: model.label(),
        started_ms: 20.0,
        cases: SortedMap::new(),
        replaced: Vec::new(),
    };
    // Case 1: a first run's call cut off after text; case 2: a re-run of an answer, cut off;
    // case 3: a re-run of an answer, cancelled after text.
    let mut one = CaseRun::queued(20.0, None);
    one.fail("cut".into(), "abcd".into(), None, 1.0, 20.0, spent());
    assert_eq!(
        (one.input_tokens, one.output_tokens, one.tokens_estimated),
        (1_000_000, 1, true)
    );
    let mut two = CaseRun::queued(20.0, Some(answer.clone()));
    two.fail("cut".into(), "abcd".into(), None, 1.0, 20.0, spent());
    assert_eq!(
        (two.input_tokens, two.output_tokens),
        (7, 3),
        "the answer's own"
    );
    let mut three = CaseRun::queued(20.0, Some(answer.clone()));
    three.cancel_after(spent());
    run.cases.insert(1, one);
    run.cases.insert(2, two);
    run.cases.insert(3, three);
    let p = run.progress();
    assert_eq!((p.input_tokens, p.output_tokens), (3_000_000, 3));
    // $0.15 per million in: three calls.
    assert_eq!(run.cost_line(), "$0.45");
}

// Review: a retried refusal (this run's own result) whose retry fails comes back as this run's,
// and the failed call's estimate still counts.
#[test]
fn a_failed_retry_of_this_runs_refusal_counts_its_call() {
    let model = ModelUsed {
        kind: crate::domain::provider::ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    let refusal = CaseRun {
        status: Status::Done,
        refusal: Some("no".into()),
        run_ms: 20.0,
        input_tokens: 10,
        exec_model: Some(model.clone()),
        ..CaseRun::default()
    };
    let mut retry = CaseRun::queued(20.0, Some(refusal));
    retry.fail(
        "cut".into(),
        "abcd".into(),
        None,
        1.0,
        20.0,
        run::Spent::of(model.clone(), 100, "abcd"),
    );
    let run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: model.label(),
        started_ms: 20.0,
        cases: [(1, retry)].into(),
        replaced: Vec::new(),
    };
    assert!(run.is_latest(&run.cases[&1]));
    let p = run.progress();
    assert_eq!((p.input_tokens, p.output_tokens), (110, 1));
}

// Tryout 11 (S3) and review: a Retry completes a run only on the model that made it; a failed
// call records no model and is read by the run's label, which for a comparison model at another
// host names the host.
#[test]
fn a_run_is_made_with_the_model_of_its_results_or_its_label() {
    let cfg = |model: &str, url: &str| crate::domain::provider::ProviderConfig {
        kind: crate::domain::provider::ProviderKind::OpenAi,
        base_url: url.into(),
        model: model.into(),
        temperature: 0.0,
    };
    let b = cfg("gpt-4o-mini", "http://127.0.0.1:9000/v1");
    let label = super::grid::model_label(&b);
    assert!(label.ends_with(" at 127.0.0.1:9000"), "{label}");
    let failed = CaseRun {
        status: Status::Failed("HTTP 500".into()),
        run_ms: 20.0,
        ..CaseRun::default()
    };
    let answered = CaseRun {
        status: Status::Done,
        run_ms: 20.0,
        exec_model: Some(ModelUsed::of(&b)),
        ..CaseRun::default()
    };
    let run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        version: 1,
        model: label.clone(),
        started_ms: 20.0,
        cases: [(1, answered), (2, failed)].into(),
        replaced: Vec::new(),
    };
    assert!(run.made_with(&ModelUsed::of(&b), &label));
    // Its bare model label is not the run's: read by the label the runner wrote.
    assert!(!run.made_with(&ModelUsed::of(&b), &ModelUsed::of(&b).label()));
    let other = cfg("gpt-4o", "http://127.0.0.1:9000/v1");
    assert!(!run.made_with(&ModelUsed::of(&other), &super::grid::model_label(&other)));
}

// Tryout 13, M3: after a reload mid-run, an 11-case run read "1 of 1 done" and said nothing of
// the ten cases the reload cut off.
#[test]
fn a_run_cut_by_a_reload_counts_the_cases_it_never_sent() {
    use crate::domain::wire::RunV1;
    let mut run = Run {
        version: 1,
        model: "m".into(),
        started_ms: 20.0,
        ..Run::default()
    };
    let earlier = CaseRun {
        status: Status::Done,
        output: "an earlier answer".into(),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    run.cases.insert(
        1,
        CaseRun {
            status: Status::Done,
            output: "done".into(),
            run_ms: 20.0,
            ..CaseRun::default()
        },
    );
    run.cases.insert(
        2,
        CaseRun {
            status: Status::Running,
            run_ms: 20.0,
            ..CaseRun::default()
        },
    );
    for id in 3..=10 {
        run.cases.insert(id, CaseRun::queued(20.0, None));
    }
    // A queued re-run over an earlier answer: the answer is kept, the re-run was not sent.
    run.cases.insert(11, CaseRun::queued(20.0, Some(earlier)));
    let before = run.progress();
    assert_eq!((before.total, before.done, before.unsent), (11, 1, 0));
    // Saved while it goes on (autosave, an export, another tab following the draft): the
    // queued cases are among the unsent, as the page going away would leave them (tryout 73:
    // another tab read "1 of 1 done" here, and so would this tab after a crash).
    let kept = Run::from(RunV1::from(&run));
    assert_eq!(kept.unsent_ids(), (3..=11).collect::<Vec<_>>());
    let p = kept.progress();
    assert_eq!((p.total, p.done, p.unsent), (11, 1, 9), "{p:?}");
    // The page goes away: the cases still queued are marked.
    run.mark_unsent();

    let json = serde_json::to_string(&RunV1::from(&run)).unwrap();
    let back = Run::from(serde_json::from_str::<RunV1>(&json).unwrap());
    assert_eq!(back.unsent_ids(), (3..=11).collect::<Vec<_>>());
    assert_eq!(back.cases[&11].output, "an earlier answer");
    let p = back.progress();
    assert_eq!(
        (p.total, p.done, p.cancelled, p.unsent, p.finished()),
        (11, 1, 1, 9, 2),
        "{p:?}"
    );
    // Tryout 100: of the nine, case 11 shows its earlier answer (the score line counts it as
    // answered); the progress line says so.
    assert_eq!(p.unsent_with_earlier, 1, "{p:?}");
    // Saved again as it is (another draft opened, a second reload): still nine never sent.
    let again = Run::from(RunV1::from(&back));
    assert_eq!(again.progress(), p);

    // Sending them as part of the run: a case with a result of this run is not unsent any more,
    // and queued again it is counted once.
    let mut resumed = again;
    resumed.queued_again(3);
    resumed.cases.insert(3, CaseRun::queued(20.0, None));
    resumed.cases.insert(
        4,
        CaseRun {
            status: Status::Done,
            run_ms: 20.0,
            ..CaseRun::default()
        },
    );
    let p = resumed.progress();
    assert_eq!((p.total, p.done, p.unsent), (11, 2, 7), "{p:?}");
    // Saved while case 3 is under way: written among the unsent, as the page going away now
    // would leave it (the draft holds a case queued while it answers, so a tab gone without a
    // word, a crash, leaves up to "at once" cases read as not sent that may have gone out;
    // before, the record left them out and the run read as done).
    assert_eq!(RunV1::from(&resumed).unsent, vec![3, 5, 6, 7, 8, 9, 10, 11]);
    // The page goes away again before it is sent: marked again.
    let mut left = resumed.clone();
    left.mark_unsent();
    assert_eq!(RunV1::from(&left).unsent, vec![3, 5, 6, 7, 8, 9, 10, 11]);
    // A case that got its place as the page went away was not sent: its earlier answer comes
    // back, and it is among the unsent.
    let mut refused = resumed.clone();
    refused.queued_again(11);
    let earlier11 = refused.cases[&11].clone();
    refused
        .cases
        .insert(11, CaseRun::queued(20.0, Some(earlier11.clone())));
    refused.not_sent(11);
    assert_eq!(refused.cases[&11], earlier11);
    assert!(refused.unsent_ids().contains(&11));
    // A re-run that failed over its earlier answer has an outcome: not unsent any more.
    let mut failed = resumed.clone();
    failed.queued_again(11);
    failed.cases.get_mut(&11).unwrap().rerun_failed = Some(run::RerunFailure {
        run_ms: 20.0,
        ..Default::default()
    });
    assert!(
        !failed.unsent_ids().contains(&11),
        "{:?}",
        failed.unsent_ids()
    );
    // A case deleted since is not waited for.
    let p = resumed.progress_where(|id| id != 11);
    assert_eq!((p.total, p.unsent), (10, 6), "{p:?}");

    // Records without the field (older ones) read as before.
    let old: RunV1 = serde_json::from_str(r#"{"version":1,"at":20,"cases":[]}"#).unwrap();
    assert!(Run::from(old).unsent.is_empty());
    // None unsent: the field is not written.
    assert!(
        !serde_json::to_string(&RunV1::from(&Run::default()))
            .unwrap()
            .contains("unsent")
    );
}

// Tryout 17: "Send the cases not sent" after a switch of execution model started a run of its
// own on the new model without saying so; the page reads the same rule the runner follows.
#[test]
fn cases_never_sent_go_out_in_their_run_only_on_its_own_model() {
    let mut cfg = crate::domain::provider::ProviderConfig::preset(
        crate::domain::provider::ProviderKind::OpenAi,
        crate::domain::provider::Role::Execution,
    );
    cfg.model = "gpt-4o-mini".into();
    let first = ModelUsed::of(&cfg);
    cfg.model = "gpt-4.1-mini".into();
    let other = ModelUsed::of(&cfg);
    let mut run = Run {
        version: 1,
        model: first.label(),
        started_ms: 10.0,
        unsent: vec![2, 3],
        ..Run::default()
    };
    // Cut before any answer came: read by its label.
    assert!(run.resumes_on(&first, &first.label()));
    assert!(!run.resumes_on(&other, &other.label()));
    // With an answer: read by the model that wrote it.
    run.cases.insert(
        1,
        CaseRun {
            status: Status::Done,
            run_ms: 10.0,
            exec_model: Some(first.clone()),
            ..CaseRun::default()
        },
    );
    assert!(run.resumes_on(&first, &first.label()));
    assert!(!run.resumes_on(&other, &other.label()));
}

// Tryout 17, 4: a case cancelled with part of an answer, queued again and cut by a reload, lost
// that part. It comes back when the re-run is cut off or cancelled, and stays beside a re-run
// that fails before any text (named as from the attempt before).
#[test]
fn a_cancelled_part_survives_a_requeue_cut_by_a_reload_a_cancel_or_a_failure() {
    let cancelled = CaseRun {
        status: Status::Cancelled,
        output: "- Bob: send the".into(),
        run_ms: 10.0,
        ..CaseRun::default()
    };
    // Cut by a reload: not sent, the part is back.
    let mut run = Run {
        version: 1,
        started_ms: 20.0,
        ..Run::default()
    };
    run.cases
        .insert(1, CaseRun::queued(20.0, Some(cancelled.clone())));
    run.mark_unsent();
    run.not_sent(1);
    assert_eq!(run.cases[&1].status, Status::Cancelled);
    assert_eq!(run.cases[&1].output, "- Bob: send the");
    assert_eq!(run.unsent_ids(), vec![1]);
    // Cancelled again before any text: the part is back.
    let mut c = CaseRun::queued(30.0, Some(cancelled.clone()));
    c.cancel();
    assert_eq!(c.status, Status::Cancelled);
    assert_eq!(c.output, "- Bob: send the");
    // Failed before any text: the failure, with the part from the attempt before.
    let mut c = CaseRun::queued(40.0, Some(cancelled));
    c.fail("HTTP 500".into(), String::new(), None, 5.0, 40.0, None);
    assert_eq!(
        c.status,
        Status::Failed(format!("HTTP 500 {KEPT_FROM_BEFORE}"))
    );
    assert_eq!(c.output, "- Bob: send the");
}

// Tryout 19 (5): an unpriced judge made a run with no judge checks "cost unknown (no list price
// for this model)". A judge that gets no call does not count, and an unpriced model is named.
#[test]
fn a_runs_bound_in_money_counts_only_the_models_it_calls_and_names_the_unpriced() {
    use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
    let cfg = |kind, model: &str| ProviderConfig {
        model: model.into(),
        ..ProviderConfig::preset(kind, Role::Execution)
    };
    let mini = cfg(ProviderKind::OpenAi, "gpt-4o-mini");
    let custom = cfg(ProviderKind::Custom, "fake-large");
    let no_judge = run::RunBound {
        exec_calls: 1,
        exec_input: 1_000,
        exec_output: 1_500,
        ..Default::default()
    };
    // gpt-4o-mini: $0.15 / $0.60 per million tokens.
    assert_eq!(no_judge.cost_words(&mini, &custom), "at most $0.0011");
    let judged = run::RunBound {
        judge_calls: 1,
        judge_input: 2_000,
        judge_output: 100,
        ..no_judge
    };
    // The priced part is said (tryout 90: "cost unknown" hid the priced calls' figure).
    assert_eq!(
        judged.cost_words(&mini, &custom),
        "at most $0.0011 for the execution model; unknown for fake-large (the judge: no list price here)"
    );
    assert_eq!(
        judged.cost_words(&custom, &mini),
        "at most $0.0004 for the judge; unknown for fake-large (the execution model: no list price here)"
    );
    assert_eq!(
        judged.cost_words(&custom, &custom),
        "cost unknown (no list price for fake-large (the execution model) or fake-large (the judge))"
    );
    // A comparison model's calls are named as its (tryout 96: a Gemini comparison model was
    // "the execution model").
    assert_eq!(
        judged.cost_words_for(&custom, "a comparison model", &mini),
        "at most $0.0004 for the judge; unknown for fake-large (a comparison model: no list price here)"
    );
    assert_eq!(
        judged.cost_words_for(&mini, "a comparison model", &custom),
        "at most $0.0011 for a comparison model; unknown for fake-large (the judge: no list price here)"
    );
    // A cost that would read "$0.0000" keeps two significant digits (it follows "about" and
    // "at least" in other lines).
    assert_eq!(
        crate::domain::estimate::format_cost(Some(0.000_031)),
        "$0.000031"
    );
    assert_eq!(
        crate::domain::estimate::format_cost(Some(0.000_04)),
        "$0.000040"
    );
}

// Tryout 19 (4): a server that ignored the output cap reported 2,151 output tokens for a
// 1,500-token cap; the run's cost went above the "at most" shown before it, without a word.
// Such answers are counted (reported counts only: an estimate is not the provider's word).
#[test]
fn answers_over_the_output_cap_are_counted() {
    let result = |output_tokens: u32, tokens_estimated: bool| CaseRun {
        status: Status::Done,
        output_tokens,
        tokens_estimated,
        ..CaseRun::default()
    };
    let mut r = Run::default();
    r.cases.insert(1, result(run::MAX_OUTPUT_TOKENS, false));
    r.cases.insert(2, result(2_151, true));
    assert_eq!(r.progress().over_cap, 0, "at the cap, or an estimate");
    r.cases.insert(3, result(2_151, false));
    assert_eq!(r.progress().over_cap, 1);
    // Tryouts 99-100: a link's 4,000,000,000 output tokens read "the provider sent more than the
    // cap"; a result that came with the draft says its own counts and is counted apart.
    let mut received = result(4_000_000_000, false);
    received.received = true;
    r.cases.insert(4, received);
    let p = r.progress();
    assert_eq!((p.over_cap, p.received), (1, 1));
    // Tryout 119: an answer the page read no further past the cap is counted at its bound (a
    // token a byte of the 12,000 read): over the cap, and said as counted at the most.
    r.cases.insert(5, result(12_400, true));
    let p = r.progress();
    assert_eq!((p.over_cap, p.over_cap_bounded), (2, 1));
    assert!(r.latest_received());
    assert!(
        run::bound_basis(false, Some((4, 4, "$1.00", true, false)))
            .ends_with("latest run (4 cases) cost $1.00, by the token counts its results came with in a link or file.")
    );
}

// Tryout 19 (3): a reload while a re-run answered (over an earlier answer) dropped the call from
// the run's count and cost: the record kept the earlier answer only. It keeps the stopped re-run
// beside it, counted as this run's cancelled case with what it wrote likely cost; so does a
// Cancel that put an answer back.
#[test]
fn a_rerun_cut_by_a_reload_or_cancelled_is_counted_after_a_save() {
    use crate::domain::provider::ProviderKind;
    let mini = ModelUsed {
        kind: ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    let answer = |id: u32| CaseRun {
        status: Status::Done,
        output: format!("Owners: case {id}"),
        run_ms: 10.0,
        input_tokens: 100,
        output_tokens: 20,
        exec_model: Some(mini.clone()),
        ..CaseRun::default()
    };
    let mut run = Run {
        version: 1,
        model: "OpenAI gpt-4o-mini".into(),
        started_ms: 20.0,
        cases: (1..=2)
            .map(|id| (id, CaseRun::queued(20.0, Some(answer(id)))))
            .collect(),
        ..Run::default()
    };
    // Case 1 answers when the page goes away: written as the runner's leave hook writes it.
    let spent = run::Spent::of(mini.clone(), 300, "Owners: Bo");
    let c1 = run.cases.get_mut(&1).unwrap();
    c1.status = Status::Running;
    c1.output = "Owners: Bo".into();
    c1.count_spent(spent.clone());
    // Case 2 was cancelled after some text.
    run.cases
        .get_mut(&2)
        .unwrap()
        .cancel_after(run::Spent::of(mini.clone(), 300, "Own"));
    let back = Run::from(crate::domain::wire::RunV1::from(&run));
    for id in 1..=2 {
        let c = &back.cases[&id];
        assert_eq!(c.output, format!("Owners: case {id}"), "the earlier answer");
        assert_eq!(c.run_ms, 10.0);
        assert_eq!(c.rerun_cancelled, Some(20.0), "case {id}");
    }
    assert_eq!(back.cases[&1].rerun_cancelled_spent, spent);
    let p = back.progress();
    assert_eq!((p.total, p.cancelled, p.cancelled_kept), (2, 2, 2));
    assert_eq!(p.input_tokens, 600);
    assert!(back.cost_line().starts_with('$'), "{}", back.cost_line());
    // Read again and saved again: the same.
    let again = Run::from(crate::domain::wire::RunV1::from(&back));
    assert_eq!(again.progress(), p);
    // Review: a re-run left `Cancelled` over its earlier answer (the page came back from the
    // back/forward cache) is kept as a cancel too.
    let mut stuck = run.clone();
    stuck.cases.get_mut(&1).unwrap().status = Status::Cancelled;
    let back = Run::from(crate::domain::wire::RunV1::from(&stuck));
    assert_eq!(back.cases[&1].rerun_cancelled, Some(20.0));
    assert_eq!(back.cases[&1].output, "Owners: case 1");
}

// Tryout 47: "536 tokens in, 8 out" for calls that reported no usage: the totals say when some
// of them are estimated.
#[test]
fn a_runs_token_totals_say_when_some_are_estimated() {
    let mut run = Run {
        version: 1,
        started_ms: 1.0,
        ..Run::default()
    };
    let answered = |estimated| CaseRun {
        status: Status::Done,
        run_ms: 1.0,
        input_tokens: 100,
        output_tokens: 10,
        tokens_estimated: estimated,
        ..CaseRun::default()
    };
    run.cases.insert(1, answered(false));
    assert!(!run.progress().tokens_estimated);
    run.cases.insert(2, answered(true));
    let p = run.progress();
    assert!(p.tokens_estimated);
    assert_eq!((p.input_tokens, p.output_tokens), (200, 20));
}

/// Tryouts 46-48: a run's "at most" figure says what it counts (the answer cap, the judge's whole
/// clipped answer, a byte a token) and names the latest run's cost only when that is a price.
#[test]
fn the_run_bound_says_what_it_counts_and_what_the_latest_run_cost() {
    let plain = run::bound_basis(false, None);
    assert!(
        plain.contains("each answer at its 1,500-token cap, and each byte"),
        "{plain}"
    );
    assert!(!plain.contains("judge"), "{plain}");
    let judged = run::bound_basis(true, Some((3, 3, "$0.0021", false, false)));
    assert!(
        judged.contains("each judge call as if the answer filled the 8,000 characters"),
        "{judged}"
    );
    assert!(
        judged.ends_with("This version's latest run (3 cases) cost $0.0021."),
        "{judged}"
    );
    assert!(
        run::bound_basis(false, Some((1, 1, "free", false, false)))
            .ends_with("latest run (1 case) was free.")
    );
    // Tryout 89: "(581 cases)" for a run of which 12 were sent.
    assert!(
        run::bound_basis(false, Some((12, 581, "$0.01", false, false)))
            .ends_with("latest run (12 of its 581 cases that reached the model) cost $0.01.")
    );
    // Not a price: nothing is said of the latest run.
    for not_a_price in [
        "nothing yet (no tokens counted)",
        "unknown price (no list price for x)",
    ] {
        assert!(
            !run::bound_basis(true, Some((2, 2, not_a_price, false, false))).contains("latest run")
        );
    }
    assert!(!run::bound_basis(true, Some((0, 0, "$0.01", false, false))).contains("latest run"));
    // Tryout 90: after a reload mid-run, what it spent is in calls cut off: the cost is said.
    assert!(
        run::bound_basis(true, Some((0, 24, "$0.0022", false, false)))
            .ends_with("This version's latest run cost $0.0022.")
    );
    // Tryout 117: an estimate is said as one, as the progress line says it.
    assert!(
        run::bound_basis(true, Some((3, 3, "$0.0001", false, true)))
            .ends_with("This version's latest run (3 cases) cost an estimated $0.0001.")
    );
    // The figures named are the ones the bound uses.
    assert_eq!(run::MAX_OUTPUT_TOKENS, 1500);
    assert_eq!(run::JUDGE_OUTPUT_BOUND, 4 * 8000 + 16);
}

/// An answer under way when another draft opens (`CaseRun::cut_by_switch`, tryout 54): a first
/// answer keeps what arrived, counted with its estimate (`Spent::so_far`); a re-run puts the
/// earlier answer back with the estimate beside it; a case that ended meanwhile is left alone.
#[test]
fn an_answer_cut_by_opening_another_draft_keeps_what_arrived() {
    use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
    let cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    let case = TestCase {
        id: 1,
        input: "Notes: Ana sends the deck.".into(),
        ..TestCase::default()
    };
    let spent = run::Spent::so_far("You list action items.", &case, &cfg, "- Ana: se");
    let s = spent.clone().expect("text arrived");
    assert!(s.input_tokens > 0 && s.output_tokens > 0, "{s:?}");
    assert_eq!(s.model, ModelUsed::of(&cfg));
    // Tryout 77: a call under way with nothing arrived yet still had its request out.
    let prompt_only = run::Spent::so_far("p", &case, &cfg, "").expect("its prompt");
    assert!(
        prompt_only.input_tokens > 0 && prompt_only.output_tokens == 0,
        "{prompt_only:?}"
    );
    let mut first = CaseRun {
        status: Status::Queued,
        run_ms: 9.0,
        ..CaseRun::default()
    };
    first.cut_by_switch("- Ana: se", spent.clone(), Leaving::Switch);
    assert_eq!(first.status, Status::Cancelled);
    assert_eq!(first.output, "- Ana: se");
    assert_eq!(first.input_tokens, s.input_tokens);
    // Not called cancelled by the person: said as cut off, with the bill it may bring (tryout 68).
    assert_eq!(first.cut_by, Some(Leaving::Switch));
    assert_eq!(first.cancelled_note(), None);
    // The person's Cancel after text arrived: "cancelled", with the same word of the bill
    // (tryout 69); before any text, nothing is counted and nothing said.
    let mut cancelled = CaseRun {
        status: Status::Queued,
        run_ms: 9.0,
        ..CaseRun::default()
    };
    cancelled.cancel_after(spent.clone());
    assert_eq!(cancelled.cut_note(), None);
    assert_eq!(
        cancelled.cancelled_note().as_deref(),
        Some(
            "Cancelled while the model was answering: the provider may still bill the call. Its cost here is an estimate from the texts. Retry asks again."
        )
    );
    let mut early = CaseRun {
        status: Status::Queued,
        ..CaseRun::default()
    };
    early.cancel();
    assert_eq!(early.cancelled_note(), None);
    assert_eq!(
        first.cut_note().as_deref(),
        Some(
            "Stopped when another draft was opened, while the model was answering: the provider may still bill the call. Its cost here is an estimate from the texts. Retry asks again."
        )
    );
    let earlier = CaseRun {
        status: Status::Done,
        output: "- Ana: send the deck".into(),
        run_ms: 5.0,
        ..CaseRun::default()
    };
    let mut rerun = CaseRun {
        status: Status::Queued,
        run_ms: 9.0,
        earlier: Some(Box::new(earlier.clone())),
        ..CaseRun::default()
    };
    rerun.cut_by_switch("- Ana: se", spent.clone(), Leaving::Delete);
    assert_eq!(
        rerun.output, earlier.output,
        "the earlier answer is put back"
    );
    assert_eq!(rerun.rerun_cancelled, Some(9.0));
    assert_eq!(rerun.rerun_cancelled_spent, spent);
    assert_eq!(
        rerun.cut_note(),
        None,
        "the put-back answer has its own note"
    );
    assert_eq!(
        rerun.rerun_stopped_note().as_deref(),
        Some(
            "This case's re-run was stopped when this draft was deleted, while the model was answering: the provider may still bill that call."
        )
    );
    let mut ended = earlier.clone();
    ended.cut_by_switch("x", None, Leaving::Switch);
    assert_eq!(ended, earlier);
}

// Tryout 78, 2: a copy of a draft whose run was stopped by opening the copy read "3 stopped
// while answering (may be billed) · about 601 tokens in" and each row "stopped when another
// draft was opened ... the provider may still bill that call": the same calls counted in both
// drafts. The copy keeps what arrived, says the calls were stopped in the source, counts
// nothing of them.
#[test]
fn a_copy_counts_nothing_of_the_calls_its_source_had_stopped() {
    use crate::domain::draft::{Draft, Leaving};
    let model = ModelUsed {
        kind: crate::domain::provider::ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    let mut d = Draft::default();
    let mut run = Run {
        started_ms: 1_000.0,
        ..Run::default()
    };
    let mut cut = CaseRun::queued(1_000.0, None);
    cut.cut_by_switch(
        "Bob sen",
        Some(super::run::Spent {
            model: model.clone(),
            input_tokens: 200,
            output_tokens: 3,
            estimated: true,
        }),
        Leaving::Switch,
    );
    assert!(cut.cut_note().unwrap().contains("may still bill"));
    run.cases.insert(1, cut);
    d.runs.push(run);
    assert_eq!(d.runs[0].progress().stopped, 1);
    assert!(d.runs[0].progress().input_tokens > 0);
    d.arrive_as_copy();
    let c = &d.runs[0].cases[&1];
    assert_eq!(c.output, "Bob sen", "what arrived is kept");
    assert_eq!(c.cut_by, Some(Leaving::Copied));
    let note = c.cut_note().unwrap();
    assert!(
        note.contains("copied from") && !note.contains("may still bill"),
        "{note}"
    );
    let p = d.runs[0].progress();
    assert_eq!((p.stopped, p.input_tokens, p.output_tokens), (0, 0, 0));
    // Kept as such: the wire reads it back.
    assert_eq!(
        Leaving::from_wire(Leaving::Copied.wire()),
        Some(Leaving::Copied)
    );
}

// Tryout 80: an empty earlier turn was announced as "empty variables".
#[test]
fn gaps_are_named_variables_only_when_every_one_is() {
    use crate::domain::eval::run::{Gap, gaps_noun};
    let var = Gap::Empty {
        name: "notes".into(),
        excerpt: String::new(),
    };
    let turn = Gap::EmptyTurn {
        at: 1,
        speaker: crate::domain::eval::Speaker::User,
    };
    assert_eq!(gaps_noun([&var]), "empty variables");
    assert_eq!(gaps_noun([&var, &turn]), "empty parts");
    assert_eq!(gaps_noun([&Gap::NoMessage]), "empty parts");
}

// Tryout 88: a 20,000-case run, "at most $1,895.72", started on one click. A run that may cost a
// dollar or more at list price, or sends 500 calls or more to a model with no list price, waits
// for the person's word; a run on the free built-in model never does.
#[test]
fn a_costly_run_waits_for_a_word_and_a_small_or_free_one_does_not() {
    use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
    let cfg = |kind, model: &str| ProviderConfig {
        model: model.into(),
        ..ProviderConfig::preset(kind, Role::Execution)
    };
    let mini = cfg(ProviderKind::OpenAi, "gpt-4o-mini");
    let custom = cfg(ProviderKind::Custom, "fake-large");
    let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
    // gpt-4o-mini: $0.15 / $0.60 per million tokens; 1,000 calls of 1,000 in and 1,500 out
    // cost at most $1.05.
    let calls = |n: u32| run::RunBound {
        exec_calls: n,
        exec_input: 1_000 * u64::from(n),
        exec_output: 1_500 * u64::from(n),
        ..Default::default()
    };
    // The question's words when the press waits for a word (`run::run_question`), else None.
    let costly = |slots: &[(run::RunBound, &ProviderConfig)], judge: &ProviderConfig| {
        let (ask, words) = run::run_question(slots, judge);
        ask.then_some(words)
    };
    let needs_confirm = |b: run::RunBound, exec: &ProviderConfig, judge: &ProviderConfig| {
        costly(&[(b, exec)], judge).is_some()
    };
    assert!(needs_confirm(calls(1_000), &mini, &mini));
    assert!(!needs_confirm(calls(900), &mini, &mini), "$0.95");
    assert!(needs_confirm(
        calls(run::CONFIRM_RUN_CALLS),
        &custom,
        &custom
    ));
    assert!(!needs_confirm(
        calls(run::CONFIRM_RUN_CALLS - 1),
        &custom,
        &custom
    ));
    assert!(!needs_confirm(calls(20_000), &local, &local), "free");
    // A judge with no list price counts its calls with the execution model's.
    let judged = run::RunBound {
        judge_calls: 250,
        ..calls(250)
    };
    assert!(needs_confirm(judged, &mini, &custom));
    // Tryout 89: a press that runs several models asks for all their calls together (300 + 300
    // to models with no list price), and its words name every model, so a model switched to
    // after the question changes them.
    let small = cfg(ProviderKind::Custom, "fake-small");
    assert_eq!(costly(&[(calls(300), &custom)], &custom), None);
    assert_eq!(
        costly(&[(calls(300), &custom), (calls(300), &small)], &custom).as_deref(),
        Some(
            "This run sends 600 calls (300 to fake-large, 300 to fake-small): cost unknown (no list price for fake-large or fake-small)."
        )
    );
    assert_eq!(
        costly(&[(judged, &mini)], &custom).as_deref(),
        Some(
            "This run sends 500 calls (250 to gpt-4o-mini, 250 to the judge, fake-large): at most $0.27 for the models with a list price; unknown for fake-large (no list price here)."
        )
    );
    assert_eq!(
        costly(&[(calls(1_000), &mini)], &mini).as_deref(),
        Some("This run sends 1,000 calls (1,000 to gpt-4o-mini): at most $1.05.")
    );
    // Tryout 90: an unpriced execution model does not hide a priced judge's $1 or more.
    let judged_big = run::RunBound {
        judge_calls: 1_000,
        judge_input: 1_000_000,
        judge_output: 1_500_000,
        ..calls(26)
    };
    assert_eq!(
        costly(&[(judged_big, &custom)], &mini).as_deref(),
        Some(
            "This run sends 1,026 calls (26 to fake-large, 1,000 to the judge, gpt-4o-mini): at most $1.05 for the models with a list price; unknown for fake-large (no list price here)."
        )
    );
    let (ask, words) = run::run_question(&[(calls(26), &custom)], &mini);
    assert!(!ask, "{words}");
    assert_eq!(
        words,
        "This run sends 26 calls (26 to fake-large): cost unknown (no list price for fake-large)."
    );
    // Two priced models: their dollars add up ($0.95 + $0.95).
    assert!(costly(&[(calls(900), &mini), (calls(900), &mini)], &mini).is_some());
}

// Tryout 91: an Adapt reply left `{{notes}}` out of the prompt, and Run sent both cases without
// their meeting notes (they had an input, so the variable was not sent as a line either); the
// score fell to 10 with no word. Such a value is a gap, unless a check reads it.
#[test]
fn a_value_the_prompt_no_longer_uses_is_a_gap_unless_a_check_reads_it() {
    use crate::domain::eval::run::{case_gaps, gaps_noun};
    let prompt = "You find action items. Answer in {{lang}}.";
    let none: &[String] = &[];
    let c = meeting_case(
        &[("notes", "Bob sends the deck."), ("lang", "English")],
        "List the action items.",
    );
    let gaps = case_gaps(prompt, &c, none);
    assert_eq!(
        gaps,
        vec![Gap::NotSent {
            name: "notes".into()
        }]
    );
    assert!(
        gaps[0]
            .describe()
            .starts_with("{{notes}} holds a value, but the prompt has no {{notes}} and the case has an input, so the value is not sent"),
        "{}",
        gaps[0].describe()
    );
    assert_eq!(gaps_noun(&gaps), "a variable's value not sent");
    let empty = Gap::NoMessage;
    assert_eq!(
        gaps_noun([&gaps[0], &empty]),
        "empty parts or values not sent"
    );
    // In the prompt: sent.
    let with_notes = "Notes: {{notes}}. Answer in {{lang}}.";
    assert!(case_gaps(with_notes, &c, none).is_empty());
    // No input: the variables go out as lines of the message.
    let lines = meeting_case(&[("notes", "Bob sends the deck."), ("lang", "English")], "");
    assert!(case_gaps(prompt, &lines, none).is_empty());
    // An empty value sends nothing to miss.
    let blank = meeting_case(&[("notes", "  "), ("lang", "English")], "Go.");
    assert!(case_gaps(prompt, &blank, none).is_empty());
    // A check of the case reads it (an expected answer): not meant for the model.
    let mut checked = c.clone();
    checked
        .assertions
        .push(Assertion::new(Check::ContainsAll(vec!["{{notes}}".into()])));
    assert!(case_gaps(prompt, &checked, none).is_empty());
    // A check for every case reads it.
    assert!(case_gaps(prompt, &c, &["notes".to_owned()]).is_empty());
    // The review of session 45: a `not-contains` check passes trivially on a value the model
    // never saw, so it is no reason; a name with a space is filled as the request fills it; a
    // value the input already holds (a promptfoo config's prompt, filled at import) is sent;
    // with no prompt yet there is nothing to say.
    let mut negated = c.clone();
    negated
        .assertions
        .push(Assertion::new(Check::NotContains(vec!["{{notes}}".into()])));
    assert_eq!(case_gaps(prompt, &negated, none).len(), 1);
    let spaced = meeting_case(&[("meeting notes", "Bob sends the deck.")], "Go.");
    assert!(case_gaps("Notes: {{meeting notes}}.", &spaced, none).is_empty());
    assert_eq!(case_gaps("Notes: none.", &spaced, none).len(), 1);
    let filled = meeting_case(
        &[("notes", "Bob sends the deck."), ("lang", "English")],
        "Extract action items from: Bob sends the deck.",
    );
    assert!(case_gaps(prompt, &filled, none).is_empty());
    assert!(case_gaps("", &c, none).is_empty());
    let mut suite = Suite::default();
    suite.cases.push(c.clone());
    assert!(suite.global_reads().is_empty());
    suite
        .global
        .push(Assertion::new(Check::Equals("{{notes}}".into())));
    assert_eq!(suite.global_reads(), ["notes"]);
}

// Tryout 91: cases with one input and different data looked alike in the list.
#[test]
fn a_case_line_with_an_input_shows_its_first_value_too() {
    let c = meeting_case(
        &[
            ("empty", " "),
            (
                "notes",
                "Bob  sends\nthe deck on Friday, and Ana books the big room",
            ),
        ],
        "Please list the action items.",
    );
    assert_eq!(
        c.first_value_shown().as_deref(),
        Some("notes: Bob sends the deck on Friday, and Ana b…")
    );
    // No input: the line shows the variables already; a description: the line shows that.
    assert_eq!(
        meeting_case(&[("notes", "x")], "").first_value_shown(),
        None
    );
    let described = TestCase {
        description: "Friday".into(),
        ..c.clone()
    };
    assert_eq!(described.first_value_shown(), None);
    assert_eq!(meeting_case(&[], "hi").first_value_shown(), None);
}

// Tryout 93: Reflect showed the most it may cost, never what it spent. Its calls are counted,
// each priced by its own model, and said as a run says its cost.
#[test]
fn what_reflect_spent_is_said_as_a_run_says_its_cost() {
    use crate::domain::eval::run::{ModelUsed, ReflectUsed};
    use crate::domain::provider::ProviderKind;
    let mini = ModelUsed {
        kind: ProviderKind::OpenAi,
        model: "gpt-4o-mini".into(),
    };
    let mut u = ReflectUsed::default();
    u.add(&mini, (1_000, 700), false);
    u.add(&mini, (1_200, 1_500), false);
    // $0.15 / $0.60 per million: 2,200 in and 2,200 out.
    assert_eq!(
        u.line(),
        "Reflect used 2 calls on this answer: 2,200 tokens in, 2,200 out · cost at list price: $0.0016"
    );
    u.add(&mini, (300, 0), true);
    assert!(
        u.line().ends_with("· estimated cost: about $0.0017"),
        "{}",
        u.line()
    );
    let local = ModelUsed {
        kind: ProviderKind::LlamaCpp,
        model: "SmolLM2-135M-Instruct".into(),
    };
    let mut free = ReflectUsed::default();
    free.add(&local, (10, 10), false);
    assert!(free.line().ends_with("· free"), "{}", free.line());
    let unknown = ModelUsed {
        kind: ProviderKind::Custom,
        model: "m".into(),
    };
    let mut none = ReflectUsed::default();
    none.add(&unknown, (10, 10), false);
    none.add(&unknown, (10, 10), false);
    assert!(
        none.line()
            .ends_with("· cost unknown (no list price for OpenAI-compatible server m)"),
        "{}",
        none.line()
    );
    none.add(&mini, (1_000, 700), false);
    assert!(
        none.line()
            .ends_with("· at least $0.0006 (no list price for OpenAI-compatible server m)"),
        "{}",
        none.line()
    );
    // Kept in the record; older records read without it.
    let r: crate::domain::eval::run::Reflection =
        serde_json::from_str(r#"{"critique":"c","final_output":"f","judgements":{},"done":true}"#)
            .unwrap();
    assert_eq!(r.used, None);
}
