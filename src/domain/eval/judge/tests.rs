//! Tests for the judge: the reply-shape table (what a careful reader takes as the score, and what
//! it refuses), and the one request every workflow sends.
use super::*;
use crate::domain::template::TRAP;

/// The rubric the replies below answer; some replies echo parts of it.
const RUBRIC: &str = "Lists every action item with its owner. Scores 1-10: an answer deserves \
    9/10 at most when any date is missing.";

/// Reads `reply` as the judge's answer about [`RUBRIC`]: `Some(score)`, or `None` for unreadable
/// (then the raw reply is kept whole). The score read from a reply without reasons (no verdict,
/// see `a_score_without_reasons_is_no_verdict`) is compared as read.
#[track_caller]
fn check(reply: &str, expected: Option<u8>) {
    let no_reasons = |error: &str, want: u8| {
        error.starts_with(&format!("The judge gave {want}/10 with no reasons"))
    };
    match (parse(reply, RUBRIC), expected) {
        (Judgement::Scored { score, .. }, Some(want)) => assert_eq!(score, want, "{reply:?}"),
        (Judgement::Unreadable { error, .. }, Some(want)) if no_reasons(&error, want) => {}
        (Judgement::Unreadable { raw, error }, None) => {
            assert_eq!(raw, reply);
            assert!(
                error.contains("no score") || error.contains("nothing"),
                "{error}"
            );
        }
        (got, want) => panic!("{reply:?}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn reply_shapes() {
    // Regression: this reply (a raw line break inside a string, a `//` comment) got "no score".
    check(
        "{\n  \"reasoning\": \"Follows all three steps.\n- tone is friendly\",\n  \"score\": 7 // docked for length\n}",
        Some(7),
    );
    let rows: &[(&str, Option<u8>)] = &[
        // JSON, as asked.
        (
            r#"{"reasoning":"Lists all three items.","score":9}"#,
            Some(9),
        ),
        (r#"{"reasoning":"Owners named","score":"7"}"#, Some(7)),
        (r#"{"reasoning":"Owners named","score":"7/10"}"#, Some(7)),
        (
            r#"{"reasoning":"Owners named","score":"8 out of 10"}"#,
            Some(8),
        ),
        (r#"{"reasoning":"Owners named","score":7.6}"#, Some(7)),
        (r#"{"Reasoning":"Owners named","Score":6}"#, Some(6)),
        (r#"{"reasoning":"Owners named","rating":5}"#, Some(5)),
        (
            "Here is my grade:\n```json\n{\"reasoning\": \"misses dates\", \"score\": 4}\n```",
            Some(4),
        ),
        // Near-JSON.
        (
            "{\"reasoning\": \"fine work\", /* careful */ \"score\": 6, // ok\n}",
            Some(6),
        ),
        ("{'reasoning': 'It's short.', 'score': 8.0}", Some(8)),
        // Tryout 111: 7.5 was rounded to 8 and passed a pass mark of 8. A fraction counts as
        // the whole score below it: a pass mark (a whole score) gives the judge's verdict.
        (
            r#"{"reasoning":"Both owners listed.","score":7.5}"#,
            Some(7),
        ),
        (
            r#"{"reasoning":"Both owners listed.","score":9.99}"#,
            Some(9),
        ),
        ("The answer lists both owners. Score: 7.5/10", Some(7)),
        ("{reasoning: \"too short\", score: 3", Some(3)),
        (
            "{\u{201c}reasoning\u{201d}: \u{201c}owners named\u{201d}, \u{201c}score\u{201d}: 5}",
            Some(5),
        ),
        // A JSON object without a score key: the prose around it decides.
        (r#"{"reasoning":"Solid answer, 8/10."}"#, Some(8)),
        (r#"{"reasoning":"no score here"}"#, None),
        // A score key whose value is no score: never a guess from elsewhere.
        (r#"{"reasoning":"x y","score":11}"#, None),
        (r#"{"reasoning":"x y","score":0}"#, None),
        (r#"{"reasoning":"x y","score":"N/A"}"#, None),
        (r#"{"reasoning":"x y","score":"7-8"}"#, None),
        (r#"{"reasoning":"Score: 7","score":null}"#, None),
        // Prose.
        (
            "The answer misses the owner of each task.\n\nScore: 3/10",
            Some(3),
        ),
        ("The answer is fine. 7/10", Some(7)),
        ("**Score:** 7", Some(7)),
        ("**Score**: 8\nGood.", Some(8)),
        ("Score - 8 out of 10", Some(8)),
        ("Rating: 9/10", Some(9)),
        ("Grade: **6**", Some(6)),
        ("Overall I'd give it 6/10.", Some(6)),
        ("The score is 10", Some(10)),
        ("final_score: 4", Some(4)),
        ("Score:\n\n7", Some(7)),
        ("I'd rate this a 7.", Some(7)),
        ("Rated 4: owners are missing.", Some(4)),
        ("Score - 8", Some(8)),
        ("Score: 7.5/10", Some(7)),
        (
            "Clarity 8/10, completeness 6/10.\nOverall score: 7",
            Some(7),
        ),
        (
            "Score: 3. On reflection the dates are there.\nFinal score: 6",
            Some(6),
        ),
        // The rubric or the instructions echoed first, then the verdict.
        (
            "The rubric asks for scores 1-10; 10 means no flaw.\nOwners are missing.\nScore: 5",
            Some(5),
        ),
        (
            "A score of 10 means it fully meets the rubric with no flaw. This one has two flaws. 6/10",
            Some(6),
        ),
        // No score: scales, ranges, definitions, anchors, echoes, other denominators.
        ("I cannot grade this.", None),
        ("", None),
        ("   \n", None),
        ("Scores 1-10.", None),
        ("The rubric asks for scores 1-10.", None),
        ("Rate from 1 to 10.", None),
        (
            "I would give a score from 1 to 10 once the answer arrives.",
            None,
        ),
        (
            "A score of 10 means it fully meets the rubric; 1 means it ignores it.",
            None,
        ),
        ("Score 1 = useless, score 10 = perfect.", None),
        ("10/10 only when every item has an owner.", None),
        (
            "An answer deserves 9/10 at most when any date is missing.",
            None,
        ),
        ("The maximum score is 10.", None),
        ("Score: 7-8", None),
        ("Score: 7 or 8", None),
        ("Somewhere between 6 and 8.", None),
        ("Score: 4/5", None),
        ("Score: 70/100", None),
        ("Score: 70%", None),
        ("Score: 0", None),
        ("Score: -3", None),
        ("It scored 2 out of 3 points.", None),
        ("Answers rated 10 are flawless.", None),
        ("Score: 11", None),
        ("Meeting on 3/10/2024 with 2 owners.", None),
        ("Items: 7", None),
        ("{\"reasoning\": \"The answer lists", None),
        (
            r#"{"type": "object", "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 10}}}"#,
            None,
        ),
    ];
    for (reply, expected) in rows {
        check(reply, *expected);
    }
}

#[test]
fn reasoning_is_kept_with_the_score() {
    let reasoning = |reply: &str| match parse(reply, RUBRIC) {
        Judgement::Scored { reasoning, .. } => reasoning,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reasoning(
            "{\n  \"reasoning\": \"Follows all three steps.\n- tone is friendly\",\n  \"score\": 7 // docked\n}"
        ),
        "Follows all three steps.\n- tone is friendly"
    );
    assert_eq!(
        reasoning("Misses owners.\nScore: 3"),
        "Misses owners.\nScore: 3"
    );
    assert_eq!(
        reasoning(r#"{"reasoning":"Solid answer, 8/10."}"#),
        "Solid answer, 8/10."
    );
}

// Tryout 83: a judge that ignored the JSON asked for and wrote "Looks good to me! 10 out of 10
// great" got a verdict with reasons (the rule counted its words). Prose that only praises or
// blames is no verdict; prose that says why is one, and a JSON reasoning field keeps its rule.
#[test]
fn prose_that_only_praises_is_no_verdict() {
    for reply in [
        "Looks good to me! 10 out of 10 great",
        "The answer is fine. 7/10",
        "Great job, I think it's correct. Score: 9",
        "Bad answer. 2/10",
        // Tryout 86: passed as verdicts (the stock words missed "awful" and "love").
        "Terrible. This is awful, 2/10.",
        "Excellent answer, perfect, I love it. Score: 10",
    ] {
        match parse(reply, RUBRIC) {
            Judgement::Unreadable { error, raw } => {
                assert_eq!(raw, reply);
                assert!(
                    error.contains("with no reasons: its reply is not the JSON asked for")
                        && error.contains("\u{201c}"),
                    "{reply}: {error}"
                );
            }
            other => panic!("{reply}: {other:?}"),
        }
    }
    for (reply, score) in [
        ("Owners named. Score: 9", 9),
        ("Looks good: every item has its owner. 9/10", 9),
        (
            "The answer misses the owner of each task.\n\nScore: 3/10",
            3,
        ),
        // Review: blame that says why is a reason, as it is in a JSON reasoning field.
        ("The output is incomplete. 4/10", 4),
    ] {
        assert!(
            matches!(parse(reply, RUBRIC), Judgement::Scored { score: s, .. } if s == score),
            "{reply}"
        );
    }
    // A JSON reasoning field is read as before: two words besides the score are reasons.
    assert!(matches!(
        parse(r#"{"reasoning":"Fine answer.","score":8}"#, RUBRIC),
        Judgement::Scored { score: 8, .. }
    ));
    // Review: a JSON object's key names and literals are no reasons ({"pass": true} read as
    // one); its text values and the prose around it are.
    for reply in [
        r#"{"pass": true, "score": 10}"#,
        r#"{"score": 9, "reasoning": null}"#,
    ] {
        assert!(
            matches!(parse(reply, RUBRIC), Judgement::Unreadable { .. }),
            "{reply}"
        );
    }
    assert!(matches!(
        parse(
            r#"{"score": 8, "comment": "Every owner is named."}"#,
            RUBRIC
        ),
        Judgement::Scored { score: 8, .. }
    ));
    // JSON with no reasons anywhere says so, not that it is prose.
    match parse(r#"{"score": 9}"#, RUBRIC) {
        Judgement::Unreadable { error, .. } => assert!(
            error.starts_with("The judge gave 9/10 with no reasons, so"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
}

// Tryout 19 (2): a bare score with a word of praise passed as a verdict. A score with no
// reasons (fewer than two words besides the score's own) is no verdict; one with reasons is.
#[test]
fn a_score_without_reasons_is_no_verdict() {
    // Tryout 79: a reason too short to count was said as none; it is quoted.
    match parse(r#"{"reasoning":"r1","score":8}"#, RUBRIC) {
        Judgement::Unreadable { error, .. } => assert!(
            error.starts_with("The judge gave 8/10 with \u{201c}r1\u{201d} as its only reasons: fewer than 2 words besides the score"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
    for reply in [
        "Score: 9 - great",
        r#"{"score": 9}"#,
        r#"{"reasoning": "", "score": 9}"#,
        r#"{"reasoning": "Rating: 9 out of 10.", "score": 9}"#,
        "9/10",
    ] {
        match parse(reply, RUBRIC) {
            Judgement::Unreadable { error, .. } => {
                assert!(
                    error.contains("with no reasons") || error.contains("as its only reasons"),
                    "{reply}: {error}"
                )
            }
            other => panic!("{reply}: {other:?}"),
        }
    }
    // Reasons under another key, in prose around the JSON, or in a script without spaces count
    // (review).
    for reply in [
        "Owners named. Score: 9",
        r#"{"reasoning": "No date.", "score": 3}"#,
        r#"{"rationale": "Every item has an owner.", "score": 8}"#,
        "Every item has an owner.\n{\"score\": 8}",
        r#"{"reasoning": "每个事项都有负责人。", "score": 8}"#,
    ] {
        assert!(
            matches!(parse(reply, RUBRIC), Judgement::Scored { .. }),
            "{reply}"
        );
    }
}

fn case() -> TestCase {
    TestCase {
        input: format!("Notes: {TRAP}"),
        expected: "Bob: ship it".into(),
        ..Default::default()
    }
}

#[test]
fn the_request_carries_every_text_once_as_written() {
    // Regression: a case input containing `{expected}` or `{output}` received the reference
    // answer or the output in its place (chained `.replace`).
    let case = case();
    let subject = Subject {
        rubric: "names {output} owners",
        prompt: "You are {input}.",
        case: &case,
        output: "Owner: {rubric}",
        cut_off: false,
    };
    let c = call(&subject, 0.0);
    let user = &c.request.messages[0].text;
    assert!(user.contains(&format!("Notes: {TRAP}")), "{user}");
    assert!(user.contains("names {output} owners") && user.contains("You are {input}."));
    assert!(user.contains("Owner: {rubric}") && user.contains("Bob: ship it"));
    assert_eq!(user.matches("Bob: ship it").count(), 1);
    // Nothing of the template is left unfilled.
    let unfilled = crate::domain::template::placeholders(JUDGE_USER);
    let rest = user
        .replace(TRAP, "")
        .replace("{output}", "")
        .replace("{input}", "")
        .replace("{rubric}", "");
    for name in unfilled {
        assert!(
            !rest.contains(&format!("{{{name}}}")),
            "{{{name}}} left in {rest}"
        );
    }
}

#[test]
fn one_call_with_one_temperature_rule() {
    let case = case();
    let subject = Subject {
        rubric: "r",
        prompt: "p",
        case: &case,
        output: "o",
        cut_off: false,
    };
    let c = call(&subject, 0.7);
    assert_eq!(c.role, Role::Judge);
    assert_eq!(c.request.temperature, MAX_TEMPERATURE);
    assert_eq!(c.request.max_tokens, MAX_TOKENS);
    assert_eq!(c.request.schema.as_ref().unwrap().schema, schema());
    assert_eq!(call(&subject, 0.1).request.temperature, 0.1);
    assert_eq!(call(&subject, -1.0).request.temperature, 0.0);
    assert_eq!(call(&subject, f32::NAN).request.temperature, 0.0);
    // No reference answer is said so.
    let bare = TestCase::default();
    let c = call(
        &Subject {
            case: &bare,
            ..subject
        },
        0.0,
    );
    assert!(c.request.messages[0].text.contains("(none given)"));
}

#[test]
fn the_judge_reads_the_prompt_with_the_cases_variables_filled() {
    // Regression (tryout 13): the answering model read `{{transcript}}` filled with the case's
    // text, the judge read it unfilled, and graded the answer against a prompt with a hole in it.
    let case = TestCase {
        vars: vec![("transcript".to_owned(), "Ann: ship Friday".to_owned())],
        ..Default::default()
    };
    let subject = Subject {
        rubric: "lists every action item",
        prompt: "Pull action items out of:\n{{transcript}}\nUse {{ style }}.",
        case: &case,
        output: "- ship Friday (Ann)",
        cut_off: false,
    };
    let user = call(&subject, 0.0).request.messages[0].text.clone();
    assert!(
        user.contains("Pull action items out of:\nAnn: ship Friday\n"),
        "{user}"
    );
    assert!(!user.contains("{{transcript}}"), "{user}");
    // A variable the case does not set stays as written, as the answering model saw it.
    assert!(user.contains("Use {{ style }}."), "{user}");
    // What the judge reads when the case's transcript is `words` words long.
    let read_with = |words: usize| {
        let case = TestCase {
            vars: vec![("transcript".to_owned(), "word ".repeat(words))],
            ..Default::default()
        };
        call(
            &Subject {
                case: &case,
                ..subject
            },
            0.0,
        )
        .request
        .messages[0]
            .text
            .clone()
    };
    // A long value is cut, so the prompt's later sections still reach the judge.
    let user = read_with(3000);
    assert!(
        user.contains("word … [cut]\nUse {{ style }}."),
        "the value is cut and the end of the prompt is there: {user}"
    );
    // A value that fits is read whole.
    let user = read_with(600);
    assert!(
        user.contains(&format!("{}\nUse {{{{ style }}}}.", "word ".repeat(600))),
        "{user}"
    );
}

// Tryout 120 (F2): the tiny judge's "reasoning" was two pieces of the answer joined by "and
// that", and its 10/10 stood as a pass. Pieces of the answer put together grade nothing; a
// reasoning that quotes the answer to judge it does.
#[test]
fn a_reasoning_stitched_from_the_answer_grades_nothing() {
    let answer = "I'm glad to see that the team is going to be working together effectively, but there's still a lot of work left to do. # 1 The meeting was just over two hours ago! We're all aligned on how to support each other.";
    let stitched = "I'm glad to see that the team is going to be working together effectively and that we're all aligned on how to support each other.";
    assert!(echoes_the_answer(stitched, answer));
    assert!(echoes_the_answer(
        "The meeting was just over two hours ago!",
        answer
    ));
    let quoted = "The answer says \u{201c}there's still a lot of work left to do\u{201d} but lists no action items and never says there are none, so it misses the rubric.";
    assert!(!echoes_the_answer(quoted, answer));
    assert!(!echoes_the_answer("Fine answer.", answer));
    // A comment of its own before a quote of the whole answer is a judgement (the hostile
    // outputs' test: "The answer is only markup: <img …>").
    assert!(!echoes_the_answer(
        &format!("The answer is only markup: {answer}"),
        answer
    ));
    assert!(!echoes_the_answer(
        "It names every owner: Bob sends the deck.",
        "- **Bob**: send the deck"
    ));
}
