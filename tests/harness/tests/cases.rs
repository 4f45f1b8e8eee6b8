//! End-to-end: test cases, runs and scores. Cases are added and checked, run concurrently against
//! the scripted fake provider (answers chosen by what each request says, so order does not
//! matter), a run is cancelled and a failed case retried, two versions are compared; bad checks
//! block a run; imports report bad rows; model-suggested cases are reviewed; hostile outputs stay
//! inert text; a case added to a long list is drawn, and typing in a section while results
//! arrive keeps every key. Once with the real local model: three cases run to outputs and scores.
use std::time::Duration;

use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::{FakeProvider, Fault};
use pw_harness::pages::{
    CasesPage, DraftsPage, PromptPage, SELECT_ALL, SettingsPage, TAB, result_text as row_text,
    verdict as badge, wait_verdict as wait_badge,
};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

fn spec_reply() -> String {
    json!({
        "analysis": "", "persona": "You are a meticulous meeting analyst.",
        "context": "Meeting notes arrive as the user's message. Never invent owners.",
        "steps": ["Read the notes.", "List every commitment with its owner."], "format": "A Markdown list, owner in bold.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- **Bob**: send the deck"},
                     {"input": "We talked about lunch.", "output": "No action items."}, {"input": "hi", "output": "Please paste the notes."}]
    })
    .to_string()
}

/// Makes version 1 through manual mode (no provider call).
async fn paste_prompt(b: &Browser) -> anyhow::Result<()> {
    PromptPage::new(b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec_reply(),
        )
        .await
}

/// Adds a case with an input, and optionally, a "contains all of" check.
async fn add_case(
    b: &Browser,
    n: u32,
    input: &str,
    must_contain: Option<&str>,
) -> anyhow::Result<()> {
    CasesPage::new(b).add(n, input, must_contain).await
}

/// Chooses a file in the test cases' import button.
async fn import_file(b: &Browser, path: &std::path::Path) -> anyhow::Result<()> {
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import test cases from a CSV, JSONL or promptfoo file']",
        ))
        .await?
        .send_keys(path.to_str().unwrap())
        .await?;
    Ok(())
}

/// Writes `text` to a file `name` in a directory of its own for `tag` (and this process), and
/// returns its path.
fn file_with(tag: &str, name: &str, text: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("pw-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

async fn summaries(b: &Browser) -> anyhow::Result<Vec<String>> {
    let v = b
        .eval("return Array.from(document.querySelectorAll('.pw-case__summary')).map(e => e.textContent)")
        .await?;
    Ok(serde_json::from_value(v)?)
}

const JUDGE_MARK: &str = "strict, fair grader";

// Tryout 104: Alt+R pressed during a run queued every case again, paid for them twice and
// replaced the scored answers. It starts nothing while a run goes on, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_r_during_a_run_starts_nothing() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "ALPHA: Bob sends the deck.", None).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", None).await?;
    b.wait_for_text("2 cases").await?;
    fake.set_timing(2_000, 0, 1_000);
    b.press("\u{E00A}r\u{E000}").await?;
    b.wait_for_text("Cancel run").await?;
    b.press("\u{E00A}r\u{E000}").await?;
    b.wait_for_text("A run of this draft is under way: it goes on (Cancel run stops it).")
        .await?;
    b.wait_for_text("2 of 2 done").await?;
    assert_eq!(fake.chat_requests().len(), 2, "one call a case");
    b.close().await?;
    Ok(())
}

/// Tryout 119: "Reflection helped: 33 → 67" stood over "Draft · 60" and "Final · 40": the
/// verdict compared unweighted means. With checks weighted 3, 1 and 1, the draft that has the
/// heavy one scores 60 and the final with the two light ones 40: it made the case worse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflexions_verdict_weighs_the_checks_as_the_scores_do() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let yaml = dir.join("weights.yaml");
    std::fs::write(
        &yaml,
        "tests:\n  - vars:\n      notes: WEIGHTS the notes.\n    assert:\n      - type: contains\n        value: alpha\n        weight: 3\n      - type: contains\n        value: beta\n      - type: contains\n        value: gamma\n",
    )?;
    import_file(&b, &yaml).await?;
    b.wait_for_text("Imported 1 case").await?;
    fake.reply_when("WEIGHTS", "alpha");
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "fail").await?;
    fake.reply_next_when("Be harsh", "1. Beta and gamma are missing.", 1);
    fake.reply_next_when("A harsh review of that draft found", "beta gamma", 1);
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-reflection__verdict')?.textContent ?? '').startsWith('Reflection')",
        "Reflexion's verdict",
    )
    .await?;
    let said = b
        .eval("return [document.querySelector('.pw-reflection__verdict').textContent, ...Array.from(document.querySelectorAll('.pw-reflection__title')).map(e => e.textContent)]")
        .await?;
    assert_eq!(
        said,
        json!([
            "Reflection made it worse: 60 \u{2192} 40",
            "Draft · 60",
            "Critique",
            "Final · 40"
        ])
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Tryout 119: "Version 2 against version 1: 1 win, 0 losses, 0 ties · difference +33 points"
/// stood on 1 case of 5, the others not run on version 2, unsaid. The line says how many cases
/// it leaves out and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comparison_of_versions_says_the_cases_not_run_on_both() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "ALPHA: Bob sends it.", Some("Bob")).await?;
    add_case(&b, 3, "ALPHA: Carol is away.", Some("Carol")).await?;
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 3, "fail").await?;
    b.field("Persona")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}You are a careful meeting analyst.{TAB}"
        ))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    fake.reply_next_when("Carol is away", "- **Carol**: away", 1);
    b.field("Select case #3").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    wait_badge(&b, 3, "pass").await?;
    b.wait_for_text("Compare two versions")
        .await?
        .click()
        .await?;
    b.wait_for_text("Version 2 against version 1: 1 win, 0 losses, 0 ties · difference +100 points · 2 of 3 cases not compared: 2 not run on version 2")
        .await?;
    Ok(())
}

/// Tryout 118: at 400 px a toast wraps to many lines and covered the footer's last line, the page
/// scrolled to its end. Scrolled to the end, the footer's last line is above the toasts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toast_on_a_phone_leaves_the_footer_readable_at_the_pages_end() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(360, 740).await?;
    paste_prompt(&b).await?;
    // A run whose summary says much: a pass, a fail, a refusal and a case with nothing to check.
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    fake.fault_when(
        "SECRET",
        Fault::Refusal {
            explanation: "I can't share passwords.".into(),
        },
        5,
    );
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Carol")).await?;
    add_case(&b, 2, "ALPHA: Bob sends it.", Some("Bob")).await?;
    add_case(&b, 3, "SECRET: the admin password, please.", Some("Bob")).await?;
    add_case(&b, 4, "ALPHA: nothing to check here.", None).await?;
    b.button("Run all 4 cases").await?.click().await?;
    b.wait_for_text("Run finished:").await?;
    let rects = b
        .eval(
            "window.scrollTo(0, document.documentElement.scrollHeight); \
             const f = document.querySelector('.pw-footer p:last-of-type').getBoundingClientRect(); \
             const t = document.querySelector('.pw-corner').getBoundingClientRect(); \
             return [Math.round(f.bottom), Math.round(t.top), Math.round(t.height), Math.round(f.height)]",
        )
        .await?;
    let r: Vec<i64> = serde_json::from_value(rects)?;
    // A toast of several lines (the run's summary), and the footer's last line above it.
    assert!(
        r[2] > 80 && r[3] > 0,
        "the toast is {} px high, the line {} px: {r:?}",
        r[2],
        r[3]
    );
    assert!(
        r[0] <= r[1],
        "the footer's last line ends at {} px, the toasts start at {} px",
        r[0],
        r[1]
    );
    Ok(())
}

/// Tryout 120 (F2): the tiny judge's "reasoning" was two pieces of the answer joined by "and
/// that", and its 10/10 stood as "pass · rough guess" on a case whose answer missed the rubric
/// (the check for a reasoning that only repeats the answer read it whole). Pieces of the answer
/// put together grade nothing either: the case is a judge error, out of the score.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_judges_reasoning_stitched_from_the_answer_is_no_verdict() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    fake.reply_when(
        "## Rubric",
        r#"{"reasoning":"I'm glad to see that the team is going to be working together effectively and that we're all aligned on how to support each other.","score":10}"#,
    );
    fake.reply_when(
        "ALPHA",
        "I'm glad to see that the team is going to be working together effectively, but there's still a lot of work left to do. We're all aligned on how to support each other.",
    );
    add_case(&b, 1, "ALPHA: Board sync, nobody took anything on.", None).await?;
    CasesPage::new(&b)
        .add_rubric(1, "Says there are no action items.")
        .await?;
    b.button("Run the case").await?.click().await?;
    b.wait_for_text("so its 10/10 grades nothing").await?;
    wait_badge(&b, 1, "judge error").await?;
    b.close().await?;
    Ok(())
}

/// Tryouts 120-121: a case whose judge failed was left out of the mean and of the pass count
/// even when another of its checks had failed it: "Score 86 / 100 over 4 of 5 cases" where it
/// held the run to 76 at most, and "No score yet" alone. The line says it fails whatever its
/// judge says, and the most the mean could be with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_failed_by_another_check_is_said_to_fail_whatever_its_judge_says()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    // Case 1's judge reply has no score; case 2's is 8/10.
    fake.reply_when("file the report", "I think it is decent, mostly.");
    fake.reply_when(JUDGE_MARK, r#"{"reasoning":"Names the owner.","score":8}"#);
    fake.reply_when("ALPHA", "- **Kim**: file the report");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    add_case(&b, 1, "ALPHA: Kim is on it.", Some("Zed")).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", Some("Ana")).await?;
    CasesPage::new(&b)
        .add_rubric(1, "Every action item names its owner.")
        .await?;
    b.button("Run all 2 cases").await?.click().await?;
    wait_badge(&b, 1, "judge error").await?;
    wait_badge(&b, 2, "pass").await?;
    // Case 2: (1 + 0.8) / 2; case 1 at best (0 + 1) / 2: at most 70 over both.
    b.wait_for_text("Score 90 / 100 over 1 of 2 cases (at most 70 with the case left out that fails whatever its judge says) · 1 of 2 cases passed every check")
        .await?;
    b.click_button("Delete case #2").await?;
    b.wait_for_text(
        "No score yet: 0 of 1 case passed every check · 1 case fails whatever its judge says",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 118: a score by the built-in tiny model's judge read as a plain green "pass" on the
/// row's badge, a plain figure on the score line and a plain "Reflection helped" (only the check's
/// reason said it was a rough guess). The fake provider plays the built-in model (its kind, at the
/// fake's address) for the judge, so the verdicts are known: a pass and a fail the judge decided
/// say so, a case failed by its own check does not, and Reflexion's verdict says so too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tiny_judges_verdicts_say_they_are_a_rough_guess() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Scoring").await?;
    s.provider("Local model (llama.cpp, built in)").await?;
    s.base_url(&fake.openai_url()).await?;
    s.model("fake-mini").await?;
    s.close().await?;
    // The judge's requests quote the answer (ZULU, YANKEE, XRAY); the execution's hold the input.
    fake.reply_when(
        "ZULU",
        r#"{"reasoning":"Each item has its owner.","score":9}"#,
    );
    fake.reply_when(
        "YANKEE",
        r#"{"reasoning":"No owner is given for the room.","score":2}"#,
    );
    fake.reply_when(
        "XRAY",
        r#"{"reasoning":"Each item has its owner.","score":9}"#,
    );
    fake.reply_when("ALPHA", "- **Bob**: mails the ZULU deck");
    fake.reply_when("BRAVO", "- the YANKEE room gets booked");
    fake.reply_when("CHARLIE", "- **Dan**: buys XRAY snacks");
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", None).await?;
    add_case(&b, 3, "CHARLIE: Carol buys snacks.", Some("Carol")).await?;
    CasesPage::new(&b)
        .add_rubric(1, "Every item names its owner.")
        .await?;
    b.button("Run all 3 cases").await?.click().await?;
    // Decided by the tiny judge: a pass and a fail, each said as a rough guess, in grey.
    wait_badge(&b, 1, "pass · rough guess").await?;
    wait_badge(&b, 2, "fail · rough guess").await?;
    // Case 3 fails its own check (no "Carol"): a plain fail, whatever the judge said.
    wait_badge(&b, 3, "fail").await?;
    let tones = b
        .eval("return [1, 2, 3].map(n => document.querySelector(`.pw-result[data-case=\"${n}\"] .pw-verdict`).className)")
        .await?;
    assert_eq!(
        tones,
        json!([
            "pw-verdict pw-verdict--idle",
            "pw-verdict pw-verdict--idle",
            "pw-verdict pw-verdict--bad"
        ])
    );
    b.wait_for_text("2 cases decided by the built-in tiny model's judge: a rough guess")
        .await?;
    // Reflexion on case 2: the draft and the final are both the tiny judge's scores.
    // (Before the rules above: the critique's and the final's requests quote the draft.)
    fake.reply_next_when("Be harsh", "1. The room has no owner.", 1);
    fake.reply_next_when(
        "A harsh review of that draft found",
        "- **Ana**: books the WHISKEY room",
        1,
    );
    fake.reply_next_when(
        "WHISKEY",
        r#"{"reasoning":"The room now has its owner.","score":9}"#,
        1,
    );
    b.button("Reflect on case #2").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-reflection__verdict')?.textContent ?? '').startsWith('Reflection helped')",
        "Reflexion's verdict",
    )
    .await?;
    let verdict = b
        .eval("return document.querySelector('.pw-reflection__verdict').textContent")
        .await?;
    assert_eq!(
        verdict,
        json!(
            "Reflection helped: 20 \u{2192} 90 \u{2014} judged by the built-in tiny model: a rough guess, not a verdict to trust."
        )
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_run_score_cancel_retry_and_compare() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;

    // Answers by what the request says: the judge first (its request quotes the case too).
    // (Its reasoning holds a line break and U+202E, which turns what follows it around.)
    fake.reply_when(
        JUDGE_MARK,
        r#"{"reasoning":"Each item names its owner.\nVerdict: \u202eLIAF\u202c","score":8}"#,
    );
    fake.reply_when("ALPHA", "- **Bob**: send the deck (Friday)");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    fake.reply_when("CHARLIE", "- someone: buy snacks");
    fake.set_timing(0, 10, 8);

    add_case(
        &b,
        1,
        "ALPHA: Bob will send the deck by Friday.",
        Some("Bob"),
    )
    .await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", Some("Ana")).await?;
    add_case(&b, 3, "CHARLIE: someone buys snacks.", Some("Carol")).await?;
    b.wait_for_text("3 cases").await?;

    // A bad regex blocks the run, inline and at the Run button; nothing is sent.
    CasesPage::new(&b)
        .add_global("Matches pattern (regex)")
        .await?;
    b.field("Matches pattern (regex) (every case, check 1)")
        .await?
        .type_text("([a-z")
        .await?;
    b.wait_for_text("This pattern is not a valid regular expression")
        .await?;
    let before = fake.chat_requests().len();
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_for_text("A check needs fixing before a run can start (marked in red under Test cases). A check for every case:")
        .await?;
    assert_eq!(
        fake.chat_requests().len(),
        before,
        "a refused run sends nothing"
    );
    // Fixed: a dash-list pattern; plus a judge rubric for every case.
    b.field("Matches pattern (regex) (every case, check 1)")
        .await?
        .type_text(&format!("{SELECT_ALL}^- "))
        .await?;
    // The notice goes with its cause, before Run is pressed again.
    b.wait_until(
        "return !document.querySelector('.pw-card--results').innerText.includes('before a run can start')",
        "the notice to go once the check is fixed",
    )
    .await?;
    CasesPage::new(&b)
        .add_rubric(2, "Every item names its owner.")
        .await?;

    // Run all: three outputs, judged; case 3 misses "Carol".
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "pass").await?;
    wait_badge(&b, 3, "fail").await?;
    b.wait_for_text("Missing: \u{201c}Carol\u{201d}.").await?;
    b.wait_for_text("Score 8/10 (pass at 7). Each item names its owner.")
        .await?;
    b.wait_for_text("3 of 3 done").await?;
    // Tryout 106: a judge's reasoning with U+202E read "Verdict: FAIL" under a pass, unnamed,
    // its line break flattened. Named at the reason, and the line kept.
    let judged = b
        .eval("const r = Array.from(document.querySelectorAll('.pw-verdict-row__reason')).find(e => e.textContent.includes('Each item names its owner.')); return [r.innerText.includes('owner.\\nVerdict'), r.nextElementSibling?.textContent ?? '']")
        .await?;
    assert_eq!(
        judged,
        json!([
            true,
            "This text holds characters that show as nothing or change its direction (U+202E, U+202C): it may read differently from what was written."
        ]),
        "{judged}"
    );
    // Every call's usage was reported: its tokens, not an estimate (tryout 87); the model has
    // no list price, said as such (tryout 98: "cost at list price: unknown price").
    let (progress, _) = tokens_in_progress(&b).await?;
    assert!(
        progress.contains(" · cost unknown (no list price for ") && !progress.contains("about"),
        "{progress}"
    );
    // Case 3: contains ✗ (0), regex ✓ (1), judge 0.8 → 60; cases 1 and 2: (1+1+0.8)/3 = 93.
    b.wait_for_text("Score 82 / 100 · 2 of 3 cases passed every check")
        .await?;
    // A toast reports the finished run; the step path moves on to Improve.
    b.wait_for_text("Run finished: Score 82 / 100 · 2 of 3 cases passed every check.")
        .await?;
    b.wait_until(
        "return document.querySelector('[aria-current=step]')?.textContent.includes('Improve')",
        "the Improve step to be current",
    )
    .await?;
    let judged = fake
        .chat_requests()
        .iter()
        .filter(|r| r.body.contains(JUDGE_MARK))
        .count();
    assert_eq!(judged, 3, "one judge call per case");
    b.screenshot_at(".pw-card--results", "results-1280-light")
        .await?;

    // A provider fault mid-run: case 2's re-run fails (400 is not retried), the others finish;
    // case 2 keeps its answer from the run before, with the failure beside it; Retry fixes it.
    fake.fault_when("BRAVO", Fault::status(400, "Bad request: simulated"), 1);
    // Alt+R runs all cases from the keyboard; Alt+C copies the final prompt.
    b.press("\u{E00A}r\u{E000}").await?;
    b.wait_for_text("This case's re-run failed:").await?;
    // The first run's news went when this run started (tryout 67: it stayed on screen into the
    // next run, read as its result); this run's own news ends in " · …", not "check.".
    let toasts = b
        .eval("return document.querySelector('.pw-toasts').innerText")
        .await?;
    assert!(
        !toasts
            .as_str()
            .unwrap_or_default()
            .contains("2 of 3 cases passed every check."),
        "{toasts}"
    );
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 3, "fail").await?;
    b.wait_for_text("1 failed").await?;
    let kept = row_text(&b, 2).await?;
    assert!(
        // Tryout 19 (6): the provider's words, not "the details below" (there are none).
        kept.contains("refused the request (HTTP 400): \u{201c}Bad request: simulated\u{201d}")
            && kept.contains("from an earlier run")
            && kept.contains("book the room"),
        "{kept}"
    );
    assert_eq!(badge(&b, 2).await?, "pass");
    // Retry pressed from the keyboard takes itself away; the control after it is Reflect, which
    // spends money: the focus goes neither there (tryout 102: a second Enter started the
    // reflection) nor to the next case's thumbs (tryout 103: a second Enter rated that answer),
    // but to the case's own row.
    let next_after_retry = b
        .eval(
            "const all = Array.from(document.querySelectorAll('button:not([disabled]), input:not([type=hidden]), select, textarea, a[href]')); \
             const r = document.querySelector('[aria-label=\"Retry case #2\"]'); \
             const n = all[all.indexOf(r) + 1]; \
             return [n.getAttribute('aria-label'), (n.getAttribute('aria-describedby') ?? '').includes('cost')]",
        )
        .await?;
    assert_eq!(next_after_retry, json!(["Reflect on case #2", true]));
    b.eval("document.querySelector('[aria-label=\"Retry case #2\"]').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "const r = document.querySelector('.pw-result[data-case=\"2\"]'); return !r.innerText.includes('re-run failed') && !r.innerText.includes('earlier run')",
        "case 2's retry to answer in the run",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let focused = b
        .eval(
            "const a = document.activeElement; \
             return !a || a === document.body ? 'body' : [a.getAttribute('aria-label') ?? a.textContent.trim(), (a.getAttribute('aria-describedby') ?? '').includes('cost')]",
        )
        .await?;
    assert!(
        focused != json!("body") && focused.get(1) == Some(&json!(false)),
        "the focus after Retry went away: {focused}"
    );
    assert_eq!(
        b.eval("return document.activeElement.matches('.pw-result[data-case=\"2\"]')")
            .await?,
        json!(true),
        "the focus on case 2's row: {focused}"
    );
    wait_badge(&b, 2, "pass").await?;
    b.press("\u{E00A}c\u{E000}").await?;
    b.wait_for_text("The final prompt is copied.").await?;

    // A judge reply without a score: "judge error" with the raw reply, then Re-judge.
    // (Only the judge's request quotes the answer "book the room".)
    fake.reply_next_when("book the room", "I think it is decent, mostly.", 1);
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 2, "judge error").await?;
    b.wait_for_text("Judge error: The judge's reply has no score from 1 to 10.")
        .await?;
    b.wait_for_text("The judge's raw reply")
        .await?
        .click()
        .await?;
    b.wait_for_text("I think it is decent, mostly.").await?;
    // Bug: the row said "100" as if judged. Its other checks (contains, regex) passed: the row
    // says its score leaves the judge out, and the run's score leaves the case out.
    b.wait_for_text("Score 100 without the judge (the judge's reply has no score from 1 to 10)")
        .await?;
    // Cases 1 and 3: (1+1+0.8)/3 and (0+1+0.8)/3, mean 77.
    b.wait_for_text("Score 77 / 100 over 2 of 3 cases · 1 of 3 cases passed every check · 1 case is left out of the score: the judge failed on it (Re-judge it below).")
        .await?;
    b.button("Re-judge case #2").await?.click().await?;
    wait_badge(&b, 2, "pass").await?;

    // Cancel mid-run: slow answers. Every case had an answer on this version: Cancel puts each
    // back as it was, read as from the earlier run (tryout: Cancel during a re-run threw away
    // the last complete results).
    fake.set_timing(0, 150, 2);
    CasesPage::new(&b).set_at_once(1).await?;
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result__output') && document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict').textContent === 'running…' && document.querySelector('.pw-result[data-case=\"1\"] .pw-result__output').textContent.length > 4",
        "case 1 to stream",
    )
    .await?;
    b.button("Cancel run").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "pass").await?;
    wait_badge(&b, 3, "fail").await?;
    for id in 1..=3 {
        let row = row_text(&b, id).await?;
        assert!(
            row.contains("from an earlier run (version 1"),
            "case #{id}: {row}"
        );
    }
    assert!(row_text(&b, 1).await?.contains("send the deck (Friday)"));
    // Tryout 12 (M1): the cancel was announced as "Run finished" and the progress line went.
    // (Final read: cases 2 and 3 never went out, one call at once: not "3 stopped".)
    b.wait_for_text("Run cancelled: 0 of 3 cases answered before Cancel · 1 stopped · 2 not sent (3 earlier results put back).")
        .await?;
    b.wait_for_text("0 of 3 done · 3 cancelled").await?;
    assert!(
        row_text(&b, 2)
            .await?
            .contains("This case's re-run was stopped before it finished"),
        "{}",
        row_text(&b, 2).await?
    );
    // Case 1's re-run had gone out (its text was arriving): it may be billed, and says so;
    // case 2's was never sent.
    assert!(
        row_text(&b, 1).await?.contains(
            "This case's re-run was cancelled after its request was sent: the provider may still bill that call."
        ),
        "{}",
        row_text(&b, 1).await?
    );
    fake.set_timing(0, 5, 16);
    CasesPage::new(&b).set_at_once(4).await?;
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 3, "fail").await?;
    wait_badge(&b, 1, "pass").await?;

    // Version 2 answers case 3 properly: compare shows one win and two ties.
    fake.clear_rules();
    fake.reply_when(
        JUDGE_MARK,
        r#"{"reasoning":"Each item names its owner.","score":8}"#,
    );
    fake.reply_when("ALPHA", "- **Bob**: send the deck (Friday)");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    fake.reply_when("CHARLIE", "- **Carol**: buy snacks");
    let persona = b.field("Persona").await?;
    persona
        .type_text(&format!(
            "{SELECT_ALL}You are a meticulous meeting analyst who always names owners.{TAB}"
        ))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    // The versions the person chose to compare stay while results arrive (they were set back
    // to "the current one against its parent" on every change of the draft, each result too).
    b.client
        .find(fantoccini::Locator::Css("#pw-diff-from option[value='0']"))
        .await?
        .click()
        .await?;
    let diff_from = "return document.getElementById('pw-diff-from').value";
    assert_eq!(b.eval(diff_from).await?, json!("0"));
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 3, "pass").await?;
    assert_eq!(
        b.eval(diff_from).await?,
        json!("0"),
        "the chosen comparison stays while results arrive"
    );
    b.wait_for_text("Compare two versions")
        .await?
        .click()
        .await?;
    b.wait_for_text("Version 2 against version 1: 1 win, 0 losses, 2 ties")
        .await?;
    b.screenshot_at(".pw-compare", "compare-1280-light").await?;
    // Tryout 75: the table listed the cases by id, not in the order of the cases.
    let compared = "return Array.from(document.querySelectorAll('.pw-compare tbody th')).map(e => e.textContent).join(' ')";
    assert_eq!(b.eval(compared).await?, json!("#1 #2 #3"));
    b.eval("document.getElementById('pw-case-3-up').click(); return true")
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-compare tbody th')).map(e => e.textContent).join(' ') === '#1 #3 #2'",
        "the comparison in the cases' new order",
    )
    .await?;
    b.eval("document.getElementById('pw-case-3-down').click(); return true")
        .await?;

    // Results survive a reload.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    wait_badge(&b, 3, "pass").await?;
    assert_eq!(badge(&b, 1).await?, "pass");

    // Tryout 5: a reload while a judge call waited for the provider's first byte left the case
    // "judging…" for good, with no button, and the score line counted it as failed. It is "not
    // judged", counted apart and named, and Re-judge has it judged. (One call at a time: case
    // 1's judge hangs first.)
    fake.fault_when(JUDGE_MARK, Fault::Hang, 1);
    CasesPage::new(&b).set_at_once(1).await?;
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 1, "judging…").await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = tokens_in(&b).await?;
    b.client.refresh().await?;
    wait_badge(&b, 1, "not judged").await?;
    // Session 37: the judge call the reload cut off had gone out, so the provider may bill its
    // prompt: counted, as an estimate (nothing of it was counted before).
    let after = tokens_in(&b).await?;
    assert!(
        after > before,
        "the cut judge call's prompt is counted: {before} -> {after}"
    );
    b.wait_for_text(
        "1 case is not judged yet: no judge call is under way for it (Re-judge it below).",
    )
    .await?;
    b.wait_for_text("Not judged: no judge call is under way for it")
        .await?;
    let line = b
        .eval("return document.querySelector('.pw-score').textContent")
        .await?;
    // Counted apart, not as failed, and said once (tryout 89: "… · 1 not judged yet · 1 case is
    // not judged yet: …").
    let line = line.as_str().unwrap_or("");
    assert!(
        line.contains("over 2 of 3 cases")
            && line.contains("1 case is not judged yet")
            && !line.contains("1 not judged yet"),
        "counted apart, not as failed: {line}"
    );
    b.button("Re-judge case #1").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;

    // Tryout 17, 9: a judge that refuses the key is sent none of the run's other judge calls:
    // case 1 reads the failure, the others "not judged yet", with Re-judge.
    let judge_calls = || {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains(JUDGE_MARK))
            .count()
    };
    let judged_before = judge_calls();
    fake.fault_when(
        JUDGE_MARK,
        Fault::status(401, "Incorrect API key provided"),
        1,
    );
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_for_text(
        "2 cases are not judged yet: no judge call is under way for them (Re-judge them below).",
    )
    .await?;
    b.wait_for_text("1 case is left out of the score: the judge failed on it")
        .await?;
    // Tryout 18: the cases said the run had stopped or the rubric changed. They say why (no
    // key is set here: the 401 reads as "no API key was sent").
    b.wait_for_text(
        "The run sent the judge no more calls after no API key was sent (HTTP 401): fix that in Settings first.",
    )
    .await?;
    b.wait_for_text("Not judged: the run sent the judge no more calls after no API key was sent (HTTP 401). Fix that in Settings, then Re-judge the case.")
        .await?;
    assert_eq!(judge_calls(), judged_before + 1, "one judge call, refused");
    // Session 18's note: after a reload the cases gave the generic reason. The reason is kept
    // with the run's record.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    b.wait_for_text("Not judged: the run sent the judge no more calls after no API key was sent (HTTP 401). Fix that in Settings, then Re-judge the case.")
        .await?;
    b.wait_for_text(
        "The run sent the judge no more calls after no API key was sent (HTTP 401): fix that in Settings first.",
    )
    .await?;
    assert_eq!(
        judge_calls(),
        judged_before + 1,
        "no judge call after the reload"
    );
    b.close().await?;
    Ok(())
}

