//! End-to-end: the person's ratings (issue 15, parts 2 and 3), against the fake provider. A
//! thumbs-down with a note changes the case's score on the page and reaches the optimizer's next
//! proposal request (read from the fake provider's request log); the ratings survive a reload,
//! and a re-run of the case keeps the rating beside the new answer;
//! "Improve the rubric" on a scripted example raises the judge's agreement with the person from
//! 1 of 3 to 3 of 3, and keeping it changes the suite's rubric.
use std::time::{Duration, Instant};

use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::FakeProvider;
use pw_harness::pages::{CasesPage, PromptPage, TAB, result_text, wait_verdict};
use serde_json::{Value, json};

const JUDGE_MARK: &str = "strict, fair grader";
const NOTE: &str = "Owners need a due date too.";

fn spec(persona: &str) -> Value {
    json!({
        "persona": persona, "context": "Meeting notes arrive as the user's message. Never invent owners.",
        "steps": ["Read the notes.", "List every commitment with its owner."], "format": "A Markdown list.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- Bob: send the deck"},
                     {"input": "We talked about lunch.", "output": "No action items."}, {"input": "hi", "output": "Please paste the notes."}],
        "analysis": ""
    })
}

async fn paste_prompt(b: &Browser, persona: &str) -> anyhow::Result<()> {
    PromptPage::new(b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec(persona).to_string(),
        )
        .await
}

/// The aria-pressed value of a button found by its accessible name.
async fn pressed(b: &Browser, name: &str) -> anyhow::Result<String> {
    Ok(b.button(name)
        .await?
        .attr("aria-pressed")
        .await?
        .unwrap_or_default())
}

