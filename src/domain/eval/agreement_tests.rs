//! "Is the judge right?": the agreement figure, the disagreements, the improve-rubric request
//! and its tolerant reader, the re-judge calls and the rubric put in place.
use crate::domain::sorted::SortedMap;

use super::agreement::*;
use super::judge::Judgement;
use super::rating::{Rating, Thumb};
use super::run::{CaseRun, Reflection, Run, Status};
use super::*;
use crate::domain::meta::reply::ReplyCause;

const RUBRIC: &str = "Names an owner for every action item";

/// Three cases judged on one rubric (pass at 7) with scores 8, 9, 3, rated by the person.
fn scripted(thumbs: [Option<Thumb>; 3]) -> (Suite, Run) {
    let mut suite = Suite::default();
    suite.global.push(Assertion::new(Check::Judge {
        rubric: RUBRIC.into(),
        threshold: 7,
    }));
    let mut run = Run {
        version: 1,
        ..Default::default()
    };
    for (i, (score, thumb)) in [8u8, 9, 3].into_iter().zip(thumbs).enumerate() {
        let id = suite.add(TestCase {
            input: format!("notes {i}"),
            ..Default::default()
        });
        run.cases.insert(
            id,
            CaseRun {
                status: Status::Done,
                output: format!("answer {i}"),
                judgements: SortedMap::from([(
                    RUBRIC.to_owned(),
                    Judgement::Scored {
                        score,
                        reasoning: format!("reason {i}"),
                    },
                )]),
                rating: thumb
                    .map(|t| Rating::new(t, if i == 0 { "No owners at all." } else { "" })),
                ..Default::default()
            },
        );
    }
    (suite, run)
}