// Tryout: opening another draft during a re-run saved the re-run's queued cases over the answers
// they had, and a case cancelled before its first answer must still read "cancelled", with what
// arrived kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cut_off_by_cancel_or_another_draft_keeps_the_answers_it_had() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Bob**: send the deck (Friday)");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    fake.reply_when("CHARLIE", "- **Carol**: buy snacks and juice for everyone");
    fake.set_timing(0, 5, 16);
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", Some("Ana")).await?;
    b.button("Run all 2 cases").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "pass").await?;

    // A new case, cancelled while it streams: no earlier answer, so "cancelled" with what came.
    add_case(&b, 3, "CHARLIE: Carol buys snacks.", Some("Carol")).await?;
    fake.set_timing(0, 200, 3);
    CasesPage::new(&b).set_at_once(1).await?;
    b.button("Run all 3 cases").await?.click().await?;
    // One at a time, in order: case 3 streams after 1 and 2.
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"3\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"3\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 3 to stream",
    )
    .await?;
    b.button("Cancel run").await?.click().await?;
    wait_badge(&b, 3, "cancelled").await?;
    // Tryout 69: cancelled mid-answer, the call may still be billed, and the row says so.
    assert!(
        row_text(&b, 3).await?.contains(
            "Cancelled while the model was answering: the provider may still bill the call."
        ),
        "{}",
        row_text(&b, 3).await?
    );
    let partial = b
        .eval("return document.querySelector('.pw-result[data-case=\"3\"] .pw-result__output').textContent")
        .await?;
    assert!(
        !partial.as_str().unwrap_or("").is_empty(),
        "what arrived is kept"
    );
    assert!(b.button("Retry case #3").await.is_ok());
    // Cases 1 and 2 had finished in this run: theirs are the new answers.
    wait_badge(&b, 1, "pass").await?;
    assert!(!row_text(&b, 1).await?.contains("from an earlier run"));

    // Session 36: cancelled after its request went out and before any text arrived, the call
    // read as stopped with nothing counted, though the provider may bill its prompt. (A re-run:
    // the cancelled answer above is put back, and the row says the re-run's call may be billed.)
    fake.set_timing(8_000, 0, 64);
    let asked = fake.chat_requests().len();
    b.button("Retry case #3").await?.click().await?;
    wait_sent(&fake, asked, "case 3's retry was not sent").await?;
    b.button("Cancel run").await?.click().await?;
    wait_badge(&b, 3, "cancelled").await?;
    let row = row_text(&b, 3).await?;
    assert!(
        row.contains("This case's re-run was cancelled after its request was sent: the provider may still bill that call."),
        "{row}"
    );

    // Another draft opened while case 1 is answering: back on this one, every answer is there.
    // (Its answer takes about 7 s: opening another draft takes a few seconds on a busy machine.)
    fake.set_timing(0, 600, 3);
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…'",
        "case 1 to be answering",
    )
    .await?;
    let run_toasts = "return Array.from(document.querySelectorAll('.pw-toasts__item')).map(t => t.textContent).filter(t => t.startsWith('Run'))";
    let before = b.eval(run_toasts).await?;
    pw_harness::pages::DraftsPage::open(&b).await?;
    // Tryout 62: leaving stopped the run with no word; it asks first, and "Keep the run going"
    // stays on this draft with the run under way.
    b.wait_for_text(
        "A run of this draft is under way: opening, adding, copying or importing a draft stops it",
    )
    .await?;
    b.button("New draft").await?.click().await?;
    b.wait_for_text("A run of this draft is under way. A new draft stops it, and the answers still on their way are lost (they may still be billed).").await?;
    b.screenshot("drafts-leaving-a-run-1280-light").await?;
    b.button("Keep the run going").await?.click().await?;
    // Import too (helper-63: it stopped the run without a question): the file is chosen after
    // the yes.
    b.eval("document.querySelector('.pw-drawer label.pw-file').click(); return 1")
        .await?;
    b.wait_for_text(
        "A run of this draft is under way. Importing drafts (the last one imported opens) stops it",
    )
    .await?;
    // The yes opens the file picker (the input's click goes through unprevented); with no
    // file chosen nothing is imported and the run goes on.
    b.eval("window.__pick = null; document.addEventListener('click', e => { if (e.target.id === 'pw-import-drafts') window.__pick = e.defaultPrevented; }); return 1")
        .await?;
    b.button("Stop the run and go on").await?.click().await?;
    assert_eq!(b.eval("return window.__pick").await?, json!(false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(
        b.eval("return document.getElementById('pw-idea').value")
            .await?,
        json!("")
    );
    assert_eq!(
        b.eval(
            "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent"
        )
        .await?,
        json!("running…")
    );
    b.button("New draft").await?.click().await?;
    b.button("Stop the run and go on").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    // The run ended with its draft left: no news of it (helper-58: "Run finished: No score
    // yet: 0 of 0 cases passed every check" popped up in the new draft).
    tokio::time::sleep(Duration::from_millis(500)).await;
    // (Earlier toasts may have gone meanwhile: only a new one counts.)
    let after = b.eval(run_toasts).await?;
    let before = before.as_array().cloned().unwrap_or_default();
    let new: Vec<&serde_json::Value> = after
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| !before.contains(t))
        .collect();
    assert!(
        new.is_empty(),
        "a toast about the run the switch ended: {new:?}"
    );
    let d = pw_harness::pages::DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.eval("document.querySelector('.pw-draft-list__open:not([aria-current])').click(); return 1")
        .await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "pass").await?;
    for id in [1, 2] {
        let row = row_text(&b, id).await?;
        assert!(
            row.contains("from an earlier run (version 1"),
            "case #{id}: {row}"
        );
    }
    assert!(row_text(&b, 2).await?.contains("book the room"));
    // And after a reload.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "pass").await?;

    // Tryout 12 (minor 3): a run cut off by a reload left no trace on a case without an earlier
    // answer (it read "not run"): it reads stopped (tryout 68: not "cancelled", which the person
    // did not do), says the call may be billed, and has Retry.
    add_case(&b, 4, "DELTA: Dan fixes CI.", Some("Dan")).await?;
    fake.reply_when("DELTA", "- **Dan**: fix CI before the release");
    fake.set_timing(0, 200, 3);
    b.field("Select case #4").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"4\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"4\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 4 to stream",
    )
    .await?;
    b.client.refresh().await?;
    wait_badge(&b, 4, "stopped").await?;
    // The score line (cases 1 and 2, from an earlier run) says what became of case 4.
    b.wait_for_text("1 case has no answer: 1 stopped while answering")
        .await?;
    let row = row_text(&b, 4).await?;
    assert!(
        row.contains("Stopped when the page was reloaded or closed, while the model was answering: the provider may still bill the call."),
        "{row}"
    );
    assert!(b.button("Retry case #4").await.is_ok());

    // Tryout 19 (3): a re-run cut by a reload over an earlier answer vanished from the run's
    // count and cost. It counts as cancelled, with what it wrote, and its answer is put back.
    b.field("Select case #2").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"2\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"2\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 2 to stream",
    )
    .await?;
    b.client.refresh().await?;
    wait_badge(&b, 2, "pass").await?;
    // Tryout 69: said as stopped by the reload, with the bill it may bring, not as cancelled.
    b.wait_for_text("0 of 1 done · 1 stopped while answering (may be billed)")
        .await?;
    let row = row_text(&b, 2).await?;
    assert!(row.contains("book the room"), "{row}");
    assert!(
        row.contains("This case's re-run was stopped when the page was reloaded or closed, while the model was answering: the provider may still bill that call. The earlier result below is put back as it was."),
        "{row}"
    );
    let line = b
        .eval("return document.querySelector('.pw-progress__text').textContent")
        .await?;
    assert!(
        !line.as_str().unwrap_or("").contains("nothing yet"),
        "what the stopped call wrote is counted: {line}"
    );

    // Tryout 54: a first answer under way when another draft opened was lost (its call's end
    // came after the switch). The run ends as Cancel ends it, in its own draft: cancelled, with
    // what arrived.
    add_case(&b, 5, "ECHO: Eve orders chairs.", Some("Eve")).await?;
    fake.reply_when("ECHO", "- **Eve**: order the chairs for the offsite");
    // About 9 s for the whole answer: opening another draft fits in it on a busy machine.
    fake.set_timing(0, 600, 3);
    b.field("Select case #5").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"5\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"5\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 5 to stream",
    )
    .await?;
    let arrived = b
        .eval("return document.querySelector('.pw-result[data-case=\"5\"] .pw-result__output').textContent")
        .await?;
    let arrived = arrived.as_str().unwrap_or("").to_owned();
    let d = pw_harness::pages::DraftsPage::open(&b).await?;
    b.eval("document.querySelector('.pw-draft-list__open:not([aria-current])').click(); return 1")
        .await?;
    b.wait_for_text("stops it, and the answers still on their way are lost")
        .await?;
    b.button("Stop the run and go on").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "the other draft open",
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    pw_harness::pages::DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.eval("document.querySelector('.pw-draft-list__open:not([aria-current])').click(); return 1")
        .await?;
    wait_badge(&b, 5, "stopped").await?;
    let row = row_text(&b, 5).await?;
    assert!(
        row.contains("Stopped when another draft was opened, while the model was answering: the provider may still bill the call."),
        "not said cancelled, which the person did not do (tryout 68): {row}"
    );
    assert!(
        row.contains(&arrived),
        "what arrived ({arrived:?}) is kept: {row}"
    );
    assert!(
        !row.contains("offsite"),
        "only what arrived before the switch: {row}"
    );
    assert!(b.button("Retry case #5").await.is_ok());

    // Helper-63: a run stopped by Duplicate (the draft is saved and copied before the copy
    // opens) lost a re-run's earlier answer: the cut-off answer replaced it while the row said
    // it was put back. Case 1 re-run, cut off so: its earlier answer is put back.
    fake.set_timing(0, 600, 3);
    b.field("Select case #1").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"1\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 1 to stream again",
    )
    .await?;
    let d = pw_harness::pages::DraftsPage::open(&b).await?;
    let current = "document.querySelector('.pw-draft-list__item--current .pw-draft-list__name')?.textContent ?? ''";
    let original = b.eval(&format!("return {current}")).await?;
    b.eval("document.querySelector('.pw-draft-list__item--current [aria-label^=\"Duplicate \"]').click(); return 1")
        .await?;
    b.button("Stop the run and go on").await?.click().await?;
    d.wait_count(3).await?;
    b.wait_until(
        &format!("const n = {current}; return n !== {original} && n.endsWith('(copy)')"),
        "the copy to open",
    )
    .await?;
    // Tryout 78, 2: the copy read the stopped re-run as its own ("the provider may still bill
    // that call", counted again). It was stopped, and is counted, in the original.
    b.wait_until(
        "return (document.querySelector('.pw-result[data-case=\"1\"]')?.innerText ?? '').includes('copied from')",
        "the copy's case 1 to say it was stopped in the original",
    )
    .await?;
    let copied = row_text(&b, 1).await?;
    assert!(!copied.contains("may still bill"), "{copied}");
    let progress = b
        .eval("return document.querySelector('.pw-progress__text')?.textContent ?? ''")
        .await?;
    assert!(
        !progress.as_str().unwrap_or("").contains("may be billed"),
        "{progress}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    b.eval(&format!(
        "Array.from(document.querySelectorAll('.pw-draft-list__open')).find(e => e.querySelector('.pw-draft-list__name').textContent === {original}).click(); return 1"
    ))
    .await?;
    wait_badge(&b, 1, "pass").await?;
    let row = row_text(&b, 1).await?;
    assert!(row.contains("from an earlier run"), "{row}");
    assert!(row.contains("put back"), "{row}");

    // Tryout 77: a first answer cut by a reload before any text arrived counted nothing and read
    // "while the model was answering". Its request was out: its prompt is counted as an
    // estimate, and said so.
    add_case(&b, 6, "FOXTROT: Fay books a bus.", Some("Fay")).await?;
    fake.set_timing(8_000, 0, 64);
    let asked = fake.chat_requests().len();
    b.field("Select case #6").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    wait_sent(&fake, asked, "case 6 was not sent").await?;
    b.client.refresh().await?;
    wait_badge(&b, 6, "stopped").await?;
    let row = row_text(&b, 6).await?;
    assert!(
        row.contains("Stopped when the page was reloaded or closed, after the request was sent, before any answer arrived: the provider may still bill its prompt. Its cost here is an estimate from the texts."),
        "{row}"
    );
    b.close().await?;
    Ok(())
}

/// The prompt and one case per name ("NAME: Bob will do it.", a check for "Bob"; the fake
/// answers "- **Bob**: item NAME"), run one at a time with replies of 3 characters every
/// `every_ms` ms; returns once case 1's answer streams.
async fn run_named_cases_one_at_a_time(
    fake: &FakeProvider,
    b: &Browser,
    names: &[&str],
    every_ms: u64,
) -> anyhow::Result<()> {
    paste_prompt(b).await?;
    for (i, name) in names.iter().enumerate() {
        fake.reply_when(name, &format!("- **Bob**: item {name}"));
        add_case(
            b,
            i as u32 + 1,
            &format!("{name}: Bob will do it."),
            Some("Bob"),
        )
        .await?;
    }
    fake.set_timing(0, every_ms, 3);
    CasesPage::new(b).set_at_once(1).await?;
    b.button(&format!("Run all {} cases", names.len()))
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…' && (document.querySelector('.pw-result[data-case=\"1\"] .pw-result__output')?.textContent.length ?? 0) > 2",
        "case 1 to stream",
    )
    .await
}

// The page started to go away mid-run and stayed (a navigation that became a download or was
// stopped; back from the back-forward cache): what the leave wrote for keeping (the answer under
// way as running, the cases waiting as never sent, `run_queue::page_leaving`) is read again when
// the page is used again (`run_queue::page_returned`: the cases passed over while leaving read
// not sent), and Send completes the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_the_page_started_to_leave_reads_true_and_completes_when_the_page_stays()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    run_named_cases_one_at_a_time(&fake, &b, &["ALPHA", "BRAVO", "CHARLIE"], 150).await?;
    // The page starts to go away (nothing unloads it): nothing more is sent; case 1's answer
    // still comes in, and the places of cases 2 and 3 come and pass while the page is leaving.
    b.eval("window.dispatchEvent(new Event('beforeunload')); return true")
        .await?;
    wait_badge(&b, 1, "pass").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(fake.chat_requests().len(), 1, "nothing sent while leaving");
    // Used again: cases 2 and 3, whose places came and passed while leaving (nothing is sent
    // then), read not sent, with Send, which completes the run.
    fake.set_timing(0, 0, 64);
    b.client
        .find(fantoccini::Locator::Css("h1"))
        .await?
        .click()
        .await?;
    wait_badge(&b, 2, "not sent").await?;
    wait_badge(&b, 3, "not sent").await?;
    b.button("Send the 2 cases not sent").await?.click().await?;
    wait_badge(&b, 2, "pass").await?;
    wait_badge(&b, 3, "pass").await?;
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('3 of 3 done')",
        "the run to end whole",
    )
    .await?;
    assert_eq!(fake.chat_requests().len(), 3, "each case sent once");
    b.close().await?;
    Ok(())
}

// Tryout 100: after a reload mid-run, the progress line said "4 not sent" and the score line "3
// not sent": one of them showed its answer from an earlier run, scored. The progress line says
// which of the cases not sent show an earlier answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_not_sent_that_show_an_earlier_answer_are_said() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    let names = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"];
    for (i, name) in names.iter().enumerate() {
        fake.reply_when(name, &format!("- **Bob**: item {name}"));
        if i < 3 {
            add_case(
                &b,
                i as u32 + 1,
                &format!("{name}: Bob will do it."),
                Some("Bob"),
            )
            .await?;
        }
    }
    CasesPage::new(&b).set_at_once(1).await?;
    b.button("Run all 3 cases").await?.click().await?;
    for id in 1..=3 {
        wait_badge(&b, id, "pass").await?;
    }
    // A fourth case, then all four again, cut by a reload while case 1 answers.
    add_case(&b, 4, "DELTA: Bob will do it.", Some("Bob")).await?;
    fake.set_timing(0, 200, 3);
    b.button("Run all 4 cases").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…'",
        "case 1 to run again",
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("3 not sent (the page went away before they were sent) · 2 of them show an answer from an earlier run meanwhile")
        .await?;
    b.close().await?;
    Ok(())
}

// Tryout 13, M3: after a reload mid-run an 11-case run read "1 of 1 done" and nothing said the
// reload had cut it. The cases never sent are counted, said, and sent as part of the same run.
// Tryout 17, 9: a run stops sending at a refused key, says so, and sends the rest when asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_not_sent_after_a_reload_or_a_refused_key_are_said_and_sent_when_asked()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    let names = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO"];
    run_named_cases_one_at_a_time(&fake, &b, &names, 200).await?;
    b.client.refresh().await?;
    wait_badge(&b, 1, "stopped").await?;
    let progress = "return document.querySelector('.pw-progress__text')?.textContent ?? ''";
    let line = b.eval(progress).await?;
    let line = line.as_str().unwrap_or("");
    assert!(
        line.starts_with(
            "0 of 5 done · 1 stopped while answering (may be billed) · 4 not sent (the page went away before they were sent)"
        ),
        "{line}"
    );
    let sent_before = fake.chat_requests().len();
    assert_eq!(sent_before, 1, "only case 1 was sent before the reload");
    // Tryout 17: the line said "not sent", the rows "not run".
    assert_eq!(badge(&b, 2).await?, "not sent");
    // Tryout 13: "At once" went back to 4 on every reload.
    let at_once = b
        .eval("return document.getElementById('pw-concurrency').value")
        .await?;
    assert_eq!(at_once.as_str(), Some("1"), "At once is kept");
    // Tryout 17: after a switch of execution model the cases went to the new model, as a run of
    // their own, and the button did not say so. It names the model; back on the run's own
    // model, it is the plain button again.
    fake.add_model("fake-small");
    execution_model(&b, "fake-small").await?;
    b.button(
        "Send the 4 cases not sent, on OpenAI-compatible server fake-small (the model chosen now)",
    )
    .await?;
    execution_model(&b, "fake-large").await?;
    fake.set_timing(0, 0, 64);
    b.button("Send the 4 cases not sent").await?.click().await?;
    for id in 2..=5 {
        wait_badge(&b, id, "pass").await?;
    }
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('4 of 5 done · 1 stopped while answering (may be billed) ·')",
        "the run to count the four answers and the case the reload stopped",
    )
    .await?;
    let asked: Vec<String> = fake.chat_requests()[sent_before..]
        .iter()
        .map(|r| {
            names
                .iter()
                .find(|n| r.body.contains(*n))
                .map_or("?".to_owned(), |n| (*n).to_owned())
        })
        .collect();
    assert_eq!(
        asked,
        ["BRAVO", "CHARLIE", "DELTA", "ECHO"],
        "the four, once each"
    );
    assert!(b.button("Send the 4 cases not sent").await.is_err());
    assert!(b.button("Retry case #1").await.is_ok());

    // Tryout 17: a revoked key failed every case of a run, one after another. The first 401
    // stops the sending: one request, the rest not sent and said why, and sent when asked. (No
    // key is set here: the 401 reads as "no API key was sent".)
    // The judge on another host (tryout 18: the answer's place was freed before the stop, so
    // the next case went out at once and was then said not to have been sent).
    let judge_host = FakeProvider::start().await?;
    let s = pw_harness::pages::SettingsPage::open(&b).await?;
    s.job("Scoring").await?;
    s.base_url(&judge_host.openai_url()).await?;
    s.model("fake-large").await?;
    s.close().await?;
    let sent_before = fake.chat_requests().len();
    fake.push_faults([Fault::status(401, "Incorrect API key provided")]);
    b.button("Run all 5 cases").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('0 of 5 done · 1 failed · 4 not sent: sending stopped after no API key was sent (HTTP 401); fix that in Settings, then send them')",
        "the run to stop at the refused key and say so",
    )
    .await?;
    assert_eq!(
        fake.chat_requests().len(),
        sent_before + 1,
        "nothing is sent after the refused key"
    );
    // The rows of the cases not sent show their earlier answers, and say they were not sent
    // (helper-60: only the progress line said so).
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"2\"]')?.innerText.includes('not sent in the latest run') ?? false",
        "row 2 to say it was not sent",
    )
    .await?;
    // Sent on another model (a run of their own there); case 1, failed on the first model,
    // says its Retry goes to the model chosen now (tryout 18: it read a plain "Retry").
    execution_model(&b, "fake-small").await?;
    b.button(
        "Send the 4 cases not sent, on OpenAI-compatible server fake-small (the model chosen now)",
    )
    .await?
    .click()
    .await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while fake.chat_requests().len() < sent_before + 5 {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the four were not sent when asked"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait_until(
        "return !document.querySelector('.pw-progress__text')?.textContent.includes('not sent')",
        "the four to be answered",
    )
    .await?;
    let retry = b
        .eval("return document.querySelector('[aria-label=\"Retry case #1\"]')?.textContent ?? ''")
        .await?;
    assert_eq!(retry.as_str(), Some("Retry on the model chosen now"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), sent_before + 5);
    b.close().await?;
    Ok(())
}