/// Cases A-D (training) and E (held-out); case X passes when the answer names "owner-X"; the
/// prompt answers only owner-A, so case #1 passes and the rest fail.
async fn scripted_cases(fake: &FakeProvider, b: &Browser) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    for (n, letter) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        CasesPage::new(b)
            .add(
                n as u32 + 1,
                &format!("Notes {letter}: someone owns task {letter}."),
                Some(&format!("owner-{letter}")),
            )
            .await?;
        if *letter == "E" {
            b.field("Used for")
                .await?
                .select_by_label("Held-out")
                .await?;
        }
    }
    b.wait_for_text("5 cases (4 train, 1 held-out)").await?;
    // Proposals (requests quote the prompt, so their rule comes first): one candidate a level up.
    let mut up = spec("You are LEVEL1, a meticulous meeting analyst.");
    up["style"] = json!("add-constraint");
    up["rationale"] = json!("Name every owner.");
    fake.reply_when(
        "The current best prompt",
        &json!({"candidates": [up]}).to_string(),
    );
    fake.reply_when("LEVEL1", "- owner-A\n- owner-B");
    fake.reply_when("LEVEL0", "- owner-A");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thumbs_down_changes_the_score_reaches_the_optimizer_and_survives_a_reload()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    scripted_cases(&fake, &b).await?;
    b.button("Run all 5 cases").await?.click().await?;
    wait_verdict(&b, 1, "pass").await?;
    wait_verdict(&b, 5, "fail").await?;
    b.wait_for_text("Score 20 / 100 · 1 of 5 cases passed every check")
        .await?;
    // Thumbs with accessible names and a pressed state.
    let down = "Thumbs down for the answer to case #1";
    let up = "Thumbs up for the answer to case #1";
    assert_eq!(pressed(&b, down).await?, "false");
    // Tryout 100: a run replaced a rated answer, and its rating, with no word before the press.
    let warned = "return !!document.getElementById('pw-run-rated')";
    assert_eq!(b.eval(warned).await?, json!(false));
    b.button(down).await?.click().await?;
    b.wait_for_text("Running a rated case again makes a new, unrated answer; the rating stays beside it (a Reflexion final's rating goes).")
        .await?;
    b.field("Your note on the answer to case #1")
        .await?
        .type_text(&format!("{NOTE}{TAB}"))
        .await?;
    // The case's score changes on the page: one more failed check, with the note as its reason.
    wait_verdict(&b, 1, "fail").await?;
    b.wait_for_text(&format!("You rated this answer down: {NOTE}"))
        .await?;
    let row = result_text(&b, 1).await?;
    assert!(row.contains("Your rating"), "{row}");
    assert!(row.contains("50"), "the case scores 50: {row}");
    b.wait_for_text("Score 10 / 100 · 0 of 5 cases passed every check")
        .await?;
    assert_eq!(pressed(&b, down).await?, "true");
    assert_eq!(pressed(&b, up).await?, "false");
    // A thumbs-up on another case adds no check.
    b.button("Thumbs up for the answer to case #2")
        .await?
        .click()
        .await?;
    assert_eq!(
        pressed(&b, "Thumbs up for the answer to case #2").await?,
        "true"
    );
    wait_verdict(&b, 2, "fail").await?;
    b.screenshot_at(".pw-result[data-case=\"1\"]", "ratings")
        .await?;

    // The ratings survive a reload.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    wait_verdict(&b, 1, "fail").await?;
    assert_eq!(pressed(&b, down).await?, "true");
    assert_eq!(
        pressed(&b, "Thumbs up for the answer to case #2").await?,
        "true"
    );
    let note = b
        .field("Your note on the answer to case #1")
        .await?
        .prop("value")
        .await?;
    assert_eq!(note.as_deref(), Some(NOTE));
    b.wait_for_text("Score 10 / 100 · 0 of 5 cases passed every check")
        .await?;

    // The switch off: the thumbs-down is kept and not counted.
    b.choose("Thumbs-down counts as a failed check").await?;
    wait_verdict(&b, 1, "pass").await?;
    b.wait_for_text("Your thumbs-down is not counted in the score")
        .await?;
    b.choose("Thumbs-down counts as a failed check").await?;
    wait_verdict(&b, 1, "fail").await?;

    // Tryout 100: Reflexion's critique was not told the thumbs-down the page scores. It is, as
    // a failed check.
    let before = fake.chat_requests().len();
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_until(
        "const r = document.querySelector('.pw-reflection__verdict'); return !!r && r.textContent !== '' && r.textContent !== 'Reflecting…'",
        "the reflection to end",
    )
    .await?;
    let critique = fake
        .chat_requests()
        .into_iter()
        .skip(before)
        .find(|r| r.body.contains("Be harsh"))
        .map(|r| r.body)
        .unwrap_or_default();
    assert!(
        critique.contains(&format!(
            "The person rated this answer down: {NOTE} Count it as a failed check."
        )),
        "{critique}"
    );

    // Running the case again makes a new, unrated answer; the rating and its note stay beside
    // it, with the answer they were given on (tryout 100's review: a re-run dropped them), and
    // through a reload.
    b.button("Run all 5 cases").await?.click().await?;
    wait_verdict(&b, 1, "pass").await?;
    assert_eq!(pressed(&b, down).await?, "false");
    let kept = format!(
        "You rated the answer this one replaced down: \u{201c}{NOTE}\u{201d} The improvement loop reads that rating until you rate this answer."
    );
    b.wait_for_text(&kept).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    wait_verdict(&b, 1, "pass").await?;
    b.wait_for_text(&kept).await?;
    let row = result_text(&b, 1).await?;
    assert!(row.contains("The answer you rated"), "{row}");
    b.screenshot_at(".pw-result[data-case=\"1\"]", "ratings-replaced")
        .await?;

    // The optimizer's next proposal request carries the note like a failed check's reason, even
    // after the rated answer was replaced by a re-run and the prompt edited just before Start (the review of session 48: Start put the
    // typing in as a new version first, with no run, and the loop read no rating).
    b.wait_for_text("Settings of the loop").await?;
    b.field("Persona")
        .await?
        .type_text(" Keep it brief.")
        .await?;
    let before = fake.chat_requests().len();
    let start = b
        .eval("const e = Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')); if (e) { e.click(); return true } return false")
        .await?;
    assert_eq!(start, json!(true));
    let deadline = Instant::now() + Duration::from_secs(60);
    let proposal = loop {
        let found = fake
            .chat_requests()
            .into_iter()
            .skip(before)
            .find(|r| r.body.contains("The current best prompt"));
        if let Some(r) = found {
            break r.body;
        }
        anyhow::ensure!(Instant::now() < deadline, "no proposal request was sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        proposal.contains("LEVEL0, a meeting analyst. Keep it brief."),
        "the loop starts from the edited prompt: {proposal}"
    );
    assert!(
        proposal.contains(&format!("The person rated this answer down: {NOTE}")),
        "{proposal}"
    );
    // It names the answer the note was given on.
    assert!(
        proposal.contains("Output (an answer in an earlier run): - owner-A"),
        "{proposal}"
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn improving_the_rubric_raises_agreement_and_keeping_it_changes_the_suite()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b, "You are a meeting analyst.").await?;
    // The old rubric passes every answer (9/10).
    fake.reply_when(JUDGE_MARK, r#"{"reasoning":"Lists the items.","score":9}"#);
    fake.reply_when("ALPHA", "- Bob: send the deck");
    fake.reply_when("BRAVO", "- someone: book the room");
    fake.reply_when("CHARLIE", "- Carol: buy snacks by Friday");
    for (n, input) in [
        "ALPHA: Bob will send the deck.",
        "BRAVO: the room needs booking.",
        "CHARLIE: Carol buys snacks by Friday.",
    ]
    .iter()
    .enumerate()
    {
        CasesPage::new(&b).add(n as u32 + 1, input, None).await?;
    }
    CasesPage::new(&b)
        .add_rubric(1, "Lists the action items.")
        .await?;
    b.button("Run all 3 cases").await?.click().await?;
    for id in 1..=3 {
        wait_verdict(&b, id, "pass").await?;
    }
    // The person disagrees on two: no due date in #1 and #2.
    for (id, thumb) in [(1, "down"), (2, "down"), (3, "up")] {
        b.button(&format!("Thumbs {thumb} for the answer to case #{id}"))
            .await?
            .click()
            .await?;
    }
    b.field("Your note on the answer to case #1")
        .await?
        .type_text(&format!("No due date.{TAB}"))
        .await?;
    b.wait_for_text("The judge agrees with you on 1 of 3 rated answers (33%).")
        .await?;
    b.wait_for_text("Where the judge disagrees with you (2)")
        .await?;
    // Each disagreement side by side: the answer, your rating and note, the judge.
    b.wait_for_text("Thumbs down: No due date.").await?;
    let panel = b
        .eval("return document.querySelector('.pw-agreement').innerText")
        .await?;
    let panel = panel.as_str().unwrap_or("").to_owned();
    assert!(panel.contains("- Bob: send the deck"), "{panel}");
    assert!(
        panel.contains("Pass · 9/10 (pass at 7). Lists the items."),
        "{panel}"
    );
    // The calls are said before the click: 1 meta call + 3 judge calls.
    let improve = b
        .button("Improve the rubric (1 call to the meta model + 3 judge calls)")
        .await?;
    // Session 42's review: its figure was a line under it, not part of its description.
    let described = improve.attr("aria-describedby").await?.unwrap_or_default();
    let figure = b
        .eval(&format!(
            "return document.getElementById('{described}')?.textContent ?? ''"
        ))
        .await?;
    let figure = figure.as_str().unwrap_or("");
    assert!(
        figure.starts_with("The rewrite: ") && figure.contains("The judge calls: "),
        "{described:?}: {figure:?}"
    );

    // Scripted: the meta model's rubric, then the judge's three new verdicts in order.
    let new = "OWNERDATE: every action item names its owner and a due date.";
    for reply in [
        r#"{"reasoning":"Has a date.","score":9}"#,
        r#"{"reasoning":"No owner, no date.","score":2}"#,
        r#"{"reasoning":"No date.","score":3}"#,
    ] {
        fake.reply_next_when("OWNERDATE", reply, 1);
    }
    fake.reply_next_when(
        "You improve the rubric",
        &json!({"rubric": new, "changes": "Due dates are required."}).to_string(),
        1,
    );
    let sent = fake.chat_requests().len();
    improve.click().await?;
    b.wait_for_text("After: The judge agrees with you on 3 of 3 rated answers (100%).")
        .await?;
    b.wait_for_text("Before: The judge agrees with you on 1 of 3 rated answers (33%).")
        .await?;
    assert_eq!(
        fake.chat_requests().len() - sent,
        4,
        "1 meta call + 3 judge calls"
    );
    let asked = fake.chat_requests()[sent].body.clone();
    assert!(asked.contains("No due date."), "{asked}");
    // Nothing changed yet; keeping it replaces the rubric in the suite.
    let rubric = b.field("Rubric (every case, check 1)").await?;
    assert_eq!(
        rubric.prop("value").await?.as_deref(),
        Some("Lists the action items.")
    );
    b.screenshot_at(".pw-agreement", "judge-agreement").await?;
    b.button("Use the new rubric").await?.click().await?;
    b.wait_for_text("The new rubric replaced the old one in 1 judge check.")
        .await?;
    let rubric = b.field("Rubric (every case, check 1)").await?;
    assert_eq!(rubric.prop("value").await?.as_deref(), Some(new));
    b.wait_for_text("The judge agrees with you on 3 of 3 rated answers (100%).")
        .await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_becomes_a_proposed_check_the_person_keeps() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b, "You are a meeting analyst.").await?;
    fake.reply_when("ALPHA", "- Bob: send the deck");
    CasesPage::new(&b)
        .add(1, "ALPHA: Bob will send the deck by Friday.", Some("Bob"))
        .await?;
    b.button("Run the case").await?.click().await?;
    wait_verdict(&b, 1, "pass").await?;
    b.button("Thumbs down for the answer to case #1")
        .await?
        .click()
        .await?;
    b.field("Your note on the answer to case #1")
        .await?
        .type_text(&format!("It drops the due date.{TAB}"))
        .await?;
    const META: &str = "into one check that future answers must pass";
    // A refusal first: said plainly, with what the model sent. (Rules put in front: the
    // request quotes the case's input, which the execution rule answers.)
    fake.reply_next_when(
        META,
        r#"{"type": "icontains", "value": "friday", "why": "The note asks for the due date."}"#,
        1,
    );
    fake.reply_next_when(META, "Sorry, I can't help with that.", 1);
    let sent = fake.chat_requests().len();
    b.button("Turn your note on case #1 into a check")
        .await?
        .click()
        .await?;
    b.wait_for_text("The proposed check could not be read. This model did not write JSON")
        .await?;
    let asked = fake.chat_requests()[sent].body.clone();
    assert!(asked.contains("It drops the due date."), "{asked}");
    b.button("Close").await?.click().await?;
    b.button("Turn your note on case #1 into a check")
        .await?
        .click()
        .await?;
    b.wait_for_text("The meta model's note: The note asks for the due date.")
        .await?;
    let proposal = b
        .eval("return document.querySelector('[aria-label=\"Proposed check for case #1\"]').innerText")
        .await?;
    assert!(
        proposal.as_str().unwrap_or("").contains("friday"),
        "{proposal}"
    );
    // Kept for this case: the result is scored with it at once (the answer has no date).
    b.button("Add it to case #1").await?.click().await?;
    b.wait_for_text("The check was added to case #1").await?;
    wait_verdict(&b, 1, "fail").await?;
    let row = result_text(&b, 1).await?;
    assert!(row.to_lowercase().contains("friday"), "{row}");
    // A new answer (the case run again) is not "the answers already there": the note goes
    // (tryout 96 saw it stay under the next version's answer).
    fake.reply_next_when("ALPHA", "- Bob: send the deck by Friday", 1);
    b.button("Run the case").await?.click().await?;
    wait_verdict(&b, 1, "pass").await?;
    b.wait_until(
        "return !document.body.innerText.includes('The check was added to case #1')",
        "the note on the kept check gone under the new answer",
    )
    .await?;
    b.close().await?;
    Ok(())
}