#[test]
fn the_agreement_figure_counts_rated_answers_the_judge_graded() {
    // Judge: pass, pass, fail. Person: down, up, down -> agrees on 2 of 3.
    let (suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    let a = agreement(&suite, &run);
    assert_eq!(a.len(), 1);
    let a = &a[0];
    assert_eq!(a.rubric, RUBRIC);
    assert_eq!((a.pairs.len(), a.agreed()), (3, 2));
    assert_eq!(
        a.line(),
        "The judge agrees with you on 2 of 3 rated answers (67%)."
    );
    let dis = a.disagreements();
    assert_eq!(dis.len(), 1);
    assert_eq!(
        (
            dis[0].case,
            dis[0].judge_pass(),
            dis[0].rating.note.as_str()
        ),
        (1, true, "No owners at all.")
    );
    // Unrated answers are not counted; one rated answer reads in the singular.
    let (suite, run) = scripted([None, Some(Thumb::Up), None]);
    assert_eq!(
        agreement(&suite, &run)[0].line(),
        "The judge agrees with you on the 1 rated answer."
    );
    // Tryout 64: "disagrees … (0%)" read as a contradiction; one answer has no percentage.
    let (suite, run) = scripted([None, Some(Thumb::Down), None]);
    assert_eq!(
        agreement(&suite, &run)[0].line(),
        "The judge disagrees with you on the 1 rated answer."
    );
    // Nothing rated: no figure.
    let (suite, run) = scripted([None, None, None]);
    assert!(agreement(&suite, &run).is_empty());
    // Tryout 101: the sender's ratings in a draft received by a link are not "you".
    let (suite, mut run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    if let Some(r) = run.cases.values_mut().find_map(|c| c.rating.as_mut()) {
        r.by_sender = true;
    }
    assert_eq!(
        agreement(&suite, &run)[0].line(),
        "The judge agrees with the ratings on 2 of 3 rated answers (67%)."
    );
    for c in run.cases.values_mut() {
        if let Some(r) = c.rating.as_mut() {
            r.by_sender = true;
        }
    }
    assert_eq!(
        agreement(&suite, &run)[0].line(),
        "The judge agrees with the sender on 2 of 3 rated answers (67%)."
    );
}

#[test]
fn the_improve_request_quotes_each_rated_answers_input_and_a_conversations_turns() {
    // Bug: the rubric rewriter saw the rated answers without what they answered, and a
    // conversation case without its earlier turns.
    let (mut suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    suite.cases[0].turns = vec![
        Message::user("We met on Monday."),
        Message::assistant("Noted: Monday."),
    ];
    let a = &agreement(&suite, &run)[0];
    let text = &improve_request(a).messages[0].text;
    let case1 = text.split("### Case #1").nth(1).expect("case 1");
    let case1 = case1.split("### Case #").next().unwrap();
    assert_in_order(
        case1,
        &[
            "We met on Monday.",
            "Noted: Monday.",
            "notes 0",
            "Answer: answer 0",
        ],
    );
    // A one-message case is quoted as its message.
    assert!(text.contains("Input: notes 1\nAnswer: answer 1"), "{text}");
}

#[test]
fn a_rated_reflexion_final_counts_and_an_unjudged_answer_does_not() {
    let (suite, mut run) = scripted([Some(Thumb::Up), None, None]);
    let cr = run.cases.get_mut(&1).unwrap();
    cr.reflection = Some(Reflection {
        final_output: "final".into(),
        done: true,
        judgements: SortedMap::from([(
            RUBRIC.to_owned(),
            Judgement::Scored {
                score: 2,
                reasoning: "no owner".into(),
            },
        )]),
        rating: Some(Rating::new(Thumb::Up, "")),
        ..Default::default()
    });
    // Case 2 rated, its judge reply unreadable: left out.
    let c2 = run.cases.get_mut(&2).unwrap();
    c2.rating = Some(Rating::new(Thumb::Down, ""));
    c2.judgements.insert(
        RUBRIC.into(),
        Judgement::Unreadable {
            raw: "?".into(),
            error: "no score".into(),
        },
    );
    let a = &agreement(&suite, &run)[0];
    assert_eq!(a.pairs.len(), 2);
    assert!(a.pairs[1].final_answer);
    assert_eq!(a.pairs[1].what(), "the final answer to case #1");
    assert_eq!(a.agreed(), 1);
}

#[test]
fn the_improve_request_carries_the_disagreements_and_the_reply_is_read_tolerantly() {
    let (suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    let a = &agreement(&suite, &run)[0];
    let req = improve_request(a);
    let text = &req.messages[0].text;
    assert!(text.contains(RUBRIC), "{text}");
    assert!(
        text.contains("An answer passes at 7 / 10 or above."),
        "{text}"
    );
    let dis = text
        .split("## Where the judge disagrees with the person")
        .nth(1)
        .unwrap()
        .split("## Where the judge agrees")
        .next()
        .unwrap();
    assert!(
        dis.contains("Answer: answer 0\nThe person: thumbs down, noting: No owners at all.\nThe judge: 8 / 10 (pass). reason 0"),
        "{dis}"
    );
    assert!(!dis.contains("answer 1"), "{dis}");
    assert!(req.schema.is_some());
    // Replies: plain JSON, fenced near-JSON with another key case, a list of lines.
    let ok = read_rubric(
        r#"{"rubric": "Every item names its owner.", "changes": "Stricter."}"#,
        RUBRIC,
        false,
    )
    .unwrap();
    assert_eq!(
        (ok.rubric.as_str(), ok.changes.as_str()),
        ("Every item names its owner.", "Stricter.")
    );
    let fenced = "Here you go:\n```json\n{'Rubric': 'Owners named.', changes: 'x',}\n```";
    assert_eq!(
        read_rubric(fenced, RUBRIC, false).unwrap().rubric,
        "Owners named."
    );
    let lines = r#"{"rubric": ["Owners named.", "No invented dates."]}"#;
    assert_eq!(
        read_rubric(lines, RUBRIC, false).unwrap().rubric,
        "Owners named.\nNo invented dates."
    );
    // A refusal in prose, an empty reply, a cut-off one, the wrong JSON, the same rubric back.
    assert_eq!(
        read_rubric("I'm sorry, I can't help with that.", RUBRIC, false),
        Err(RubricFailure::Unread(ReplyCause::NoJson))
    );
    assert_eq!(
        read_rubric("  ", RUBRIC, false),
        Err(RubricFailure::Unread(ReplyCause::Empty))
    );
    assert_eq!(
        read_rubric(r#"{"rubric": "Every it"#, RUBRIC, true),
        Err(RubricFailure::Unread(ReplyCause::CutOff))
    );
    assert!(matches!(
        read_rubric(r#"{"score": 3}"#, RUBRIC, false),
        Err(RubricFailure::Unread(ReplyCause::Unexpected { .. }))
    ));
    let same = format!(r#"{{"rubric": "  {}  "}}"#, RUBRIC.to_uppercase());
    assert_eq!(
        read_rubric(&same, RUBRIC, false),
        Err(RubricFailure::Unchanged)
    );
    assert!(
        RubricFailure::Unread(ReplyCause::NoJson)
            .message()
            .contains("did not write JSON")
    );
}

#[test]
fn the_new_rubric_is_judged_on_the_rated_answers_and_raises_agreement_before_it_is_kept() {
    let (mut suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    let a = agreement(&suite, &run).remove(0);
    let new = "Every action item names its owner; fail an answer with no owners.";
    let calls = rejudge_calls(&suite, &a, new, "You pull action items.", 0.0);
    // One judge call per rated answer, each the one judge request with the new rubric.
    assert_eq!(calls.len(), 3);
    for (call, p) in calls.iter().zip(&a.pairs) {
        let text = &call.as_ref().unwrap().request.messages[0].text;
        assert!(text.contains(new) && text.contains(&p.output), "{text}");
        assert!(!text.contains(RUBRIC), "{text}");
    }
    let verdicts = [
        Judgement::Scored {
            score: 2,
            reasoning: "no owners".into(),
        },
        Judgement::Scored {
            score: 9,
            reasoning: "owners".into(),
        },
        Judgement::Scored {
            score: 3,
            reasoning: "none".into(),
        },
    ];
    let (after, unread) = a.with_new_verdicts(new, &verdicts);
    assert!(unread.is_empty());
    assert_eq!((a.agreed(), after.agreed()), (2, 3));
    assert_eq!(
        after.line(),
        "The judge agrees with you on 3 of 3 rated answers (100%)."
    );
    // An unreadable new verdict is left out and named.
    let (after, unread) = a.with_new_verdicts(
        new,
        &[
            Judgement::Unreadable {
                raw: "?".into(),
                error: "x".into(),
            },
            verdicts[1].clone(),
            verdicts[2].clone(),
        ],
    );
    assert_eq!(
        (after.pairs.len(), unread),
        (2, vec!["the answer to case #1".to_owned()])
    );
    // Kept: every judge check with the old rubric gets the new one, its pass mark unchanged.
    suite.cases[0].assertions.push(Assertion::new(Check::Judge {
        rubric: format!(" {RUBRIC} "),
        threshold: 5,
    }));
    assert_eq!(replace_rubric(&mut suite, RUBRIC, new), 2);
    assert_eq!(
        suite.global[0].check,
        Check::Judge {
            rubric: new.into(),
            threshold: 7
        }
    );
    assert_eq!(
        suite.cases[0].assertions[0].check,
        Check::Judge {
            rubric: new.into(),
            threshold: 5
        }
    );
}

// #14: "Improve the rubric" is a pure machine (`rubric_improve::Improve`); the shell only makes
// its calls. The meta model writes the rubric, the judge grades each rated answer with it (an
// answer whose case is gone gets no call), and the figures before and after are offered.
#[test]
fn improving_the_rubric_asks_for_a_rubric_then_a_verdict_per_rated_answer() {
    use super::rubric_improve::{Improve, Phase};
    use crate::domain::provider::{ErrorKind, ProviderError, ProviderKind, Role};
    let (mut suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    let before = agreement(&suite, &run).remove(0);
    let deleted = before.pairs[1].case;
    let mut m = Improve::new(1, before.clone(), suite.clone(), "PROMPT".into(), 0.5);
    let ask = m.start().unwrap();
    // The case is deleted while the rubric is written: the judge is not asked about it.
    suite.cases.retain(|c| c.id != deleted);
    m.use_suite(suite, "PROMPT".into());
    assert_eq!(ask.role, Role::Meta);
    assert_eq!(ask.request, improve_request(&before));
    assert_eq!(m.shown.phase, Phase::Writing);
    let new = "Names an owner and a due date for every item";
    let ask = m
        .reply(Ok((
            format!(r#"{{"rubric": "{new}", "changes": "dates"}}"#),
            false,
        )))
        .unwrap();
    assert_eq!(ask.role, Role::Judge);
    assert!(ask.request.messages.iter().any(|m| m.text.contains(new)));
    assert!(matches!(&m.shown.phase, Phase::Judging { done: 0, .. }));
    // The first answer: judged; the second's case is gone (no call); the third's call fails.
    let ask = m
        .reply(Ok((
            r#"{"reasoning": "No owner is named.", "score": 2}"#.into(),
            false,
        )))
        .unwrap();
    assert_eq!(ask.role, Role::Judge);
    assert!(matches!(&m.shown.phase, Phase::Judging { done: 2, .. }));
    let refused = ProviderError::new(
        ErrorKind::BadRequest,
        ProviderKind::OpenAi,
        "api.openai.com",
        None,
        "",
    );
    assert_eq!(m.reply(Err((refused, String::new()))), None);
    let Phase::Ready {
        new: got,
        verdicts,
        after,
        unread,
    } = &m.shown.phase
    else {
        panic!("{:?}", m.shown.phase);
    };
    assert_eq!(got.rubric, new);
    assert_eq!(verdicts.len(), 3);
    assert!(
        matches!(&verdicts[1], Judgement::Unreadable { error, .. } if error == "The case was deleted.")
    );
    assert_eq!(after.pairs.len(), 1);
    assert_eq!(after.agreed(), 1, "thumbs down, score 2: agrees");
    assert_eq!(unread.len(), 2);
    assert!(!m.call_failed());

    // The same rubric back: nothing to try, said; a failed meta call: only its error shows.
    let (suite, run) = scripted([Some(Thumb::Down), Some(Thumb::Up), Some(Thumb::Down)]);
    let before = agreement(&suite, &run).remove(0);
    let mut m = Improve::new(1, before.clone(), suite.clone(), "P".into(), 0.0);
    m.start();
    assert_eq!(
        m.reply(Ok((format!(r#"{{"rubric": "{RUBRIC}"}}"#), false))),
        None
    );
    assert!(
        matches!(&m.shown.phase, Phase::Failed { message, .. } if message.starts_with("The model sent the same rubric back"))
    );
    let mut m = Improve::new(1, before, suite, "P".into(), 0.0);
    m.start();
    let down = ProviderError::new(
        ErrorKind::Server,
        ProviderKind::OpenAi,
        "api.openai.com",
        None,
        "",
    );
    assert_eq!(m.reply(Err((down, "{\"rub".into()))), None);
    assert!(m.call_failed());
    assert_eq!(m.shown.phase, Phase::Writing);
}