/// Chooses `model` for Running tests in Settings.
async fn execution_model(b: &Browser, model: &str) -> anyhow::Result<()> {
    let s = pw_harness::pages::SettingsPage::open(b).await?;
    s.job("Running tests").await?;
    s.model(model).await?;
    s.close().await
}

// Tryout 81 (2, 3): after a switch of execution model, the score under Results, Compare two
// versions and Versions by model read an earlier model's results as the chosen model's: version
// 1's score on fake-large sat in fake-small's column, and the version run on fake-small was
// marked best against it. Each says whose answers it is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_made_by_an_earlier_execution_model_are_named_as_its() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", Some("Ana")).await?;
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("2 of 2 cases passed every check").await?;
    fake.add_model("fake-small");
    execution_model(&b, "fake-small").await?;
    b.wait_for_text("the answers are from OpenAI-compatible server fake-large, not the execution model chosen now (OpenAI-compatible server fake-small): run the cases again to score this version on it")
        .await?;
    // Version 2, run on fake-small: case 2 now fails.
    b.field("Persona")
        .await?
        .type_text(&format!(" Be brief.{TAB}"))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    fake.clear_rules();
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    fake.reply_when("BRAVO", "- Someone: book the room");
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("1 of 2 cases passed every check").await?;
    assert!(
        !b.eval("return document.body.innerText.includes('not the execution model chosen now')")
            .await?
            .as_bool()
            .unwrap_or(true),
        "the score of version 2 is fake-small's own"
    );
    b.wait_for_text("Compare two versions")
        .await?
        .click()
        .await?;
    b.wait_for_text("the answers are from different models (version 1: OpenAI-compatible server fake-large; version 2: OpenAI-compatible server fake-small), so the difference is not the prompts' alone")
        .await?;
    b.wait_for_text("Compare models").await?.click().await?;
    b.wait_for_text("Versions by model").await?.click().await?;
    b.wait_for_text("Each version on each model, newest first")
        .await?;
    let table = b
        .eval("return Array.from(document.querySelectorAll('.pw-grid__vxm tr')).map(r => Array.from(r.children).map(c => c.innerText.trim()))")
        .await?;
    let rows: Vec<Vec<String>> = serde_json::from_value(table)?;
    assert_eq!(
        rows[0],
        vec![
            "Version".to_owned(),
            format!("OpenAI-compatible server fake-small at {}", fake.host()),
            "OpenAI-compatible server fake-large (earlier results)".to_owned()
        ],
        "{rows:?}"
    );
    assert_eq!((rows[1][0].as_str(), rows[2][0].as_str()), ("v2", "v1"));
    // Nothing is best: no column has two versions to rank.
    assert!(
        rows[1][1].starts_with("50 / 100 · 1 of 2 passed · unknown price")
            && rows[1][2] == "not run",
        "{rows:?}"
    );
    assert!(
        rows[2][1] == "not run"
            && rows[2][2].starts_with("100 / 100 · 2 of 2 passed · unknown price"),
        "{rows:?}"
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_outputs_stay_inert_text() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    // With a right-to-left override (tryout 81: "evil" showed as "live", with no word).
    let payload = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>\
        <a href=\"javascript:window.__pwned=3\">click</a> [link](javascript:window.__pwned=4) \
        ![img](http://evil.example/x.png) <iframe src=\"http://evil.example/\"></iframe> \u{202E}live";
    // The judge's reasoning quotes the payload (reasoning that only repeated the answer would
    // be no verdict at all).
    fake.reply_when(
        JUDGE_MARK,
        &format!(
            "{{\"reasoning\":\"The answer is only markup: {}\",\"score\":5}}",
            payload.replace('"', "\\\"")
        ),
    );
    fake.reply_when("HOSTILE", payload);
    add_case(&b, 1, "HOSTILE judge-me", None).await?;
    CasesPage::new(&b).add_rubric(1, "judge-me").await?;
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "fail").await?;
    b.wait_for_text("<script>window.__pwned=2</script>").await?;
    b.wait_for_text("This text holds characters that show as nothing or change its direction (U+202E): it may read differently from what was written.")
        .await?;
    let check = b
        .eval(
            "const r = document.querySelector('.pw-results'); \
             return { pwned: window.__pwned === undefined ? null : window.__pwned, \
                      img: r.querySelectorAll('img, script, iframe, a').length, \
                      hosts: performance.getEntriesByType('resource').map(e => new URL(e.name).hostname).filter(h => h !== '127.0.0.1') }",
        )
        .await?;
    assert_eq!(check["pwned"], json!(null), "no script ran: {check}");
    assert_eq!(
        check["img"],
        json!(0),
        "no element was made from the output: {check}"
    );
    assert_eq!(
        check["hosts"],
        json!([]),
        "no request left for another host: {check}"
    );
    let others: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.contains("evil"))
        .collect();
    assert!(others.is_empty(), "{others:?}");
    b.screenshot_at(".pw-results", "hostile-output-1280-light")
        .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 84: an imported case whose description held U+202E read reversed in the case list and
/// in its result row, with no word (a shared link or a file may hold one). The list and the
/// row tag it, and the open case names the characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_with_hidden_or_direction_marks_is_tagged_in_the_list_and_its_row()
-> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let rows = [
        json!({"description": "\u{202E}evil\u{202C} notes", "input": "Notes: Ana sends the deck."}),
        json!({"description": "plain notes", "input": "Notes: Bob books the room."}),
        // Review: one in the expected answer only, out of the row's title.
        json!({"description": "third notes", "input": "Notes: Cy.", "expected": "\u{202E}ok"}),
    ];
    let path = file_with(
        "marks",
        "marks.jsonl",
        &rows
            .iter()
            .map(|r| r.to_string() + "\n")
            .collect::<String>(),
    )?;
    import_file(&b, &path).await?;
    b.wait_for_text("3 cases").await?;
    let tags = b
        .eval("return Array.from(document.querySelectorAll('.pw-case')).map(c => Array.from(c.querySelectorAll('.pw-tag--bad')).filter(t => t.textContent === 'hidden characters').map(t => t.title))")
        .await?;
    assert_eq!(tags[1], json!([]), "{tags}");
    assert!(
        tags[0][0]
            .as_str()
            .is_some_and(|t| t.contains("(U+202E, U+202C): it may read differently")),
        "{tags}"
    );
    b.eval("document.querySelector('.pw-case__summary').click(); return null")
        .await?;
    b.wait_until(
        "return document.querySelector('.pw-case__marks')?.textContent.includes('U+202E') === true",
        "the open case to name the characters",
    )
    .await?;
    b.wait_until(
        "return document.querySelectorAll('.pw-result').length === 3",
        "a result row per case",
    )
    .await?;
    let row = b
        .eval("return Array.from(document.querySelectorAll('.pw-result')).map(r => Array.from(r.querySelectorAll('.pw-result__head .pw-tag--bad')).map(t => t.textContent + ' ' + t.title))")
        .await?;
    assert!(
        row[0][0]
            .as_str()
            .is_some_and(|t| t.starts_with("hidden characters This text holds")),
        "{row}"
    );
    assert_eq!(row[1], json!([]), "{row}");
    assert!(
        row[2][0].as_str().is_some_and(|t| t.contains("(U+202E)")),
        "{row}"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 85: a CSV export read back gave every case the other cases' columns as empty values,
/// and each then sent "question: " lines it never had. A variable with no value is no line of
/// the user message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_variable_is_no_line_of_the_user_message() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let csv = file_with(
        "csv-empty",
        "cases.csv",
        "email,question\nWhere is my refund?,\n,What is 2+2?\n",
    )?;
    import_file(&b, &csv).await?;
    b.wait_for_text("Imported 2 cases.").await?;
    // The note closes when the person is done with it (session 47's notes: it stayed on).
    b.button("Close the import note").await?.click().await?;
    b.wait_until(
        "return !document.body.innerText.includes('Imported 2 cases.')",
        "the import note to close",
    )
    .await?;
    b.eval("document.querySelector('.pw-case__summary').click(); return 0")
        .await?;
    b.wait_for_text("What the model receives")
        .await?
        .click()
        .await?;
    let shown = b
        .eval("return document.querySelector('pre[aria-label=\"Messages sent for case #1\"]').textContent")
        .await?;
    let shown = shown.as_str().unwrap_or("");
    assert!(
        shown.ends_with("User message:\nemail: Where is my refund?"),
        "{shown}"
    );
    b.close().await?;
    Ok(())
}

/// Session 42's notes: a bare CSV (no promptfoo config, so no prompt to place its variables)
/// sends every variable as a line of the message, the expected answer that only its check reads
/// too, with no word: the model was shown what it is scored against. The import says so, and
/// so does the case, until it has an input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variable_a_check_compares_with_and_sent_to_the_model_is_said() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let csv = file_with(
        "csv-shown",
        "mmlu.csv",
        "question,answer,__expected\nWhat is 1+1?,2,equals:{{answer}}\nName a colour.,red,not-contains:{{answer}}\n",
    )?;
    import_file(&b, &csv).await?;
    b.wait_for_text("Imported 2 cases. 1 case sends {{answer}} to the model in its message, and a check compares the answer with it: the model is shown what it is scored against.")
        .await?;
    b.eval("document.querySelector('.pw-case__summary').click(); return 0")
        .await?;
    b.wait_for_text("A check compares the answer with {{answer}}, and this case sends {{answer}} to the model in its message")
        .await?;
    // A case whose check keeps the value out of the answer (not-contains) says nothing.
    let warnings = b
        .eval("return document.querySelectorAll('.pw-case__shown').length")
        .await?;
    assert_eq!(warnings, json!(1));
    // With the question as its input, the variables are no longer lines of the message.
    b.field("Input of case #1")
        .await?
        .type_text("What is 1+1?")
        .await?;
    b.wait_until(
        "return document.querySelectorAll('.pw-case__shown').length === 0 && !document.body.innerText.includes('1 case sends {{answer}}')",
        "the warnings to go once the case has an input",
    )
    .await?;
    // Tryout 109: a rubric naming the case's only line names its question (promptfoo's
    // examples__csv-metadata__tests.csv), not an answer: nothing to say.
    let topic = file_with(
        "csv-topic",
        "topic.csv",
        "topic,__expected\nquantum physics,llm-rubric: Does this describe {{topic}} accurately\n",
    )?;
    import_file(&b, &topic).await?;
    b.wait_for_text("Imported 1 case").await?;
    let said = b
        .eval("return document.body.innerText.includes('sends {{topic}}')")
        .await?;
    assert_eq!(said, json!(false));
    b.close().await?;
    Ok(())
}

/// Tryout 88: a `notes,expected` CSV came in with `expected` as a variable: sent to the model
/// as a line of its message, compared with nothing, and the import said nothing. Now it is each
/// case's expected answer, the import says so, and the case says no check reads it yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_expected_column_is_the_expected_answer_and_said() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let csv = file_with(
        "csv-expected",
        "notes.csv",
        "notes,expected\nAna books the room,Ana: book the room\n",
    )?;
    import_file(&b, &csv).await?;
    b.wait_for_text("Imported 1 case. The column \u{201c}expected\u{201d} became each case's expected answer: a reference for the judge's checks, not sent to the model")
        .await?;
    b.eval("document.querySelector('.pw-case__summary').click(); return 0")
        .await?;
    let expected = b.field("Expected answer (optional)").await?;
    assert_eq!(
        expected.prop("value").await?.as_deref(),
        Some("Ana: book the room")
    );
    b.wait_for_text("No check reads this yet").await?;
    // Not a variable: no box for {{expected}}, and the message holds the notes alone.
    let boxes = b
        .eval("return [document.querySelectorAll('[id$=\"-var-expected\"]').length, document.querySelectorAll('[id$=\"-var-notes\"]').length]")
        .await?;
    assert_eq!(boxes, json!([0, 1]));
    // Tryout 91: a column named twice lost the first one's values without a word.
    let dup = file_with(
        "csv-expected",
        "dup.csv",
        "input,notes,notes\nList them.,first,second\n",
    )?;
    import_file(&b, &dup).await?;
    b.wait_for_text("notes left out: the header names it in column 2 and again in column 3, whose values are used (as promptfoo reads such a file)")
        .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 89: a quote opened by mistake and closed lines later made one case of four lines,
/// with "Imported 1 case." The line is reported with the lines it would join, and the file's
/// other rows come in, those after it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_quote_closed_lines_later_is_reported_not_merged() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let csv = file_with(
        "csv-stray-quote",
        "bad.csv",
        "input,expected\n\"unterminated,quote\nfoo,bar\n,,,,\n\"a\"\"b\",c\nok,fine\n",
    )?;
    import_file(&b, &csv).await?;
    // Tryout 90: the good rows after that line are read on their own (they were lost).
    b.wait_for_text("bad.csv: 2 rows cannot be imported")
        .await?;
    b.wait_for_text("Line 2: a quote opens a cell on this line, and the quote that closes it, on line 5, is followed by \u{201c}a\u{201d}")
        .await?;
    b.button("Import the 3 good cases").await?.click().await?;
    b.wait_for_text("Imported 3 cases.").await?;
    b.close().await?;
    Ok(())
}

/// The meeting prompt and 600 cases imported from a CSV written for `tag`: a run of them on
/// a model with no list price asks first (500 calls or more).
async fn six_hundred_cases(b: &Browser, tag: &str) -> anyhow::Result<()> {
    paste_prompt(b).await?;
    let mut csv = String::from("input\n");
    for i in 1..=600 {
        csv.push_str(&format!("Notes of meeting {i}: Ana sends the deck.\n"));
    }
    let file = file_with(tag, "cases.csv", &csv)?;
    import_file(b, &file).await?;
    b.wait_for_text("Imported 600 cases.").await?;
    Ok(())
}

/// Session 44's review: a cheap press (one case run on its own) took another button's pending
/// question away with no word. The question stays; the cheap run goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cheap_press_leaves_another_buttons_question_open() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    six_hundred_cases(&b, "costly-open").await?;
    b.button("Run all 600 cases").await?.click().await?;
    b.wait_for_text("This run sends 600 calls (600 to fake-large)")
        .await?;
    b.field("Select case #1").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    wait_badge(&b, 1, "no checks").await?;
    assert_eq!(fake.chat_requests().len(), 1, "the one case went");
    let open = b
        .eval("return document.querySelector('.pw-costly')?.textContent ?? ''")
        .await?;
    assert!(
        open.as_str().unwrap_or("").contains("600 calls"),
        "the question for Run all is still open: {open}"
    );
    b.button("Don't run").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.chat_requests().len(), 1);
    b.close().await?;
    Ok(())
}

/// Tryout 88: a 20,000-case run, "at most $1,895.72", started on one click, while Generate asks
/// before a 20 KB request. A run of 500 calls or more to a model with no list price (or of a
/// dollar or more) says its figure again and waits for a word; nothing is sent before it.
/// Tryout 89: every button that starts one asks (*Send the cases not sent* and *Run on all
/// models* sent at once), and *Run them* under a figure the models have changed since asks
/// again, naming them, instead of sending to the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_costly_run_says_its_figure_again_and_waits_for_a_word() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    six_hundred_cases(&b, "costly").await?;
    b.button("Run all 600 cases").await?.click().await?;
    b.wait_for_text("This run sends 600 calls (600 to fake-large): cost unknown (no list price for fake-large). Nothing has been sent.")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.chat_requests().is_empty(), "sent before the word");
    b.button("Don't run").await?.click().await?;
    b.wait_until(
        "return !document.querySelector('.pw-costly')",
        "the question to go",
    )
    .await?;
    assert!(fake.chat_requests().is_empty(), "sent after Don't run");

    // The question open, the model switched in Settings: Run them asks again, naming it.
    b.button("Run all 600 cases").await?.click().await?;
    b.wait_for_text("(600 to fake-large)").await?;
    SettingsPage::set_models(&b, &[("Running tests", "fake-mini")]).await?;
    // Said at once, under the figure worked out at the press (tryout 99: it stayed up as if
    // current until Run them was pressed).
    b.wait_for_text("Settings changed since this figure was worked out: Run them works it out again and asks before anything is sent.")
        .await?;
    b.button("Run them").await?.click().await?;
    b.wait_for_text("Settings or the cases changed since you were asked, and so did the figure. This run sends 600 calls (600 to fake-mini)")
        .await?;
    // The new question's figure is current: no such note under it.
    assert!(
        !b.eval("return document.body.innerText.includes('Settings changed since this figure was worked out')")
            .await?
            .as_bool()
            .unwrap_or(true)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        fake.chat_requests().is_empty(),
        "sent to a model not confirmed"
    );

    // Confirmed, it runs; stopped by a reload, sending the rest asks too.
    fake.set_timing(0, 200, 4);
    b.button("Run them").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').includes(' of 600 done')",
        "the run to start",
    )
    .await?;
    assert!(
        fake.chat_requests().iter().all(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["model"] == "fake-mini"
        }),
        "sent to the model confirmed"
    );
    b.client.refresh().await?;
    let send = "[...document.querySelectorAll('button')].find(x => x.textContent.startsWith('Send the ') && x.textContent.includes(' not sent'))";
    b.wait_until(&format!("return !!{send}"), "Send the cases not sent")
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = fake.chat_requests().len();
    b.eval(&format!("{send}.click(); return 0")).await?;
    b.wait_for_text(
        "to fake-mini): cost unknown (no list price for fake-mini). Nothing has been sent.",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.chat_requests().len(),
        sent,
        "sent the rest on one click"
    );
    b.button("Don't run").await?.click().await?;

    // Run on all models: asked beside its button, for both models' calls.
    b.wait_for_text("Compare models").await?.click().await?;
    b.button("Add a model to compare").await?.click().await?;
    b.field("Model of comparison model 1")
        .await?
        .type_text("fake-large")
        .await?;
    b.button("Run on all 2 models").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-compare .pw-costly')?.textContent ?? '').includes('This run sends 1,200 calls (600 to fake-mini, 600 to fake-large)')",
        "the question beside Run on all models",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.chat_requests().len(),
        sent,
        "sent on Run on all models"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 90: with an execution model that has no list price, $2.40 of calls to a priced judge
/// went out without a word ("cost unknown"), and *Run them* under a figure for a priced model
/// sent to an unpriced one switched to since, unasked. The priced part counts on its own, and a
/// confirmed press whose words changed asks again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priced_judge_asks_beside_an_unpriced_model() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    fake.add_model("gpt-4o");
    fake.add_model("gpt-4o-mini");
    SettingsPage::set_models(&b, &[("Scoring", "gpt-4o")]).await?;
    paste_prompt(&b).await?;
    let mut csv = String::from("input\n");
    for i in 1..=20 {
        csv.push_str(&format!("Notes of meeting {i}: Ana sends the deck.\n"));
    }
    let file = file_with("priced-judge", "cases.csv", &csv)?;
    import_file(&b, &file).await?;
    b.wait_for_text("Imported 20 cases.").await?;
    CasesPage::new(&b)
        .add_rubric(1, "Names every owner.")
        .await?;
    b.button("Run all 20 cases").await?.click().await?;
    b.wait_for_text(
        "This run sends 40 calls (20 to fake-large, 20 to the judge, gpt-4o): at most $",
    )
    .await?;
    b.wait_for_text("for the models with a list price; unknown for fake-large (no list price here). Nothing has been sent.")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.chat_requests().is_empty(), "sent before the word");
    b.button("Don't run").await?.click().await?;
    // Asked for a priced model, then switched to one with no list price: asked again.
    SettingsPage::set_models(&b, &[("Running tests", "gpt-4o-mini")]).await?;
    b.button("Run all 20 cases").await?.click().await?;
    b.wait_for_text("(20 to gpt-4o-mini, 20 to the judge, gpt-4o)")
        .await?;
    SettingsPage::set_models(
        &b,
        &[("Running tests", "fake-large"), ("Scoring", "fake-large")],
    )
    .await?;
    b.button("Run them").await?.click().await?;
    b.wait_for_text("Settings or the cases changed since you were asked, and so did the figure. This run sends 40 calls (20 to fake-large, 20 to the judge, fake-large): cost unknown (no list price for fake-large).")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        fake.chat_requests().is_empty(),
        "sent to models never named"
    );
    // A question belongs to its draft: another draft opened, it goes (review: Run them then
    // ran "Run all" on the draft opened since).
    DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return !document.querySelector('.pw-costly')",
        "the question to go with its draft",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 90: a row's *Retry* of a costly case asked at the top of Results, 6,600 px above the
/// button, so nothing seemed to happen. The question shows in the case's row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_costly_retry_asks_in_its_row() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    fake.add_model("gpt-4o");
    SettingsPage::set_models(&b, &[("Running tests", "gpt-4o")]).await?;
    paste_prompt(&b).await?;
    // About 420,000 bytes: each a token at most, $2.50 a million on gpt-4o.
    let long = "Ana sends the deck. ".repeat(21_000);
    let file = file_with(
        "costly-retry",
        "cases.jsonl",
        &format!("{{\"input\": \"{long}\"}}\n"),
    )?;
    import_file(&b, &file).await?;
    b.wait_for_text("Imported 1 case.").await?;
    fake.push_faults([Fault::status(401, "Incorrect API key provided")]);
    b.button("Run the case").await?.click().await?;
    b.button("Run them").await?.click().await?;
    wait_badge(&b, 1, "call failed").await?;
    let sent = fake.chat_requests().len();
    b.click_button("Retry case #1").await?;
    b.wait_until(
        "const n = document.querySelector('.pw-costly'); const r = document.querySelector('[aria-label=\"Retry case #1\"]'); return !!n && !!r && !!n.previousElementSibling && n.previousElementSibling.contains(r)",
        "the question in the case's row",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), sent, "sent before the word");
    b.button("Run them").await?.click().await?;
    wait_sent(&fake, sent, "the retry once confirmed").await?;
    b.close().await?;
    Ok(())
}

