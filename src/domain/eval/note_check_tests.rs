//! "Turn this note into a check": the request carries the note and the answer; replies are read
//! tolerantly into a promptfoo check or a rubric line; broken, refusing or unusable replies are
//! named.
use super::note_check::*;
use super::rating::{Rating, Thumb};
use super::*;
use crate::domain::meta::reply::ReplyCause;

#[test]
fn the_request_carries_the_note_the_answer_and_the_schema() {
    let case = TestCase {
        input: "Notes: Bob sends the deck.".into(),
        ..Default::default()
    };
    let req = request(
        &case,
        "- Bob: deck",
        &Rating::new(Thumb::Down, "Needs a due date."),
    );
    let text = &req.messages[0].text;
    assert!(text.contains("Needs a due date."), "{text}");
    assert!(text.contains("thumbs down"), "{text}");
    assert!(
        text.contains("- Bob: deck") && text.contains("Bob sends the deck"),
        "{text}"
    );
    assert!(req.schema.is_some());
}

/// Tryout 83: a note of a pasted page made a 68 KB request with no word before it. The note is
/// quoted up to its limit, so the request stays small whatever the note holds.
#[test]
fn a_long_note_is_quoted_up_to_its_limit() {
    let case = TestCase {
        input: "Notes: Bob sends the deck.".into(),
        ..Default::default()
    };
    let note = "Needs a due date. ".repeat(4_000);
    let req = request(&case, "- Bob: deck", &Rating::new(Thumb::Down, &note));
    let text = &req.messages[0].text;
    assert!(
        text.contains("Needs a due date.") && text.contains("… [cut]"),
        "{}",
        text.len()
    );
    assert!(text.len() < 12_000, "{}", text.len());
}

#[test]
fn the_request_quotes_a_conversation_case_with_its_earlier_turns() {
    // Bug: the request quoted only the last user message, so the meta model proposed a check
    // for an answer without the conversation the answer was given in.
    let case = TestCase {
        input: "And the date?".into(),
        turns: vec![
            Message::user("My order 1182 came broken."),
            Message::assistant("Sorry! I can send a new one."),
        ],
        ..Default::default()
    };
    let req = request(
        &case,
        "Tuesday.",
        &Rating::new(Thumb::Down, "Should say the order number."),
    );
    let text = &req.messages[0].text;
    assert_in_order(
        text,
        &[
            "My order 1182 came broken.",
            "Sorry! I can send a new one.",
            "And the date?",
        ],
    );
    assert!(text.contains(&case.shown_input(2000)), "{text}");
}

#[test]
fn replies_become_checks_and_failures_are_named() {
    let p = read(
        r#"{"type": "icontains", "value": "due", "why": "The note asks for dates."}"#,
        false,
    )
    .unwrap();
    assert_eq!(p.assertion.check, Check::ContainsAll(vec!["due".into()]));
    assert!(p.assertion.ignore_case);
    assert_eq!(p.why, "The note asks for dates.");
    // Near-JSON in a fence, another key case, not-contains.
    let p = read(
        "```json\n{'Type': 'not-contains', value: 'TBD',}\n```",
        false,
    )
    .unwrap();
    assert_eq!(p.assertion.check, Check::NotContains(vec!["TBD".into()]));
    // A rubric line.
    let p = read(
        r#"{"type": "llm-rubric", "value": "Every item has a due date."}"#,
        false,
    )
    .unwrap();
    assert!(
        matches!(p.assertion.check, Check::Judge { ref rubric, .. } if rubric == "Every item has a due date.")
    );
    let p = read(
        r#"{"type": "regex", "value": "\\d{4}-\\d{2}-\\d{2}"}"#,
        false,
    )
    .unwrap();
    assert_eq!(p.assertion.kind(), CheckKind::Regex);
    // A refusal in prose, an empty reply, a cut-off one.
    assert_eq!(
        read("Sorry, I can't do that.", false),
        Err(NoCheck::Unread(ReplyCause::NoJson))
    );
    assert_eq!(read("", false), Err(NoCheck::Unread(ReplyCause::Empty)));
    assert_eq!(
        read(r#"{"type": "contai"#, true),
        Err(NoCheck::Unread(ReplyCause::CutOff))
    );
    // Unusable: a type it does not propose, no value, a regex that does not compile.
    let e = read(
        r#"{"type": "javascript", "value": "output.length > 3"}"#,
        false,
    )
    .unwrap_err();
    assert!(
        e.message()
            .contains("\u{201c}javascript\u{201d} is not one of"),
        "{}",
        e.message()
    );
    assert_eq!(
        read(r#"{"type": "contains", "value": " "}"#, false),
        Err(NoCheck::Unusable("its value is empty".into()))
    );
    assert!(matches!(
        read(r#"{"type": "regex", "value": "(unclosed"}"#, false),
        Err(NoCheck::Unusable(_))
    ));
}

// Tryout 90: a failed proposal said "Use Manual mode (paste the request into any chat app…)",
// a mode that does only the prompt's own jobs; none is offered here.
#[test]
fn a_proposal_that_cannot_be_read_does_not_offer_manual_mode() {
    for cause in [
        ReplyCause::Empty,
        ReplyCause::CutOff,
        ReplyCause::NoJson,
        ReplyCause::Broken("x".into()),
    ] {
        let m = NoCheck::Unread(cause).message();
        assert!(!m.contains("Manual mode"), "{m}");
        assert!(m.contains("Settings"), "{m}");
    }
}