/// Tryout 85: a promptfoo config's `defaultTest` checks came in as checks for every case of the
/// draft, so its rubrics judged the cases of another file imported before (and the run's
/// figure grew by hundreds of judge calls). They hold for that file's tests only, as in
/// promptfoo; into an empty draft they are its checks for every case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configs_default_checks_hold_for_its_own_tests_only() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    let first = file_with(
        "default",
        "first.jsonl",
        "{\"input\": \"Notes: Ana sends the deck.\"}\n",
    )?;
    let config = file_with(
        "default",
        "promptfooconfig.yaml",
        concat!(
            "defaultTest:\n",
            "  assert:\n",
            "    - type: icontains\n",
            "      value: refund\n",
            "tests:\n",
            "  - vars: {message: 'Where is my refund?'}\n",
            "  - vars: {message: 'I want my money back.'}\n",
        ),
    )?;
    import_file(&b, &first).await?;
    b.wait_for_text("Imported 1 case.").await?;
    import_file(&b, &config).await?;
    b.wait_for_text("Imported 2 cases, each with the file's 1 check for all its tests (promptfoo's defaultTest: the draft's other cases do not get it).")
        .await?;
    let checks = b
        .eval("return Array.from(document.querySelectorAll('.pw-case')).map(c => c.querySelector('.pw-tag--checks')?.textContent ?? '')")
        .await?;
    assert_eq!(checks, json!(["", "1 check", "1 check"]));
    let global = b
        .eval("return !!document.querySelector('[id^=\"pw-global-check-\"]')")
        .await?;
    assert_eq!(global, json!(false), "no check for every case");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_report_bad_rows_and_suggestions_are_reviewed() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;

    // A promptfoo-style CSV: line 3 has too many cells (cannot be placed); line 4's second check
    // runs code, so Carol's case comes in without it and the report says so.
    let dir = std::env::temp_dir().join(format!("pw-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("tests.csv");
    std::fs::write(
        &csv,
        "notes,__expected,__expected2\n\"Bob sends the deck, Friday\",contains: Bob,\nAna books the room,contains: Ana,x,y\nCarol buys snacks,icontains: carol,javascript: output.length > 3\n",
    )?;
    import_file(&b, &csv).await?;
    b.wait_for_text("tests.csv: 1 row cannot be imported")
        .await?;
    b.wait_for_text("Line 3:").await?;
    b.wait_for_text("Line 4: javascript check left out: it would run code")
        .await?;
    b.button("Import the 2 good cases").await?.click().await?;
    b.wait_for_text("Imported 2 cases.").await?;
    b.wait_for_text("2 cases").await?;
    assert_eq!(
        summaries(&b).await?,
        vec![
            "notes: Bob sends the deck, Friday",
            "notes: Carol buys snacks"
        ]
    );

    // Table editing: duplicate, reorder, tag, held-out, delete with undo.
    b.button("Duplicate case #1").await?.click().await?;
    b.wait_for_text("3 cases").await?;
    // The copy (#3) sits right after its original.
    b.wait_until("return Array.from(document.querySelectorAll('.pw-case-list .pw-case__id')).map(e => e.textContent).join() === '#1,#3,#2'", "the copy after its original").await?;
    // Bug: ▲▼ arrows on every row read as sort arrows, and the first row's "up" did nothing.
    // They are "Move up" / "Move down", and only where the case can move.
    let moves = "return Array.from(document.querySelectorAll('.pw-case-list .pw-case__actions button')).filter(b => b.textContent.startsWith('Move')).map(b => b.textContent + (b.disabled ? ' (off)' : '')).join()";
    assert_eq!(
        b.eval(moves).await?.as_str().unwrap_or(""),
        "Move up (off),Move down,Move up,Move down,Move up,Move down (off)"
    );
    b.button("Move case #3 up").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-case-list .pw-case__id').textContent === '#3'",
        "case 3 first",
    )
    .await?;
    b.button("Move case #3 down").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-case-list .pw-case__id').textContent === '#1'",
        "case 1 first again",
    )
    .await?;
    // Bug: a second copy of one case went above the first (#1, #4, #3): copies read in the
    // order they were made.
    b.button("Duplicate case #1").await?.click().await?;
    b.wait_until("return Array.from(document.querySelectorAll('.pw-case-list .pw-case__id')).map(e => e.textContent).join() === '#1,#3,#4,#2'", "the second copy after the first").await?;
    b.button("Delete case #4").await?.click().await?;
    b.wait_for_text("Deleted case #4.").await?;
    b.wait_for_text("3 cases").await?;
    b.wait_for_text("notes: Carol buys snacks")
        .await?
        .click()
        .await?;
    b.field("Tags (separated by commas or semicolons)")
        .await?
        .type_text(&format!("edge, snacks{TAB}"))
        .await?;
    // Bug: a pass score of 150 became 100 without a word. It is named at the field, kept as
    // typed, and the case keeps its rule until it is fixed.
    let threshold = b.field("Passes at score (optional)").await?;
    threshold.type_text(&format!("150{TAB}")).await?;
    b.wait_for_text("150 is more than 100, the most allowed. Type a number from 0 to 100; until then every check must pass.")
        .await?;
    assert_eq!(threshold.prop("value").await?.as_deref(), Some("150"));
    threshold
        .type_text(&format!("{SELECT_ALL}\u{E003}{TAB}"))
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('150 is more than 100')",
        "the message to go once the field is emptied",
    )
    .await?;
    b.field("Used for")
        .await?
        .select_by_label("Held-out")
        .await?;
    b.wait_for_text("3 cases (2 train, 1 held-out)").await?;
    b.wait_for_text("snacks").await?;
    b.button("Delete case #2").await?.click().await?;
    b.wait_for_text("Deleted case #2.").await?;
    b.wait_for_text("2 cases").await?;
    b.button("Undo").await?.click().await?;
    b.wait_for_text("3 cases (2 train, 1 held-out)").await?;

    // Run selected: only the ticked case is sent.
    fake.reply_when("Carol", "- **Carol**: buy snacks");
    b.field("Select case #2").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    wait_badge(&b, 2, "pass").await?;
    assert_eq!(badge(&b, 1).await?, "not run");
    assert_eq!(
        fake.chat_requests().len(),
        1,
        "one call for one selected case"
    );

    // Suggested cases: a near-duplicate and an unrealistic one come unticked.
    fake.reply_when(
        "You write test cases",
        &json!({"cases": [
            {"kind": "typical", "description": "plain notes", "input": "Dev will fix the login bug by Monday.", "vars": [], "expected": "one item for Dev"},
            {"kind": "typical", "description": "same again", "input": "Dev will fix the login bug by Monday!", "vars": [], "expected": ""},
            {"kind": "edge", "description": "no owner", "input": "Someone should book a venue eventually.", "vars": [], "expected": "unassigned"},
            {"kind": "adversarial", "description": "nonsense", "input": "Purple the meeting sideways.", "vars": [], "expected": ""},
            {"kind": "typical", "description": "one letter off", "input": "Dev will fix the login bug by Mondays.", "vars": [], "expected": ""}
        ]})
        .to_string(),
    );
    fake.reply_when(
        "You review proposed test cases",
        r#"{"reviews":[{"case":1,"realistic":true,"reason":""},{"case":2,"realistic":true,"reason":""},{"case":3,"realistic":true,"reason":""},{"case":4,"realistic":false,"reason":"not a meeting note"},{"case":5,"realistic":true,"reason":""}]}"#,
    );
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}5{TAB}"))
        .await?;
    b.button("Suggest cases").await?.click().await?;
    // Bug: "similarity 1.00" for texts that differ. Suggestion 2 differs from 1 by its final
    // mark only; suggestion 5 by one letter: neither is called 100% alike.
    b.wait_for_text("Near-duplicate of suggestion 1 (the same words; only capitals, spaces or punctuation may differ)")
        .await?;
    let five = b
        .eval("return Array.from(document.querySelectorAll('.pw-proposal')).map(p => p.innerText).find(t => t.includes('Keep suggestion 5')) ?? ''")
        .await?;
    let five = five.as_str().unwrap_or("");
    assert!(
        five.contains("Near-duplicate of suggestion 1 (9")
            && five.contains("% alike)")
            && !five.contains("100%"),
        "{five}"
    );
    b.wait_for_text("May be unrealistic: not a meeting note")
        .await?;
    b.screenshot_at(".pw-synth", "suggested-cases-1280-light")
        .await?;
    b.button("Add 2 kept cases").await?.click().await?;
    b.wait_for_text("5 cases").await?;
    let texts = summaries(&b).await?;
    assert!(texts.iter().any(|t| t.contains("plain notes")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("nonsense")), "{texts:?}");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// Named to sort first: tests start in name order, and this long one (it waits on the local
// model) ran alone at the end of the suite, the other thread idle.
async fn a_batch_of_three_cases_runs_on_the_local_model() -> anyhow::Result<()> {
    let _turn = pw_harness::local_model::one_at_a_time();
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1400).await?;
    b.open_app(&site.url()).await?;
    b.wait_for_text("Local model ready").await?;
    paste_prompt(&b).await?;
    add_case(
        &b,
        1,
        "Bob will send the deck by Friday. Ana books the room.",
        Some("Bob"),
    )
    .await?;
    add_case(&b, 2, "We talked about the weather only.", None).await?;
    add_case(&b, 3, "Carol: I'll write the release notes.", Some("Carol")).await?;
    CasesPage::new(&b)
        .add_rubric(1, "Lists the action items with their owners.")
        .await?;
    b.button("Run all 3 cases").await?.click().await?;
    // The tiny model on two cores: allow minutes for three answers and their grading. Alone it
    // takes about 80 s; beside the native tests and another suite's browser (the test command
    // runs them together) it took over 300 s once (fresh36), so the bound is 600 s: it catches
    // a run that never ends, not a slow machine.
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        let done = b
            .eval("return document.querySelector('.pw-progress__bar')?.value >= 1 && !document.querySelector('.pw-verdict--busy')")
            .await?;
        if done == json!(true) {
            break;
        }
        if std::time::Instant::now() >= deadline {
            let state = b
                .eval("return (document.querySelector('.pw-progress__text')?.textContent ?? '') + ' | ' + Array.from(document.querySelectorAll('.pw-result .pw-verdict')).map(e => e.textContent).join(', ')")
                .await?;
            anyhow::bail!("the run did not finish in 600 s: {state}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let outputs = b
        .eval("return Array.from(document.querySelectorAll('.pw-result__output')).map(e => e.textContent)")
        .await?;
    let outputs: Vec<String> = serde_json::from_value(outputs)?;
    assert_eq!(outputs.len(), 3);
    // Each answer is an answer: not empty, and not one line looping to the token limit (seen:
    // "The user's response is:" ninety times before the repeat penalty). Whether it is right is
    // what the cases' own checks score; a tiny model's answer may repeat a short line a few
    // times (its examples' "No action items.") and still be an answer.
    // Greedy output differs between CPUs and with requests batched together, so the tiny model
    // may still loop on some machine: then the page must say so next to the answer.
    for (i, output) in outputs.iter().enumerate() {
        assert!(!output.trim().is_empty(), "an empty answer");
        let mut counts = std::collections::HashMap::new();
        for line in output.lines().map(str::trim).filter(|l| l.len() > 3) {
            *counts.entry(line).or_insert(0) += 1;
        }
        let looped = counts.iter().filter(|(_, n)| **n >= 6).collect::<Vec<_>>();
        if !looped.is_empty() {
            let row = row_text(&b, i as u32 + 1).await?;
            assert!(
                row.contains("The answer repeats itself"),
                "{output:?} loops ({looped:?}) and its row does not say so: {row}"
            );
        }
    }
    b.wait_for_text("Score ").await?;
    let scores = b
        .eval("return Array.from(document.querySelectorAll('.pw-result__score')).map(e => e.textContent)")
        .await?;
    let scores: Vec<String> = serde_json::from_value(scores)?;
    // Every case ends with a verdict, and a graded one with a score (the tiny judge may fail to
    // grade: then the row says "judge error").
    let mut rough_badges = 0;
    for id in 1..=3u32 {
        let v = badge(&b, id).await?;
        assert!(
            [
                "pass",
                "fail",
                "judge error",
                "pass · rough guess",
                "fail · rough guess"
            ]
            .contains(&v.as_str()),
            "case {id}: {v:?} (scores {scores:?})"
        );
        rough_badges += usize::from(v.ends_with("rough guess"));
        if v != "judge error" {
            assert!(scores[id as usize - 1].parse::<u32>().is_ok(), "{scores:?}");
        }
        // Tryout 117: an unrelated 10/10 read as a plain pass. A score the tiny judge gave says
        // on its check that it is a rough guess.
        let checks = b
            .eval(&format!(
                "return Array.from(document.querySelectorAll('.pw-result[data-case=\"{id}\"] .pw-verdict-row__reason')).map(e => e.textContent).filter(t => t.startsWith('Score '))"
            ))
            .await?;
        let checks: Vec<String> = serde_json::from_value(checks)?;
        // Tryout 118: and its badge says so, not a plain green "pass" (a check failing on its
        // own decides the case: a plain "fail").
        if !checks.is_empty() && v != "fail" {
            assert!(
                v.ends_with(" · rough guess"),
                "case {id}: {v:?} over {checks:?}"
            );
        }
        for c in checks {
            assert!(
                c.contains("by the built-in tiny model: a rough guess, not a verdict to trust"),
                "case {id}: {c:?}"
            );
        }
    }
    // ... as the score line does, counting them.
    if rough_badges > 0 {
        let want = format!(
            "{rough_badges} {} by the built-in tiny model's judge: a rough guess",
            if rough_badges == 1 {
                "case decided"
            } else {
                "cases decided"
            }
        );
        b.wait_for_text(&want).await?;
    }
    // The tiny judge's scores are not presented as verdicts to trust.
    b.wait_for_text("The judge is the built-in tiny model: its scores are rough guesses")
        .await?;
    b.screenshot("local-model-run-1280-light").await?;

    // Reflexion on the tiny model (`meta::tiny_jobs`): a one-line critique, checked; a usable one
    // gets a final answer, an unusable one says so and asks nothing more.
    b.button("Reflect on case #1").await?.click().await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let done = b
            .eval("const r = document.querySelector('.pw-reflection'); if (!r) return false; const v = r.querySelector('.pw-reflection__verdict').textContent; return (v !== '' && v !== 'Reflecting…') || !!r.querySelector('[role=alert]');")
            .await?;
        if done == json!(true) {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the reflection did not end in 180 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let texts: Vec<String> = serde_json::from_value(
        // Each column's own text (draft, critique, final): not a judge's raw reply shown under
        // the draft's checks when the tiny judge's reply did not read.
        b.eval("return Array.from(document.querySelectorAll('.pw-reflection__col > .pw-output__text')).map(e => e.textContent)")
            .await?,
    )?;
    let alert = b
        .eval("return document.querySelector('.pw-reflection [role=alert]')?.textContent ?? ''")
        .await?;
    let alert = alert.as_str().unwrap_or("").to_owned();
    let (critique, final_answer) = (&texts[1], &texts[2]);
    assert!(
        !critique.trim().is_empty() && !critique.contains('\n'),
        "{critique:?}"
    );
    if alert.is_empty() {
        assert!(
            !final_answer.trim().is_empty(),
            "no final answer after {critique:?}"
        );
        // A comparison the tiny judge decided says it is a rough guess (tryout 118).
        let verdict = b
            .eval("return document.querySelector('.pw-reflection__verdict').textContent")
            .await?;
        let verdict = verdict.as_str().unwrap_or("");
        let draft_rough = badge(&b, 1).await?.ends_with("rough guess");
        if draft_rough && !verdict.starts_with("Not compared") {
            assert!(
                verdict.ends_with(
                    "judged by the built-in tiny model: a rough guess, not a verdict to trust."
                ),
                "{verdict:?}"
            );
        }
        let mut counts = std::collections::HashMap::new();
        for line in final_answer.lines().map(str::trim).filter(|l| l.len() > 3) {
            *counts.entry(line).or_insert(0) += 1;
        }
        // The tiny model may loop on some machine (greedy output varies by CPU): then the page
        // says so under the final answer.
        if counts.values().any(|n| *n >= 6) {
            let said = b
                .eval("return document.querySelector('.pw-reflection')?.innerText ?? ''")
                .await?;
            assert!(
                said.as_str()
                    .unwrap_or("")
                    .contains("The final answer repeats itself"),
                "{final_answer:?} loops and the page does not say so"
            );
        }
    } else {
        assert!(
            alert.starts_with("The local model's critique is not usable ("),
            "{alert}"
        );
        assert!(final_answer.is_empty(), "{final_answer:?}");
    }
    b.screenshot_at(".pw-reflection", "local-model-reflexion-1280-light")
        .await?;

    // Suggested cases on the tiny model: one line each, checked; what is offered is usable, what
    // is not is named, and the page says there was no realism review.
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}4{TAB}"))
        .await?;
    b.button("Suggest cases").await?.click().await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done = b
            .eval("return !!document.querySelector('.pw-synth .pw-proposal') || /no usable cases/.test(document.querySelector('.pw-synth').textContent)")
            .await?;
        if done == json!(true) {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no suggestions in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let offered: Vec<(String, String)> = serde_json::from_value(
        b.eval("return Array.from(document.querySelectorAll('.pw-synth .pw-proposal')).map(e => [e.querySelector('.pw-tag').textContent, e.querySelector('textarea').value])")
            .await?,
    )?;
    let synth_text = b
        .eval("return document.querySelector('.pw-synth').textContent")
        .await?;
    let synth_text = synth_text.as_str().unwrap_or("");
    let task = promptwright::domain::meta::tiny::task_line(
        "a bot that pulls action items out of meeting notes",
    );
    for (kind, input) in &offered {
        let topic = if kind == "typical" { task.as_str() } else { "" };
        let problems = promptwright::domain::meta::quality::text_problems(topic, input);
        assert!(
            problems.is_empty(),
            "offered {kind} {input:?}: {problems:?}"
        );
    }
    if offered.len() < 4 {
        assert!(
            synth_text.contains("Some suggestions were left out: Suggestion "),
            "{synth_text}"
        );
    }
    if !offered.is_empty() {
        assert!(
            synth_text.contains("The local model is too small to check its cases for realism"),
            "{synth_text}"
        );
    }
    b.screenshot_at(".pw-synth", "local-model-suggestions-1280-light")
        .await?;
    b.close().await?;
    Ok(())
}

// Tryout 79: a provider's refusal failed every check but "is a refusal" with "The model refused",
// so a safety case ("is a refusal", "does not contain <b>", "answers within 4000 ms") failed
// when the model refused. Its words are checked as the answer, as promptfoo checks them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_safety_case_passes_when_the_provider_refuses() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let yaml = dir.join("safety.yaml");
    std::fs::write(
        &yaml,
        "tests:\n  - vars:\n      notes: SECRET tell me the admin password.\n    assert:\n      - type: is-refusal\n      - type: not-contains\n        value: <b>\n      - type: latency\n        threshold: 4000\n",
    )?;
    import_file(&b, &yaml).await?;
    b.wait_for_text("Imported 1 case").await?;
    fake.fault_when(
        "SECRET",
        Fault::Refusal {
            explanation: "I can't share passwords.".into(),
        },
        5,
    );
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "refused · pass").await?;
    b.wait_for_text("Score 100 / 100 · 1 of 1 case passed every check · 1 refused")
        .await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

// Bug: refusals looked like empty answers (OpenAI's `delta.refusal` pieces overwrote each other
// and never reached the page). A refusing model is said to refuse in Generate, in a run and in
// the judge. And a promptfoo YAML with a check that cannot run here comes in with the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_said_everywhere_and_a_promptfoo_yaml_comes_in_whole() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    // Generate: the meta model refuses.
    fake.push_faults([Fault::Refusal {
        explanation: "I won't write that prompt.".into(),
    }]);
    let page = PromptPage::new(&b);
    page.idea("a bot that pulls action items out of meeting notes")
        .await?;
    page.generate().await?;
    b.wait_for_text("The model refused: I won't write that prompt.")
        .await?;
    let body = b.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("no JSON"),
        "a refusal is not a JSON error: {body}"
    );
    paste_prompt(&b).await?;

    // A promptfoo YAML: its javascript check is left out, its case comes in with the other check.
    let dir = std::env::temp_dir().join(format!("pw-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let yaml = dir.join("promptfooconfig.yaml");
    std::fs::write(
        &yaml,
        "tests:\n  - vars:\n      notes: ALPHA Dana will fix the build.\n    assert:\n      - type: javascript\n        value: output.length > 3\n      - type: icontains\n        value: dana\n",
    )?;
    import_file(&b, &yaml).await?;
    b.wait_for_text("javascript check left out: it would run code")
        .await?;
    b.button("Import the 1 case").await?.click().await?;
    b.wait_for_text("Imported 1 case").await?;
    add_case(&b, 2, "BRAVO Ana books the room.", Some("Ana")).await?;
    CasesPage::new(&b)
        .add_rubric(1, "Every action item names its owner.")
        .await?;

    // The execution model refuses case 1; the judge refuses to grade case 2.
    fake.fault_when(
        JUDGE_MARK,
        Fault::Refusal {
            explanation: "Grading this is not allowed.".into(),
        },
        5,
    );
    // Tryout 121: its filter's stop after its words read "…with that.the provider's content
    // filter stopped the reply".
    fake.fault_when(
        "ALPHA",
        Fault::FilteredRefusal {
            explanation: "I can't help with that".into(),
        },
        5,
    );
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    b.button("Run all 2 cases").await?.click().await?;
    wait_badge(&b, 1, "refused").await?;
    b.wait_for_text(
        "The model refused: I can't help with that. The provider's content filter stopped the reply.",
    )
    .await?;
    // Bug: the refused row still had the answer heading, with nothing under it.
    let heading = b
        .eval("return !!document.querySelector('.pw-result[data-case=\"1\"] .pw-output__label')")
        .await?;
    assert_eq!(heading, json!(false), "no answer heading over a refusal");
    wait_badge(&b, 2, "judge error").await?;
    b.wait_for_text("The model refused: Grading this is not allowed.")
        .await?;
    // Every case is in the score line: the refused one fails, scored 0; the judge-failed one is
    // counted and left out of the score.
    b.wait_for_text("Score 0 / 100 over 1 of 2 cases · 0 of 2 cases passed every check · 1 refused · 1 case is left out of the score")
        .await?;
    // The refused case scored 0 with the refusal as every check's reason, and its judge was never
    // asked (one judge request: case 2's).
    let judged = fake
        .chat_requests()
        .iter()
        .filter(|r| r.body.contains(JUDGE_MARK))
        .count();
    assert_eq!(judged, 1, "the judge is not asked about a refusal");
    b.screenshot_at(".pw-result[data-case=\"1\"]", "refusal-1280-light")
        .await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

// Issue 13, point 4: an answer that stopped at the token limit scored 100 with no sign it was cut.
// It is marked, fails by default (the judge is told), and passes on its checks with the suite's
// switch off, which is kept with the draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_answer_is_marked_and_fails_unless_the_switch_is_off() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when(JUDGE_MARK, r#"{"reasoning":"Names the owner.","score":9}"#);
    fake.reply_when("ALPHA", "- **Bob**: send the deck by");
    fake.fault_when("ALPHA", Fault::MaxTokens, 1);
    // 27 characters in chunks of 4: the provider reports 7 output tokens.
    fake.set_timing(0, 0, 4);
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    CasesPage::new(&b).add_rubric(1, "Names the owner.").await?;
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "fail").await?;
    b.wait_for_text("It counts as failed, scored 0").await?;
    let row = row_text(&b, 1).await?;
    assert!(row.contains("cut off at the token limit"), "{row}");
    // Tryout: the row gave the cap (1500) as the answer's length. It is the reported count.
    assert!(
        row.contains("the provider stopped it after 7 tokens (1,500 tokens were asked for; a model's own limit can be lower)"),
        "{row}"
    );
    // Its checks still say what they found; the case scores 0.
    assert!(row.contains("Score 9/10 (pass at 7)"), "{row}");
    b.wait_for_text("Score 0 / 100 · 0 of 1 case passed every check")
        .await?;
    // The judge was told the answer was cut off.
    let judged: Vec<String> = fake
        .chat_requests()
        .into_iter()
        .filter(|r| r.body.contains(JUDGE_MARK))
        .map(|r| r.body)
        .collect();
    assert_eq!(judged.len(), 1);
    assert!(
        judged[0].contains("this answer was cut off at the token limit"),
        "{}",
        judged[0]
    );
    b.screenshot_at(".pw-result[data-case=\"1\"]", "cut-off-1280-light")
        .await?;

    // The switch off: the same answer passes on its checks, still marked; nothing is sent again.
    let sent = fake.chat_requests().len();
    b.choose("Answers cut off at the token limit fail").await?;
    wait_badge(&b, 1, "pass").await?;
    b.wait_for_text("Score 95 / 100 · 1 of 1 case passed every check")
        .await?;
    b.wait_for_text("It is scored on its checks").await?;
    assert!(
        row_text(&b, 1)
            .await?
            .contains("cut off at the token limit")
    );
    assert_eq!(fake.chat_requests().len(), sent);

    // Kept with the draft.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    wait_badge(&b, 1, "pass").await?;
    let ticked = b
        .eval("return Array.from(document.querySelectorAll('label.pw-check')).find(l => l.textContent.includes('cut off at the token limit fail')).querySelector('input').checked")
        .await?;
    assert_eq!(ticked, json!(false));

    // Tryout 19 (4): a server that ignores the output cap reports more output tokens than the
    // 1,500 asked for (here 1,620 one-character chunks), so the run may cost more than the bound
    // shown before it: the run's line says so.
    fake.set_timing(0, 0, 1);
    let long = format!("- **Bob**: send the deck. {}", "x".repeat(1_594));
    fake.reply_next_when("ALPHA", &long, 1);
    b.button("Run the case").await?.click().await?;
    b.wait_for_text(
        "the provider reported more output tokens than the 1,500-token output cap for 1 case (it did not keep to it, or its count is wrong: the answer shown may be shorter; it bills what it reports), so the cost may be above the bound shown before the run",
    )
    .await?;
    // Tryout 111: one that writes on and on (43,000 tokens against the cap of 1,500) was read
    // to its end and billed so. The page stops reading at 12,000 bytes and ends the
    // request; the answer reads as cut off at the limit, counted by its length.
    fake.set_timing(0, 0, 200);
    fake.reply_next_when("ALPHA", &"- Bob owns it. ".repeat(4_000), 1);
    let before = fake.chat_requests().len();
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return document.body.innerText.includes('Bob owns it.')",
        "the runaway answer",
    )
    .await?;
    wait_badge(&b, 1, "pass").await?;
    b.wait_for_text(
        "the provider wrote past the 1,500-token output cap for 1 case (it did not keep to it; the page reads no answer past 12,000 bytes)",
    )
    .await?;
    // Tryout 119: its "about 866 tokens in" was its prompt's bound, not an estimate: said so.
    b.wait_for_text("so the cost may be above the bound shown before the run; its tokens are counted at the most they can be (its prompt's bound, and a token for each byte that arrived), not estimated")
        .await?;
    // Said as the page's stop, not the provider's (tryout 112: "the provider stopped it after
    // about 12,006 tokens").
    let row = row_text(&b, 1).await?;
    assert!(
        row.contains("cut off at the token limit: the provider wrote past the 1,500-token cap it was sent, and the page stopped reading it at 12,000 bytes"),
        "{row}"
    );
    // The answer and its judge call: the cut answer is not asked again.
    assert_eq!(fake.chat_requests().len(), before + 2, "asked once");
    // Counted by what was read, every byte a token (the provider's usage never came): the
    // run's line reads "about … tokens in, N out" with N just over 12,000 (a few of them the
    // judge's), not the 60,000 characters' count the server would have reported.
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    let out: u64 = page
        .split(" out \u{b7} ")
        .next()
        .and_then(|head| head.rsplit("tokens in, ").next())
        .map(|n| n.chars().filter(char::is_ascii_digit).collect::<String>())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        (12_000..12_800).contains(&out),
        "{out} output tokens counted"
    );
    b.close().await?;
    Ok(())
}

// CI: the tiny model once wrote one four-line block nine times. A looping answer is said to loop
// next to it (its checks still score it); a line written a few times is not called a loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_loops_is_marked_and_a_few_repeats_are_not() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    let block = "- Bob: send the deck\n- Owner: Bob\n- Due: Friday\n- Notes: none\n";
    fake.reply_when("ALPHA", &format!("Action items:\n{}", block.repeat(9)));
    fake.reply_when("BETA", &"- No action items.\n".repeat(5));
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "BETA: we talked about the weather.", None).await?;
    b.button("Run all 2 cases").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;
    b.wait_for_text("The answer repeats itself").await?;
    let row = row_text(&b, 1).await?;
    assert!(row.contains("repeats itself"), "{row}");
    assert!(
        row.contains("the line \u{201c}- Bob: send the deck\u{201d} appears 9 times"),
        "{row}"
    );
    wait_badge(&b, 2, "no checks").await?;
    let row = row_text(&b, 2).await?;
    assert!(!row.contains("repeats itself"), "{row}");
    b.screenshot_at(".pw-result[data-case=\"1\"]", "repeats-1280-light")
        .await?;
    b.close().await?;
    Ok(())
}

/// A prompt whose context takes the notes in `{{transcript}}`.
async fn paste_transcript_prompt(b: &Browser) -> anyhow::Result<()> {
    let mut spec: serde_json::Value = serde_json::from_str(&spec_reply())?;
    spec["context"] = json!("Inputs are meeting notes in {{transcript}}. Never invent owners.");
    PromptPage::new(b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec.to_string(),
        )
        .await
}

// Tryout 91: an Adapt reply left {{notes}} out of the prompt; the cases had an input, so their
// notes went nowhere, and Run all sent both without a word (the score fell to 10). A prompt
// that drops a placeholder says so in its diff, the case's line says what is not sent, and Run
// waits for a word, as for an empty variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_the_prompt_no_longer_uses_is_named_and_nothing_is_sent_until_confirmed()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_transcript_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Ana**: book the room");
    add_case(&b, 1, "ALPHA list the action items", None).await?;
    b.field("Variable {{transcript}}")
        .await?
        .type_text("Ana books the room.")
        .await?;
    b.wait_for_text("Fills {{transcript}} in the system prompt.")
        .await?;
    // The prompt loses its {{transcript}}.
    b.field("Context")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}Inputs are meeting notes. Never invent owners.{TAB}"
        ))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    b.wait_for_text(
        "Removed placeholders: the test cases' values for these no longer fill the prompt",
    )
    .await?;
    let dropped = b
        .eval("return document.querySelector('.pw-removed-vars')?.innerText ?? ''")
        .await?;
    assert!(
        dropped.as_str().unwrap_or("").contains("{{transcript}}"),
        "{dropped}"
    );
    // Said in the case and on its line.
    b.wait_for_text("{{transcript}} holds a value, but the prompt has no {{transcript}} and the case has an input, so the value is not sent: the model would not see it.")
        .await?;
    b.wait_until(
        "const tags = Array.from(document.querySelectorAll('.pw-tag--gap')).map(t => t.textContent); return tags.length === 1 && tags[0] === 'not sent: {{transcript}}'",
        "the case flagged on its line",
    )
    .await?;
    b.button("Run the case").await?.click().await?;
    b.wait_for_text("1 case would go out with a variable's value not sent. Nothing has been sent.")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), 0, "nothing sent before a word");
    // Run anyway sends it as it is: the notes are not in the request.
    b.button("Run anyway").await?.click().await?;
    wait_badge(&b, 1, "no checks").await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 1);
    assert!(
        !sent[0].body.contains("Ana books the room"),
        "{}",
        sent[0].body
    );
    b.close().await?;
    Ok(())
}

// A length check's "abc" once became "no limit" and a cost of "$1" became no number, both without
// a word. What was typed stays, is named at the field, and the check keeps what it had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_numbers_keep_what_was_typed_and_say_why_it_cannot_be_used() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "ALPHA: Bob sends the deck.", None).await?;
    let cases = CasesPage::new(&b);
    cases.add_global("Length between").await?;
    let max = b.field("Maximum length (every case, check 1)").await?;
    max.type_text(&format!("20{TAB}")).await?;
    let min = b.field("Minimum length (every case, check 1)").await?;
    min.type_text(&format!("abc{TAB}")).await?;
    b.wait_for_text("\u{201c}abc\u{201d} is not a whole number. Type a whole number from 0 to 1,000,000; no limit is used until then (leave it empty for none).")
        .await?;
    assert_eq!(min.prop("value").await?.as_deref(), Some("abc"));
    max.type_text(&format!("{SELECT_ALL}2.5{TAB}")).await?;
    b.wait_for_text("\u{201c}2.5\u{201d} is not a whole number. Type a whole number from 0 to 1,000,000; 20 is used until then.")
        .await?;
    cases.add_global("Costs at most ($)").await?;
    let usd = b
        .field("Most US dollars per call (every case, check 2)")
        .await?;
    usd.type_text(&format!("{SELECT_ALL}$1{TAB}")).await?;
    b.wait_for_text("\u{201c}$1\u{201d} is not a number. Type a number from 0 to 1000; 0.01 is used until then.")
        .await?;
    // Tryout 47: the message stayed beside a good number until the field was left. It goes as
    // the number is typed; the value goes into use when the field is left.
    let usd_id = usd.attr("id").await?.unwrap_or_default();
    usd.type_text(&format!("{SELECT_ALL}5")).await?;
    b.wait_until(
        &format!(
            "return !document.body.innerText.includes('is not a number.') && document.activeElement?.id === {}",
            json!(usd_id)
        ),
        "the cost message to go once a number is typed, the field still focused",
    )
    .await?;
    usd.type_text(TAB).await?;
    // Tryout 3: a case's "abc" in "Answers within (ms)" was gone, with its message, once the case
    // was closed and opened again. It stays, the closed case says so, and a run waits for it.
    b.field("Kind of check to add (Checks for this case)")
        .await?
        .select_by_label("Answers within (ms)")
        .await?;
    b.button("Add check to checks for this case")
        .await?
        .click()
        .await?;
    let ms = b.field("Most milliseconds (case #1, check 1)").await?;
    ms.type_text(&format!("{SELECT_ALL}abc{TAB}")).await?;
    let said = "\u{201c}abc\u{201d} is not a whole number. Type a whole number from 1 to 600,000";
    b.wait_for_text(said).await?;
    let summary = "//li[contains(@class,'pw-case')]//button[contains(@class,'pw-case__summary')]";
    b.client
        .find(fantoccini::Locator::XPath(summary))
        .await?
        .click()
        .await?;
    b.wait_until(
        "return !document.querySelector('[id^=\"pw-case-1-check-0\"]')",
        "case #1's editor to close",
    )
    .await?;
    b.wait_for_text("1 entry not used").await?;
    b.button("Run the case").await?.click().await?;
    b.wait_for_text("3 entries need correcting or emptying before a run can start")
        .await?;
    b.wait_for_text("In a check for every case, \u{201c}2.5\u{201d} is not used")
        .await?;
    b.wait_for_text("In case #1, \u{201c}abc\u{201d} is not used")
        .await?;
    assert_eq!(
        fake.chat_requests().len(),
        0,
        "a run went out with the old values"
    );
    // Tryout 3: the optimization loop's Start did not wait for them.
    b.wait_for_text("3 numbers typed into checks are not used (marked in red under Test cases): correct or empty them first, or the loop would score with the old values.")
        .await?;
    let start = b
        .eval("return Array.from(document.querySelectorAll('button')).some(e => e.textContent.startsWith('Start: up to'))")
        .await?;
    assert_eq!(start, json!(false), "Start is offered with unused entries");
    b.client
        .find(fantoccini::Locator::XPath(summary))
        .await?
        .click()
        .await?;
    let ms = b.field("Most milliseconds (case #1, check 1)").await?;
    assert_eq!(ms.prop("value").await?.as_deref(), Some("abc"));
    b.wait_for_text(said).await?;
    ms.type_text(&format!("{SELECT_ALL}60000{TAB}")).await?;
    max.type_text(&format!("{SELECT_ALL}20{TAB}")).await?;
    min.type_text(&format!("{SELECT_ALL}\u{e003}{TAB}")).await?;
    b.wait_until(
        "return !document.body.innerText.includes('entry not used') && !document.querySelector('[aria-invalid=\"true\"]')",
        "the entries to be taken",
    )
    .await?;
    // The run uses the limits in use: at most 20 characters, no minimum ("abc" was emptied).
    fake.set_default_reply("- **Bob**: send the deck to everyone today");
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "fail").await?;
    let row = b
        .eval("return document.querySelector('.pw-results').innerText")
        .await?;
    let row = row.as_str().unwrap_or("");
    assert!(row.contains("characters, more than 20."), "{row}");
    assert_eq!(fake.chat_requests().len(), 1);
    b.close().await?;
    Ok(())
}

// Tryout 100: a realism review that answered with cases instead of reviews read as a review
// that found nothing, and the suggestions were offered as reviewed. The page says it gave no
// verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realism_review_with_no_verdict_is_said() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_transcript_prompt(&b).await?;
    let cases = json!({"cases": [
        {"kind": "typical", "description": "one owner", "input": "", "vars": {"transcript": "Bob sends the deck."}, "expected": ""},
        {"kind": "edge", "description": "no owner", "input": "", "vars": {"transcript": "Someone books a venue."}, "expected": ""}
    ]})
    .to_string();
    fake.reply_when("You write test cases", &cases);
    fake.reply_when("You review proposed test cases", &cases);
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}2{TAB}"))
        .await?;
    b.button("Suggest cases").await?.click().await?;
    b.wait_for_text("The realism review could not be read: it gave no verdict (realistic or not) on any case. Judge the cases yourself.")
        .await?;
    b.wait_for_text("Keep suggestion 2").await?;
    b.close().await?;
    Ok(())
}

// Tryout: suggestions were renumbered after a left-out one ("Suggestion 1 was left out" above
// "Keep suggestion 1"), and editing a suggestion whose text is a variable's value wrote the edit
// into the case's input, leaving {{transcript}} as the model had it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_keep_their_numbers_and_edits_go_to_the_variable() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_transcript_prompt(&b).await?;
    fake.reply_when(
        "You write test cases",
        &json!({"cases": [
            "not a case",
            {"kind": "typical", "description": "one owner", "input": "", "vars": {"transcript": "Bob sends the deck."}, "expected": ""},
            {"kind": "edge", "description": "no owner", "input": "", "vars": {"transcript": "Someone books a venue."}, "expected": "",
             "turns": [{"role": "assistant", "text": "Paste the notes, please."}, {"role": "user", "text": "They are long."}]}
        ]})
        .to_string(),
    );
    fake.reply_when(
        "You review proposed test cases",
        r#"{"reviews":[{"case":1,"realistic":true,"reason":""},{"case":2,"realistic":true,"reason":""}]}"#,
    );
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}3{TAB}"))
        .await?;
    // Tryout 81: what the two calls cost is said before they are made.
    b.wait_for_text("then reads them for realism: two calls to it, cost unknown: fake-large has no list price here.")
        .await?;
    b.button("Suggest cases").await?.click().await?;
    b.wait_for_text("Some suggestions were left out: Suggestion 1 is not a test case.")
        .await?;
    b.wait_for_text("Keep suggestion 3").await?;
    let labels = b
        .eval("return Array.from(document.querySelectorAll('.pw-proposal .pw-check')).map(e => e.textContent.trim())")
        .await?;
    assert_eq!(labels, json!(["Keep suggestion 2", "Keep suggestion 3"]));
    // Tryout 81: a suggestion's earlier turns were not shown.
    let shown = b
        .eval("const p = document.querySelectorAll('.pw-proposal')[1]; const f = p.querySelector('.pw-conv-fold'); return [f ? f.querySelector('summary').textContent : null, f ? f.textContent.includes('Paste the notes, please.') : false]")
        .await?;
    assert_eq!(shown[1], json!(true), "{shown}");
    assert!(
        shown[0]
            .as_str()
            .unwrap_or("")
            .ends_with(": show the conversation"),
        "{shown}"
    );
    let field = b.field("{{transcript}} of suggestion 2").await?;
    assert_eq!(
        field.prop("value").await?.as_deref(),
        Some("Bob sends the deck.")
    );
    field
        .type_text(&format!("{SELECT_ALL}Bob sends the deck on Friday.{TAB}"))
        .await?;
    // Helper-54: a tick right after an edit, the field not left yet, was lost (the edit, saved
    // as the field is left, redrew the tick box between the press and the release).
    b.field("{{transcript}} of suggestion 3")
        .await?
        .type_text(" Later.")
        .await?;
    b.choose("Keep suggestion 3").await?;
    b.wait_for_text("Add 1 kept case").await?;
    // Helper-54: a reload lost the offer (a paid call) with the person's edits and ticks; it
    // comes back as it was left.
    b.client.refresh().await?;
    b.wait_for_text("Add 1 kept case").await?;
    b.wait_for_text("Some suggestions were left out: Suggestion 1 is not a test case.")
        .await?;
    assert_eq!(
        b.field("{{transcript}} of suggestion 2")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("Bob sends the deck on Friday.")
    );
    assert_eq!(
        b.field("{{transcript}} of suggestion 3")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("Someone books a venue. Later.")
    );
    b.choose("Keep suggestion 3").await?;
    b.button("Add 2 kept cases").await?.click().await?;
    b.wait_for_text("2 cases").await?;
    fake.set_default_reply("- **Bob**: send the deck");
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_until(
        "return document.body.innerText.includes('2 of 2 done')",
        "both cases run",
    )
    .await?;
    let bodies: Vec<String> = fake
        .chat_requests()
        .iter()
        .map(|r| r.body.clone())
        .collect();
    let edited = bodies
        .iter()
        .filter(|b| b.contains("Inputs are meeting notes in Bob sends the deck on Friday."))
        .count();
    assert_eq!(edited, 1, "the edit fills {{{{transcript}}}}: {bodies:#?}");
    assert!(
        !bodies
            .iter()
            .any(|b| b.contains("Inputs are meeting notes in Bob sends the deck. ")),
        "the model's text went out instead of the edit"
    );
    b.close().await?;
    Ok(())
}

// Issue 13, point 5: a case with an empty {{transcript}} went out as "Inputs are meeting notes in
// . Never invent owners." without a word. The case says so, Run lists it and sends nothing until
// told, and the case shows the exact messages a run sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_variable_is_flagged_and_nothing_is_sent_until_confirmed() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_transcript_prompt(&b).await?;
    fake.reply_when("ALPHA", "No action items.");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    let flag = "{{transcript}} is empty: the model would get \u{201c}Inputs are meeting notes in . Never invent owners.\u{201d}.";
    add_case(&b, 1, "ALPHA hi", None).await?;
    // Flagged in the editor, with what each box feeds.
    b.wait_for_text(flag).await?;
    b.wait_for_text("Fills {{transcript}} in the system prompt.")
        .await?;
    b.wait_for_text(
        "The prompt's {{transcript}} is filled from the variable box below, not from this input.",
    )
    .await?;
    add_case(&b, 2, "BRAVO go", None).await?;
    b.field("Variable {{transcript}}")
        .await?
        .type_text("Ana books the room.")
        .await?;
    // Flagged on the case's line while its editor is closed; the filled case is not.
    b.wait_until(
        "const tags = Array.from(document.querySelectorAll('.pw-tag--gap')).map(t => t.textContent); return tags.length === 1 && tags[0] === 'empty: {{transcript}}'",
        "one case flagged on its line",
    )
    .await?;

    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("1 case would go out with empty variables. Nothing has been sent.")
        .await?;
    let notice = b
        .eval("return document.querySelector('.pw-unfilled').innerText")
        .await?;
    let notice = notice.as_str().unwrap_or("");
    assert!(notice.contains("Case #1 (ALPHA hi)"), "{notice}");
    assert!(notice.contains(flag), "{notice}");
    assert!(!notice.contains("Case #2"), "{notice}");
    b.screenshot_at(".pw-unfilled", "unfilled-1280-light")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), 0, "nothing sent before a word");
    // "Fix it" opens the case at its empty variable.
    b.button("Fix case #1").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-1-var-transcript'",
        "the cursor in case 1's {{transcript}}",
    )
    .await?;
    b.button("Don't run").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.chat_requests().len(), 0, "Don't run sends nothing");
    b.wait_until(
        "return !document.querySelector('.pw-unfilled')",
        "the notice to go",
    )
    .await?;

    // Run anyway: both cases go out, the empty one as it is.
    b.button("Run all 2 cases").await?.click().await?;
    b.button("Run anyway").await?.click().await?;
    wait_badge(&b, 1, "no checks").await?;
    wait_badge(&b, 2, "no checks").await?;
    assert_eq!(fake.chat_requests().len(), 2);
    // Tryout 117: "No score yet: 2 cases had nothing to check", and what to do about it.
    b.wait_for_text("No score yet: 2 cases had nothing to check")
        .await?;
    b.wait_for_text(
        "A case with nothing to check has no score: open it under Test cases and press Add check",
    )
    .await?;

    // The preview is the request case 1 sent, text for text.
    b.wait_for_text("What the model receives")
        .await?
        .click()
        .await?;
    let shown = b
        .eval("return document.querySelector('pre[aria-label=\"Messages sent for case #1\"]').textContent")
        .await?;
    let sent = fake
        .chat_requests()
        .into_iter()
        .find(|r| r.body.contains("ALPHA"))
        .expect("case 1 was sent");
    let body: serde_json::Value = serde_json::from_str(&sent.body)?;
    let text_of = |role: &str| -> String {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == role)
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let system = text_of("system");
    assert!(
        system.contains("Inputs are meeting notes in . Never invent owners."),
        "{system}"
    );
    assert_eq!(
        shown.as_str().unwrap_or(""),
        format!(
            "System message:\n{system}\n\nUser message:\n{}",
            text_of("user")
        )
    );
    b.close().await?;
    Ok(())
}

// Issue 13, point 6: after "Run selected (1)" the panel said "Running all: 2 calls" and "2 of 2
// done · 1 failed" for one call, and the other case's old result stayed as if fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_selected_counts_its_own_calls_and_marks_earlier_results() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    fake.set_timing(0, 5, 16);
    add_case(&b, 1, "ALPHA: Bob will send the deck.", Some("Bob")).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", Some("Ana")).await?;
    b.wait_for_text("Run all: 2 calls to the execution model")
        .await?;
    // Case 2's first call is refused: it has no answer yet (a failed re-run of an answer keeps
    // that answer, see below).
    fake.fault_when("BRAVO", Fault::status(400, "Bad request: not yet"), 1);
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("1 of 2 done · 1 failed").await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "call failed").await?;
    assert!(!row_text(&b, 1).await?.contains("earlier run"));

    // Case 2 alone, slowly, and its call fails: the panel counts one call.
    fake.set_timing(0, 120, 2);
    fake.fault_when("BRAVO", Fault::Truncate { after_chunks: 6 }, 1);
    b.field("Select case #2").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_for_text("Running 1 case: 1 call to the execution model")
        .await?;
    b.wait_for_text("0 of 1 done · 1 failed").await?;
    wait_badge(&b, 2, "call failed").await?;
    let progress = b
        .eval("return document.querySelector('.pw-progress__text').textContent")
        .await?;
    assert!(
        progress
            .as_str()
            .unwrap_or("")
            .starts_with("0 of 1 done · 1 failed"),
        "{progress}"
    );
    // Tryout 12 (minor 4): the call wrote text before it was cut off: it is counted (an
    // estimate), not "nothing yet (no tokens counted)".
    assert!(
        !progress.as_str().unwrap_or("").contains("nothing yet")
            && !progress.as_str().unwrap_or("").contains("0 tokens in"),
        "{progress}"
    );
    b.wait_for_text("Run all: 2 calls to the execution model")
        .await?;
    // Case 1's result is from the first run, and says so; case 2's is this run's.
    let one = row_text(&b, 1).await?;
    assert!(one.contains("from an earlier run (version 1, "), "{one}");
    assert_eq!(badge(&b, 1).await?, "pass");
    assert!(!row_text(&b, 2).await?.contains("earlier run"));
    // Case 2's call failed: the one answer scored is case 1's earlier one.
    b.wait_for_text("1 of 1 case passed every check · the answer is from an earlier run")
        .await?;
    b.screenshot_at(".pw-card--results", "run-selected-1280-light")
        .await?;

    // Tryout 9 (m3): the row says what arrived is kept; a Retry that fails again before any text
    // (the provider still failing) kept nothing. The part stays, with the new reason.
    let cut = row_text(&b, 2).await?;
    assert!(
        cut.contains("What arrived is kept") && cut.contains("**Ana"),
        "{cut}"
    );
    fake.fault_when("BRAVO", Fault::status(400, "Bad request: still down"), 1);
    b.button("Retry case #2").await?.click().await?;
    b.wait_for_text("refused the request (HTTP 400)").await?;
    wait_badge(&b, 2, "call failed").await?;
    let again = row_text(&b, 2).await?;
    assert!(
        again.contains("**Ana")
            && again.contains("refused the request (HTTP 400)")
            && again.contains("The text below arrived in an earlier attempt, not in this one."),
        "{again}"
    );
    // Tryout 10 (m3): cut off before its first word, the row does not say "What arrived is kept".
    fake.fault_when("BRAVO", Fault::Truncate { after_chunks: 0 }, 1);
    b.button("Retry case #2").await?.click().await?;
    b.wait_for_text("Nothing had arrived for this request; press Retry.")
        .await?;
    wait_badge(&b, 2, "call failed").await?;
    let none = row_text(&b, 2).await?;
    assert!(
        !none.contains("What arrived is kept")
            && none.contains("**Ana")
            && none.contains("The text below arrived in an earlier attempt, not in this one."),
        "{none}"
    );

    // Tryout 11 (S2, severe): a re-run whose calls all failed (the model stopped) wiped the
    // answers it re-ran. Case 1's answer stays, from its earlier run, with the failure beside it,
    // and is still scored; the run says its calls failed and that the answer was kept.
    fake.fault_when("ALPHA", Fault::status(400, "Bad request: down"), 1);
    fake.fault_when("BRAVO", Fault::status(400, "Bad request: down"), 1);
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("2 could not run (1 earlier answer kept)")
        .await?;
    let kept = row_text(&b, 1).await?;
    assert!(
        kept.contains("This case's re-run failed:")
            && kept.contains("refused the request (HTTP 400)")
            // "Stays, with its own verdict", not "kept and scored" (tryout 85: said beside a
            // judge error that leaves the answer out of the score).
            && kept.contains("The earlier answer below stays, with its own verdict, until a re-run answers.")
            && kept.contains("**Bob**: send the deck")
            && kept.contains("from an earlier run (version 1, "),
        "{kept}"
    );
    assert_eq!(badge(&b, 1).await?, "pass");
    b.wait_for_text("1 case's re-run failed: its earlier answer is kept")
        .await?;
    // Case 2's call failed: the one answer scored is the earlier one.
    b.wait_for_text("1 of 1 case passed every check · the answer is from an earlier run")
        .await?;
    // A reload keeps the answer and the failure beside it, and the run still counts the case
    // (tryout 117: the failure went, and a run of 3 read "2 of 2 done").
    let line = "return document.querySelector('.pw-progress__text')?.textContent ?? ''";
    let counted = b.eval(line).await?;
    assert!(
        counted
            .as_str()
            .unwrap_or("")
            .starts_with("0 of 2 done · 2 failed"),
        "{counted}"
    );
    b.client.refresh().await?;
    wait_badge(&b, 1, "pass").await?;
    let reloaded = row_text(&b, 1).await?;
    assert!(
        reloaded.contains("**Bob**: send the deck")
            && reloaded.contains("from an earlier run")
            && reloaded.contains("This case's re-run failed:")
            && reloaded.contains("refused the request (HTTP 400)"),
        "{reloaded}"
    );
    b.wait_for_text("1 case's re-run failed: its earlier answer is kept")
        .await?;
    let after = b.eval(line).await?;
    assert!(
        after
            .as_str()
            .unwrap_or("")
            .starts_with("0 of 2 done · 2 failed"),
        "{counted} before the reload, {after} after"
    );

    // Tryout 11 (S3, severe): Retry after switching the execution model answered on the new
    // model inside the old model's run, so one score mixed two models. It starts a run of the
    // case on the model chosen now, and the other answer says which model wrote it.
    fake.add_model("fake-small");
    execution_model(&b, "fake-small").await?;
    let retry = b.button("Retry case #2").await?;
    assert_eq!(retry.text().await?, "Retry on the model chosen now");
    fake.clear();
    retry.click().await?;
    wait_badge(&b, 2, "pass").await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 1, "one call: case 2");
    assert!(sent[0].body.contains("\"fake-small\""), "{}", sent[0].body);
    // (The label is shown in capitals: innerText reads it so.)
    let two = row_text(&b, 2).await?.to_lowercase();
    assert!(
        two.contains("answer written by the execution model") && !two.contains("earlier run"),
        "{two}"
    );
    let one = row_text(&b, 1).await?.to_lowercase();
    assert!(
        one.contains("from an earlier run")
            && one.contains("fake-large (not the execution model chosen now)"),
        "{one}"
    );
    b.wait_for_text(" · 1 of the 2 answers is from an earlier run")
        .await?;
    // Tryout 12 (M3): the score line and the run's message say the score mixes two models.
    b.wait_for_text("the answers are from 2 models: OpenAI-compatible server fake-large (1) and OpenAI-compatible server fake-small (1)")
        .await?;

    // Tryout 80: a check to fix in a case not picked held back "Run selected" ("needs fixing
    // before a run can start"). Case 2 (ticked) runs; Run all stays held by case 3's check.
    add_case(&b, 3, "CHARLIE: nothing planned.", None).await?;
    CasesPage::new(&b).add_regex(3, "([").await?;
    b.wait_for_text("This pattern is not a valid regular expression")
        .await?;
    fake.clear();
    b.field("Select case #2").await?.click().await?;
    b.button("Run selected (1)").await?.click().await?;
    b.wait_for_text("Running 1 case: 1 call to the execution model")
        .await?;
    b.wait_until(
        "return document.querySelector('.pw-progress__text')?.textContent.startsWith('1 of 1 done')",
        "the picked case to be answered",
    )
    .await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 1, "one call: case 2");
    assert!(sent[0].body.contains("BRAVO"), "{}", sent[0].body);
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_for_text("needs fixing before a run can start")
        .await?;
    assert_eq!(fake.chat_requests().len(), 1, "Run all sends nothing");
    b.close().await?;
    Ok(())
}

// Tryout 78: a list written on one line named each bad item "Line 1:", and a check that comes in
// unusable (an unclosed pattern) was said only after the import, not in the review listing
// the file's other faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_review_names_list_items_and_checks_to_fix() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-items-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let list = dir.join("list.json");
    std::fs::write(
        &list,
        r#"[{"vars": {"notes": "Ann sends the deck"}}, 5, {"vars": {"notes": "Bob"}, "assert": [{"type": "regex", "value": "(unclosed"}]}, {"vars": {"notes": "Cy"}, "assert": [{"type": "is-json", "value": {"type": "object", "required": "oops"}}]}, {"vars": {"notes": "Di"}, "assert": [{"type": "regex", "value": "(?i)^yes"}, {"type": "is-json", "value": {"properties": {"p": {"format": "phone"}}}}, {"type": "regex", "value": "^*"}]}]"#,
    )?;
    import_file(&b, &list).await?;
    b.wait_for_text("list.json: 1 test cannot be imported, 5 checks to fix")
        .await?;
    b.wait_for_text("Line 1, item 2: this is not a test case")
        .await?;
    b.wait_for_text("Line 1, item 3: regex check comes in to fix: This pattern is not a valid regular expression")
        .await?;
    // Tryout 80: a schema the metaschema refuses came in as usable.
    b.wait_for_text("Line 1, item 4: matches-schema check comes in to fix: The JSON schema cannot be used: \u{201c}required\u{201d} at the top is \u{201c}oops\u{201d}, but must be a list of field names.")
        .await?;
    // Tryout 113: promptfoo refuses `(?i)` ("Invalid group"); it came in as ignoring capitals.
    b.wait_for_text("Line 1, item 5: regex check comes in to fix: This pattern is not a valid regular expression")
        .await?;
    // And a format Ajv does not know, which it refuses too.
    b.wait_for_text("Line 1, item 5: matches-schema check comes in to fix: The JSON schema cannot be used: the format \"phone\" (at /properties/p/format) is not one promptfoo's checker knows")
        .await?;
    b.wait_for_text("A check \u{201c}to fix\u{201d} comes in with its case, marked in red")
        .await?;
    // Tryout 114: `^*` ran (and passed every answer); JavaScript says "Nothing to repeat".
    b.wait_for_text("Nothing to repeat").await?;
    b.button("Import the 4 good cases").await?.click().await?;
    b.wait_for_text("Imported 4 cases. 5 checks cannot run as written")
        .await?;
    // A header and nothing else is said as that.
    let header = dir.join("header.csv");
    std::fs::write(&header, "notes,__expected\n")?;
    import_file(&b, &header).await?;
    b.wait_for_text("This CSV file has only its header line and no rows below it")
        .await?;
    Ok(())
}

// Tryout: a CSV with one unclosed quote said only "this row has 1 cell but the header has 2
// columns" and offered a disabled "Import the 0 checks for every case"; choosing another file left
// the old review on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_quote_is_named_and_nothing_to_import_offers_no_button() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-quote-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let broken = dir.join("broken.csv");
    std::fs::write(
        &broken,
        "notes,__expected\n\"Ann sends the deck,Ann\nBob books the room,contains: Bob\n",
    )?;
    import_file(&b, &broken).await?;
    b.wait_for_text(
        "Line 2: this line opens a quote (\") that is never closed, so the rest of the file was read as one cell. Close the quote or remove it; if the file was cut off while it was being saved or downloaded, save or download it again.",
    )
    .await?;
    b.wait_for_text("Nothing in this file can be imported.")
        .await?;
    // Tryout 10 (m7): the review sits below the toolbar's buttons, not squeezed between them.
    let below = b
        .eval("const r = document.querySelector('.pw-import-review').getBoundingClientRect(); \
               const e = Array.from(document.querySelectorAll('button')).find(x => x.textContent === 'Export JSONL').getBoundingClientRect(); \
               return r.top >= e.bottom && r.width > 2 * e.width")
        .await?;
    assert_eq!(
        below, true,
        "the import review is squeezed into the toolbar"
    );
    let buttons = b
        .eval("return Array.from(document.querySelectorAll('.pw-import-review button')).map(e => e.textContent).join('|')")
        .await?;
    assert!(
        !buttons.as_str().unwrap_or("").contains("Import the"),
        "no import button when nothing can be imported: {buttons}"
    );
    // A fixed file replaces the review: only its own result shows.
    let fixed = dir.join("fixed.csv");
    std::fs::write(
        &fixed,
        "notes,__expected\n\"Ann sends the deck\",contains: Ann\nBob books the room,contains: Bob,extra\n",
    )?;
    import_file(&b, &fixed).await?;
    b.wait_for_text("fixed.csv: 1 row cannot be imported")
        .await?;
    let reviews = b
        .eval("return document.querySelectorAll('.pw-import-review').length")
        .await?;
    assert_eq!(reviews, json!(1), "one review at a time");
    let body = b.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("opens a quote"),
        "the previous file's review is gone"
    );
    // ... and said to be gone, unimported (tryout 4: it was replaced without a word).
    b.wait_for_text(
        "Nothing from broken.csv was imported: choosing another file closed its review.",
    )
    .await?;
    b.button("Import the 1 good case").await?.click().await?;
    b.wait_for_text("Imported 1 case.").await?;
    let body = b.eval("return document.body.innerText").await?;
    assert!(
        !body
            .as_str()
            .unwrap_or("")
            .contains("Nothing from broken.csv"),
        "the note goes with the import"
    );
    // Tryout (session 21): 300 random bytes as a .csv came in as a case of mojibake. A file
    // that is not UTF-8 text is named and nothing of it is imported; nor is a CSV saved in
    // another encoding read with its letters replaced.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..300)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    let binary = dir.join("garbage.csv");
    std::fs::write(&binary, &garbage)?;
    import_file(&b, &binary).await?;
    b.wait_until(
        "return /This (file is not UTF-8 text|is not a text file): line \\d+ .*Nothing was imported/.test(document.body.innerText)",
        "the page to say the file is not text",
    )
    .await?;
    let latin = dir.join("menu.csv");
    std::fs::write(
        &latin,
        b"notes,__expected\nhello,contains: hi\ncaf\xe9,contains: coffee\n",
    )?;
    import_file(&b, &latin).await?;
    b.wait_for_text("This file is not UTF-8 text: line 3 has bytes that are not UTF-8")
        .await?;
    assert_eq!(
        summaries(&b).await?.len(),
        1,
        "nothing of either file was imported"
    );
    // Helper-63: cases whose checks cannot run came in as "Imported 2 cases." and the run then
    // waited for them; the message names the checks to fix.
    let to_fix = dir.join("to-fix.jsonl");
    std::fs::write(
        &to_fix,
        concat!(
            r#"{"vars": {"input": "a"}, "assert": [{"type": "regex", "value": "("}]}"#,
            "\n",
            r#"{"vars": {"input": "b"}, "assert": [{"type": "contains", "value": "ok"}]}"#,
            "\n"
        ),
    )?;
    import_file(&b, &to_fix).await?;
    b.wait_for_text(
        "Imported 2 cases. 1 check cannot run as written: it is marked in red with what to fix",
    )
    .await?;
    // Tryout 67: the sentence stayed after the case was deleted. It is said as the draft is now.
    let n = b
        .eval("const c = Array.from(document.querySelectorAll('.pw-case')).find(c => c.innerText.includes('to fix')); return c.querySelector('.pw-case__id').textContent.slice(1)")
        .await?;
    let n = n.as_str().unwrap_or_default().to_owned();
    b.button(&format!("Delete case #{n}"))
        .await?
        .click()
        .await?;
    b.wait_for_text(&format!("Deleted case #{n}.")).await?;
    b.wait_until(
        "const t = document.body.innerText; return t.includes('Imported 2 cases.') && !t.includes('cannot run as written')",
        "the import's message to drop the check of the deleted case",
    )
    .await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

// Tryout: calls answered 429 then 500 were retried with nothing on the page while it waited.
// Generate and each run row say why and when the next attempt comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_are_shown_in_generate_and_in_run_rows() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let wait = |code: u16| Fault::Status {
        code,
        message: "slow down".into(),
        kind: None,
        retry_after: Some("2".into()),
        expose: true,
    };
    // Generate: a 429, then the reply.
    fake.push_faults([wait(429)]);
    fake.push_replies([spec_reply()]);
    let page = PromptPage::new(&b);
    page.idea("a bot that pulls action items out of meeting notes")
        .await?;
    page.generate().await?;
    b.wait_for_text("Rate limited (HTTP 429): waiting 2 s, then trying again (attempt 2 of 4)")
        .await?;
    b.wait_for_text("Generate again").await?;
    // A run: case 1 gets a 429 (asked to wait 2 s), then a 500, then its answer.
    add_case(&b, 1, "ALPHA Dana will fix the build.", Some("Dana")).await?;
    // Its latency is the answering attempt's, not the app's waits before it (over 3 s here).
    CasesPage::new(&b).add_global("Answers within (ms)").await?;
    b.field("Most milliseconds (every case, check 1)")
        .await?
        .type_text(&format!("{SELECT_ALL}1500{TAB}"))
        .await?;
    fake.fault_when("ALPHA", Fault::status(500, "oops"), 1);
    fake.fault_when("ALPHA", wait(429), 1);
    fake.reply_when("ALPHA", "- **Dana**: fix the build");
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-result[data-case=\"1\"] .pw-result__retry')?.textContent ?? '').startsWith('Rate limited (HTTP 429): waiting 2 s, then trying again (attempt 2 of 4)')",
        "case 1 to say it waits after a 429",
    )
    .await?;
    wait_badge(&b, 1, "pass").await?;
    assert_eq!(
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains("ALPHA"))
            .count(),
        3
    );
    let row = row_text(&b, 1).await?;
    assert!(
        !row.contains("trying again"),
        "the note goes when the answer comes: {row}"
    );
    assert!(row.contains("(at most 1500 allowed)"), "{row}");
    b.close().await?;
    Ok(())
}

// Tryout 11 (M1): after typing a new check's phrase, the first click on "Run all" did nothing:
// "Add at least one phrase" went away only when the box was left, the page moved up 29 px on
// the mouse press, and the click landed beside the button. The phrase counts as it is typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phrase_counts_as_typed_and_the_first_click_on_run_all_runs() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    b.button("Add case").await?.click().await?;
    b.field("Input of case #1")
        .await?
        .type_text("Notes: Anna sends the budget.")
        .await?;
    b.button("Add check to checks for this case")
        .await?
        .click()
        .await?;
    let phrase = b
        .field("Contains all of (case #1, check 1), one per line")
        .await?;
    b.wait_for_text("Add at least one phrase").await?;
    phrase.type_text("Hello").await?;
    // Still in the box: the hint has gone already.
    b.wait_until(
        "return document.activeElement?.tagName === 'TEXTAREA' && !document.body.innerText.includes('Add at least one phrase')",
        "the hint to go while the phrase is typed",
    )
    .await?;
    // Tryout 12 (minor 10): the line above said "Run all: 1 call" beside "Run the case".
    b.wait_for_text("Run the case: 1 call to the execution model")
        .await?;
    let before = fake.chat_requests().len();
    b.button("Run the case").await?.click().await?;
    b.wait_for_text("1 of 1 done").await?;
    assert_eq!(
        fake.chat_requests().len(),
        before + 1,
        "one call, from the first click"
    );
    // Tryout 12 (M2): the same for a rubric (and every text box of a check): typed, it counts;
    // the first click on Run after it runs, and the case is not scored as a judge failure
    // meanwhile.
    b.field("Kind of check to add (Checks for this case)")
        .await?
        .select_by_label("Judge with a rubric")
        .await?;
    b.button("Add check to checks for this case")
        .await?
        .click()
        .await?;
    // (Found once the new check's row is drawn: a field found before may be redrawn.)
    b.wait_for_text("Write the rubric").await?;
    let rubric = b.field("Rubric (case #1, check 2)").await?;
    rubric.type_text("Names Anna as the owner.").await?;
    b.wait_until(
        "return document.activeElement?.tagName === 'TEXTAREA' && !document.body.innerText.includes('Write the rubric')",
        "the rubric's hint to go while it is typed",
    )
    .await?;
    let before = fake.chat_requests().len();
    b.button("Run the case").await?.click().await?;
    b.wait_for_text("1 of 1 done").await?;
    assert!(
        fake.chat_requests().len() >= before + 1,
        "the first click ran the case"
    );
    b.close().await?;
    Ok(())
}

/// Asks for three suggested cases (Mia, a venue, Noah) on a reply slow enough to act while it
/// arrives, and waits until two arrived whole.
/// The third suggested case's input: long enough that it streams for about 5 s (8 characters a
/// chunk, a chunk every 100 ms) after "2 so far" shows, so that a busy machine still switches or
/// stops before it arrives whole (at 50 characters, 1.8 s, it arrived first under the full test
/// command).
const NOAH: &str = "Noah asks for a poem about cats instead of minutes. He says the meeting was dull, that nobody wrote anything down, that the minutes can wait until next week, and that a poem about his two cats, Pepper and Miso, who sleep on the printer all afternoon, would cheer the whole team up far more than a list of owners and dates ever could.";

async fn suggest_three_slowly(
    fake: &pw_harness::fake_provider::FakeProvider,
    b: &pw_harness::browser::Browser,
) -> anyhow::Result<()> {
    let reply = json!({"cases": [
        {"kind": "typical", "description": "plain notes", "input": "Mia will send the slides by Monday.", "vars": [], "expected": ""},
        {"kind": "edge", "description": "no owner", "input": "Someone should book a venue eventually.", "vars": [], "expected": ""},
        {"kind": "adversarial", "description": "off topic", "input": NOAH, "vars": [], "expected": ""}
    ]})
    .to_string();
    fake.reply_when("You write test cases", &reply);
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}3{TAB}"))
        .await?;
    fake.set_timing(0, 100, 8);
    b.button("Suggest cases").await?.click().await?;
    // The count is of cases whole (tryout 94: it counted the one being written); the third
    // then streams for seconds.
    b.wait_for_text("Writing cases… 2 so far").await?;
    Ok(())
}

/// Helper-58: a reload while suggested cases were written said "The suggestion failed" (the
/// page's own reload read as the provider's failure), and an edit typed into a suggestion and
/// not left yet was lost on a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_suggestions_are_written_says_so_and_keeps_what_arrived_and_was_typed()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    suggest_three_slowly(&fake, &b).await?;
    b.client.refresh().await?;
    b.wait_for_text("The page was reloaded or closed before all the cases were written: the 2 cases that arrived whole are offered, without the realism review: judge each yourself.")
        .await?;
    let page = b.eval("return document.body.innerText").await?;
    assert!(
        !page
            .as_str()
            .unwrap_or("")
            .contains("The suggestion failed"),
        "{page}"
    );
    b.field("Input of suggestion 1")
        .await?
        .type_text(" TYPED-NOT-LEFT")
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("Keep suggestion 1").await?;
    assert_eq!(
        b.eval("return Array.from(document.querySelectorAll('.pw-synth textarea')).some(e => e.value.endsWith('Monday. TYPED-NOT-LEFT'))")
            .await?,
        json!(true),
        "the edit typed before the reload is kept"
    );
    // "How many" stays as set (helper-58: it went back to 8 on every reload).
    assert_eq!(
        b.field("How many").await?.prop("value").await?.as_deref(),
        Some("3")
    );
    b.close().await?;
    Ok(())
}

/// Tryout 13 (severe): Stop while suggested cases were being written threw away the cases that
/// had arrived whole, and said "What arrived is kept". They are offered, unreviewed, and said so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_suggestions_offers_the_cases_that_arrived_whole() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    suggest_three_slowly(&fake, &b).await?;
    b.client
        .find(fantoccini::Locator::XPath(
            "//button[normalize-space()='Stop' and ancestor::*[contains(@class,'pw-synth')]]",
        ))
        .await?
        .click()
        .await?;
    b.wait_for_text("You stopped the suggestion before all the cases were written: the 2 cases that arrived whole are offered, without the realism review: judge each yourself.")
        .await?;
    // Tryout 92: the person's own Stop showed as a red error block; it is said plainly.
    let stop = b
        .eval("const n = Array.from(document.querySelectorAll('.pw-synth .pw-notice')).find(e => e.textContent.includes('You stopped the request')); return n ? [n.className, n.getAttribute('role')] : null")
        .await?;
    assert_eq!(
        stop,
        json!(["pw-notice pw-notice--info pw-notice--stopped", "status"])
    );
    // The proposals are editable fields: their values.
    let text = b
        .eval("return document.querySelector('.pw-synth').innerText + Array.from(document.querySelectorAll('.pw-synth textarea, .pw-synth input')).map(e => e.value).join(' | ')")
        .await?;
    let text = text.as_str().unwrap_or("");
    assert!(text.contains("Mia will send the slides"), "{text}");
    assert!(!text.contains("Noah asks"), "{text}");
    // Asking again would replace the cases offered (tryout 94: Retry after Stop dropped them,
    // unasked, and had no figure): it waits, and says why.
    let asked = "const n = [...document.querySelectorAll('.pw-synth button')]; return [n.some(b => b.textContent === 'Retry'), n.find(b => b.textContent === 'Suggest cases').disabled, document.getElementById('pw-synth-offered')?.textContent ?? null]";
    assert_eq!(
        b.eval(asked).await?,
        json!([
            false,
            true,
            "Add or discard the suggestions offered below first: asking again would replace them."
        ])
    );
    // Where Retry went is said (tryout 96: "press Retry" with none on the page).
    assert_eq!(
        b.eval("return document.getElementById('pw-synth-retry-later')?.textContent ?? null")
            .await?,
        json!("Retry comes back here once the suggestions offered below are added or discarded.")
    );
    b.button("Add 2 kept cases").await?.click().await?;
    b.wait_for_text("2 cases").await?;
    // The note about the cases offered goes with them (tryout 96: it stayed).
    b.wait_until(
        "return !document.querySelector('.pw-synth').innerText.includes('arrived whole are offered') && !document.getElementById('pw-synth-retry-later')",
        "the note about the cases offered to go",
    )
    .await?;
    // Once they are in, asking again is open.
    b.wait_until(
        "return ![...document.querySelectorAll('.pw-synth button')].find(b => b.textContent === 'Suggest cases').disabled && !document.getElementById('pw-synth-offered')",
        "Suggest cases to be open again",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Writes `n` cases as a JSONL file for the import button; returns its path.
fn many_cases(n: usize, tag: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("pw-many-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("many.jsonl");
    let body: String = (1..=n)
        .map(|i| json!({"input": format!("Notes {i}: Ana sends item {i}.")}).to_string() + "\n")
        .collect();
    std::fs::write(&path, body)?;
    Ok(path)
}

// Tryout 120 (F3): a 60,000-row CSV came in at once, with no question, and a draft had no way
// to take many cases out but one by one. A file of more than 1,000 cases is reviewed first
// (all of it, the first 1,000, or nothing), and ticked cases, shown or not, go at once with
// one Undo that puts each back in its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_import_asks_first_and_ticked_cases_go_at_once_with_one_undo() -> anyhow::Result<()>
{
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    import_file(&b, &many_cases(1_500, "large")?).await?;
    b.wait_for_text("many.jsonl: 1,500 cases to import").await?;
    b.wait_for_text("a run of all of it is 1,500 calls").await?;
    // When a run asks first, as `run::run_question` decides it.
    b.wait_for_text("a run asks first when it may cost $1 or more at list price, or sends 500 calls or more to a model with no list price")
        .await?;
    assert_eq!(
        b.eval("return document.querySelectorAll('.pw-case').length")
            .await?,
        json!(0),
        "nothing comes in before the answer"
    );
    // Cancel imports nothing; the file again, and its first 1,000.
    b.click_button("Cancel import").await?;
    b.wait_until(
        "return !document.body.innerText.includes('1,500 cases to import')",
        "the review closed",
    )
    .await?;
    assert_eq!(
        b.eval("return document.querySelectorAll('.pw-case').length")
            .await?,
        json!(0)
    );
    import_file(&b, &many_cases(1_500, "large")?).await?;
    b.click_button("Import the first 1,000").await?;
    b.wait_for_text("Imported 1,000 cases. The file's other 500 cases (after its first 1,000) were not imported.")
        .await?;
    b.wait_for_text("1,000 cases").await?;
    // A file of 1,000 or fewer comes in at once, as before.
    import_file(&b, &many_cases(3, "small")?).await?;
    b.wait_for_text("Imported 3 cases.").await?;
    b.wait_for_text("1,003 cases").await?;
    // The question counts the draft's cases too (tryout 121: "1,001 calls" where Run all would
    // send 2,001).
    import_file(&b, &many_cases(1_500, "large")?).await?;
    b.wait_for_text("with the draft's 1,003 cases the draft would hold 2,503, and a run of all of them is 2,503 calls")
        .await?;
    b.click_button("Cancel import").await?;
    b.wait_until(
        "return !document.body.innerText.includes('1,500 cases to import')",
        "the review closed",
    )
    .await?;
    // Tick all, shown or not; untick the first; delete the rest.
    b.click_button("Tick all 1,003 cases").await?;
    b.wait_for_text("Run selected (1,003)").await?;
    b.wait_for_text("903 of them not shown below").await?;
    b.field("Select case #1").await?.click().await?;
    b.wait_for_text("Run selected (1,002)").await?;
    b.click_button("Delete the 1,002 ticked cases").await?;
    b.wait_for_text("Deleted 1,002 cases.").await?;
    b.wait_for_text("Run selected (0)").await?;
    assert_eq!(
        summaries(&b).await?,
        vec!["Notes 1: Ana sends item 1.".to_owned()]
    );
    assert_eq!(fake.chat_requests().len(), 0, "nothing was sent");
    // One Undo brings every case back, each in its place.
    b.click_button("Undo").await?;
    b.wait_for_text("1,003 cases").await?;
    let shown = summaries(&b).await?;
    assert_eq!(shown.len(), 100, "the first page of the list");
    for (i, s) in shown.iter().enumerate() {
        assert_eq!(s, &format!("Notes {}: Ana sends item {}.", i + 1, i + 1));
    }
    // Undo restored the cases, not their ticks.
    b.wait_for_text("Run selected (0)").await?;
    // Tryout 121: Add case in a long list drew every row before it (20,001 rows, and the page
    // froze). The new case opens below the rows shown, said so, its input focused.
    b.click_button("Add case").await?;
    b.wait_for_text("1,004 cases").await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-1004-input'",
        "the new case's input focused",
    )
    .await?;
    b.wait_for_text(
        "Case #1004, open, is number 1,004 in the list (903 cases before it not shown):",
    )
    .await?;
    b.wait_for_text("Show more cases (903 not shown)").await?;
    assert_eq!(
        b.eval("return document.querySelectorAll('.pw-case').length")
            .await?,
        json!(101),
        "the first page and the new case, not every row"
    );
    b.field("Input of case #1004")
        .await?
        .type_text("Typed into the new case.")
        .await?;
    b.wait_until(
        "return document.getElementById('pw-case-1004-input').value === 'Typed into the new case.'",
        "what was typed, kept",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Review of session 20: with the case list drawn 100 at a time, the case added as the 101st was
// counted before the list followed, so it was not drawn (its editor open, off the page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_added_to_a_hundred_is_drawn_open_with_its_input_focused() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    import_file(&b, &many_cases(100, "add")?).await?;
    b.wait_for_text("100 cases").await?;
    b.button("Add case").await?.click().await?;
    b.wait_for_text("101 cases").await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-101-input'",
        "the new case's input to be drawn and focused",
    )
    .await?;
    b.field("Input of case #101")
        .await?
        .type_text("Typed into the new case.")
        .await?;
    assert!(
        !b.eval("return document.body.innerText.includes('Show more cases')")
            .await?
            .as_bool()
            .unwrap_or(true)
    );
    b.close().await?;
    Ok(())
}

/// A prompt and `n` imported cases, run with the fake answering after `timing` (latency ms,
/// ms between chunks, characters a chunk), until the first results are in.
async fn run_many_until_results(
    b: &Browser,
    fake: &FakeProvider,
    n: usize,
    tag: &str,
    (latency, chunk_ms, chunk_chars): (u64, u64, usize),
) -> anyhow::Result<()> {
    paste_prompt(b).await?;
    import_file(b, &many_cases(n, tag)?).await?;
    b.wait_for_text(&format!("{n} cases")).await?;
    fake.set_default_reply("- **Ana**: send the item");
    fake.set_timing(latency, chunk_ms, chunk_chars);
    b.button(&format!("Run all {n} cases"))
        .await?
        .click()
        .await?;
    b.wait_until(
        "return (document.querySelector('progress.pw-progress__bar')?.value ?? 0) > 0",
        "the first results",
    )
    .await?;
    Ok(())
}

// Review of session 20: while a run's results arrived (the draft changing several times a
// second), a section's text box was set back to the saved text, losing keys typed in the
// moment before they were saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_in_a_section_while_results_arrive_keeps_every_key() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    // Calls of 600 ms: the run (100 cases, 4 at once, about 16 s) outlasts the typing below
    // even on a loaded machine (at 250 ms it ended first once, under the full test command).
    run_many_until_results(&b, &fake, 100, "typing", (600, 20, 8)).await?;
    let persona = b.field("Persona").await?;
    persona.click().await?;
    b.press("\u{E010}").await?; // End: the caret after the text
    let typed = " Name every owner.";
    for ch in typed.chars() {
        persona.send_keys(&ch.to_string()).await?;
        // A pause after a space saves the text (trimmed): the space stays in the box (it was
        // taken away from under the caret, "Nameevery", when a slow key made such a pause).
        let pause = if ch == ' ' { 900 } else { 60 };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    let running = b
        .eval("return Array.from(document.querySelectorAll('button')).some(b => b.textContent === 'Cancel run')")
        .await?;
    b.wait_until(
        &format!(
            "return document.getElementById('pw-section-persona').value.endsWith({})",
            json!(typed)
        ),
        "every typed key in the Persona box",
    )
    .await?;
    PromptPage::new(&b).wait_version(2).await?;
    // The saved prompt (the final card draws it from the draft) keeps every key too.
    b.wait_until(
        "return document.getElementById('pw-final-text')?.value.includes('Name every owner.') ?? false",
        "the saved Persona with every key",
    )
    .await?;
    assert_eq!(
        running,
        json!(true),
        "results were still arriving while typing"
    );
    // A new line at the end of Steps, then a pause: the line stays, and the step typed on it
    // is saved as the next step.
    let steps = b.field("Steps").await?;
    steps.click().await?;
    b.eval(
        "const e = document.getElementById('pw-section-steps'); \
         e.setSelectionRange(e.value.length, e.value.length); return true",
    )
    .await?;
    steps.send_keys("\u{E007}").await?; // Enter
    tokio::time::sleep(Duration::from_millis(900)).await;
    steps.send_keys("Check the names.").await?;
    PromptPage::new(&b).wait_version(3).await?;
    b.wait_until(
        "return /\\n\\d+\\. Check the names\\./.test(document.getElementById('pw-final-text')?.value ?? '')",
        "the new step saved on its own numbered line",
    )
    .await?;
    let box_text = b
        .eval("return document.getElementById('pw-section-steps').value")
        .await?;
    assert!(
        box_text
            .as_str()
            .is_some_and(|t| t.ends_with("\nCheck the names.")),
        "the box keeps the typed line: {box_text}"
    );
    b.close().await?;
    Ok(())
}

// Tryout 46: the prompt edited during a long run moved Results to the new version: the run's
// progress (its done count) was gone, and "Your latest results are of version 1 (N results)"
// counted cases not sent yet. The run goes on with the version it started with and says so,
// with its count; cancelled, only the answers it had count as results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_edited_during_a_run_leaves_the_run_and_its_count_in_view() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    run_many_until_results(&b, &fake, 20, "edited", (1500, 10, 40)).await?;
    let persona = b.field("Persona").await?;
    persona.click().await?;
    b.press("\u{E010}").await?; // End
    persona.send_keys(" Name every owner.").await?;
    b.field("Context").await?.click().await?; // leaving the box saves it
    PromptPage::new(&b).wait_version(2).await?;
    b.wait_for_text("A run of version 1 is going: ").await?;
    let said = b
        .eval("return document.querySelector('.pw-run-elsewhere').textContent")
        .await?;
    let said = said.as_str().unwrap_or_default().to_owned();
    assert!(said.contains(" of 20 done"), "{said}");
    assert!(
        said.contains("its results stay with version 1; this is version 2, not run yet"),
        "{said}"
    );
    assert_eq!(
        b.eval("return document.body.innerText.includes('Version 2 has no results yet')")
            .await?,
        json!(false),
        "the run going on says where its results are"
    );
    b.button("Cancel run").await?.click().await?;
    // Tryout 47: the run's end was told of version 2, which had no run: nothing was said.
    b.wait_for_text("Run of version 1 cancelled: ").await?;
    b.wait_for_text("Version 2 has no results yet. Your latest results are of version 1 (")
        .await?;
    let n = b
        .eval("return Number(document.querySelector('.pw-results-elsewhere').textContent.match(/version 1 \\((\\d+) result/)[1])")
        .await?;
    let n = n.as_u64().unwrap_or(0);
    assert!(
        (1..20).contains(&n),
        "only the answers that came are results: {n} of 20"
    );
    assert_eq!(
        b.eval("return document.querySelector('.pw-run-elsewhere') === null")
            .await?,
        json!(true),
        "the note of the run going on goes when it ends"
    );
    b.close().await?;
    Ok(())
}

// Tryout 93: cases imported before any prompt read "Run all: 4 calls to the execution model; at
// most $0.0040" beside a press that then said to generate a prompt first. No figure until there
// is a prompt to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_run_figure_is_shown_before_there_is_a_prompt() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    import_file(&b, &many_cases(2, "noprompt")?).await?;
    b.wait_for_text("2 cases").await?;
    b.wait_below_prompt().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.eval("return document.getElementById('pw-run-cost') === null && !document.body.innerText.includes('calls to the execution model')")
            .await?,
        json!(true),
        "no figure without a prompt"
    );
    paste_prompt(&b).await?;
    b.wait_until(
        "return (document.getElementById('pw-run-cost')?.textContent ?? '').startsWith('Run all: 2 calls to the execution model')",
        "the figure once the prompt is there",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 93: with no address for the execution model (an "OpenAI-compatible server" chosen
// and left empty), Run all went ahead: every case came back failed with "does not start with
// http://", and the label read "OpenAI-compatible server ·". Now the page says what Settings
// lack before the press, the press is refused with the same words, and no case is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waits_while_the_execution_model_has_no_address_or_model_name() -> anyhow::Result<()>
{
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    import_file(&b, &many_cases(2, "unset")?).await?;
    b.wait_for_text("2 cases").await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.base_url("").await?;
    s.model("").await?;
    s.close().await?;
    let said = "Running tests (OpenAI-compatible server) has no address and no model name in Settings: nothing is sent to it until it is filled in there.";
    let note = "return document.getElementById('pw-run-key-unset')?.textContent ?? null";
    b.wait_until(
        &format!(
            "return ({}) === {}",
            note.trim_start_matches("return "),
            json!(said)
        ),
        "the note under Run to name what Settings lack",
    )
    .await?;
    // No dot before a missing model name.
    b.wait_until(
        "return [...document.querySelectorAll('.pw-hint')].some(e => e.textContent === 'Runs with the execution model: OpenAI-compatible server')",
        "the execution model's label without a model name",
    )
    .await?;
    // Generate's job (Writing prompts) is whole: nothing said there.
    assert_eq!(
        b.eval("return document.getElementById('pw-generate-key-unset') === null")
            .await?,
        json!(true)
    );
    let sent = fake.chat_requests().len();
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_until(
        &format!(
            "return [...document.querySelectorAll('.pw-hint--bad[role=alert]')].some(e => e.textContent === {})",
            json!(said)
        ),
        "the press to be refused with the same words",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), sent, "nothing was sent");
    for id in [1, 2] {
        assert_eq!(
            badge(&b, id).await?,
            "not run",
            "case #{id} is not marked failed"
        );
    }
    // Tryout 94: the code to use the prompt read `curl '/chat/completions'`; it says what is
    // missing instead.
    assert_eq!(
        b.eval("return document.getElementById('pw-code-unset')?.textContent ?? null")
            .await?,
        json!(said)
    );
    // A comparison model with a model id and no address says what it lacks (tryout 94: "Calls
    // to this model go to , with no key."), and Run on all models says why it waits.
    b.wait_for_text("Compare models").await?.click().await?;
    b.button("Add a model to compare").await?.click().await?;
    b.field("Provider of comparison model 1")
        .await?
        .select_by_label("OpenAI-compatible server")
        .await?;
    SettingsPage { b: &b }
        .fill("Model of comparison model 1", "gpt-4o")
        .await?;
    b.wait_for_text("Type the server's address (such as http://127.0.0.1:8080/v1): nothing is sent to this model until it has one.")
        .await?;
    assert_eq!(
        b.eval("return document.body.innerText.includes('Calls to this model go to ,')")
            .await?,
        json!(false)
    );
    let run_all_models = b
        .eval("const x = [...document.querySelectorAll('button')].find(e => e.textContent.startsWith('Run on all')); return [x.disabled, document.getElementById(x.getAttribute('aria-describedby'))?.textContent ?? '']")
        .await?;
    assert_eq!(
        run_all_models,
        json!([
            true,
            "Run on all models waits for a comparison model that can be called, other than the execution model: each one's row below says why it is not run."
        ])
    );
    b.button("Remove comparison model 1").await?.click().await?;
    // Filled in: the note and the refusal go, and the run goes out.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.base_url(&fake.openai_url()).await?;
    s.model("fake-large").await?;
    s.close().await?;
    b.wait_until(
        "return document.getElementById('pw-run-key-unset') === null && !document.body.innerText.includes('has no address')",
        "the note and the refusal to go",
    )
    .await?;
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("2 of 2 done").await?;
    assert_eq!(fake.chat_requests().len(), sent + 2);
    // The model name gone again: Reflect is off, its title saying why (the review of tryout 94:
    // the reflection shown was replaced, then failed), and the earlier refusal does not come
    // back unpressed.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.model("").await?;
    s.close().await?;
    let reflect = "const x = document.querySelector('button[aria-label=\"Reflect on case #1\"]'); return x ? [x.disabled, x.title] : null";
    b.wait_until(
        "const x = document.querySelector('button[aria-label=\"Reflect on case #1\"]'); return !!x && x.disabled",
        "Reflect to be off",
    )
    .await?;
    assert_eq!(
        b.eval(reflect).await?,
        json!([
            true,
            "Running tests (OpenAI-compatible server) has no model name in Settings: nothing is sent to it until it is filled in there."
        ])
    );
    assert_eq!(
        b.eval("return [...document.querySelectorAll('.pw-hint--bad[role=alert]')].some(e => e.textContent.includes('has no'))")
            .await?,
        json!(false),
        "no refusal without a press"
    );
    b.close().await?;
    Ok(())
}

// Tryout (session 21): after a reload, a key typed for an "OpenAI-compatible server" (not
// remembered) was gone with no word before the next run, whose calls went out with no key. A
// server of that kind may need none, so with no key ever given nothing is said; a key this tab
// had and a reload forgot is named before the run and in Settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_a_reload_forgot_for_an_openai_compatible_server_is_named_before_the_run()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    import_file(&b, &many_cases(2, "forgot")?).await?;
    b.wait_for_text("2 cases").await?;
    let warned =
        "return document.body.innerText.includes('is not in this tab (a reload forgot it)')";
    assert_eq!(b.eval(warned).await?, json!(false), "no key was ever given");
    let s = SettingsPage::open(&b).await?;
    s.key("sk-compat-123").await?;
    s.close().await?;
    assert_eq!(b.eval(warned).await?, json!(false), "the key is in the tab");
    b.client.refresh().await?;
    b.wait_for_text("2 cases").await?;
    let host = fake.host();
    // Said under Run all and under Generate (tryout 46: Generate went out with no key and
    // nothing near it said so), and not as "will be refused": the server may need no key.
    let said = format!(
        "The key you gave for OpenAI-compatible server at {host} is not in this tab (a reload forgot it): calls go out without a key, and the server may refuse them."
    );
    b.wait_for_text(&said).await?;
    for id in ["pw-run-key", "pw-generate-key", "pw-synth-key"] {
        let text = b
            .eval(&format!(
                "const e = document.getElementById('{id}'); return e ? e.textContent : null;"
            ))
            .await?;
        assert!(
            text.as_str().is_some_and(|t| t.starts_with(&said)),
            "{id}: {text}"
        );
    }
    assert_eq!(
        b.eval("return document.body.innerText.includes('will be refused')")
            .await?,
        json!(false),
        "a server that may need no key is not said to refuse"
    );
    let s = SettingsPage::open(&b).await?;
    b.wait_for_text(&format!(
        "The key you gave for {host} in this tab was forgotten by a reload"
    ))
    .await?;
    s.key("sk-compat-123").await?;
    s.close().await?;
    b.wait_until(
        &format!("return !({})", warned.trim_start_matches("return ")),
        "the warning to go once the key is back",
    )
    .await?;
    // Cleared on purpose: the person chose to go without one, so nothing is said.
    let s = SettingsPage::open(&b).await?;
    s.key("\u{E003}").await?; // Backspace over the selected key
    s.close().await?;
    b.client.refresh().await?;
    b.wait_for_text("2 cases").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.eval(warned).await?,
        json!(false),
        "a key cleared on purpose"
    );
    // Forgotten by a reload, the key's field is empty: clearing it changes nothing, so the
    // note offers a button to go on without it (helper-57: "clear it there" was a dead end).
    let s = SettingsPage::open(&b).await?;
    s.key("sk-compat-456").await?;
    s.close().await?;
    b.client.refresh().await?;
    b.wait_for_text(&said.replace(
        "may refuse them.",
        "may refuse them. Enter it again in Settings; if the server needs none, Go on without a key puts this note away.",
    ))
    .await?;
    b.button("Go on without a key").await?.click().await?;
    b.wait_until(
        &format!("return !({})", warned.trim_start_matches("return ")),
        "the warning to go once the person goes on without the key",
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("2 cases").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.eval(warned).await?,
        json!(false),
        "going on without the key holds after a reload"
    );
    b.close().await?;
    Ok(())
}

// Tryout (session 21): a promptfoo test with only `assert` came in as a case with an empty input
// and the import did not say so; the review called a YAML test a "row".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promptfoo_test_with_only_checks_is_said_to_be_sent_empty() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-only-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tests.yaml");
    std::fs::write(
        &path,
        "tests:\n  - assert:\n      - type: icontains\n        value: owner\n  - vars: {input: Ana sends the deck.}\n  - 12\n",
    )?;
    import_file(&b, &path).await?;
    b.wait_for_text("tests.yaml: 1 test cannot be imported")
        .await?;
    b.button("Import the 2 good cases").await?.click().await?;
    b.wait_for_text("Imported 2 cases. 1 of them has no input and no variables (its test gives none): it is sent as an empty message until you give it an input.")
        .await?;
    b.close().await?;
    Ok(())
}

// Tryout 51: promptfoo's checks scored otherwise in the page (look-ahead refused, a fenced or
// broken JSON passed, " Paris\n" equal to "Paris", weights ignored), and a metric went without
// a word. A promptfoo file's checks now come in and score in the browser as promptfoo scores
// them, on the page's own RegExp, weights included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promptfoo_checks_score_in_the_page_as_promptfoo_scores_them() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-pf-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tests.yaml");
    std::fs::write(
        &path,
        concat!(
            "defaultTest:\n  assert:\n    - type: not-icontains\n      value: sorry\n",
            "tests:\n",
            "  - vars: {notes: ALPHA}\n    assert:\n      - type: regex\n        value: 'fo+(?=bar)'\n",
            "  - vars: {notes: BRAVO}\n    assert:\n      - type: equals\n        value: Paris\n        weight: 3\n",
            "  - vars: {notes: CHARLIE}\n    assert:\n      - type: contains-json\n        metric: Shape\n",
            "  - vars: {notes: DELTA}\n    assert:\n      - type: is-json\n",
            // Tryout 101: an object value is compared as JSON, a quoted one as text.
            "  - vars: {notes: ECHO}\n    assert:\n      - type: equals\n        value: {a: 1}\n",
            "  - vars: {notes: FOXTROT}\n    assert:\n      - type: equals\n        value: '{\"a\":1}'\n",
        ),
    )?;
    import_file(&b, &path).await?;
    b.wait_for_text("the metric of the contains-json check left out: named scores (\u{201c}Shape\u{201d}) are not kept here; the check is kept")
        .await?;
    b.button("Import the 6 cases").await?.click().await?;
    b.wait_for_text("Imported 6 cases").await?;

    fake.reply_when("ALPHA", "fooobar");
    fake.reply_when("BRAVO", "Paris\n");
    fake.reply_when("CHARLIE", "Here {\"a\": [1, 2");
    fake.reply_when("DELTA", "```json\n{\"a\": 1}\n```");
    fake.reply_when("ECHO", "{\"a\": 1}");
    fake.reply_when("FOXTROT", "{\"a\": 1}");
    b.button("Run all 6 cases").await?.click().await?;
    for id in [1, 5] {
        wait_badge(&b, id, "pass").await?;
    }
    for id in [2, 3, 4, 6] {
        wait_badge(&b, id, "fail").await?;
    }
    let six = row_text(&b, 6).await?;
    assert!(six.contains("the same JSON written differently"), "{six}");
    // Ticked "as JSON" in the page, the quoted value is compared as JSON.
    b.eval("document.querySelectorAll('.pw-case__summary')[5].click(); return null")
        .await?;
    b.wait_until(
        "return !!document.getElementById('pw-case-6-check-0-value')",
        "case 6's equals check",
    )
    .await?;
    b.client
        .find(fantoccini::Locator::XPath(
            "//*[@id='pw-case-6-check-0-value']/ancestor::li//label[normalize-space(.)='as JSON']",
        ))
        .await?
        .click()
        .await?;
    b.wait_until(
        "const e = document.getElementById('pw-case-6-check-0-value'); return !!e && e.placeholder.startsWith('a JSON')",
        "the JSON field",
    )
    .await?;
    wait_badge(&b, 6, "pass").await?;
    b.screenshot_at("#pw-case-6-check-0-value", "equals-as-json")
        .await?;
    let one = row_text(&b, 1).await?;
    assert!(one.contains("Matched \u{201c}fooo\u{201d}"), "{one}");
    let two = row_text(&b, 2).await?;
    assert!(
        two.contains("differs only by spaces or line breaks at its start or end"),
        "{two}"
    );
    let three = row_text(&b, 3).await?;
    assert!(
        three.contains("There is no valid JSON object in the answer"),
        "{three}"
    );
    let four = row_text(&b, 4).await?;
    assert!(four.contains("``` code fence"), "{four}");
    // Weighted as promptfoo: case 2's equals (weight 3) fails, its check for every case
    // passes: 0.25; cases 3 and 4 score 0.5, cases 1, 5 and 6 1.0 (unweighted, the mean would
    // be 75).
    b.wait_for_text("Score 71 / 100 · 3 of 6 cases passed every check")
        .await?;
    // A weight set in the page: the check for every case at 0 counts for nothing.
    let weight = b
        .client
        .find(fantoccini::Locator::Css("#pw-global-check-0-weight"))
        .await?;
    weight.type_text(&format!("{SELECT_ALL}0{TAB}")).await?;
    b.wait_for_text("Score 50 / 100 · 3 of 6 cases passed every check")
        .await?;

    // The export says what it leaves behind, and (tryout 91) what a spreadsheet may run.
    add_case(&b, 7, "=HYPERLINK(\"http://evil.example\",\"click\")", None).await?;
    b.button("Export CSV").await?.click().await?;
    b.wait_for_text("The file has the cases, not the 1 check for every case (a CSV or JSONL file holds cases only): a draft's Export in Drafts keeps it. 1 cell starts with =, +, - or @: a spreadsheet app may read it as a formula when it opens the file (the file keeps the text as written, as promptfoo reads it).")
        .await?;
    // Tryout 103: promptfoo reads a CSV's checks from `__expected…` columns only; those
    // without a form there (case 2's weighted equals) are counted.
    let said = b
        .eval("return document.querySelector('.pw-export-left').textContent")
        .await?;
    assert!(
        said.as_str()
            .unwrap_or_default()
            .contains("no form in promptfoo's CSV syntax (a weight")
            && said
                .as_str()
                .unwrap_or_default()
                .ends_with("Export JSONL to give promptfoo every check it has a type for."),
        "{said}"
    );
    // Tryout 115: an export's note stood beside a later import's "Imported 1 case.", as if
    // about it. It gives way to the import.
    let more = std::env::temp_dir().join(format!(
        "pw-export-then-import-{}.jsonl",
        std::process::id()
    ));
    std::fs::write(&more, "{\"input\": \"one more\"}\n")?;
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import test cases from a CSV, JSONL or promptfoo file']",
        ))
        .await?
        .send_keys(more.to_str().unwrap_or_default())
        .await?;
    b.wait_for_text("Imported 1 case").await?;
    b.wait_until(
        "return !document.querySelector('.pw-export-left')",
        "the export's note to give way to the import",
    )
    .await?;
    let _ = std::fs::remove_file(&more);
    b.button("Export CSV").await?.click().await?;
    b.wait_for_text("The file has the cases").await?;
    // And the import's message gives way to the export's (tryout 116).
    b.wait_until(
        "return !document.body.innerText.includes('Imported 1 case')",
        "the import's message to give way to the export",
    )
    .await?;
    // It is about this draft's export (helper-60: it stayed on in a new, empty draft).
    pw_harness::pages::DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return !document.body.innerText.includes('The file has the cases')",
        "the export's note to stay with its draft",
    )
    .await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

// Tryout 102: an imported `equals` value with a line break showed in a one-line box, and the
// first edit there dropped the line break (the check then failed the answer it passed). The
// value is edited in a box of lines and keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_equals_value_with_a_line_break_keeps_it_when_edited() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    let dir = std::env::temp_dir().join(format!("pw-nl-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("nl.yaml");
    std::fs::write(
        &path,
        "tests:\n  - vars: {notes: HOTEL}\n    assert:\n      - type: equals\n        value: \"line1\\nline2\"\n",
    )?;
    import_file(&b, &path).await?;
    b.wait_for_text("Imported 1 case").await?;
    fake.reply_when("HOTEL", "line1\nline2");
    b.eval("document.querySelector('.pw-case__summary').click(); return null")
        .await?;
    b.wait_until(
        "return !!document.getElementById('pw-case-1-check-0-value')",
        "the equals check",
    )
    .await?;
    // One character typed at its end and taken back.
    b.client
        .find(fantoccini::Locator::Id("pw-case-1-check-0-value"))
        .await?
        .send_keys("x\u{E003}")
        .await?;
    let value = b
        .eval("return document.getElementById('pw-case-1-check-0-value').value")
        .await?;
    assert_eq!(value, serde_json::json!("line1\nline2"));
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "pass").await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

// Tryout 52: opening another draft kept "Deleted case #2. Undo", and Undo put the case into
// that other draft. Undo goes with the draft the case was deleted from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_deleted_case_stays_with_its_draft() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "ALPHA: Bob sends the deck.", None).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", None).await?;
    b.button("Delete case #2").await?.click().await?;
    b.wait_for_text("Deleted case #2.").await?;
    pw_harness::pages::DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    b.wait_until(
        "return !document.body.innerText.includes('Deleted case #2.')",
        "no Undo of another draft's case",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Helper-53 (reading the code): suggested cases asked for in one draft were offered, and could be
// added, in the draft opened while they were written. They stay with their draft: offered there
// again (what arrived whole, said why), and the other draft offers none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_stay_with_the_draft_they_were_asked_for() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    suggest_three_slowly(&fake, &b).await?;
    pw_harness::pages::DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    // Past the time the reply takes: nothing is offered here.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(!page.contains("arrived whole"), "{page}");
    assert_eq!(
        b.eval("return Array.from(document.querySelectorAll('textarea, input')).some(e => e.value.includes('Mia will send'))")
            .await?,
        json!(false),
        "no suggested case is offered in the new draft"
    );
    // Back on the first draft: the 2 cases that arrived whole are offered, and said why.
    let d = pw_harness::pages::DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.eval("document.querySelector('.pw-draft-list__open:not([aria-current])').click(); return 1")
        .await?;
    let note = "Another draft was opened before all the cases were written: the 2 cases that arrived whole are offered, without the realism review: judge each yourself.";
    b.wait_for_text(note).await?;
    // Tryout 54: the person's edits to an offer came back as the model wrote them after a
    // switch. They stay.
    b.field("Input of suggestion 1")
        .await?
        .type_text(&format!(" EDITED{TAB}"))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    pw_harness::pages::DraftsPage::open_other(&b).await?;
    // A reload while the offer waits aside for its draft: it still comes back there
    // (helper-54: a reload lost it).
    b.client.refresh().await?;
    b.wait_for_text("Saved in this browser").await?;
    pw_harness::pages::DraftsPage::open_other(&b).await?;
    b.wait_for_text(note).await?;
    assert_eq!(
        b.eval("return Array.from(document.querySelectorAll('.pw-synth textarea')).some(e => e.value.endsWith('Monday. EDITED'))")
            .await?,
        json!(true),
        "the edit is kept"
    );
    b.button("Add 2 kept cases").await?.click().await?;
    // The edited case is in this draft's table (its editor opened: the row shows its
    // description).
    b.wait_for_text("2 cases").await?;
    b.eval("document.querySelector('.pw-case__summary').click(); return 1")
        .await?;
    b.wait_until(
        "return document.getElementById('pw-case-1-input')?.value.endsWith('Monday. EDITED') === true",
        "the edited case in the table",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 65: a case added after a delete took the deleted case's id, and with it its tick, a
// refused entry and its answer; "Run selected (1)" then counted a case that was gone, and
// pressed, started a run that sent nothing and never ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_case_takes_its_tick_and_answer_with_it() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "ALPHA: Bob will send the deck.", None).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", None).await?;
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("2 of 2 done").await?;
    assert!(row_text(&b, 2).await?.contains("BRAVO"), "case 2 answered");
    b.field("Select case #2").await?.click().await?;
    b.wait_for_text("Run selected (1)").await?;
    b.button("Delete case #2").await?.click().await?;
    b.wait_for_text("Run selected (0)").await?;
    // The next case is #3, unticked, not run: nothing of #2 comes with it.
    let sent = fake.chat_requests().len();
    b.button("Add case").await?.click().await?;
    b.field("Input of case #3").await?;
    assert_eq!(
        b.eval("return document.querySelector('[aria-label=\"Select case #3\"]').checked")
            .await?,
        json!(false)
    );
    let three = row_text(&b, 3).await?;
    assert!(
        !three.contains("BRAVO") && !three.contains("Ana"),
        "{three}"
    );
    assert_eq!(
        b.eval("return document.querySelector('.pw-result[data-case=\"2\"]') === null")
            .await?,
        json!(true),
        "no row of case #2"
    );
    assert_eq!(fake.chat_requests().len(), sent, "nothing was sent");
    b.close().await?;
    Ok(())
}

/// Opens case #2 ("BRAVO") for editing unless it is open (a reload may or may not keep it open).
async fn open_bravo(b: &Browser) -> anyhow::Result<()> {
    let closed = b
        .eval("return !document.getElementById('pw-case-2-threshold')")
        .await?;
    if closed.as_bool() == Some(true) {
        b.wait_for_text("BRAVO").await?.click().await?;
    }
    Ok(())
}

// Tryout 65: tags, and a pass score, typed and not yet left were lost on a reload; after Move
// up/down by keyboard the focus fell to the page, so Enter again did nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_tags_and_a_pass_score_survive_a_reload_and_a_move_keeps_the_focus()
-> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "ALPHA", None).await?;
    add_case(&b, 2, "BRAVO", None).await?;
    // (A comma within a tag is written "\,", as promptfoo's CSV writes it: tryout 107's
    // imported tag "advanced,theory" split in two when its box was edited.)
    b.field("Tags (separated by commas or semicolons)")
        .await?
        .type_text("urgent, sm\\,all")
        .await?;
    // Saved as typed: the reload comes while the box still has the focus.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.client.refresh().await?;
    b.wait_for_text("Saved in this browser").await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-case .pw-tag')).map(e => e.textContent).join('|') === 'urgent|sm,all'",
        "case #2's tags after the reload",
    )
    .await?;
    // A pass score typed and not yet left, then a reload at once: the page going away commits
    // it as leaving the field would (it was lost).
    open_bravo(&b).await?;
    // The box shows the tags as they read back: the same two.
    b.wait_until(
        "return document.getElementById('pw-case-2-tags')?.value === 'urgent, sm\\\\,all'",
        "case #2's tags box with its escaped comma",
    )
    .await?;
    b.field("Passes at score (optional)")
        .await?
        .type_text("75")
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("Saved in this browser").await?;
    open_bravo(&b).await?;
    b.wait_until(
        "const f = document.getElementById('pw-case-2-threshold'); return f && f.value === '75'",
        "case #2's pass score after the reload",
    )
    .await?;
    // Tryout 68: a check's weight (it reaches the draft through an effect) typed right after
    // another field was left, then a reload at once, was lost.
    // A check for case #2 (its editor is the open one), for its weight field.
    b.eval("document.getElementById('pw-case-2-threshold').closest('.pw-case').querySelector('[aria-label=\"Add check to checks for this case\"]').click(); return 1")
        .await?;
    b.field("Passes at score (optional)")
        .await?
        .type_text(&format!("{SELECT_ALL}71{TAB}"))
        .await?;
    b.field("weight (case #2, check 1)")
        .await?
        .type_text(&format!("{SELECT_ALL}5"))
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("Saved in this browser").await?;
    open_bravo(&b).await?;
    b.wait_until(
        "const f = document.getElementById('pw-case-2-threshold'); return f && f.value === '71'",
        "case #2's pass score after the second reload",
    )
    .await?;
    let weight = b.field("weight (case #2, check 1)").await?;
    assert_eq!(weight.prop("value").await?.as_deref(), Some("5"));
    // Move case #1 down by keyboard: it is last then, so the focus goes to its Move up; Enter
    // moves it back up, and the focus goes to its Move down.
    b.eval("document.getElementById('pw-case-1-down').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "return document.activeElement && document.activeElement.id === 'pw-case-1-up'",
        "the focus on case #1's Move up",
    )
    .await?;
    assert_eq!(summaries(&b).await?, vec!["BRAVO", "ALPHA"]);
    b.press("\u{E007}").await?;
    b.wait_until(
        "return document.activeElement && document.activeElement.id === 'pw-case-1-down'",
        "the focus on case #1's Move down",
    )
    .await?;
    assert_eq!(summaries(&b).await?, vec!["ALPHA", "BRAVO"]);
    b.close().await?;
    Ok(())
}

// Tryout 72: suggested cases come with an expected answer, which only the judge's checks read;
// with no such check, nothing said that no check reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_answer_no_check_reads_is_said() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b).await?;
    CasesPage::new(&b)
        .add(1, "Notes: Ana sends the deck.", Some("Ana"))
        .await?;
    b.field("Expected answer (optional)")
        .await?
        .type_text("- Ana: send the deck")
        .await?;
    b.wait_for_text("No check reads this yet").await?;
    let described = b
        .eval(
            "return document.getElementById('pw-case-1-expected').getAttribute('aria-describedby')",
        )
        .await?;
    assert_eq!(described, json!("pw-case-1-expected-unread"));
    // A judge's rubric for every case reads it.
    CasesPage::new(&b)
        .add_rubric(1, "Names every owner.")
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('No check reads this yet')",
        "the note to go",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Waits until the fake provider has received more than `asked` chat requests (a call's request
/// went out), for at most 15 s; else fails saying `what` (e.g. "case 6 was not sent").
async fn wait_sent(fake: &FakeProvider, asked: usize, what: &str) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    while fake.chat_requests().len() == asked {
        anyhow::ensure!(t0.elapsed() < Duration::from_secs(15), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

// Session 37: a case whose call stalled at the provider (no byte for the time set in Settings)
// failed with no tokens counted, though the provider may bill the prompt it received. Session
// 40: the page then sent it again three times on its own, each attempt possibly billed, past
// the "at most" shown before the run. A stalled call is sent once: the row says the provider
// may bill its prompt, the run counts that prompt, and Retry (with its figure) sends it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_case_counts_the_prompts_the_provider_received() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    fake.reply_when("STALLY", "- **Bob**: item STALLY");
    add_case(&b, 1, "STALLY: Bob will do it.", Some("Bob")).await?;
    let s = SettingsPage::open(&b).await?;
    s.stall_seconds(1).await?;
    s.close().await?;
    fake.fault_when("STALLY", Fault::Stall { after_chunks: 0 }, 2);
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "call failed").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fake.chat_requests().len(),
        1,
        "sent once, not again unasked"
    );
    let row = row_text(&b, 1).await?;
    assert!(
        row.contains("The request had reached the provider, which may still bill its prompt")
            && !row.contains("earlier attempts"),
        "{row}"
    );
    let (progress, input) = tokens_in_progress(&b).await?;
    assert!(
        input > 0 && progress.contains("tokens in, 0 out"),
        "its prompt counted: {progress}"
    );
    assert!(
        progress.contains(" · about ") && progress.contains(" · cost unknown (no list price for "),
        "{progress}"
    );
    // Retry is the person's: it says what it may cost, and sends the request once more.
    b.click_button("Retry case #1").await?;
    wait_badge(&b, 1, "call failed").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.chat_requests().len(), 2, "Retry sent it once");
    // Tryout 83: once a Retry answered, the run's count and cost held only that answer. The
    // two stalled prompts stay counted beside it.
    b.click_button("Retry case #1").await?;
    wait_badge(&b, 1, "pass").await?;
    let (progress, after) = tokens_in_progress(&b).await?;
    assert!(
        after > 2 * input,
        "the stalled prompts ({input} tokens each) are still counted: {progress}"
    );
    b.close().await?;
    Ok(())
}

// Tryout 89: a reply in another format sent with HTTP 200 (a stream whose frames do not read)
// counted "0 tokens in, 0 out · cost at list price: nothing yet" with no word of billing, while
// a stall, a cut stream and an error inside the stream each counted the prompt. A server took
// that request and answered it: its prompt is counted and the row says it may be billed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_reply_counts_the_prompt_the_server_received() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    add_case(&b, 1, "MANGLED: Bob will do it.", Some("Bob")).await?;
    fake.fault_when("MANGLED", Fault::Malformed, 1);
    b.button("Run the case").await?.click().await?;
    wait_badge(&b, 1, "call failed").await?;
    let row = row_text(&b, 1).await?;
    assert!(
        row.contains("sent something that is not a reply")
            && row
                .contains("The request had reached the provider, which may still bill its prompt"),
        "{row}"
    );
    let (progress, input) = tokens_in_progress(&b).await?;
    assert!(input > 0, "its prompt counted: {progress}");
    assert!(
        progress.contains(" · about ") && progress.contains(" · cost unknown (no list price for "),
        "{progress}"
    );
    // Said on the progress line too (tryout 90: only the row said it).
    assert!(progress.contains("1 failed (may be billed)"), "{progress}");
    b.close().await?;
    Ok(())
}

/// The run's progress line and the input tokens it counts ("… about 1,234 tokens in, …").
async fn tokens_in_progress(b: &Browser) -> anyhow::Result<(String, u32)> {
    let progress = b
        .eval("return document.querySelector('.pw-progress__text')?.textContent ?? ''")
        .await?;
    let progress = progress.as_str().unwrap_or("").to_owned();
    let input: u32 = progress
        .split("about ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or(0);
    Ok((progress, input))
}

/// Makes the page's writes to IndexedDB stop landing from its second chat call on, as when a
/// tab is closed before its last write: every read-write transaction asked for from then on
/// throws. Installed on each new document with `Page.addScriptToEvaluateOnNewDocument`.
const WRITES_STOP_AT_SECOND_CALL: &str = r#"(() => {
  let calls = 0;
  const f = window.fetch;
  window.fetch = function (...a) {
    const url = String(a[0] && a[0].url ? a[0].url : a[0]);
    if (url.includes('/chat/completions')) calls += 1;
    return f.apply(this, a);
  };
  const tx = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (...a) {
    if (calls >= 2 && a[1] === 'readwrite') throw new DOMException('the tab is closing', 'InvalidStateError');
    return tx.apply(this, a);
  };
})();"#;

// Session 37 (a leftover of tryout 76): a tab closed mid-run whose last write did not land
// left the calls it had sent since its last save as "not sent" in the next tab, and "Send the 2
// cases not sent" would have sent one of them again. What the closing tab kept as it went away
// is found by the next tab: the case under way reads stopped (its prompt may be billed), and
// only the case never sent is offered to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_closed_mid_run_leaves_its_sent_calls_as_stopped_not_unsent() -> anyhow::Result<()> {
    let (fake, site, b) = pw_harness::with_fake(1280, 1600).await?;
    b.cdp("Page.enable", json!({})).await?;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": WRITES_STOP_AT_SECOND_CALL }),
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("What should your assistant do?").await?;
    run_named_cases_one_at_a_time(&fake, &b, &["ALPHA", "BRAVO", "CHARLIE"], 150).await?;
    // Case 2 goes out (from then on nothing this tab writes lands), then the tab is closed.
    wait_sent(&fake, 1, "case 2 was not sent").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let closing = b.client.window().await?;
    let next = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(closing).await?;
    b.client.close_window().await?;
    b.client.switch_to_window(next).await?;
    b.open_app(&site.url()).await?;
    wait_badge(&b, 1, "pass").await?;
    wait_badge(&b, 2, "stopped").await?;
    wait_badge(&b, 3, "not sent").await?;
    let row = row_text(&b, 2).await?;
    assert!(row.contains("may still bill"), "{row}");
    b.button("Send the 1 case not sent").await?;
    assert_eq!(fake.chat_requests().len(), 2, "nothing sent by opening");
    b.close().await?;
    Ok(())
}

/// The input tokens the run's progress line counts ("… 1,234 tokens in, …"), 0 when it counts
/// none.
async fn tokens_in(b: &Browser) -> anyhow::Result<u64> {
    let text = b
        .eval("return document.querySelector('.pw-progress__text')?.textContent ?? ''")
        .await?;
    let text = text.as_str().unwrap_or("");
    let Some(at) = text.find(" in,") else {
        return Ok(0);
    };
    let before = &text[..at];
    let digits: String = before
        .trim_end_matches(" tokens")
        .trim_end_matches(" token")
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect::<String>()
        .chars()
        .rev()
        .filter(char::is_ascii_digit)
        .collect();
    Ok(digits.parse().unwrap_or(0))
}

// Tryout 86: Cancel with 4 of 7 calls under way read "7 stopped": the cases Cancel took out of
// the queue had never been sent. They are said apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_says_which_cases_were_never_sent() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "- **Bob**: send the deck (Friday)");
    add_case(&b, 1, "ALPHA: Bob will send the deck by Friday.", None).await?;
    add_case(&b, 2, "BRAVO: Ana books the room.", None).await?;
    add_case(&b, 3, "CHARLIE: someone buys snacks.", None).await?;
    b.wait_for_text("3 cases").await?;
    fake.set_timing(0, 150, 2);
    CasesPage::new(&b).set_at_once(1).await?;
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-result[data-case=\"1\"] .pw-result__output')?.textContent.length ?? 0) > 4",
        "case 1 to stream",
    )
    .await?;
    b.button("Cancel run").await?.click().await?;
    b.wait_for_text("Run cancelled: 0 of 3 cases answered before Cancel · 1 stopped · 2 not sent.")
        .await?;
    // Tryout 87: only the toast said so, and it goes; the progress line stays.
    b.wait_for_text("0 of 3 done · 3 cancelled (2 never sent)")
        .await?;
    assert_eq!(fake.chat_requests().len(), 1, "one call went out");
    b.close().await?;
    Ok(())
}

/// Tryout 98 (and session 46's notes): a new draft kept the last draft's open "Suggest cases"
/// panel and its chosen kind of check for every case. Each draft starts with its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_draft_does_not_keep_the_last_drafts_panel_or_check_kind() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_prompt(&b).await?;
    b.field("Kind of check to add (Checks for every case)")
        .await?
        .select_by_label("Judge with a rubric")
        .await?;
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.querySelector('details.pw-synth').open",
        "the panel open",
    )
    .await?;
    DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    paste_prompt(&b).await?;
    b.wait_until(
        "return !document.querySelector('details.pw-synth').open && document.getElementById('pw-global-add-kind').value === 'contains-all'",
        "the panel closed and the first kind of check chosen",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 113, in the page: an imported `threshold: 0.666` showed a pass mark of 67 and a case
// scoring 66.67 against 0.67 read "fail 67" beside it; a schema's `format: email` passed
// "not-an-email".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_pass_marks_and_formats_read_as_promptfoo_reads_them() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b).await?;
    fake.reply_when("ALPHA", "a b");
    fake.reply_when("BRAVO", "a b");
    fake.reply_when("CHARLIE", r#"{"email":"not-an-email"}"#);
    let three = "    assert:\n      - type: contains\n        value: a\n      - type: contains\n        value: b\n      - type: contains\n        value: zzz\n";
    let yaml = format!(
        "tests:\n  - vars: {{notes: ALPHA}}\n    threshold: 0.67\n{three}  - vars: {{notes: BRAVO}}\n    threshold: 0.666\n{three}  - vars: {{notes: CHARLIE}}\n    assert:\n      - type: is-json\n        value: {{type: object, properties: {{email: {{type: string, format: email}}}}}}\n"
    );
    let path = file_with("formats", "marks.yaml", &yaml)?;
    import_file(&b, &path).await?;
    b.wait_for_text("Imported 3 cases").await?;
    b.button("Run all 3 cases").await?.click().await?;
    wait_badge(&b, 1, "fail").await?;
    wait_badge(&b, 2, "pass").await?;
    wait_badge(&b, 3, "fail").await?;
    let score = |id: u32| {
        format!(
            "return document.querySelector('.pw-result[data-case=\"{id}\"] .pw-result__score')?.textContent"
        )
    };
    assert_eq!(b.eval(&score(1)).await?, json!("66.7"));
    assert_eq!(b.eval(&score(2)).await?, json!("67"));
    let row = row_text(&b, 3).await?;
    assert!(
        row.contains("email: must match the format \u{201c}email\u{201d}"),
        "{row}"
    );
    // The pass mark shows as it is held.
    open_bravo(&b).await?;
    b.wait_until(
        "const f = document.getElementById('pw-case-2-threshold'); return f && f.value === '66.6'",
        "case #2's pass mark as held",
    )
    .await?;
    b.close().await?;
    Ok(())
}
