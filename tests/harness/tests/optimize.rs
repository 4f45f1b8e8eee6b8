//! End-to-end: the prompt improves itself. Against the fake provider scripted so that candidates
//! improve: a 3-round run within its approved budget, the chart rising, diffs with a removed
//! constraint flagged, acceptance as a new version; the loop surviving a reload and a pause;
//! Reflexion on one case; "Critique this prompt" turned into a rewrite; a copy of a draft with a
//! running loop arrives paused and spends nothing; a reload while the candidates are asked for
//! counts the lost call, offers it on top of the budget and finishes; a candidate's card whose
//! figures add up, naming the case left out and a tie as a tie. With the real local model: a
//! 2-round, K=2 run on three cases completes within its budget.
use std::time::{Duration, Instant};

use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::{FakeProvider, Fault};
use pw_harness::pages::{CasesPage, DraftsPage, PromptPage, SELECT_ALL, SettingsPage, TAB};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::{Value, json};

const CONTEXT: &str = "Meeting notes arrive as the user's message. Never invent owners.";

fn spec(persona: &str, context: &str) -> Value {
    json!({
        "persona": persona, "context": context,
        "steps": ["Read the notes.", "List every commitment with its owner."], "format": "A Markdown list.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- Bob: send the deck"},
                     {"input": "We talked about lunch.", "output": "No action items."}, {"input": "hi", "output": "Please paste the notes."}]
    })
}

async fn paste_prompt(b: &Browser, persona: &str) -> anyhow::Result<()> {
    let mut reply = spec(persona, CONTEXT);
    reply["analysis"] = json!("");
    PromptPage::new(b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &reply.to_string(),
        )
        .await
}

/// Cases A-D (training) and E (held-out); case X passes when the answer names "owner-X".
async fn add_cases(b: &Browser) -> anyhow::Result<()> {
    for (n, letter) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        let n = n as u32 + 1;
        CasesPage::new(b)
            .add(
                n,
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
    Ok(())
}

/// A prompt at level n answers with owners A..(n+1); level 3 also passes the held-out case.
fn script_levels(fake: &FakeProvider) {
    fake.reply_when(
        "LEVEL3",
        "- owner-A\n- owner-B\n- owner-C\n- owner-D\n- owner-E",
    );
    fake.reply_when("LEVEL2", "- owner-A\n- owner-B\n- owner-C");
    fake.reply_when("LEVEL1", "- owner-A\n- owner-B");
    fake.reply_when("LEVEL0", "- owner-A");
}

/// Scripts Reflexion's replies (the critique `critique`, the final "- owner-B: task B") and the
/// answers by level, runs case #1 and waits for its draft answer to fail.
async fn run_case_one_to_reflect(
    fake: &FakeProvider,
    b: &pw_harness::browser::Browser,
    critique: &str,
) -> anyhow::Result<()> {
    fake.reply_when("Be harsh", critique);
    fake.reply_when("A harsh review of that draft found", "- owner-B: task B");
    script_levels(fake);
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result .pw-verdict')?.textContent === 'fail'",
        "the draft to fail",
    )
    .await
}

/// Puts `jobs` (Settings' job names: "Writing prompts", "Running tests", "Scoring") on the fake's
/// "gpt-4o-mini", a model with a list price, so the page's figures are sums of money.
async fn priced_jobs(fake: &FakeProvider, b: &Browser, jobs: &[&str]) -> anyhow::Result<()> {
    fake.add_model("gpt-4o-mini");
    let s = SettingsPage::open(b).await?;
    for job in jobs {
        s.job(job).await?;
        s.model("gpt-4o-mini").await?;
    }
    s.close().await
}

/// The LEVEL0 prompt and case #1 ("Notes B: Bob owns task B.", its answer to contain `must`),
/// Reflexion's `critique` and `final_answer` scripted with the answers by level; runs the case
/// and waits for its answer to be done.
async fn one_case_to_reflect(
    fake: &FakeProvider,
    b: &Browser,
    must: &str,
    critique: &str,
    final_answer: &str,
) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    CasesPage::new(b)
        .add(1, "Notes B: Bob owns task B.", Some(must))
        .await?;
    fake.reply_when("Be harsh", critique);
    fake.reply_when("A harsh review of that draft found", final_answer);
    script_levels(fake);
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return !!document.querySelector('button[aria-label=\"Reflect on case #1\"]')",
        "the answer to be done",
    )
    .await
}

// Tryout 111: an empty critique was read as "nothing to fix": the draft shown as the final, said
// to be written by the model, and judged anew (it scored 100 against the draft's 82). An empty
// critique fails, with Retry; a critique that finds nothing keeps the draft as the final, with
// its verdicts and no call for it, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_critique_fails_and_one_that_finds_nothing_keeps_the_draft() -> anyhow::Result<()>
{
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    one_case_to_reflect(&fake, &b, "owner-A", "", "- owner-B: task B").await?;
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text(
        "The critique came back empty: the model wrote nothing, so no final answer was asked.",
    )
    .await?;
    let finals = || {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains("A harsh review of that draft found"))
            .count()
    };
    assert_eq!(finals(), 0, "no final asked after an empty critique");
    fake.reply_next_when("Be harsh", "No problems found.", 1);
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text(
        "found nothing to fix, so the final answer is the draft as it was: no call was made for it",
    )
    .await?;
    b.wait_for_text("No change in score").await?;
    assert_eq!(
        finals(),
        0,
        "no final asked when the critique finds nothing"
    );
    let text = b.eval("return document.body.innerText").await?;
    assert!(
        !text
            .as_str()
            .unwrap_or("")
            .contains("All three texts are written by"),
        "{text}"
    );
    b.close().await?;
    Ok(())
}

// Tryout 111: the final answer's "costs at most" check read "not measured: no list price for this
// model" for gpt-4o-mini, priced everywhere else on the page, and Reflection's headline
// compared without it. The final's call is priced as a run's answer is, and the check fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_final_answers_cost_check_is_measured_at_its_list_price() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    priced_jobs(&fake, &b, &["Writing prompts", "Running tests", "Scoring"]).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    let cases = CasesPage::new(&b);
    cases
        .add(1, "Notes B: Bob owns task B.", Some("owner-B"))
        .await?;
    cases.add_global("Costs at most ($)").await?;
    b.field("Most US dollars per call (every case, check 1)")
        .await?
        .type_text(&format!("{SELECT_ALL}0.000001{TAB}"))
        .await?;
    run_case_one_to_reflect(
        &fake,
        &b,
        "1. The owner of task B is missing: name owner-B.",
    )
    .await?;
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_until(
        "const l = document.querySelector('.pw-reflection [aria-label=\"Checks of the final answer of case #1\"]'); return !!l && l.textContent.includes('owner-B') && l.textContent.includes('It cost $') && l.textContent.includes('more than $0.000001')",
        "the final answer's cost check measured and failed",
    )
    .await?;
    let text = b.eval("return document.body.innerText").await?;
    let text = text.as_str().unwrap_or("");
    assert!(!text.contains("no list price for this model"), "{text}");
    b.close().await?;
    Ok(())
}

/// Proposal replies chosen by what each request says (calls run concurrently): an exploring call
/// whose best prompt scores 25/50/75 gets a candidate one level up; a refinement gets a candidate
/// that answers nothing useful. Round 3's candidate drops the "Never invent owners." rule.
/// Call before `script_levels`: proposal requests quote the prompts, so their rules come first.
fn script_proposals(fake: &FakeProvider, rounds: u32) {
    let mut same = spec("You are a careful analyst, refined.", CONTEXT);
    same["style"] = json!("refine");
    same["rationale"] = json!("Small wording fixes.");
    // The request body is JSON: the newline before the style list is written `\n`.
    fake.reply_when(
        r"in order\n- refine",
        &json!({"candidates": [same]}).to_string(),
    );
    for r in 1..=rounds {
        let context = if r == 3 {
            "Meeting notes arrive as the user's message."
        } else {
            CONTEXT
        };
        let mut up = spec(
            &format!("You are LEVEL{r}, a meticulous meeting analyst."),
            context,
        );
        up["style"] = json!("add-constraint");
        up["rationale"] = json!(format!("Round {r}: name every owner explicitly."));
        fake.reply_when(
            &format!("The current best prompt (score {} / 100)", 25 * r),
            &json!({"candidates": [up]}).to_string(),
        );
    }
}

/// The id of the best candidate's card ("Round 3 · candidate 5 · …" gives 5).
async fn best_candidate(b: &Browser) -> anyhow::Result<(u32, String)> {
    let t = b
        .eval("return document.querySelector('.pw-candidate--best .pw-candidate__title')?.textContent ?? ''")
        .await?;
    let title = t.as_str().unwrap_or("").to_owned();
    let id = title
        .split("candidate ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no best candidate: {title:?}"))?;
    Ok((id, title))
}

/// The usual start: version 1 at LEVEL0, cases A-E, candidates scripted to climb, replies
/// slowed (250 ms, then small chunks) so a test can act mid-round; the Improve panel open.
async fn scripted_slow_loop(fake: &FakeProvider, b: &Browser) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(b).await?;
    script_proposals(fake, 3);
    script_levels(fake);
    fake.set_timing(250, 5, 32);
    open_improve(b).await
}

async fn open_improve(b: &Browser) -> anyhow::Result<()> {
    b.wait_for_text("Settings of the loop").await?;
    Ok(())
}

async fn wait_text_long(b: &Browser, text: &str, secs: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let found = b
            .eval(&format!(
                "return document.body.innerText.includes({})",
                serde_json::to_string(text)?
            ))
            .await
            .unwrap_or(Value::Bool(false));
        if found == Value::Bool(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let body = b
                .eval("return document.querySelector('.pw-card--improve')?.innerText ?? ''")
                .await?;
            anyhow::bail!(
                "no {text:?} after {secs} s; the Improve card says:\n{}",
                body.as_str().unwrap_or("")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Tryout 88: a number typed in "Candidates per round", then Start pressed with the mouse,
/// started a loop of 17 calls under a button that said 11: the field's change came with the
/// press. The figures and Start's label follow the field as it is typed, so what the button
/// says when pressed is what starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_pressed_right_after_typing_a_setting_starts_what_it_said() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    // Typed, the field not left.
    b.field("Candidates per round")
        .await?
        .type_text(&format!("{SELECT_ALL}1"))
        .await?;
    const LABEL: &str = "return Array.from(document.querySelectorAll('button')).map(x => x.textContent).find(t => t.startsWith('Start: up to')) ?? ''";
    let deadline = Instant::now() + Duration::from_secs(5);
    let label = loop {
        let now = b.eval(LABEL).await?;
        let now = now.as_str().unwrap_or_default().to_owned();
        if now.starts_with("Start: up to") && now != "Start: up to 38 calls" {
            break now;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "Start still says {now:?} with 1 candidate per round typed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let calls: u32 = label
        .trim_start_matches("Start: up to ")
        .trim_end_matches(" calls")
        .parse()?;
    assert!(calls < 38, "{label}");
    // A number out of range leaves the figures at the value in use, as its message says
    // (tryout 88: Suggest's figure kept the last number typed that read).
    b.field("Candidates per round")
        .await?
        .type_text(&format!("{SELECT_ALL}9"))
        .await?;
    b.button("Start: up to 38 calls").await?;
    b.field("Candidates per round")
        .await?
        .type_text(&format!("{SELECT_ALL}1"))
        .await?;
    // Pressed with the mouse: the field's change comes with the press.
    b.button(&label).await?.click().await?;
    wait_text_long(&b, &format!(" of {calls} calls used"), 20).await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_rounds_climb_within_budget_and_the_winner_is_accepted() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_proposals(&fake, 3);
    script_levels(&fake);
    open_improve(&b).await?;

    // Budget first: 7 candidates-evaluations x 4 cases, 4 held-out checks, 6 proposals = 38 calls.
    let start = b.button("Start: up to 38 calls").await?;
    b.wait_for_text("Meta model: 6 calls").await?;
    b.wait_for_text("Execution model: 32 calls").await?;
    b.screenshot_at(".pw-card--improve", "optimizer-budget-1280-light")
        .await?;
    let before = fake.chat_requests().len();
    start.click().await?;
    wait_text_long(&b, "Finished all rounds.", 60).await?;
    let used = fake.chat_requests().len() - before;
    b.wait_for_text(&format!("{used} of 38 calls used")).await?;
    assert!(used <= 38, "{used} calls for a budget of 38");
    // Every round's refinement is the same prompt (the script's): scored once, in round 1, and
    // rounds 2 and 3 take its results (tryout 97: each was scored again).
    let answered_as_refined = fake.chat_requests()[before..]
        .iter()
        .filter(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            let system = body["messages"][0]["content"].as_str().unwrap_or("");
            system.starts_with("## Persona")
                && system.contains("You are a careful analyst, refined.")
        })
        .count();
    assert_eq!(answered_as_refined, 4, "one answer per training case");
    let same = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate .pw-hint')).filter(e => e.textContent.startsWith('The same prompt as candidate #')).length")
        .await?;
    assert_eq!(same, json!(2));

    // The chart rises: training 25 -> 50 -> 75 -> 100, held-out 0 until round 3.
    let label = b
        .eval("return document.querySelector('.pw-chart__svg').getAttribute('aria-label')")
        .await?;
    assert_eq!(
        label.as_str().unwrap_or(""),
        "Score history: round 0: train 25, held-out 0; round 1: train 50, held-out 0; round 2: train 75, held-out 0; round 3: train 100, held-out 100"
    );
    b.wait_for_text("Training 100 · held-out 100 (parent 75, +25)")
        .await?;
    b.wait_for_text("Against its parent: 1 win, 0 losses, 3 ties")
        .await?;
    b.wait_for_text("Round 3: name every owner explicitly.")
        .await?;
    // Labelled by what round 3 asked for, not by the style its scripted reply claims
    // ("add-constraint"; tryout 64: a label repeated the model's claim).
    let (id, title) = best_candidate(&b).await?;
    assert!(
        title.starts_with("Round 3 · candidate ")
            && title.ends_with("Asked to change the reasoning steps"),
        "{title}"
    );
    // Round 3's winner dropped a rule: its diff says so. The diff is named by the parent (round
    // 2's best, scored 75), not by the candidate itself (tryout, session 21).
    assert!(
        !b.eval("return document.body.innerText")
            .await?
            .as_str()
            .unwrap_or("")
            .contains(&format!("Changes against its parent ({title})")),
        "the diff named the candidate as its own parent"
    );
    b.wait_for_text("Changes against its parent (Round 2 · candidate ")
        .await?
        .click()
        .await?;
    b.wait_for_text("Removed rules and steps: check these were meant to go")
        .await?;
    b.screenshot_at(
        ".pw-card--improve .pw-progress",
        "optimizer-evidence-1280-light",
    )
    .await?;

    // Nothing replaced the prompt until now; Accept makes a new version.
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("LEVEL0")
    );
    b.button(&format!("Accept candidate {id} as the current version"))
        .await?
        .click()
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("LEVEL3")
    );
    // Tryout 81: the scores name the model they are of.
    b.wait_for_text(&format!(
        "Accepted from the optimizer: round 3, asked to change the reasoning steps (train score 25 \u{2192} 100 from version 1, on OpenAI-compatible server fake-large at {})",
        fake.host()
    ))
    .await?;

    // Tryout 8: "Start again" replaced the finished loop's results without asking. It asks
    // first, naming the candidates not accepted (the accepted one is a version now).
    let asked = fake.chat_requests().len();
    click_button_starting(&b, "Start again: up to").await?;
    b.wait_for_text("Start again replaces this loop's results.")
        .await?;
    let question = b
        .eval("return document.querySelector('.pw-loop-restart').textContent")
        .await?;
    let question = question.as_str().unwrap_or("");
    assert!(
        question.contains(" candidates you have not accepted (candidates ")
            && !question.contains(&format!(" {id},"))
            && !question.contains(&format!(" {id})")),
        "{question}"
    );
    let focused = b.eval("return document.activeElement.textContent").await?;
    assert_eq!(focused.as_str(), Some("Keep them"));
    b.button("Keep them").await?.click().await?;
    b.wait_until(
        "return !document.querySelector('.pw-loop-restart')",
        "the question to close",
    )
    .await?;
    b.wait_for_text("Round 3: name every owner explicitly.")
        .await?;
    assert_eq!(
        fake.chat_requests().len(),
        asked,
        "Start again sent calls before the person answered"
    );
    // Asked again and answered: the new loop starts from the accepted version.
    click_button_starting(&b, "Start again: up to").await?;
    b.button("Replace them and start").await?.click().await?;
    let t0 = std::time::Instant::now();
    while fake.chat_requests().len() == asked && t0.elapsed().as_secs() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        fake.chat_requests().len() > asked,
        "the new loop sent nothing"
    );
    b.close().await?;
    Ok(())
}

// Bug: "never goes over" was not a bound (reservations at chars/4 + 25 %, failures counted as
// 0). Here the provider bills every call the most it could use, and the person caps the loop at
// 7 calls: it stops there, and says so.
// Bug: typing 9999 into Rounds made it 10 and "abc" in a temperature made it 0.5, silently; the
// budget's figures had no thousands separators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_settings_name_what_they_cannot_use_and_budgets_are_grouped() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    open_improve(&b).await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    let start_disabled = "return Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).disabled";
    let rounds = b.field("Rounds").await?;
    // Said as it is typed, before the field is left: more typing cannot make it fit (tryout
    // 89: "50" was said only on Tab, beside a Start still offered).
    rounds.type_text(&format!("{SELECT_ALL}9999")).await?;
    b.wait_for_text("9999 is more than 10, the most allowed. Type a whole number from 1 to 10; 3 is used until then.")
        .await?;
    assert_eq!(b.eval(start_disabled).await?, json!(true));
    rounds.type_text(TAB).await?;
    // What was typed stays; the budget is still the one of 3 rounds; Start waits and says why.
    assert_eq!(rounds.prop("value").await?.as_deref(), Some("9999"));
    b.button("Start: up to 38 calls").await?;
    assert_eq!(b.eval(start_disabled).await?, json!(true));
    b.wait_for_text("Start waits: fix the settings of the loop marked above.")
        .await?;
    b.field("Temperature for new candidates")
        .await?
        .type_text(&format!("{SELECT_ALL}abc{TAB}"))
        .await?;
    b.wait_for_text(
        "\u{201c}abc\u{201d} is not a number. Type a number from 0 to 1.5; 0.9 is used until then.",
    )
    .await?;
    b.field("Most calls (optional)")
        .await?
        .type_text(&format!("100001{TAB}"))
        .await?;
    b.wait_for_text("100001 is more than 100,000, the most allowed. Type a whole number from 1 to 100,000; the projection is the limit until then.")
        .await?;
    let before = fake.chat_requests().len();
    b.eval("Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).click(); return true")
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        fake.chat_requests().len(),
        before,
        "Start sent calls with a setting it cannot use"
    );
    // Fixed: the messages go, Start comes back, with the new figures.
    rounds.type_text(&format!("{SELECT_ALL}10{TAB}")).await?;
    b.field("Temperature for new candidates")
        .await?
        .type_text(&format!("{SELECT_ALL}0.8{TAB}"))
        .await?;
    // A limit too small to score the prompt (5 cases, 5 answers): said before Start, which waits.
    b.field("Most calls (optional)")
        .await?
        .type_text(&format!("{SELECT_ALL}2{TAB}"))
        .await?;
    b.wait_for_text(
        "Most calls (2) cannot even score your prompt: scoring it on 5 cases takes 5 calls",
    )
    .await?;
    assert_eq!(b.eval(start_disabled).await?, json!(true));
    // Tryout 119: the plan's line said "so the loop stops after 2 calls" beside it.
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(
        page.contains("Your cap of 2 calls is below the full plan (")
            && page.contains("), and too small for the loop to start (see below)")
            && !page.contains("so the loop stops after 2 calls"),
        "{page}"
    );
    // Emptied (select all, Backspace): no limit of one's own.
    b.field("Most calls (optional)")
        .await?
        .type_text(&format!("{SELECT_ALL}\u{E003}{TAB}"))
        .await?;
    b.wait_until(
        "return !document.querySelector('.pw-loop-bad-settings') && !document.querySelector('.pw-loop-cap-too-small') && !document.body.innerText.includes('is used until then')",
        "the problems to go",
    )
    .await?;
    assert_eq!(b.eval(start_disabled).await?, json!(false));
    // Every figure of a thousand or more is grouped: "Up to 94 calls and 1,234,567 tokens".
    let line = b
        .eval("return document.querySelector('.pw-budget__line').textContent")
        .await?;
    let line = line.as_str().unwrap_or("").to_owned();
    let tokens = line
        .split(" calls and ")
        .nth(1)
        .and_then(|r| r.split(" tokens").next())
        .unwrap_or("");
    let digits: String = tokens.chars().filter(char::is_ascii_digit).collect();
    assert!(digits.len() > 3, "{line}");
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    assert_eq!(tokens, grouped, "{line}");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_stops_at_its_limit_when_the_provider_bills_the_most() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_proposals(&fake, 3);
    script_levels(&fake);
    fake.bill_max(true);
    open_improve(&b).await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    let cap = b.field("Most calls (optional)").await?;
    cap.type_text("7").await?;
    cap.type_text(TAB).await?;
    let before = fake.chat_requests().len();
    // Tryout: a cap that scores the prompt (5 calls) and asks for candidates (2) but cannot
    // score them was accepted, and calls went to candidates never scored. Start waits and
    // names the least that scores the first round.
    let why = b
        .wait_for_text(
            "Most calls (7) can score your prompt (5 calls) but not the first round's candidates",
        )
        .await?
        .text()
        .await?;
    let start_disabled = "return Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).disabled";
    assert_eq!(b.eval(start_disabled).await?, json!(true), "{why}");
    let least: u32 = why
        .split("Raise Most calls to at least ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no least figure in {why}"));
    // Three calls more than the least: the first round is scored, then the new best's held-out
    // case. Round 2 is not begun (tryout 79: its candidates were asked for and never scored):
    // the calls left are not spent, and the end says why.
    let limit = least + 3;
    cap.type_text(&format!("{SELECT_ALL}{limit}{TAB}")).await?;
    b.wait_for_text(&format!("Your cap of {limit} calls is below the full plan"))
        .await?;
    // Tryout 79: the ceiling read as a forecast (28 times what a loop then used). Tryout 81: it
    // named an 800-token cap, where the loop's answers have a run's 1,500.
    b.wait_for_text(
        "\u{201c}Up to\u{201d} is a ceiling, not a forecast: it counts each answer at its 1,500-token cap",
    )
    .await?;
    b.button(&format!("Start: up to {limit} calls"))
        .await?
        .click()
        .await?;
    wait_text_long(&b, "Stopped at the approved budget.", 60).await?;
    b.wait_for_text("calls left could not ask for a round's candidates and score them all, so they were not spent.")
        .await?;
    let sent = fake.chat_requests().len() - before;
    assert!(
        sent < limit as usize,
        "{sent} calls sent for a limit of {limit}"
    );
    b.wait_for_text(&format!("{sent} of {limit} calls used"))
        .await?;
    let text = improve_text(&b).await?;
    assert!(
        !text.contains("not scored: the loop ended first"),
        "a candidate asked for and never scored:\n{text}"
    );
    b.screenshot_at(".pw-card--improve", "optimizer-stopped-at-limit-1280-light")
        .await?;
    b.close().await?;
    Ok(())
}

// Tryout 111: a server that ignored the output cap wrote ~43,000 tokens an answer; the page read
// them all and the loop ended at "$0.05 of at most $0.02", advising to raise Most calls. The page
// reads no answer past 12,000 bytes (8 a token of the 1,500 cap) and charges it by that
// length; the loop stops at once, past the whole by no more than the answers then under way, and
// says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_writing_past_its_cap_is_cut_and_the_loop_says_so() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    a_loop_whose_answers_run_past_their_cap(&fake, &b).await?;
    let at_once: u64 = b
        .eval("return document.getElementById('pw-concurrency').value")
        .await?
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    click_button_starting(&b, "Start: up to").await?;
    wait_text_long(&b, "Stopped at the approved budget.", 60).await?;
    b.wait_for_text("A provider wrote past the output cap it was sent")
        .await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("raise Most calls"), "{text}");
    // "N of M calls used · A of B tokens": past the whole by no more than the answers under
    // way (each read to 12,000 bytes and a chunk, its request's bound added).
    let figure = |after: &str| -> u64 {
        let digits: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or(u64::MAX)
    };
    let line = text
        .lines()
        .find(|l| l.contains(" calls used · "))
        .unwrap_or_else(|| panic!("no spent line in {text}"));
    let tokens = line.split(" calls used · ").nth(1).unwrap_or("");
    let spent = figure(tokens);
    let whole = figure(tokens.split(" of ").nth(1).unwrap_or(""));
    assert!(spent > whole, "{line}");
    assert!(spent <= whole + at_once * 20_000, "{line}");
    // Tryout 119: an answer cut off at the cap read "Score 0 / 100 · did not pass" over checks
    // that passed, the cut unsaid. Its line says why it scores 0.
    let lines: Vec<String> = serde_json::from_value(
        b.eval("return Array.from(document.querySelectorAll('.pw-candidate__answers .pw-hint')).map(e => e.textContent).filter(t => t.startsWith('Score 0 / 100'))")
            .await?,
    )?;
    assert!(!lines.is_empty(), "no answer scored 0 in {text}");
    for l in &lines {
        assert!(
            l.starts_with("Score 0 / 100 · did not pass: the answer was cut off at the output token limit, so it counts as failed, scored 0, whatever its checks say"),
            "{l}"
        );
    }
    // Its card's score line says so too (tryout 119, F3: "Training 0 (parent 0, +0)" alone).
    let cards: Vec<String> = serde_json::from_value(
        b.eval("return Array.from(document.querySelectorAll('.pw-candidate')).filter(c => Array.from(c.querySelectorAll('.pw-candidate__answers .pw-hint')).some(e => e.textContent.startsWith('Score 0 / 100 · did not pass: the answer was cut off'))).map(c => c.querySelector('.pw-candidate__scores').textContent)")
            .await?,
    )?;
    assert!(!cards.is_empty(), "no card with a cut answer in {text}");
    for c in &cards {
        assert!(
            c.contains(" cut off at the output token limit, ")
                && c.ends_with("scored 0 (see its answers)"),
            "{c}"
        );
    }
    b.close().await?;
    Ok(())
}

// Tryout: with a key for the OpenAI-compatible server (not kept, the default), a reload mid-loop
// said "Continuing the optimization where it was." and sent 8 of 12 calls with no key: against a
// real provider each is refused and still charged. The loop holds until the key is back; a key
// the provider refuses pauses it at the first refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_or_refused_key_holds_the_loop_until_it_is_back() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let key = "sk-loop-key-123";
    let s = SettingsPage::open(&b).await?;
    s.key(key).await?;
    // The judge on a host of its own, with its own key: the loop (no judge check) never calls
    // it, so its key forgotten by the reload holds nothing (tryout 47: Resume waited for it).
    let judge = FakeProvider::start().await?;
    s.job("Scoring").await?;
    s.base_url(&judge.openai_url()).await?;
    s.key("sk-judge-777").await?;
    s.close().await?;
    let judge_host = judge.host();
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 1 of 3", 30).await?;
    // Slow calls: those sent from now on are still going at the reload.
    fake.set_timing(4000, 5, 32);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let used_before = calls_used(&b).await?;
    b.client.refresh().await?;
    fake.set_timing(250, 5, 32);
    // Session 21's tryout: how many calls the reload cut off was said only after Resume.
    wait_text_long(
        &b,
        "The optimization was interrupted. The reload cut off ",
        20,
    )
    .await?;
    // The loop's notice can be up before the Improve card (its code comes in the chunk of the
    // cards below the prompt; a fresh-clone run read a null card here).
    b.wait_until(
        "return (document.querySelector('.pw-card--improve')?.innerText ?? '').includes('The reload cut off ')",
        "the Improve card with the calls the reload cut off",
    )
    .await?;
    let said = b
        .eval("return document.querySelector('.pw-card--improve').innerText")
        .await?;
    let said = said.as_str().unwrap_or_default().to_owned();
    let cut: u32 = said
        .split("The reload cut off ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(cut >= 1, "{said}");
    // The key named with its host, in words true for a server that may need none (tryout 47:
    // "every call would be refused and still count against the budget").
    let host = fake.host();
    assert!(
        said.contains(&format!("and sent again when the loop goes on. The key you gave for OpenAI-compatible server at {host} is not in this tab (a reload forgot it)")),
        "{said}"
    );
    assert!(
        !said.contains("budget") && !said.contains("will be refused"),
        "{said}"
    );
    assert!(
        !said.contains(&judge_host),
        "the judge's key is not needed: {said}"
    );
    assert_eq!(
        calls_used(&b).await?,
        used_before + cut,
        "the calls cut off are what the count grew by"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let n = fake.chat_requests().len();
    // Resume without the key: refused with why, nothing sent.
    b.button("Resume").await?.click().await?;
    wait_text_long(
        &b,
        "Not resumed. The key you gave for OpenAI-compatible server at ",
        10,
    )
    .await?;
    wait_text_long(&b, "the loop waits, and sends nothing, until you enter it again in Settings and press Resume, or press Go on without a key if the server needs none.", 10).await?;
    // The way on without it is a button beside the note (helper-57: "clear it there" named an
    // empty field); this test enters the key instead.
    b.button("Go on without a key").await?;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        fake.chat_requests().len(),
        n,
        "calls went out without the key"
    );
    // The key back: the loop goes on, every call with it.
    let s = SettingsPage::open(&b).await?;
    s.key(key).await?;
    s.close().await?;
    // Helper 50: the held loop named the key as missing until Resume was pressed. Its words
    // follow Settings, and the answer to the first Resume goes.
    wait_text_long(
        &b,
        "The keys it needs are in this tab now: press Resume to go on.",
        10,
    )
    .await?;
    let now = b
        .eval("return document.querySelector('.pw-card--improve').innerText")
        .await?;
    let now = now.as_str().unwrap_or_default();
    assert!(
        !now.contains("Not resumed.") && !now.contains("is not in this tab"),
        "{now}"
    );
    // Tryout 17, 9: a refused key failed call after call, each charged to the budget. The
    // first refusal pauses the loop and says why; nothing more is sent until Resume. Tryout
    // 90: a call waiting 2 s to go out again after a 429 went out after the pause; it is
    // stopped with it.
    fake.push_faults([
        Fault::Status {
            code: 429,
            message: "Rate limit reached".into(),
            kind: None,
            retry_after: Some("2".into()),
            expose: true,
        },
        Fault::status(401, "Incorrect API key provided"),
    ]);
    b.button("Resume").await?.click().await?;
    wait_text_long(&b, "Paused: the key was not accepted (HTTP 401) on ", 20).await?;
    b.wait_for_text(", and every call to it would fail the same way, so nothing more was sent. Fix that in Settings, then press Resume.").await?;
    // Calls already on their way when it paused arrive within a moment.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let paused_at = fake.chat_requests().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after = fake.chat_requests();
    assert_eq!(
        after.len(),
        paused_at,
        "calls after the refused key: {:?}",
        after
            .iter()
            .map(|r| (r.at_ms, r.body.chars().take(120).collect::<String>()))
            .collect::<Vec<_>>()
    );
    b.button("Resume").await?.click().await?;
    run_to_end(&b).await?;
    let sent = fake.chat_requests();
    assert!(sent.len() > n, "nothing was sent after Resume");
    assert!(
        judge.chat_requests().is_empty(),
        "the loop called the judge"
    );

    let bearer = format!("Bearer {key}");
    for r in &sent {
        assert_eq!(
            r.header("authorization"),
            Some(bearer.as_str()),
            "{} {}",
            r.method,
            r.path
        );
    }
    b.close().await?;
    Ok(())
}

// Helper-57: a loop held for a key a reload forgot, on a server that needs none, could go on only
// by typing the key again ("clear it there" named a field already empty). "Go on without a key"
// resumes it, and its calls go without the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_held_for_a_forgotten_key_goes_on_without_it_when_asked() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let s = SettingsPage::open(&b).await?;
    s.key("sk-held-loop-1").await?;
    s.close().await?;
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 1 of 3", 30).await?;
    b.client.refresh().await?;
    wait_text_long(
        &b,
        "or press Go on without a key if the server needs none.",
        20,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = fake.chat_requests().len();
    b.button("Go on without a key").await?.click().await?;
    run_to_end(&b).await?;
    let sent = fake.chat_requests();
    assert!(sent.len() > before, "nothing was sent after going on");
    for r in &sent[before..] {
        assert_eq!(r.header("authorization"), None, "{} {}", r.method, r.path);
    }
    b.close().await?;
    Ok(())
}

/// Tryout 88: after a reload forgot the key, Start sent the loop's calls without it, and the
/// page's warnings went, with no word beside Start. Start says it first, as Run does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_says_a_key_a_reload_forgot_before_it_sends() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let s = SettingsPage::open(&b).await?;
    s.key("sk-start-forgot-1").await?;
    s.close().await?;
    scripted_slow_loop(&fake, &b).await?;
    b.client.refresh().await?;
    b.button("Start: up to 38 calls").await?;
    b.wait_until(
        "const n = document.getElementById('pw-loop-key'); return !!n && n.textContent.includes('a reload forgot')",
        "the note beside Start",
    )
    .await?;
    assert!(fake.chat_requests().is_empty(), "nothing sent before Start");
    b.close().await?;
    Ok(())
}

// Tryout 18: a call refused as every call to its model would be was recorded as the candidate's
// failure (a case never answered counted as a loss) and charged. It is handed back: not
// charged (a refusal is not billed), asked again on Resume, and every other request counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_call_is_not_charged_and_is_asked_again_on_resume() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    fake.push_faults([Fault::status(401, "Incorrect API key provided")]);
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Paused: no API key was sent (HTTP 401) on ", 30).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let refused = fake.chat_requests()[0].body.clone();
    b.button("Resume").await?.click().await?;
    run_to_end(&b).await?;
    let sent = fake.chat_requests();
    assert!(
        sent[1..].iter().any(|r| r.body == refused),
        "the refused call is asked again"
    );
    let used = calls_used(&b).await?;
    assert_eq!(
        used as usize,
        sent.len() - 1,
        "every request counted but the refused one"
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_survives_a_reload_and_a_pause() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    // A key typed in this tab, then forgotten by a reload before Start: the loop starts without
    // it (this server needs none), so the reload below continues it instead of holding it for
    // that key (helper-54: Resume asked for a key the loop had run without).
    let s = SettingsPage::open(&b).await?;
    s.key("sk-forgotten-before-start").await?;
    s.close().await?;
    b.client.refresh().await?;
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?.click().await?;
    // Reload in the middle of round 1 or 2.
    wait_text_long(&b, "Round 1 of 3", 30).await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    // A call surely under way at the reload: the next one to go out answers only after 3 s.
    fake.set_timing(3000, 5, 32);
    let before = fake.chat_requests().len();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.chat_requests().len() == before {
        anyhow::ensure!(Instant::now() < deadline, "no call went out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent_before_reload = fake.chat_requests().len() as u32;
    b.client.refresh().await?;
    fake.set_timing(250, 5, 32);
    wait_text_long(&b, "Continuing the optimization where it was.", 20).await?;
    // Tryout 17, 5: the count of calls used grew by the calls the reload cut off, and the note
    // said only that the loop went on. It names them (charged: they went out).
    let note = b
        .eval("return Array.from(document.querySelectorAll('.pw-card--improve .pw-hint')).map(e => e.textContent).find(t => t.startsWith('Continuing the optimization')) ?? ''")
        .await?;
    let note = note.as_str().unwrap_or("").to_owned();
    let cut: u32 = note
        .strip_prefix("Continuing the optimization where it was. The reload cut off ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the note names the calls cut off: {note}"));
    assert!(
        (1..=sent_before_reload).contains(&cut),
        "{cut} cut off of {sent_before_reload} sent: {note}"
    );
    assert!(
        note.ends_with("counted as used (they may still be billed) and sent again.")
            || note.ends_with("counted as used (it may still be billed) and sent again."),
        "{note}"
    );
    // Session 42: they are counted at their reservations, and the figures say so (they read
    // as tokens counted). Every other call here reported its usage.
    let progress = b
        .eval("return document.querySelector('.pw-card--improve .pw-progress__text')?.textContent ?? ''")
        .await?;
    let progress = progress.as_str().unwrap_or("");
    // Which calls, by why (tryout 87: "no usage reported, or failed…" for calls cut off).
    let whole = if cut == 1 {
        "(1 call is counted at the most it could use: it failed, was cut off or was stopped)"
            .to_owned()
    } else {
        format!(
            "({cut} calls are counted at the most they could use: they failed, were cut off or were stopped)"
        )
    };
    assert!(progress.contains(&whole), "{whole:?} in {progress:?}");
    // The top of the page says so too, with Pause in reach.
    wait_text_long(&b, "An optimization loop is running", 10).await?;
    b.button("Pause the loop").await?;
    // Pause with a call under way (it answers only after 8 s): nothing new starts; the page
    // says so; then resume to the end.
    fake.set_timing(8000, 5, 32);
    let before = fake.chat_requests().len();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.chat_requests().len() == before {
        anyhow::ensure!(Instant::now() < deadline, "no call went out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.button("Pause").await?.click().await?;
    wait_text_long(&b, "Paused.", 10).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let n = fake.chat_requests().len();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(fake.chat_requests().len(), n, "no calls while paused");
    b.client.refresh().await?;
    fake.set_timing(250, 5, 32);
    // The call the paused loop still had under way was cut off by the reload and charged: said
    // (helper-58: charged with no word).
    wait_text_long(&b, "This draft's optimization loop is paused: nothing is spent until you resume it. The reload cut off ", 20).await?;
    // The loop's progress panel is rebuilt as its state settles after the reload (the cards
    // below the prompt arrive after the app starts): the click finds Resume again if need be.
    b.click_button("Resume").await?;
    // Calls lost in the reload were charged (they may have been billed) and issued again: when
    // the approved 38 calls cannot cover them the loop waits and offers them on top (Retry),
    // never ending "at the approved budget" for it. It finishes every round.
    let extra = run_to_end(&b).await?;
    let label = b
        .eval("return document.querySelector('.pw-chart__svg').getAttribute('aria-label')")
        .await?;
    assert!(
        label
            .as_str()
            .unwrap_or("")
            .ends_with("round 3: train 100, held-out 100"),
        "{label}"
    );
    // Every request sent is counted (a call reserved but cut off before it left is counted
    // too), within the approved calls and what Retry added.
    let used = calls_used(&b).await?;
    let seen = fake.chat_requests().len() as u32;
    assert!(
        seen <= used && used <= 38 + extra,
        "{seen} sent, {used} counted, 38 + {extra} approved"
    );
    b.close().await?;
    Ok(())
}

// Tryout 62: with a 429 and a 500 answered on the way, the provider saw 13 requests while the
// page said "11 of 21 calls used". The requests the engine sent again are said apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_sent_again_after_an_error_are_said_apart_from_the_calls_used()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_proposals(&fake, 3);
    script_levels(&fake);
    open_improve(&b).await?;
    let start = b.button("Start: up to 38 calls").await?;
    for code in [429, 500] {
        fake.fault_when(
            "Notes A: someone owns task A.",
            Fault::Status {
                code,
                message: "try again".into(),
                kind: None,
                retry_after: None,
                expose: false,
            },
            1,
        );
    }
    let before = fake.chat_requests().len();
    start.click().await?;
    wait_text_long(&b, "Finished all rounds.", 90).await?;
    b.wait_for_text("(2 requests were sent again after errors that came before any answer: they are not among the calls used)")
        .await?;
    let seen = (fake.chat_requests().len() - before) as u32;
    let used = calls_used(&b).await?;
    assert_eq!(seen, used + 2, "{seen} sent, {used} counted as calls");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_draft_with_a_running_loop_arrives_paused() -> anyhow::Result<()> {
    // Regression: duplicating a draft whose optimization loop was running brought the loop along,
    // and opening the copy resumed it on the remembered key: every copy spent the budget again.
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 1 of 3", 30).await?;

    // Duplicate the draft while its loop runs: the copy opens. The drawer says what leaving
    // does to the loop (helper-63: it paused with no word).
    let drafts = DraftsPage::open(&b).await?;
    b.wait_for_text("This draft's optimization loop is running: opening another draft pauses it, and the calls it has under way are cut off")
        .await?;
    b.client
        .find(fantoccini::Locator::XPath(
            "//*[@role='dialog']//button[starts-with(@aria-label, 'Duplicate ')]",
        ))
        .await?
        .click()
        .await?;
    drafts.wait_count(2).await?;
    b.wait_until(
        "return document.querySelector('.pw-draft-list__item--current .pw-draft-list__name')?.textContent.endsWith('(copy)') === true",
        "the copy to be the open draft",
    )
    .await?;
    drafts.close().await?;

    // Its loop is paused, with Resume at the top of the page and in the Improve card. The
    // calls the original had under way are not the copy's: nothing of the copy was cut off or
    // charged for them (session 37: "The reload cut off 2 calls" in a copy, with no reload).
    wait_text_long(&b, "The optimization loop is paused", 10).await?;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    let cut_said = page.match_indices("cut off ").any(|(i, _)| {
        let rest = &page[i + "cut off ".len()..];
        rest.starts_with(|c: char| c.is_ascii_digit()) || rest.starts_with("calls")
    });
    assert!(!cut_said, "{page}");
    b.button("Resume the loop").await?;
    wait_text_long(&b, "Paused.", 10).await?;
    b.button("Resume").await?;
    // Calls the original had under way end; then nothing new is asked for.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let n = fake.chat_requests().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(fake.chat_requests().len(), n, "the copy spends nothing");

    // Back on the original, its loop goes on; what opening the copy cut off is said as such
    // (tryout 54: "The reload cut off 1 call" with no reload).
    DraftsPage::open_other(&b).await?;
    wait_text_long(&b, "Continuing the optimization where it was.", 20).await?;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(
        cut_off_by(page)
            .iter()
            .all(|by| by == "Opening another draft"),
        "{page}"
    );
    // The original deleted while its loop runs, then brought back with Undo: what the delete
    // cut off is said as such (helper-56: it was blamed on opening another draft).
    // The delete is slow to commit (each write reports its commit 2 s late), and the loop's
    // answers arriving meanwhile are autosaved: they wrote the deleted draft back, and the
    // delete reopened it and did not take (2 of 8 runs under load in session 28).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let drafts = DraftsPage::open(&b).await?;
    b.eval(pw_harness::pages::SLOW_WRITES).await?;
    b.eval("document.querySelector('.pw-draft-list__item--current [aria-label^=\"Delete \"]').click(); return 1")
        .await?;
    // What the delete stops is said before the yes (helper-63: nothing was said).
    b.wait_for_text("It is open: its optimization loop stops. Undo is offered right after")
        .await?;
    b.button("Delete it").await?.click().await?;
    drafts.wait_count(1).await?;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let names = drafts.names().await?;
    assert!(
        names.len() == 1 && names[0].ends_with("(copy)"),
        "the original stays deleted: {names:?}"
    );
    b.button("Undo").await?.click().await?;
    // The note of the switch before stays on screen until the original is open again: wait
    // for the one the Undo brings (a flake: the old note was read as the new one).
    b.wait_until(
        "const t = document.body.innerText; return t.includes('Continuing the optimization where it was.') && !t.includes('Opening another draft cut off')",
        "the note the Undo brings",
    )
    .await?;
    drafts.close().await?;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(
        cut_off_by(page)
            .iter()
            .all(|by| by == "Deleting this draft"),
        "{page}"
    );
    // The copy again: still paused, and spending nothing once the original's calls have ended.
    DraftsPage::open_other(&b).await?;
    wait_text_long(&b, "Paused.", 10).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let n = fake.chat_requests().len();

    // A reload keeps it paused.
    b.client.refresh().await?;
    wait_text_long(&b, "Paused.", 20).await?;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        fake.chat_requests().len(),
        n,
        "the copy spends nothing after a reload"
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflexion_and_prompt_critique() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    CasesPage::new(&b)
        .add(1, "Notes B: Bob owns task B.", Some("owner-B"))
        .await?;
    // A latency check: measured for the draft and for the final (tryout 79: the final's time
    // was not kept, and its latency check read "not measured").
    b.field("Kind of check to add (Checks for this case)")
        .await?
        .select_by_label("Answers within (ms)")
        .await?;
    b.button("Add check to checks for this case")
        .await?
        .click()
        .await?;
    run_case_one_to_reflect(
        &fake,
        &b,
        "1. The owner of task B is missing: name owner-B.",
    )
    .await?;
    // The critique refused once (HTTP 401): the message ends "press Retry", and Retry is there.
    fake.fault_when("Be harsh", Fault::status(401, "invalid key"), 1);
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The critique failed:").await?;
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text("Reflection helped: 50 \u{2192} 100")
        .await?;
    let text = b.eval("return document.body.innerText").await?;
    assert!(
        !text
            .as_str()
            .unwrap_or("")
            .contains("not compared: answers within"),
        "the final's latency was not measured"
    );
    // Tryout 4: the headings gave other figures than the verdict without saying why.
    let titles = b
        .eval("return Array.from(document.querySelectorAll('.pw-reflection__title')).map(e => e.textContent)")
        .await?;
    assert_eq!(titles, json!(["Draft · 50", "Critique", "Final · 100"]));
    // The final's own check results are listed, as the draft's are.
    b.wait_until(
        "const l = document.querySelector('.pw-reflection [aria-label=\"Checks of the final answer of case #1\"]'); return !!l && l.querySelectorAll('.pw-verdict-row--ok').length === 2 && l.textContent.includes('owner-B') && l.textContent.includes('It took')",
        "the final answer's checks",
    )
    .await?;
    // Bug: the draft's own check results sat below the three columns, under the final's. They
    // are in the Draft column, and nowhere else.
    b.wait_until(
        "const cols = document.querySelectorAll('.pw-reflection__col'); const all = document.querySelectorAll('[aria-label=\"Checks of case #1\"]'); return cols.length === 3 && all.length === 1 && cols[0].contains(all[0])",
        "the draft's checks in the Draft column",
    )
    .await?;
    b.wait_for_text("1. The owner of task B is missing: name owner-B.")
        .await?;
    b.screenshot_at(".pw-result", "reflexion-1280-light")
        .await?;

    // Tryout 8: when the final answer failed, Retry sent the critique again (paid twice, and
    // possibly another critique than the one shown). Only the final is asked again.
    fake.fault_when(
        "A harsh review of that draft found",
        Fault::status(400, "Bad request: simulated"),
        1,
    );
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The final answer failed:").await?;
    let critiques = || {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains("Be harsh"))
            .count()
    };
    let before = critiques();
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text("Reflection helped: 50 \u{2192} 100")
        .await?;
    assert_eq!(critiques(), before, "the critique was not asked again");
    b.wait_for_text("1. The owner of task B is missing: name owner-B.")
        .await?;
    // Session 48's note: a Retry after the execution model changed in Settings kept the earlier
    // model's critique and named the model chosen now as the writer of both. The critique is
    // asked again of the model chosen now (one reflection, one writer), and the page says so.
    fake.fault_when(
        "A harsh review of that draft found",
        Fault::status(400, "Bad request: simulated"),
        1,
    );
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The final answer failed:").await?;
    fake.add_model("fake-other");
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.model("fake-other").await?;
    s.close().await?;
    let before = critiques();
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text("Reflection helped: 50 \u{2192} 100")
        .await?;
    assert_eq!(
        critiques(),
        before + 1,
        "the other model's critique was asked again"
    );
    let last = fake
        .chat_requests()
        .into_iter()
        .rev()
        .find(|r| r.body.contains("Be harsh"))
        .map(|r| r.body)
        .unwrap_or_default();
    assert!(last.contains("fake-other"), "{last}");
    b.wait_for_text(
        "fake-other wrote the critique and the final answer, which is scored like the draft.",
    )
    .await?;

    // Critique this prompt: a weakness becomes a section rewrite (a new version).
    fake.reply_next_when(
        "You review a system prompt",
        &json!({"weaknesses": [
            {"kind": "missing-constraint", "section": "context", "problem": "It never says what to do with empty notes.", "fix": "Add: if the notes are empty, ask for them."},
            // Bug (tryout 3): a section that does not exist was filed under Context with a
            // rewrite button; an empty item vanished without a word.
            {"kind": "other", "section": "budget", "problem": "It sets no budget.", "fix": "Say the budget."},
            {"kind": "other", "section": "steps", "problem": "", "fix": ""}
        ]}).to_string(),
        // Twice: the first is cut off below (a fault cuts the reply a rule gives).
        2,
    );
    fake.reply_next_when(
        "improving one section",
        &json!({"context": format!("{CONTEXT} If the notes are empty, ask for them.")}).to_string(),
        1,
    );
    // Tryout 19 (8): a critique cut off said "What arrived is kept; press Retry", with nothing
    // kept and no Retry. It says the part is not used, and its Retry asks again.
    fake.fault_when(
        "You review a system prompt",
        Fault::Truncate { after_chunks: 2 },
        1,
    );
    b.button("Critique this prompt").await?.click().await?;
    b.wait_for_text("The part that had arrived is not used; press Retry.")
        .await?;
    b.button("Retry").await?.click().await?;
    b.wait_for_text("It never says what to do with empty notes.")
        .await?;
    let items = b
        .eval("return Array.from(document.querySelectorAll('.pw-weakness')).map(w => [w.querySelector('.pw-weakness__section').textContent, w.querySelectorAll('button').length])")
        .await?;
    assert_eq!(items, json!([["Context", 1], ["Whole prompt", 0]]));
    b.wait_for_text("1 item had no problem written in it and was left out.")
        .await?;
    // Tryout 62: a fix that failed was said only far above, at the prompt, and one done made a
    // version with no word at the fix. Both are said at the fix pressed.
    fake.fault_when(
        "improving one section",
        Fault::Status {
            code: 400,
            message: "context too long".into(),
            kind: None,
            retry_after: None,
            expose: false,
        },
        1,
    );
    b.button("Rewrite Context with this fix (fix 1)")
        .await?
        .click()
        .await?;
    b.wait_for_text("The rewrite of Context did not go through: the message is above the prompt, with what to do.")
        .await?;
    b.button("Show the message").await?;
    // Retry above the prompt is the same rewrite: what came of it is said at the fix too
    // (helper-63: the fix still said it had failed).
    b.button("Retry").await?.click().await?;
    PromptPage::new(&b).wait_version(2).await?;
    assert!(
        PromptPage::new(&b)
            .section("Context")
            .await?
            .contains("If the notes are empty, ask for them.")
    );
    b.wait_for_text("Done: version 2 has Context rewritten with this fix")
        .await?;
    assert!(
        !b.eval("return document.body.innerText")
            .await?
            .as_str()
            .unwrap_or("")
            .contains("The rewrite of Context did not go through")
    );
    b.button("Rewrite Context again with this fix (fix 1)")
        .await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// Named to sort first: tests start in name order, and this long one (it waits on the local
// model) ran alone at the end of the suite, the other thread idle.
async fn a_budget_holds_over_two_rounds_on_the_local_model() -> anyhow::Result<()> {
    let _turn = pw_harness::local_model::one_at_a_time();
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1400).await?;
    b.open_app(&site.url()).await?;
    b.wait_for_text("Local model ready").await?;
    paste_prompt(&b, "You are a meticulous meeting analyst.").await?;
    for (n, (input, want)) in [
        ("Bob will send the deck by Friday.", "Bob"),
        ("Ana books the room for Monday.", "Ana"),
        ("Carol writes the release notes.", "Carol"),
    ]
    .iter()
    .enumerate()
    {
        CasesPage::new(&b)
            .add(n as u32 + 1, input, Some(want))
            .await?;
    }
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    b.field("Rounds")
        .await?
        .type_text(&format!("{SELECT_ALL}2{TAB}"))
        .await?;
    // One candidate a round (the tiny model's calls are the test command's longest wait: two
    // candidates made this test 68-105 s of a run).
    b.field("Candidates per round")
        .await?
        .type_text(&format!("{SELECT_ALL}1{TAB}"))
        .await?;
    // 3 evaluations x 3 cases + 2 proposals (no held-out cases).
    let start = b.button("Start: up to 11 calls").await?;
    start.click().await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let text = loop {
        let t = b
            .eval("return document.querySelector('.pw-card--improve .pw-progress__text')?.textContent ?? ''")
            .await?;
        let t = t.as_str().unwrap_or("").to_owned();
        // A round whose rules were all rejected waits for Retry (said, with the reasons).
        if t.starts_with("Finished all rounds.")
            || t.starts_with("Stopped")
            || t.contains("gave no candidate to try")
        {
            break t;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the loop did not end in 600 s: {t}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let used: u32 = text
        .split(" of 11 calls used")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(999);
    assert!(used <= 11, "{text}");
    eprintln!("[local model] {text}");
    // The tiny model's proposals are new rules (`meta::tiny_jobs`): each candidate is the best
    // prompt plus one rule, or rejected with why; none claims a note of the model's.
    let cards: Vec<String> = serde_json::from_value(
        b.eval(
            "return Array.from(document.querySelectorAll('.pw-candidate')).map(e => e.textContent)",
        )
        .await?,
    )?;
    let proposed: Vec<&String> = cards
        .iter()
        // The starting prompt's card is titled "Your prompt (version N)" (a candidate's diff
        // names it too, as its parent: the title is what tells them apart).
        .filter(|c| !c.starts_with("Your prompt"))
        .collect();
    eprintln!("[local model] candidates: {proposed:#?}");
    for c in &proposed {
        assert!(
            c.contains("rejected: The local model's rule was not usable: ")
                || c.contains("Added the step \u{201c}"),
            "{c}"
        );
        assert!(!c.contains("The meta model's note"), "{c}");
    }
    assert!(!proposed.is_empty(), "{cards:?}");
    b.screenshot("optimizer-local-model-1280-light").await?;
    b.close().await?;
    Ok(())
}

/// The Improve card's text.
async fn improve_text(b: &Browser) -> anyhow::Result<String> {
    // The card comes with the cards below the prompt, a chunk of their own: waited for, so that
    // a reload's banner is not read as the card (CI, session 45).
    b.wait_until(
        "return !!document.querySelector('.pw-card--improve')",
        "the Improve card",
    )
    .await?;
    Ok(
        b.eval("return document.querySelector('.pw-card--improve')?.innerText ?? ''")
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

// Tryout: with a meta model that answered the proposal in plain text the card said "Finished all
// rounds." with no candidate, no error and no Retry. A round that gives nothing to try now waits
// there and says why (the likeliest cause, what the model sent); Retry asks again and says
// "failed again" only when the cause is the same (plain text, then a refused request, is not); a
// usable reply then finishes the rounds. The loop's settings come back after a reload, and
// damaged kept settings fall back to their defaults with a message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_with_nothing_to_try_says_why_and_retry_asks_again() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    // Priced models, so Retry's figure is a sum of money (said below).
    priced_jobs(&fake, &b, &["Writing prompts", "Running tests", "Scoring"]).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_levels(&fake);
    let explore = "The current best prompt (score 25 / 100)";
    let refine = r"in order\n- refine";
    let plain = "Sure! Here are some better prompts: be more helpful and clear.";
    fake.reply_next_when(explore, plain, 1);
    fake.reply_next_when(refine, plain, 1);
    open_improve(&b).await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    b.field("Rounds")
        .await?
        .type_text(&format!("{SELECT_ALL}1{TAB}"))
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('button')).some(b => b.textContent.startsWith('Start: up to'))",
        "Start",
    )
    .await?;
    b.eval("Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).click(); return true")
        .await?;
    wait_text_long(
        &b,
        "Round 1 of 1: waiting, the meta model gave no candidate to try.",
        60,
    )
    .await?;
    b.wait_for_text("Round 1: the request for new candidates gave no candidate to try")
        .await?;
    b.wait_for_text("Round 1: the refinement of the best prompt gave no candidate to try")
        .await?;
    b.wait_for_text("This model did not write JSON").await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("Finished all rounds"), "{text}");
    assert!(text.contains("What the model sent ("), "{text}");
    b.button("Pick another model in Settings").await?;
    b.screenshot_at(".pw-card--improve", "optimizer-nothing-to-try-1280-light")
        .await?;
    // Nothing more is sent while it waits.
    let n = fake.chat_requests().len();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(fake.chat_requests().len(), n, "calls while waiting");
    // Tryout 17, 6: after a reload the waiting loop read only "paused": it says why.
    b.client.refresh().await?;
    wait_text_long(
        &b,
        "This draft's optimization loop waits: in round 1 the meta model gave no candidate to try. Nothing is spent until you press Retry in Improve.",
        20,
    )
    .await?;
    b.wait_for_text("Round 1 of 1: waiting, the meta model gave no candidate to try.")
        .await?;
    assert_eq!(fake.chat_requests().len(), n, "calls after the reload");

    // Retry: the refinement now meets a refused request, the request for new candidates plain text
    // again. Only the second is "failed again". (The fake checks fault rules before reply rules,
    // and only the refinement's request has a marker of its own.)
    // (A 400: a refused key pauses the loop instead, see
    // `a_forgotten_or_refused_key_holds_the_loop_until_it_is_back`.)
    fake.fault_when(refine, Fault::status(400, "Bad request: simulated"), 1);
    fake.reply_next_when(explore, plain, 1);
    // Tryout 84: the figure is what is left of the budget and the calls added, and says so.
    let figure = b
        .eval("const x = Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Retry (up to 2 more calls)'); return x?.nextElementSibling?.textContent ?? ''")
        .await?;
    let figure = figure.as_str().unwrap_or("");
    assert!(
        figure.starts_with("at most $")
            && figure.ends_with(" for the rest of the loop (what is left and the calls added)"),
        "{figure}"
    );
    b.button("Retry (up to 2 more calls)")
        .await?
        .click()
        .await?;
    wait_text_long(
        &b,
        "Attempt 2 failed for a different reason: Round 1: the refinement of the best prompt gave no candidate to try",
        30,
    )
    .await?;
    b.wait_for_text("Failed again (attempt 2): Round 1: the request for new candidates gave no candidate to try")
        .await?;
    b.wait_for_text("The call to the model for writing prompts failed:")
        .await?;
    let text = improve_text(&b).await?;
    assert!(
        !text.contains("Failed again (attempt 2): Round 1: the refinement"),
        "{text}"
    );
    assert_eq!(fake.chat_requests().len(), n + 2, "Retry asked twice");
    // Tryout 17, 10: what Retry approved is shown apart from the budget approved at Start.
    assert!(
        text.contains("approved at Start, 2 approved since)"),
        "{text}"
    );

    // Retry with usable replies: the round runs and the loop finishes; the notices go.
    let mut up = spec("You are LEVEL1, a meticulous meeting analyst.", CONTEXT);
    up["style"] = json!("add-constraint");
    up["rationale"] = json!("Name every owner explicitly.");
    fake.reply_next_when(explore, &json!({"candidates": [up]}).to_string(), 1);
    // The refinement fails a third time: the round goes on with the new candidate.
    fake.reply_next_when(refine, plain, 1);
    // Helper-58: while the calls Retry sent ran, the last failure still read "…; the loop did
    // not wait for it" in red. It says the call is being asked again.
    fake.set_timing(3000, 15, 6);
    b.button("Retry (up to 2 more calls)")
        .await?
        .click()
        .await?;
    b.wait_for_text("Failed again (attempt 2): Round 1: the request for new candidates gave no candidate to try; asking again now (attempt 3)")
        .await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("did not wait"), "{text}");
    fake.set_timing(0, 15, 6);
    wait_text_long(&b, "Finished all rounds.", 60).await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("gave no candidate to try"), "{text}");
    // Tryout 121: the ended loop's panel opened with "Attempt 2 failed for a different reason:
    // …" above "Finished all rounds". What happened is said below the loop's end, as past.
    let ended = "Round 1: the refinement of the best prompt gave nothing to try in 3 attempts; the loop ended in this round (finished all rounds)";
    let (end, failure) = (text.find("Finished all rounds."), text.find(ended));
    assert!(
        end.is_some() && failure.is_some() && end < failure,
        "{text}"
    );
    assert!(!text.contains("failed for a different reason"), "{text}");
    b.wait_for_text("Name every owner explicitly.").await?;
    // A candidate's answers show their scores and checks, as Results does (helper-60: a loss
    // could not be explained without reading the diff).
    let shown = b
        .eval(
            "document.querySelectorAll('.pw-candidate details').forEach(d => d.open = true);              const lists = [...document.querySelectorAll('ul[aria-label^=\"Checks of candidate\"]')];              return [lists.length,                lists.filter(l => l.querySelector('.pw-verdict-row--bad')).length,                lists.filter(l => l.querySelector('.pw-verdict-row--ok')).length,                document.querySelector('.pw-candidate__answers')?.innerText.includes('Score ') ?? false]",
        )
        .await?;
    let shown: (u64, u64, u64, bool) = serde_json::from_value(shown)?;
    assert!(
        shown.0 > 0 && shown.1 > 0 && shown.2 > 0 && shown.3,
        "{shown:?}"
    );

    // The settings come back after a reload.
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.client.refresh().await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    assert_eq!(
        b.field("Rounds").await?.prop("value").await?.as_deref(),
        Some("1")
    );
    // Damaged kept settings: the part that reads is kept, the other falls back and is named.
    b.eval(
        r#"localStorage.setItem('pw.loop-settings', '{"rounds": "lots", "k": 3}'); return true"#,
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("Some saved settings of the loop could not be used")
        .await?;
    b.wait_for_text("The saved \u{201c}Rounds\u{201d} (\u{201c}lots\u{201d}) could not be used, so the default (3) is used.")
        .await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    assert_eq!(
        b.field("Rounds").await?.prop("value").await?.as_deref(),
        Some("3")
    );
    assert_eq!(
        b.field("Candidates per round")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("3")
    );
    b.close().await?;
    Ok(())
}

/// What each "<by> cut off <N> call(s)" sentence on `page` names as the cause ("The reload",
/// "Opening another draft", "Deleting this draft"); other uses of "cut off" (a check's label:
/// "Answers cut off at the token limit fail") are not such sentences.
fn cut_off_by(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in page.match_indices(" cut off ") {
        let after = &page[at + " cut off ".len()..];
        if !after.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let line_start = page[..at].rfind(['\n', '.']).map_or(0, |i| i + 1);
        out.push(page[line_start..at].trim().to_owned());
    }
    out
}

/// Waits for the loop to finish all rounds; when it waits for calls a reload cut off to be
/// approved on top of the budget, presses Retry. Returns the calls Retry added.
async fn run_to_end(b: &Browser) -> anyhow::Result<u32> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut extra = 0;
    loop {
        let text = improve_text(b).await?;
        if text.contains("Finished all rounds.") {
            return Ok(extra);
        }
        anyhow::ensure!(
            !text.contains("Stopped at the approved budget."),
            "the loop ended at the budget:\n{text}"
        );
        let retry = b
            .eval("const b = Array.from(document.querySelectorAll('.pw-progress button')).find(b => b.textContent.startsWith('Retry (up to ') && !b.disabled); if (!b) return ''; b.click(); return b.textContent")
            .await?;
        if let Some(n) = retry
            .as_str()
            .and_then(|t| t.strip_prefix("Retry (up to "))
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
        {
            extra += n;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        anyhow::ensure!(Instant::now() < deadline, "the loop did not end:\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The calls the Improve card says were used ("… 6 of 6 calls used · …" gives 6).
async fn calls_used(b: &Browser) -> anyhow::Result<u32> {
    // After a reload the banner says the count before the cards below the prompt (a chunk of
    // their own) are drawn: the Improve card's line is waited for (CI, session 45).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = b
            .eval("return document.querySelector('.pw-card--improve .pw-progress__text')?.textContent ?? ''")
            .await?;
        let text = text.as_str().unwrap_or("");
        let used = text
            .split(" calls used")
            .next()
            .and_then(|t| t.rsplit(" of ").nth(1))
            .and_then(|t| t.rsplit(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok());
        match used {
            Some(n) => return Ok(n),
            None if Instant::now() > deadline => anyhow::bail!("no calls used in {text:?}"),
            None => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Clicks the first button whose text starts with `start`, waiting for it; returns its text.
async fn click_button_starting(b: &Browser, start: &str) -> anyhow::Result<String> {
    let find = format!(
        "Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith({}) && !b.disabled)",
        serde_json::to_string(start)?
    );
    b.wait_until(&format!("return !!{find}"), start).await?;
    let text = b
        .eval(&format!(
            "const b = {find}; b.click(); return b.textContent"
        ))
        .await?;
    Ok(text.as_str().unwrap_or("").to_owned())
}

/// A key for the fake provider, version 1 at LEVEL0, and training cases A and B.
async fn key_and_two_cases(b: &Browser, key: &str) -> anyhow::Result<()> {
    let s = SettingsPage::open(b).await?;
    s.key(key).await?;
    s.close().await?;
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    for (n, letter) in ["A", "B"].iter().enumerate() {
        CasesPage::new(b)
            .add(
                n as u32 + 1,
                &format!("Notes {letter}: someone owns task {letter}."),
                Some(&format!("owner-{letter}")),
            )
            .await?;
    }
    Ok(())
}

/// The Improve panel open with the loop set to one round of one candidate.
async fn one_round_one_candidate(b: &Browser) -> anyhow::Result<()> {
    open_improve(b).await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    for field in ["Rounds", "Candidates per round"] {
        b.field(field)
            .await?
            .type_text(&format!("{SELECT_ALL}1{TAB}"))
            .await?;
    }
    Ok(())
}

// Review of session 15: a loop call still waiting for a place at its host (behind a run's case,
// "At once" 1) was kept in the draft as reserved, and the next load charged it as "cut off by a
// reload" although it never went out. Only calls that were sent are charged now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_charges_only_the_loop_calls_that_were_sent() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    key_and_two_cases(&b, "sk-loop-key-123").await?;
    script_levels(&fake);
    one_round_one_candidate(&b).await?;
    CasesPage::new(&b).set_at_once(1).await?;
    // Each answer takes about 2 s: the run's first case holds the host's one place.
    fake.set_timing(0, 400, 2);
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…'",
        "case 1 to be answering",
    )
    .await?;
    click_button_starting(&b, "Start: up to 5 calls").await?;
    wait_text_long(&b, "Round 0", 10).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.chat_requests().len(),
        1,
        "only the run's first case went out: the loop's call waits for the place"
    );
    b.client.refresh().await?;
    wait_text_long(&b, "The optimization was interrupted.", 20).await?;
    wait_text_long(&b, "is not in this tab (a reload forgot it)", 5).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let text = improve_text(&b).await?;
    // (The page's words for calls a reload cut off: "The reload cut off 1 call: …", "Paused: 1
    // cut off (by a reload, …)".)
    assert!(
        !text.contains("reload cut off") && !text.contains("cut off (by a reload"),
        "{text}"
    );
    assert_eq!(calls_used(&b).await?, 0, "{text}");
    assert_eq!(fake.chat_requests().len(), 1, "nothing more went out");
    b.close().await?;
    Ok(())
}

// Tryout: Rounds 1, Candidates 1, two training cases; the tab reloaded while the meta model's
// request for candidates was in flight (the provider had seen it). The paused page said one call
// fewer than had gone out, and Resume ended the loop at once: "Stopped at the approved budget. No
// candidates were written." with calls left, the scoring already paid for wasted. Now the paused
// page counts the lost call; Resume asks again within the budget, and when the last call no
// longer fits the page offers it on top (Retry, up to 1 more call), and the loop finishes. The page's counts are the requests the
// provider saw, within the promised calls and the one approved on top.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_the_candidates_are_asked_for_counts_the_call_and_resume_finishes()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let key = "sk-loop-key-123";
    key_and_two_cases(&b, key).await?;
    // The request for candidates gets a prompt one level up (it passes both cases); the first
    // one stalls: the reload cuts it off. (Proposal rules before `script_levels`: proposal
    // requests quote the prompts.)
    let asks = "The current best prompt (score";
    let mut up = spec("You are LEVEL1, a meticulous meeting analyst.", CONTEXT);
    up["style"] = json!("add-constraint");
    up["rationale"] = json!("Name every owner explicitly.");
    fake.reply_when(asks, &json!({"candidates": [up]}).to_string());
    fake.fault_when(asks, Fault::Stall { after_chunks: 0 }, 1);
    script_levels(&fake);
    one_round_one_candidate(&b).await?;
    let start = click_button_starting(&b, "Start: up to 5 calls").await?;
    let promised = 5;
    // The request for candidates has reached the provider (the 3rd call): reload.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fake.chat_requests().iter().any(|r| r.body.contains(asks)) {
        anyhow::ensure!(
            Instant::now() < deadline,
            "no request for candidates ({start})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let sent = fake.chat_requests().len();
    assert_eq!(sent, 3, "two answers, then the request for candidates");
    b.client.refresh().await?;
    wait_text_long(&b, "The optimization was interrupted.", 20).await?;
    wait_text_long(&b, "is not in this tab (a reload forgot it)", 5).await?;
    // The paused page counts the call the reload cut off: it went out, so it may be billed.
    wait_text_long(&b, &format!("{sent} of {promised} calls used"), 10).await?;
    assert_eq!(calls_used(&b).await?, sent as u32);
    assert_eq!(fake.chat_requests().len(), sent, "nothing sent while held");
    // The key back: the request is asked again within what is left of the budget (one pool);
    // at the end the loop is one call short, waits, and says why, offering that call on top.
    let s = SettingsPage::open(&b).await?;
    s.key(key).await?;
    s.close().await?;
    b.button("Resume the loop").await?.click().await?;
    wait_text_long(
        &b,
        "1 call cut off (by a reload, by opening another draft or by deleting this one) or failed after reaching the provider is counted as used",
        30,
    )
    .await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("Stopped at the approved budget"), "{text}");
    click_button_starting(&b, "Retry (up to 1 more call)").await?;
    wait_text_long(&b, "Finished all rounds.", 60).await?;
    let text = improve_text(&b).await?;
    // Said in Improve, it points below (tryout 120: "under Improve", read in Improve).
    assert!(text.contains("See the 1 candidate below."), "{text}");
    assert!(!text.contains("under Improve"), "{text}");
    // The loop asked for candidates again and scored the one it got: every request the provider
    // saw is on the page, within the promised calls and the one approved on top.
    let seen = fake.chat_requests().len();
    assert_eq!(
        seen,
        sent + 1 + 2,
        "the request again, then the candidate's two answers"
    );
    assert_eq!(calls_used(&b).await?, seen as u32, "{text}");
    // Tryout 17, 10: the call approved on top is shown apart from the budget approved at Start.
    assert!(
        text.contains(&format!(
            "{seen} of {} calls used ({promised} approved at Start, 1 approved since)",
            promised + 1
        )),
        "{text}"
    );
    b.wait_for_text("Name every owner explicitly.").await?;
    b.close().await?;
    Ok(())
}

/// The LEVEL1 prompt, cases A and B (each passing when its answer names its owner) and the
/// judge rubric "Every item names its owner." for every case.
async fn level_one_with_two_judged_cases(b: &Browser) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL1, a meeting analyst.").await?;
    for (n, letter) in ["A", "B"].iter().enumerate() {
        CasesPage::new(b)
            .add(
                n as u32 + 1,
                &format!("Notes {letter}: someone owns task {letter}."),
                Some(&format!("owner-{letter}")),
            )
            .await?;
    }
    CasesPage::new(b)
        .add_rubric(1, "Every item names its owner.")
        .await
}

// Tryout 92: with every judge reply unreadable, the starting prompt's card read "best so far"
// with no figure and no word why, its case #1 "Score 0 / 100 · did not pass" though its judge
// had failed, and (tryout 91) the chart drew the round at 0. The card says no case could be
// scored, each answer says it is left out, and the chart draws no point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_whose_judge_never_answers_says_no_score_not_zero() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    level_one_with_two_judged_cases(&b).await?;
    // Every judge request gets a reply with no score.
    fake.reply_when("## Reference answer", "I cannot grade this.");
    let asks = "The current best prompt (score";
    let mut up = spec("You are LEVEL2, a meticulous meeting analyst.", CONTEXT);
    up["style"] = json!("add-constraint");
    up["rationale"] = json!("Name every owner explicitly.");
    fake.reply_when(asks, &json!({"candidates": [up]}).to_string());
    script_levels(&fake);
    one_round_one_candidate(&b).await?;
    click_button_starting(&b, "Start: up to").await?;
    wait_text_long(&b, "Finished all rounds.", 60).await?;
    let text = improve_text(&b).await?;
    assert!(
        text.contains("no score: every training case was left out (its answers say why)")
            && text.contains("Training: no score"),
        "{text}"
    );
    let answers = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate__answers')).map(e => e.textContent).join(' | ')")
        .await?;
    let answers = answers.as_str().unwrap_or("");
    assert!(
        answers.contains(": this case is left out of the candidate's score.")
            && !answers.contains("did not pass"),
        "{answers}"
    );
    let dots = b
        .eval("return document.querySelectorAll('.pw-chart__dot--train').length")
        .await?;
    assert_eq!(dots, json!(0), "no point drawn for rounds with no score");
    // Tryout 110: with the rubric gone, the stored answers are scored by the cases' own checks.
    // The card kept "no score" while *Start again* counted the candidate as scored (and, the
    // other way, a card kept a score that the question no longer counted): both read the
    // checks as they are now.
    b.click_button("Remove check: Judge with a rubric").await?;
    b.wait_until(
        "const t = document.querySelector('.pw-card--improve')?.innerText ?? ''; return !t.includes('Training: no score') && t.includes('Training 100')",
        "the candidate's card to score its answers by the checks left",
    )
    .await?;
    click_button_starting(&b, "Start again: up to").await?;
    b.wait_for_text("1 candidate you have not accepted (candidate 1)")
        .await?;
    // A rubric added after the loop has no verdict on the stored answers: not "the loop ended
    // first", and not a score.
    b.click_button("Keep them").await?;
    CasesPage::new(&b)
        .add_rubric(1, "Names every owner.")
        .await?;
    b.wait_until(
        "const t = document.querySelector('.pw-card--improve')?.innerText ?? ''; return t.includes(\"Training: no score, a judge's verdict on its answers is missing\") && !t.includes('Training 100')",
        "the candidate's card to say a verdict is missing",
    )
    .await?;
    // Tryout 112: that candidate lost its Accept, and Start again replaced it without asking.
    b.button("Accept as the current version").await?;
    click_button_starting(&b, "Start again: up to").await?;
    b.wait_for_text("1 candidate you have not accepted (candidate 1)")
        .await?;
    b.close().await?;
    Ok(())
}

// Tryout: a finished loop's candidate card read "Training 95 (parent 98, -2)" (95 - 98 is -3),
// "0 wins, 0 losses, 1 tie" with two training cases and no word about the other (its judge had
// failed for the candidate), and "kept (the best on some case)" though it won no case, being only
// tied for the best. Scripted the same: the parent scores 95 on case 1 and 100 on case 2 (97.5),
// the candidate 95 on case 1 and its judge fails on case 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_card_adds_up_names_the_case_left_out_and_a_tie_is_not_a_win()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    level_one_with_two_judged_cases(&b).await?;
    // Judge requests only: the case's input is followed by the reference answer's heading (the
    // body is JSON, so the newlines are written `\n`).
    let judged = |letter: &str| format!(r"task {letter}.\n\n## Reference answer");
    let grade = |score: u8| json!({"reasoning": "Fine answer.", "score": score}).to_string();
    fake.reply_when(&judged("A"), &grade(9));
    fake.reply_when(&judged("B"), &grade(10));
    let asks = "The current best prompt (score";
    let mut up = spec("You are LEVEL2, a meticulous meeting analyst.", CONTEXT);
    up["style"] = json!("add-constraint");
    up["rationale"] = json!("Name every owner explicitly.");
    fake.reply_when(asks, &json!({"candidates": [up]}).to_string());
    script_levels(&fake);
    // A run of version 1 first: the loop's figure for it is set beside this one.
    b.button("Run all 2 cases").await?.click().await?;
    b.wait_for_text("Score 98 / 100").await?;
    fake.set_timing(150, 0, 4096);
    one_round_one_candidate(&b).await?;
    click_button_starting(&b, "Start: up to 9 calls").await?;
    // Once the starting prompt is scored (the candidates are asked for), the judge fails on the
    // candidate's case 2.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fake.chat_requests().iter().any(|r| r.body.contains(asks)) {
        anyhow::ensure!(Instant::now() < deadline, "no request for candidates");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fake.fault_when(
        &judged("B"),
        Fault::status(400, "The grader is not available."),
        3,
    );
    wait_text_long(&b, "Finished all rounds.", 60).await?;
    let card = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate')).find(c => c.textContent.includes('candidate 1'))?.innerText ?? ''")
        .await?;
    let card = card.as_str().unwrap_or("").to_owned();
    // Tryout 86: over other cases (case #2 is left out for this candidate), no change is said
    // between the two means.
    assert!(
        card.contains("Training 95 (parent 98, over other cases: not compared, see below)"),
        "{card}"
    );
    assert!(
        card.contains("Against its parent: 0 wins, 0 losses, 1 tie. Case #2 is not counted: for this candidate, the judge could not grade the answer (The judge call failed:"),
        "{card}"
    );
    assert!(
        card.contains("kept (tied for the best on case #1; the best alone on none)"),
        "{card}"
    );
    assert!(!card.contains("kept (the best on"), "{card}");
    // Tryout 9 (M5): the loop's figure for the starting prompt differed from the last run's
    // with no word why. Its card sets the two side by side and says why they can differ.
    let start = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate')).find(c => c.querySelector('.pw-candidate__title')?.textContent === 'Your prompt (version 1)')?.innerText ?? ''")
        .await?;
    let start = start.as_str().unwrap_or("");
    assert!(
        start.contains("Your last run of version 1 scored 98 on these 2 training cases (on the execution model). The loop asked for new answers and judged them again"),
        "{start}"
    );
    // Tryout 119 (F5): "best so far" on so few cases was said only before Start.
    assert!(
        start.contains("best so far, on two training cases only"),
        "{start}"
    );

    // Tryout 9: the loop's toast came back each time its draft was opened again.
    b.wait_for_text("Optimization: Finished all rounds.")
        .await?;
    b.eval(
        "document.querySelectorAll('.pw-toasts__item button').forEach(x => x.click()); return true",
    )
    .await?;
    // Tryout 10: Accept on a candidate built on version 1 made it current over hand edits made
    // since, without a word. It asks first, naming the sections; "Keep my version" keeps them.
    b.field("Context")
        .await?
        .type_text(" Hand edit after the loop.")
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    b.button("Accept candidate 1 as the current version")
        .await?
        .click()
        .await?;
    b.wait_for_text("This candidate is built on version 1; your current version 2 has changes since that it does not contain (Context). Accepting makes the candidate the current version; version 2 stays under Versions.")
        .await?;
    b.wait_until(
        "return document.activeElement?.textContent === 'Keep my version'",
        "the focus on Keep my version",
    )
    .await?;
    b.button("Keep my version").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        b.eval("return Array.from(document.querySelectorAll('.pw-versions__num')).some(e => e.textContent === 'v3')")
            .await?,
        json!(false),
        "no version made"
    );
    assert!(
        PromptPage::new(&b)
            .section("Context")
            .await?
            .contains("Hand edit after the loop.")
    );
    b.button("Accept candidate 1 as the current version")
        .await?
        .click()
        .await?;
    b.button("Accept anyway").await?.click().await?;
    PromptPage::new(&b).wait_version(3).await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("LEVEL2")
    );

    DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    DraftsPage::open(&b).await?.wait_count(2).await?;
    b.eval(
        "Array.from(document.querySelectorAll('.pw-draft-list__open')).find(x => !x.hasAttribute('aria-current')).click(); return true",
    )
    .await?;
    wait_text_long(&b, "Finished all rounds.", 10).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let toasts = b
        .eval("return Array.from(document.querySelectorAll('.pw-toasts__item')).map(t => t.textContent).join(' | ')")
        .await?;
    assert!(
        !toasts.as_str().unwrap_or("").contains("Optimization:"),
        "an old loop's end was announced again: {toasts}"
    );
    b.close().await?;
    Ok(())
}

/// Opens Compare models and adds comparison model 1: an OpenAI-compatible server at `url`
/// serving `model`; returns its label as the page gives it.
async fn add_comparison_model(b: &Browser, url: &str, model: &str) -> anyhow::Result<String> {
    b.wait_for_text("Compare models").await?.click().await?;
    b.button("Add a model to compare").await?.click().await?;
    b.field("Provider of comparison model 1")
        .await?
        .select_by_label("OpenAI-compatible server")
        .await?;
    let s = SettingsPage { b };
    s.fill("Address of comparison model 1", url).await?;
    s.fill("Model of comparison model 1", model).await?;
    let port = url
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_default();
    let label = format!("OpenAI-compatible server {model} at 127.0.0.1:{port}");
    b.wait_for_text(&format!("Comparison model 1: {label}"))
        .await?;
    Ok(label)
}

/// Opens Improve and its "Settings of the loop", down to "Models to optimize for".
async fn open_loop_models(b: &Browser) -> anyhow::Result<()> {
    open_improve(b).await?;
    b.wait_for_text("Settings of the loop")
        .await?
        .click()
        .await?;
    b.wait_for_text("Models to optimize for").await?;
    Ok(())
}

// Tryout 91: a comparison model at a wrong address paused the loop with "Fix that in Settings"
// (comparison models are under Compare models); mended there, Resume called the old address
// again, and the Start form had dropped the model's tick with no word. The pause says where and
// that a changed address needs a new loop; Resume sends nothing to the old address and says
// why; the tick follows the mended row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comparison_model_mended_under_compare_models_is_not_called_at_its_old_address()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    let other = FakeProvider::start().await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_proposals(&fake, 1);
    script_levels(&fake);
    other.add_model("m-b");
    // Host B answers the wrong path with "no such model" (as a server behind another route).
    other.fault_when(
        "LEVEL",
        Fault::status(404, "The model `m-b` does not exist"),
        100,
    );
    let wrong = format!("{}/wrong", other.openai_url());
    let label_b = add_comparison_model(&b, &wrong, "m-b").await?;
    let s = SettingsPage { b: &b };
    open_loop_models(&b).await?;
    s.fill("Rounds", "1").await?;
    let tick = format!(
        "const l = Array.from(document.querySelectorAll('.pw-loop-models label')).find(l => l.textContent === {}); return l?.querySelector('input')?.checked ?? null",
        serde_json::to_string(&format!("Also score on {label_b}"))?
    );
    b.eval(&tick.replace(
        "return l?.querySelector('input')?.checked ?? null",
        "l.querySelector('input').click(); return true",
    ))
    .await?;
    b.wait_until(
        &format!("{{ {tick} }}").replace("return l?", "return !!l?"),
        "the tick",
    )
    .await?;
    click_button_starting(&b, "Start: up to").await?;
    wait_text_long(
        &b,
        "a model or address changed in the model's row under Compare models is not one the loop started with, and its scores compare only on those: that needs a new loop (Cancel optimization, then Start).",
        30,
    )
    .await?;
    let text = improve_text(&b).await?;
    assert!(!text.contains("Fix that in Settings"), "{text}");
    let at_b = other.chat_requests().len();
    assert!(at_b > 0, "the wrong address was called");
    // Mended under Compare models; Resume sends nothing to the old address, and says why.
    s.fill("Address of comparison model 1", &other.openai_url())
        .await?;
    b.button("Resume").await?.click().await?;
    // Tryout 92: the label names the host only; the note names both addresses.
    wait_text_long(
        &b,
        &format!(
            " at the address {wrong}; under Compare models its address is {} now. Its scores compare only on the models it started with, so it does not go on at another address: start a new loop (Cancel optimization, then Start), or set that address back to go on.",
            other.openai_url()
        ),
        15,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(other.chat_requests().len(), at_b, "nothing more sent to B");
    // A new loop: the mended model is still ticked (the tick follows its row).
    b.button("Cancel optimization").await?.click().await?;
    wait_text_long(&b, "Cancelled.", 15).await?;
    assert_eq!(
        b.eval(&tick).await?,
        json!(true),
        "the tick followed the row"
    );
    let budget = b
        .eval("return document.querySelector('.pw-budget').textContent")
        .await?;
    assert!(
        budget.as_str().unwrap_or("").contains("each on 2 models"),
        "{budget}"
    );
    b.close().await?;
    Ok(())
}

// Issue 14, item 3: optimize for the models the person will use. Candidates are scored on the
// execution model (host A) and on a comparison model (host B, an OpenAI-compatible server),
// selected on the worst model: round 2's LEVEL2 prompt climbs on A (75) but breaks on B (25),
// so LEVEL1, which holds on both (50 and 50), stays the best; the budget shown before Start
// covers both models, B gets only answers (never the meta model's requests), as many as A.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_optimizes_across_two_models_on_the_worst_one() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    let other = FakeProvider::start().await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    script_proposals(&fake, 2);
    script_levels(&fake);
    // Host B's model: as good as A's up to LEVEL1, lost with the longer LEVEL2 prompt.
    other.reply_when("LEVEL2", "- owner-A");
    other.reply_when("LEVEL1", "- owner-A\n- owner-B");
    other.reply_when("LEVEL0", "- owner-A");
    other.add_model("m-b");
    // A run of version 1 on the execution model first: the starting prompt's card sets it
    // beside the loop's figure over two models (tryout 10: an untrue comparison there).
    b.button("Run all 5 cases").await?.click().await?;
    b.wait_for_text("5 of 5 done").await?;

    let label_b = add_comparison_model(&b, &other.openai_url(), "m-b").await?;
    let s = SettingsPage { b: &b };
    let label_a = format!(
        "OpenAI-compatible server fake-large at 127.0.0.1:{}",
        fake.addr.port()
    );

    open_loop_models(&b).await?;
    s.fill("Rounds", "2").await?;
    // On two models every answer is asked of both: the budget has a row for each.
    b.eval(&format!(
        "const l = Array.from(document.querySelectorAll('.pw-loop-models label')).find(l => l.textContent === {}); l.querySelector('input').click(); return true",
        serde_json::to_string(&format!("Also score on {label_b}"))?
    ))
    .await?;
    b.wait_for_text("Score a case by its worst model")
        .await?
        .click()
        .await?;
    // Tryout 11 (M2): a reload kept the loop's rounds and dropped these two choices.
    b.client.refresh().await?;
    b.wait_for_role_name("heading", "Promptwright").await?;
    open_loop_models(&b).await?;
    let kept = b
        .eval(&format!(
            "const l = Array.from(document.querySelectorAll('.pw-loop-models label')).find(l => l.textContent === {}); \
             const w = Array.from(document.querySelectorAll('label')).find(l => l.textContent.includes('Score a case by its worst model')); \
             return [l?.querySelector('input')?.checked ?? null, (w?.control ?? w?.querySelector('input'))?.checked ?? null]",
            serde_json::to_string(&format!("Also score on {label_b}"))?
        ))
        .await?;
    assert_eq!(
        kept,
        json!([true, true]),
        "the models to optimize for after a reload"
    );
    let budget = b
        .eval("return document.querySelector('.pw-budget').textContent")
        .await?;
    let budget = budget.as_str().unwrap_or("").to_owned();
    let calls_to = |name: &str| -> Option<u32> {
        budget
            .split(&format!("{name}: "))
            .nth(1)?
            .split(' ')
            .next()?
            .parse()
            .ok()
    };
    let exec_a = budget
        .split("Execution model (")
        .nth(1)
        .and_then(|r| r.split("): ").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse::<u32>().ok());
    let exec_b = calls_to(&label_b);
    assert!(
        exec_a.is_some() && exec_a == exec_b && budget.contains("each on 2 models"),
        "{budget}"
    );
    // Tryout 11 (m6): "each on 2 models" follows the cases, not the advice on held-out cases.
    assert!(
        !budget.contains("overfitting, each on")
            && (budget.contains("per round, each on 2 models")
                || budget.contains("held-out, each on 2 models")),
        "{budget}"
    );
    let before = (fake.chat_requests().len(), other.chat_requests().len());
    click_button_starting(&b, "Start: up to").await?;
    wait_text_long(&b, "Finished all rounds.", 90).await?;

    // Host B answered every case of every candidate, as host A did, and nothing else.
    let answers_on = |f: &FakeProvider, skip: usize| {
        f.chat_requests()[skip..]
            .iter()
            .filter(|r| !r.body.contains("\"candidates\""))
            .count()
    };
    let on_b = other.chat_requests().len() - before.1;
    assert!(on_b > 0);
    assert_eq!(
        answers_on(&other, before.1),
        on_b,
        "host B got a meta request"
    );
    assert_eq!(
        answers_on(&fake, before.0),
        on_b,
        "A and B answered different cases"
    );
    assert!(
        on_b as u32 <= exec_b.unwrap_or(0),
        "{on_b} answers on B, {exec_b:?} approved"
    );

    // The worst model decides: LEVEL1 holds on both and stays the best; LEVEL2's card shows
    // why it lost.
    b.wait_for_text("Scored on 2 models (each case scores its worst model).")
        .await?;
    let (_, title) = best_candidate(&b).await?;
    assert!(title.starts_with("Round 1 · candidate "), "{title}");
    let cards = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate')).map(c => c.textContent).join('\\n')")
        .await?;
    let cards = cards.as_str().unwrap_or("");
    assert!(
        cards.contains(&format!(
            "Training on each model: {label_a} 75 · {label_b} 25"
        )),
        "{cards}"
    );
    assert!(
        cards.contains(&format!(
            "Training on each model: {label_a} 50 · {label_b} 50"
        )),
        "{cards}"
    );
    // LEVEL2 is kept all the same: it alone passes case #3 on the execution model (the front
    // is over models x cases), and its card says so.
    assert!(
        cards.contains(&format!("kept (the best on case #3 on {label_a})")),
        "{cards}"
    );
    // B's answers can be read on the cards.
    assert!(
        cards.contains("Its answers on the other models (5)")
            && cards.contains(&format!("Case #2 on {label_b}")),
        "{cards}"
    );
    // Tryout 11 (M4): a long "kept (…)" status pushed the page sideways.
    assert_eq!(
        b.eval("const e = document.documentElement; return e.scrollWidth > e.clientWidth + 1")
            .await?,
        false,
        "the page scrolls sideways"
    );
    // The starting prompt's card: the run was on the execution model alone, the loop's figure
    // is of both models, and its execution-model figure is the one on the card's own line.
    let start = b
        .eval("return Array.from(document.querySelectorAll('.pw-candidate')).find(c => c.querySelector('.pw-candidate__title')?.textContent === 'Your prompt (version 1)')?.innerText ?? ''")
        .await?;
    let start = start.as_str().unwrap_or("");
    let on_a: String = start
        .split(&format!("Training on each model: {label_a} "))
        .nth(1)
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!on_a.is_empty(), "{start}");
    assert!(
        start.contains("Your last run of version 1 scored ")
            && start.contains(" on these 4 training cases (on the execution model). The loop's figure is of 2 models (each case's worst model); on the execution model alone it is ")
            && start.contains(&format!("on the execution model alone it is {on_a}. The loop asked for new answers and ")),
        "{start}"
    );
    b.screenshot_at(
        ".pw-card--improve .pw-evidence",
        "optimizer-two-models-1280-light",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Review (session 15): Stop on a Reflexion whose final answer was being judged left the row
/// reading "Reflecting…" with nothing under way, no Retry and no verdict; then (tryout 13) it
/// read as the judge's error. The stop is said, and Retry only judges the final answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_reflection_while_its_final_is_judged_ends_it_and_says_so() -> anyhow::Result<()>
{
    const JUDGE_MARK: &str = "strict, fair grader";
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    CasesPage::new(&b)
        .add(1, "Notes B: Bob owns task B.", None)
        .await?;
    // Two rubrics: the stop comes during the first one's judge call, the second is not asked.
    CasesPage::new(&b)
        .add_rubric(1, "Names the owner of every task.")
        .await?;
    CasesPage::new(&b)
        .add_rubric(2, "Keeps to the notes.")
        .await?;
    fake.reply_when(JUDGE_MARK, r#"{"reasoning":"Owner named.","score":6}"#);
    fake.reply_when("Be harsh", "1. The owner of task B is missing.");
    fake.reply_when("A harsh review of that draft found", "- owner-B: task B");
    script_levels(&fake);
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "const v = document.querySelector('.pw-result .pw-verdict')?.textContent; return v === 'pass' || v === 'fail'",
        "the draft to be judged",
    )
    .await?;
    // The final answer's judge call hangs until stopped.
    fake.fault_when(JUDGE_MARK, Fault::Hang, 1);
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_until(
        "const c = document.querySelectorAll('.pw-reflection__col'); return c.length === 3 && c[2].textContent.includes('owner-B: task B') && !!document.querySelector('[aria-label=\"Stop reflecting on case #1\"]')",
        "the final answer, judged now",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.button("Stop reflecting on case #1")
        .await?
        .click()
        .await?;
    // Tryout 13: it read "Judge error" for the person's Stop. The stop is said, with Retry.
    b.wait_for_text("You stopped the judging of the final answer: press Retry to have it judged.")
        .await?;
    let verdict = b
        .eval("return document.querySelector('.pw-reflection__verdict')?.textContent ?? ''")
        .await?;
    assert!(
        !verdict.as_str().unwrap_or("").contains("Reflecting"),
        "{verdict}"
    );
    assert!(
        !b.eval("return document.querySelector('.pw-reflection').innerText")
            .await?
            .as_str()
            .unwrap_or("")
            .contains("Judge error"),
        "the stop is not the judge's error"
    );
    // The second rubric's judge call was never sent.
    let finals_judged = || {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains(JUDGE_MARK) && r.body.contains("owner-B: task B"))
            .count()
    };
    assert_eq!(finals_judged(), 1, "only the stopped judge call went out");
    // Retry only judges the final answer: no critique, no final asked again.
    let before = fake.chat_requests().len();
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_until(
        "const v = document.querySelector('.pw-reflection__verdict')?.textContent ?? ''; return v.startsWith('Reflection') || v.startsWith('No change')",
        "the final answer judged",
    )
    .await?;
    assert_eq!(finals_judged(), 3, "the two rubrics judged on the final");
    assert_eq!(
        fake.chat_requests().len(),
        before + 2,
        "only the two judge calls"
    );
    b.close().await?;
    Ok(())
}

/// Helper-58: a reload while Reflexion ran said "The critique failed: The connection to … closed
/// before the reply was finished", blaming the provider for the page's own reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflection_cut_by_a_reload_says_so() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    reflect_slowly(
        &fake,
        &b,
        "1. The owner of task B is missing: name owner-B.",
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text(
        "Stopped when the page was reloaded or closed: press Retry to reflect on this answer again.",
    )
    .await?;
    let page = b.eval("return document.body.innerText").await?;
    assert!(
        !page.as_str().unwrap_or("").contains("The critique failed"),
        "{page}"
    );
    b.close().await?;
    Ok(())
}

// Tryout 68: a reload while the final answer was being written, after the critique had
// arrived, made Retry pay for the critique again. It is kept: Retry asks for the final alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflection_cut_after_its_critique_keeps_it_on_retry() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    CasesPage::new(&b)
        .add(1, "Notes B: Bob owns task B.", Some("owner-B"))
        .await?;
    fake.reply_when("Be harsh", "Name owner-B.");
    // A final answer long enough to be under way at the reload (4 characters each 0.4 s).
    fake.reply_when(
        "A harsh review of that draft found",
        "- owner-B: task B, due Friday, with the notes of the meeting attached",
    );
    script_levels(&fake);
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result .pw-verdict')?.textContent === 'fail'",
        "the draft to fail",
    )
    .await?;
    fake.set_timing(0, 400, 4);
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("Name owner-B.").await?;
    let critiques = |fake: &FakeProvider| {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains("Be harsh"))
            .count()
    };
    let finals = |fake: &FakeProvider| {
        fake.chat_requests()
            .iter()
            .filter(|r| r.body.contains("A harsh review of that draft found"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while finals(&fake) == 0 {
        anyhow::ensure!(Instant::now() < deadline, "the final answer was not asked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.client.refresh().await?;
    b.wait_for_text(
        "Stopped after the critique, when the page was reloaded or closed: press Retry to have the final answer written.",
    )
    .await?;
    b.wait_for_text("Name owner-B.").await?;
    fake.set_timing(0, 5, 32);
    let before = (critiques(&fake), finals(&fake));
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text("with the notes of the meeting attached")
        .await?;
    assert_eq!(
        (critiques(&fake), finals(&fake)),
        (before.0, before.1 + 1),
        "Retry asks for the final answer alone"
    );
    b.close().await?;
    Ok(())
}

/// A prompt and case #1 (a check for "owner-B") run, then Reflexion on it asked with a critique
/// (`critique`) that takes about 6 s to arrive; returns 0.8 s after the press, the critique under
/// way.
async fn reflect_slowly(
    fake: &FakeProvider,
    b: &pw_harness::browser::Browser,
    critique: &str,
) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    CasesPage::new(b)
        .add(1, "Notes B: Bob owns task B.", Some("owner-B"))
        .await?;
    run_case_one_to_reflect(fake, b, critique).await?;
    fake.set_timing(0, 400, 4);
    b.button("Reflect on case #1").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    Ok(())
}

// Helper-53 (reading the code): a reflection under way when another draft opened went on writing
// into the case with the same number there (a copy of the draft has the same cases). Opening
// another draft stops it, says so in its own draft with Retry, and nothing reaches the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflection_stops_with_its_draft_when_another_opens() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    reflect_slowly(
        &fake,
        &b,
        "1. The owner of task B is missing: name owner-B. LATE-CRITIQUE.",
    )
    .await?;
    pw_harness::pages::DraftsPage::open(&b).await?;
    b.eval(
        "document.querySelector('.pw-draft-list [aria-label^=\"Duplicate \"]').click(); return 1",
    )
    .await?;
    let d = pw_harness::pages::DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.wait_until(
        "return document.querySelector('.pw-draft-list__item [aria-current]')?.closest('.pw-draft-list__item')?.textContent.includes('(copy)')",
        "the copy open",
    )
    .await?;
    b.eval("document.querySelector('[aria-label=\"Close drafts\"]')?.click(); return 1")
        .await?;
    // The copy says where its reflection stopped (helper-54: it said "another draft was
    // opened", which never happened to the copy); the first draft says that.
    let stopped =
        "Stopped when another draft was opened: press Retry to reflect on this answer again.";
    let in_the_copy = "Stopped in the draft this was copied from, before the copy was made: press Retry to reflect on this answer again.";
    b.wait_for_text(in_the_copy).await?;
    // Past the time the critique takes: it reached neither draft.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(!page.contains("LATE-CRITIQUE"), "{page}");
    assert!(
        page.contains(in_the_copy) && !page.contains(stopped),
        "{page}"
    );
    // The first draft says another draft was opened, and its Retry reflects there.
    pw_harness::pages::DraftsPage::open_other(&b).await?;
    b.wait_for_text(stopped).await?;
    fake.set_timing(0, 0, 64);
    b.button("Retry Reflexion on case #1")
        .await?
        .click()
        .await?;
    b.wait_for_text("LATE-CRITIQUE").await?;

    // A prompt critique under way when the copy opens: it was of this draft's prompt, and is
    // offered in neither (its weaknesses could rewrite the copy's sections).
    fake.reply_next_when(
        "You review a system prompt",
        &json!({"weaknesses": [
            {"kind": "missing-constraint", "section": "context", "problem": "LATE-WEAKNESS: empty notes.", "fix": "Ask for them."}
        ]})
        .to_string(),
        1,
    );
    // About 5 s for the critique (its JSON is ~150 characters).
    fake.set_timing(0, 200, 6);
    b.button("Critique this prompt").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    pw_harness::pages::DraftsPage::open_other(&b).await?;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(!page.contains("LATE-WEAKNESS"), "{page}");
    // Helper-55: the stopped call's end showed "You stopped the request" in the other draft.
    assert!(!page.contains("You stopped the request"), "{page}");
    b.close().await?;
    Ok(())
}

// Tryout 80: the loop scored a provider's refusal as a failed call, 0 on every check, where
// Results checked the refusal's words (and passed the same answers). The starting prompt's
// answer to case A is refused with words that name owner-A: its check passes, so that prompt
// (which answers only owner-A) scores 25 on the four training cases, not 0. (Once: the meta
// model's requests hold case A's notes too.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_scores_a_refusal_on_its_words_as_results_does() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    fake.fault_when(
        "Notes A: someone owns task A.",
        Fault::Refusal {
            explanation: "I cannot say more about owner-A here.".into(),
        },
        1,
    );
    b.button("Start: up to 38 calls").await?.click().await?;
    run_to_end(&b).await?;
    let text = improve_text(&b).await?;
    // Round 1's candidates are set against their parent, the starting prompt: 25.
    assert!(
        text.contains("Training 50 · held-out 0 (parent 25, +25)"),
        "the refused case A is scored on its words:\n{text}"
    );
    b.close().await?;
    Ok(())
}

// The loop's progress panel is drawn from the loop's state at every step and every second of
// its clock (an earlier session's notes feared it was rebuilt, taking a keyboard user's focus
// off Pause). Checked in session 38: the panel is updated in place, the focus stays on Pause,
// and Enter pauses the loop. This keeps it so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_keeps_the_keyboard_focus_while_the_loop_runs() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    fake.set_timing(800, 5, 32);
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 1 of 3", 30).await?;
    b.eval("Array.from(document.querySelectorAll('.pw-progress button')).find(x => x.textContent === 'Pause').focus(); return 1")
        .await?;
    let before = calls_used(&b).await?;
    // Steps of the loop and ticks of its clock go by.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert!(calls_used(&b).await? > before, "the loop went on meanwhile");
    let focused = b
        .eval("return document.activeElement?.textContent ?? ''")
        .await?;
    assert_eq!(focused, json!("Pause"), "the focus left Pause");
    b.press("\u{E007}").await?;
    wait_text_long(&b, "Paused: calls already running finish", 10).await?;
    b.close().await?;
    Ok(())
}

/// Starts the scripted loop in this tab (A), and once its round 1 goes opens the app in a
/// second tab (B), which says the loop goes on in the other tab. Returns (A, B); B is current.
async fn start_then_open_in_a_second_tab(
    b: &Browser,
    site: &pw_harness::static_site::StaticSite,
) -> anyhow::Result<(fantoccini::wd::WindowHandle, fantoccini::wd::WindowHandle)> {
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(b, "Round 1 of 3", 30).await?;
    let tab_a = b.client.window().await?;
    let tab_b = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.open_app(&site.url()).await?;
    wait_text_long(
        b,
        "This draft's optimization loop is going on in another tab of this browser.",
        15,
    )
    .await?;
    // The banner says it too: the Improve card is waited for.
    b.wait_until(
        "return !!document.querySelector('.pw-card--improve')",
        "the Improve card",
    )
    .await?;
    Ok((tab_a, tab_b))
}

// Session 35: a loop going on in tab A, its draft opened in tab B: B paused it as a loop that
// "came with" the draft and saved that, and tab A, following B's save, stopped its loop. B now
// leaves it alone and says it goes on in the other tab; Resume there is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_going_on_in_another_tab_goes_on_there() -> anyhow::Result<()> {
    let (fake, site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    let (tab_a, tab_b) = start_then_open_in_a_second_tab(&b, &site).await?;
    let text_b = b.eval("return document.body.innerText").await?;
    assert!(
        !text_b.as_str().unwrap_or("").contains("It is paused here"),
        "tab B paused it"
    );
    let used_then = calls_used(&b).await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    // Tab A's loop goes on to its end, asked nothing.
    run_to_end(&b).await?;
    let text_a = b.eval("return document.body.innerText").await?;
    let text_a = text_a.as_str().unwrap_or("");
    assert!(
        !text_a.contains("changed in another tab"),
        "tab A was asked about a conflict"
    );
    assert!(
        calls_used(&b).await? > used_then,
        "the loop went on in tab A"
    );
    // Tab B follows it to its end, and its notice goes.
    b.client.switch_to_window(tab_b).await?;
    b.wait_until(
        "return !document.body.innerText.includes('is going on in another tab') && !document.body.innerText.includes('It is paused here')",
        "tab B to follow the loop to its end",
    )
    .await?;
    drop(site);
    b.close().await?;
    Ok(())
}

// Session 38: Pause and Cancel pressed in tab B, which shows tab A's loop as it goes on there,
// changed only B's copy of the draft while A's loop went on calling the models. B now asks A,
// which pauses or cancels it; B says it asked, and follows A's save.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_cancel_pressed_in_another_tab_stop_the_loop_where_it_runs() -> anyhow::Result<()>
{
    let (fake, site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    // Slow enough calls that the loop is still in its first rounds when tab B asks.
    fake.set_timing(3_000, 5, 32);
    let (tab_a, tab_b) = start_then_open_in_a_second_tab(&b, &site).await?;
    b.button("Pause").await?.click().await?;
    // B says it asked, until it follows A's pause (on a busy machine A may pause, and B follow,
    // between two looks: a full run once missed the note).
    b.wait_until(
        "const t = document.querySelector('.pw-card--improve')?.innerText ?? ''; \
         return t.includes('Asked the tab that runs this loop to pause it') || (t.includes('Paused') && t.includes('Resume'))",
        "tab B to say it asked, or to follow the pause",
    )
    .await?;
    // Tab A paused it: its calls under way end, and nothing more goes out.
    b.client.switch_to_window(tab_a.clone()).await?;
    wait_text_long(&b, "Paused from another tab of this browser", 10).await?;
    b.wait_until(
        "return document.querySelector('.pw-card--improve')?.innerText.includes('Resume')",
        "tab A to offer Resume",
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let sent = fake.chat_requests().len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        fake.chat_requests().len(),
        sent,
        "calls went on after the pause"
    );
    let paused_at = calls_used(&b).await?;
    assert!(
        paused_at < 30,
        "paused at {paused_at} calls: too late to see it stop"
    );
    let text_a = b.eval("return document.body.innerText").await?;
    assert!(
        !text_a
            .as_str()
            .unwrap_or("")
            .contains("changed in another tab"),
        "tab A was asked about a conflict"
    );
    // Tab B follows: the loop is paused, and the note of its ask is gone.
    b.client.switch_to_window(tab_b.clone()).await?;
    b.wait_until(
        "const t = document.querySelector('.pw-card--improve')?.innerText ?? ''; \
         return t.includes('Resume') && !t.includes('Asked the tab') && !document.body.innerText.includes('is going on in another tab')",
        "tab B to follow the pause",
    )
    .await?;
    // Resumed in B this time (its calls slower still, so it goes on while A asks): A, whose
    // loop was paused from B, lets go of it and follows (tryout 80: A still said it ran the
    // loop, neither following B's saves nor letting go). Cancelled from A: B ends it, and A
    // shows the end.
    fake.set_timing(6_000, 5, 32);
    b.button("Resume").await?.click().await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    wait_text_long(
        &b,
        "This draft's optimization loop is going on in another tab of this browser.",
        15,
    )
    .await?;
    b.button("Cancel optimization").await?.click().await?;
    // As with the pause: the note, or the end already followed.
    b.wait_until(
        "const t = document.body.innerText; \
         return t.includes('Asked the tab that runs this loop to cancel it') || t.includes('Cancelled.')",
        "tab A to say it asked, or to follow the cancel",
    )
    .await?;
    b.client.switch_to_window(tab_b.clone()).await?;
    wait_text_long(&b, "Cancelled.", 10).await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    wait_text_long(&b, "Cancelled.", 15).await?;
    // A reload of either tab does not start it again (tryout 80: a tab that had once resumed
    // the loop took it over on a reload), and nothing more goes out.
    let sent = fake.chat_requests().len();
    b.client.refresh().await?;
    wait_text_long(&b, "Cancelled.", 15).await?;
    b.client.switch_to_window(tab_b).await?;
    b.client.refresh().await?;
    wait_text_long(&b, "Cancelled.", 15).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(fake.chat_requests().len(), sent, "calls after the cancel");
    drop(site);
    b.close().await?;
    Ok(())
}

// Tryout 86: an overload the provider sent inside the stream after part of an answer read "It
// is not counted as used" and was sent again: the providers saw 12 calls where the loop counted
// 11. Part of an answer came, so the call may be billed: it is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_error_after_part_of_an_answer_is_counted_as_used() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    let asks = "Notes A: someone owns task A.";
    fake.fault_when(
        asks,
        Fault::StreamError {
            message: "overloaded".into(),
        },
        1,
    );
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(
        &b,
        "The request had reached the provider: it is counted as used (it may be billed) and sent again when you resume.",
        60,
    )
    .await?;
    b.button("Resume").await?.click().await?;
    run_to_end(&b).await?;
    assert_eq!(
        calls_used(&b).await? as usize,
        fake.chat_requests().len(),
        "every request the provider saw is counted"
    );
    b.close().await?;
    Ok(())
}

// Session 37 (tryout 78, 1): on a provider that stalled, the loop scored each case whose call
// failed 0 (the first prompt read "Training 0") and showed the meta model the error as the
// model's answer. A failure of the provider says nothing of the prompt: the loop pauses and
// says so, nothing is scored from it, and Resume asks for that answer again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_stalls_pauses_the_loop_and_scores_nothing_from_it() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let s = SettingsPage::open(&b).await?;
    s.stall_seconds(1).await?;
    s.close().await?;
    scripted_slow_loop(&fake, &b).await?;
    let asks = "Notes A: someone owns task A.";
    fake.fault_when(asks, Fault::Stall { after_chunks: 0 }, 1);
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(
        &b,
        "a failed call says nothing of the prompt, so no case is scored from it. The request had reached the provider: it is counted as used (it may be billed) and sent again when you resume.",
        60,
    )
    .await?;
    let text = improve_text(&b).await?;
    assert!(
        !text.contains("Training 0"),
        "nothing scored from the failure:\n{text}"
    );
    // Session 40: the page sent the stalled request again three times on its own, each may be
    // billed; it is sent once, and the loop pauses at once.
    assert!(
        !text.contains("were sent again after errors"),
        "nothing sent again unasked:\n{text}"
    );
    let stalled = fake
        .chat_requests()
        .iter()
        .filter(|r| r.body.contains(asks))
        .count();
    assert_eq!(stalled, 1, "sent once, then the loop paused");
    // Tryout 79: the note said the failed call "is counted as used" while the figures left it
    // out until Resume. Once the calls under way have ended, the calls used are the ones
    // answered and the failed one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let requests = fake.chat_requests().len() as u32;
    assert_eq!(
        calls_used(&b).await?,
        requests - stalled as u32 + 1,
        "the failed call is counted as used at the pause"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.button("Resume").await?.click().await?;
    run_to_end(&b).await?;
    let sent = fake.chat_requests();
    assert!(
        sent.iter().filter(|r| r.body.contains(asks)).count() > stalled,
        "case A is asked again on Resume"
    );
    let proposals: Vec<&str> = sent
        .iter()
        .map(|r| r.body.as_str())
        .filter(|body| body.contains("The current best prompt (score"))
        .collect();
    assert!(
        proposals.iter().all(|p| !p.contains("No data arrived")),
        "the meta model never reads the error as an answer"
    );
    b.close().await?;
    Ok(())
}

/// The text of the elements a button's `aria-describedby` names, joined by " | ".
async fn description_of(b: &Browser, starts_with: &str) -> anyhow::Result<String> {
    let js = format!(
        "const b = Array.from(document.querySelectorAll('button')).find(x => x.textContent.trim().startsWith('{starts_with}')); return (b?.getAttribute('aria-describedby') ?? '').split(' ').filter(id => id).map(id => document.getElementById(id)?.textContent ?? '').join(' | ')"
    );
    Ok(b.eval(&js).await?.as_str().unwrap_or("").to_owned())
}

/// Tryout 84: the figures of Generate, Run all and Start were in lines under them, not in the
/// buttons' descriptions, so a screen reader on the button heard no cost. Each names its line
/// (Suggest cases too, session 42).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_run_all_and_start_carry_their_figures_in_their_descriptions() -> anyhow::Result<()>
{
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    priced_jobs(&fake, &b, &["Writing prompts", "Running tests", "Scoring"]).await?;
    let generate = description_of(&b, "Generate prompt").await?;
    assert!(
        generate.starts_with("Generate writes with") && generate.contains("One call: at most $"),
        "{generate}"
    );
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    // Session 42's review: Suggest cases' figure was in the lines above it, not in its
    // description.
    b.wait_for_text("Suggest cases with the model").await?;
    let suggest = description_of(&b, "Suggest cases").await?;
    assert!(
        suggest.contains("two calls to it, at most $")
            && suggest.contains(", each answer run to its cap"),
        "{suggest}"
    );
    add_cases(&b).await?;
    let run_all = description_of(&b, "Run all").await?;
    assert!(
        run_all.starts_with("Run all: 5 calls to the execution model") && run_all.contains("$"),
        "{run_all}"
    );
    open_improve(&b).await?;
    b.wait_for_text("Start: up to").await?;
    let start = description_of(&b, "Start: up to").await?;
    assert!(start.contains("calls") && start.contains("$"), "{start}");
    b.close().await?;
    Ok(())
}

/// The figure a paid button shows before it is pressed (`CostNote`, beside it): "at most $X".
async fn figure_beside(b: &Browser, button: &str) -> anyhow::Result<f64> {
    let js = format!(
        "const b = document.querySelector('button[aria-label=\"{button}\"]') ?? Array.from(document.querySelectorAll('button')).find(x => x.textContent.trim() === '{button}'); const n = b?.nextElementSibling; return n?.classList.contains('pw-cost') ? n.textContent : null"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(t) = b.eval(&js).await?.as_str() {
            let figure = t
                .strip_prefix("at most $")
                .and_then(|n| n.parse::<f64>().ok())
                .ok_or_else(|| anyhow::anyhow!("{button}: the figure beside it reads {t:?}"))?;
            return Ok(figure);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no figure beside the button {button:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the fake provider billed for the chat requests after the first `from`, each at the most
/// a request can use (`FakeProvider::bill_max`: every byte of its text as an input token,
/// `fake_provider::text_bytes`, its answer at its cap), at gpt-4o-mini's list price ($0.15 and
/// $0.60 per million tokens in and out).
fn billed_since(fake: &FakeProvider, from: usize) -> (usize, f64) {
    let sent = fake.chat_requests();
    let cost = sent[from..]
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            let cap = body["max_tokens"]
                .as_u64()
                .or_else(|| body["max_completion_tokens"].as_u64())
                .unwrap_or(0);
            pw_harness::fake_provider::text_bytes(&body) as f64 * 0.15 / 1e6
                + cap as f64 * 0.60 / 1e6
        })
        .sum();
    (sent.len() - from, cost)
}

/// Presses `button`, waits for the one call it makes and returns what the fake billed for it
/// ([`billed_since`]).
async fn press_for_one_call(fake: &FakeProvider, b: &Browser, button: &str) -> anyhow::Result<f64> {
    let from = fake.chat_requests().len();
    b.button(button).await?.click().await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while billed_since(fake, from).0 < 1 {
        anyhow::ensure!(Instant::now() < deadline, "{button} made no call");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (calls, billed) = billed_since(fake, from);
    anyhow::ensure!(calls == 1, "{button} made {calls} calls");
    Ok(billed)
}

/// Reflect says what it may cost before it is pressed (the cost audit: it showed nothing), and a
/// provider billing the most each request can use, fed a critique and a final answer far past
/// their caps in 4-byte characters, stays within that figure; its Retry says the same figure.
/// Tryout 84: the critique and final boxes stayed empty while a long critique was written (the
/// page showed only "Reflecting…"). Each streams into its box as it arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critique_and_final_stream_into_their_boxes() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let critique = "CRITIQUE-START It omits the owner. ".repeat(20);
    let final_answer = format!("FINAL-START owner-B. {}", "More words. ".repeat(30));
    one_case_to_reflect(&fake, &b, "owner-B", &critique, &final_answer).await?;
    // 10 characters every 100 ms: each text takes seconds to arrive.
    fake.set_timing(0, 100, 10);
    b.button("Reflect on case #1").await?.click().await?;
    let boxes = "const c = Array.from(document.querySelectorAll('.pw-reflection__col pre')); return c.map(p => p.textContent)";
    for (i, start) in [(1, "CRITIQUE-START"), (2, "FINAL-START")] {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let texts = b.eval(boxes).await?;
            let t = texts[i].as_str().unwrap_or("");
            let whole = if i == 1 { critique.trim() } else { "" };
            if t.starts_with(start) && (i == 2 || t.len() < whole.len()) {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "box {i} never showed part of its text: {texts}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    b.wait_for_text("Reflection helped").await?;
    b.close().await?;
    Ok(())
}

/// Tryout 85: pressing a critique's "Rewrite … with this fix" from the keyboard left the focus
/// on the page while the rewrite ran and after (the button was disabled under it). It stays on
/// the button, marked unavailable until the rewrite is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critique_fix_pressed_by_keyboard_keeps_the_focus() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    fake.reply_when(
        "You review a system prompt",
        &json!({"weaknesses": [
            {"kind": "missing-constraint", "section": "context", "problem": "It never says what to do with empty notes.", "fix": "Add: if the notes are empty, ask for them."}
        ]}).to_string(),
    );
    fake.reply_when(
        "improving one section",
        &json!({"context": format!("{CONTEXT} If the notes are empty, ask for them.")}).to_string(),
    );
    // Tryout 105: Critique pressed from the keyboard left the focus on the page's body once
    // the weaknesses arrived. It stays on the button, marked unavailable while it runs.
    fake.set_timing(1_500, 0, 1_000);
    let critique = "Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Critique this prompt')";
    b.eval(&format!("{critique}.focus(); return 0")).await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        &format!("const x = {critique}; return document.activeElement === x && x.getAttribute('aria-disabled') === 'true'"),
        "the focus to stay on Critique while it runs, the button marked unavailable",
    )
    .await?;
    // A second Enter meanwhile asks nothing more.
    b.press("\u{E007}").await?;
    b.wait_for_text("It never says what to do with empty notes.")
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        b.eval(&format!("const x = {critique}; return document.activeElement === x && !x.hasAttribute('aria-disabled')"))
            .await?,
        json!(true),
        "the focus on Critique once the weaknesses are in"
    );
    let asked = fake
        .chat_requests()
        .iter()
        .filter(|r| r.body.contains("You review a system prompt"))
        .count();
    assert_eq!(asked, 1, "one critique for two presses");
    fake.set_timing(2_000, 0, 1_000);
    let fix = "button[aria-label=\"Rewrite Context with this fix (fix 1)\"]";
    b.eval(&format!(
        "document.querySelector('{fix}').focus(); return 0"
    ))
    .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        &format!("const x = document.querySelector('{fix}'); return document.activeElement === x && x.getAttribute('aria-disabled') === 'true'"),
        "the focus to stay on the fix while it runs, the button marked unavailable",
    )
    .await?;
    PromptPage::new(&b).wait_version(2).await?;
    b.wait_until(
        "const x = document.querySelector('button[aria-label=\"Rewrite Context again with this fix (fix 1)\"]'); return !!x && document.activeElement === x && !x.hasAttribute('aria-disabled')",
        "the focus on the fix once the rewrite is in",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 85: a final answer whose call was cut off showed "Final · 0" with thumbs beside "The
/// final answer failed"; and after a Retry, "No change in score (98)" stood over "Draft · 78"
/// with the draft's thumbs-down (counted in its score, never compared) unsaid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_final_is_not_scored_and_a_thumbs_down_is_named_apart() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    // The draft ("- owner-A") passes: "owner" is all its check asks.
    one_case_to_reflect(
        &fake,
        &b,
        "owner",
        "1. Name owner-B.",
        "- owner-A: task A, and more words",
    )
    .await?;
    b.click_button("Thumbs down for the answer to case #1")
        .await?;
    fake.fault_when(
        "A harsh review of that draft found",
        Fault::Truncate { after_chunks: 2 },
        1,
    );
    // The run's toast sits in the corner, over the row's Reflect at this window's scroll.
    b.eval("document.querySelectorAll('.pw-toasts [aria-label=\"Dismiss\"]').forEach(e => e.click()); return 1")
        .await?;
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The final answer failed").await?;
    b.wait_for_text("Final · not scored (its call did not finish)")
        .await?;
    let thumbs = b
        .eval("return document.querySelectorAll('.pw-reflection [aria-label*=\"final answer\"][aria-label^=\"Thumbs\"]').length")
        .await?;
    assert_eq!(thumbs, json!(0), "no rating of an unfinished final");
    b.click_button("Retry Reflexion on case #1").await?;
    b.wait_for_text("not compared: your thumbs-down on the draft")
        .await?;
    // Tryout 86: a final answer the person stopped read "The final answer failed: You stopped
    // the request." It is said as stopped, and not scored either.
    fake.fault_when("A harsh review of that draft found", Fault::Hang, 1);
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_until(
        "return !!document.querySelector('button[aria-label=\"Stop reflecting on case #1\"]') && document.querySelectorAll('.pw-reflection__col').length >= 2",
        "the final answer under way",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.click_button("Stop reflecting on case #1").await?;
    b.wait_for_text(
        "You stopped the final answer before it was whole: press Retry to ask for it again.",
    )
    .await?;
    let text = b
        .eval("return document.querySelector('.pw-reflection').innerText")
        .await?;
    assert!(!text.as_str().unwrap_or("").contains("failed"), "{text}");
    b.close().await?;
    Ok(())
}

/// Tryout 84: a final answer the provider wrote far past its 1,500-token cap (a server that
/// ignores `max_tokens`) was shown and judged with no mark. The reflection says so, and what it
/// means for the figure shown before Reflect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_answer_past_its_cap_is_said() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    // One token a chunk, one character a chunk: over 1,600 tokens reported for a 1,500 cap.
    let final_answer = format!("owner-B. {}", "x".repeat(1_612));
    one_case_to_reflect(&fake, &b, "owner-B", "It omits the owner.", &final_answer).await?;
    fake.set_timing(0, 0, 1);
    b.button("Reflect on case #1").await?.click().await?;
    // (The fake counts a closing chunk too.)
    b.wait_for_text("The provider sent 1,621 tokens for the final answer, past its 1,500-token cap (it did not stop the model), so Reflect may cost more than the figure shown before it.")
        .await?;
    // Not said of the critique, which stayed within its cap.
    let notes = b
        .eval("return document.querySelectorAll('.pw-reflection__over-cap').length")
        .await?;
    assert_eq!(notes, json!(1));
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflect_says_what_it_may_cost_and_stays_within_it() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    priced_jobs(&fake, &b, &["Running tests", "Scoring"]).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    let cases = CasesPage::new(&b);
    cases
        .add(1, "Notes B: Bob owns task B.", Some("owner-B"))
        .await?;
    cases.add_rubric(1, "Names every owner of a task.").await?;
    // The critique past its clip (4,000 characters), the final answer past the judge's (8,000),
    // each within the 8 bytes a token of its cap that the page reads of a reply (the critique's
    // 700 tokens: 5,600 bytes; the final's 1,500: 12,000).
    fake.reply_when("Be harsh", &"A harsh point. ".repeat(340));
    fake.reply_when("A harsh review of that draft found", &"x".repeat(11_000));
    script_levels(&fake);
    fake.set_timing(0, 1, 4_000);
    b.button("Run the case").await?.click().await?;
    b.wait_until(
        "return !!document.querySelector('button[aria-label=\"Reflect on case #1\"]')",
        "the answer to be done",
    )
    .await?;
    let figure = figure_beside(&b, "Reflect on case #1").await?;
    // The figure is part of the button's description (tryout 83: a screen reader heard none).
    let described = b
        .eval("const b = document.querySelector('button[aria-label=\"Reflect on case #1\"]'); return (b.getAttribute('aria-describedby') ?? '').split(' ').map(id => document.getElementById(id)?.textContent ?? '').join('|')")
        .await?;
    assert!(
        described
            .as_str()
            .unwrap_or("")
            .contains(&format!("at most ${figure}")),
        "{described}"
    );
    b.screenshot_at(".pw-result", "reflect-cost-1280-light")
        .await?;
    fake.bill_max(true);
    let from = fake.chat_requests().len();
    b.button("Reflect on case #1").await?.click().await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while billed_since(&fake, from).0 < 3
        || b.eval(
            "return !!document.querySelector('button[aria-label=\"Stop reflecting on case #1\"]')",
        )
        .await?
            == json!(true)
    {
        anyhow::ensure!(Instant::now() < deadline, "Reflexion did not end");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (calls, billed) = billed_since(&fake, from);
    eprintln!("[reflect] figure ${figure}, billed ${billed:.6} in {calls} calls");
    // The page says the final answer read the critique's start only (tryout 84: it showed the
    // whole critique and said nothing).
    b.wait_for_text("The final answer was asked with the first 4,000 characters of this critique (5,100 in all)")
        .await?;
    // The critique, the final answer and one judge call.
    assert_eq!(calls, 3);
    assert!(
        billed <= figure,
        "billed ${billed:.6} over the figure shown, at most ${figure}"
    );
    // A figure that means something: not many times what the most billing provider asks.
    assert!(figure < billed * 4.0, "${figure} for ${billed:.6}");
    // What it spent is said too, as the provider reported it (tryout 93: only the figure before
    // was shown): the tokens the fake reported for the three calls, priced at list price.
    let (reported_in, reported_out) =
        fake.chat_requests()[from..]
            .iter()
            .fold((0u64, 0u64), |(i, o), r| {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let cap = body["max_tokens"]
                    .as_u64()
                    .or_else(|| body["max_completion_tokens"].as_u64())
                    .unwrap_or(0);
                (
                    i + pw_harness::fake_provider::text_bytes(&body) as u64,
                    o + cap,
                )
            });
    let grouped = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let used = b
        .eval("return document.querySelector('.pw-reflection__used')?.textContent ?? ''")
        .await?;
    let used = used.as_str().unwrap_or("");
    let head = format!(
        "Reflect used 3 calls on this answer: {} tokens in, {} out · cost at list price: $",
        grouped(reported_in),
        grouped(reported_out)
    );
    assert!(used.starts_with(&head), "{used} / {head}");
    let shown: f64 = used[head.len()..].replace(',', "").parse()?;
    assert!(
        (shown - billed).abs() <= billed * 0.01 + 0.0001,
        "shown ${shown} for ${billed:.6} billed"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 97: a critique the model refused left Reflect's usage line at the calls before it,
/// though the refused request reached the provider (a run counts a refusal at an estimate of
/// what it read). The refused call is counted, as an estimate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reflexion_call_is_counted_as_used() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    one_case_to_reflect(&fake, &b, "owner-B", "It misses the owner.", "- owner-B").await?;
    fake.fault_when(
        "Be harsh",
        Fault::Refusal {
            explanation: "I can't help with critiquing this content.".into(),
        },
        1,
    );
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The model refused: I can't help with critiquing this content.")
        .await?;
    b.wait_until(
        "return (document.querySelector('.pw-reflection__used')?.textContent ?? '').startsWith('Reflect used 1 call on this answer: ')",
        "the refused call counted",
    )
    .await?;
    let used = b
        .eval("return document.querySelector('.pw-reflection__used').textContent")
        .await?;
    let used = used.as_str().unwrap_or_default();
    assert!(
        used.contains(" out · ") && !used.contains(": 0 tokens in"),
        "{used}"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 98: after the execution model was switched, Reflect on an answer the earlier model
/// wrote said "All three texts are written by the execution model". It names who wrote what.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflexion_names_the_model_of_the_draft_and_of_its_critique() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    one_case_to_reflect(&fake, &b, "owner-B", "It misses the owner.", "- owner-B").await?;
    fake.add_model("fake-small");
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.model("fake-small").await?;
    s.close().await?;
    b.button("Reflect on case #1").await?.click().await?;
    b.wait_for_text("The draft is OpenAI-compatible server fake-large's answer; OpenAI-compatible server fake-small wrote the critique and the final answer, which is scored like the draft.")
        .await?;
    b.close().await?;
    Ok(())
}

/// Each button that makes a call to the meta model says what it may cost before it is pressed
/// (the cost audit: Critique this prompt, a section's rewrite, Adapt and the test message showed
/// nothing), and a provider billing the most a request can use stays within the figure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_meta_models_buttons_say_what_they_may_cost() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    fake.add_model("gpt-4o-mini");
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    // The figure follows the model name as it is typed, before the field is left (tryout 86:
    // only once it was left).
    b.field("Model")
        .await?
        .type_text(&format!("{}gpt-4o", pw_harness::pages::SELECT_ALL))
        .await?;
    let typed = figure_beside(&b, "Send a test message").await?;
    const BESIDE: &str = "return Array.from(document.querySelectorAll('button')).find(x => x.textContent.trim() === 'Send a test message')?.nextElementSibling?.textContent ?? ''";
    let typed_text = b.eval(BESIDE).await?;
    b.field("Model").await?.type_text("-mini").await?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.eval(BESIDE).await? == typed_text {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the figure stayed {typed_text} while gpt-4o-mini was typed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.model("gpt-4o-mini").await?;
    // The test message: a hello, its answer at 80 tokens.
    let hello = figure_beside(&b, "Send a test message").await?;
    assert!(
        hello < typed,
        "gpt-4o-mini's ${hello} under gpt-4o's ${typed}"
    );
    fake.bill_max(true);
    let from = fake.chat_requests().len();
    s.send_test().await?;
    s.wait_reply("Hello from the fake provider").await?;
    let (calls, billed) = billed_since(&fake, from);
    assert_eq!(calls, 1);
    assert!(
        billed <= hello,
        "the test message: ${billed:.6} over ${hello}"
    );
    s.close().await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    // Critique this prompt: its one call within its figure.
    let critique = figure_beside(&b, "Critique this prompt").await?;
    let billed = press_for_one_call(&fake, &b, "Critique this prompt").await?;
    assert!(
        billed <= critique,
        "the critique: ${billed:.6} over ${critique}"
    );
    // A critique whose call failed: its Retry says the same figure (tryout 98: none). (Pressed
    // once the first critique has ended: the button is marked unavailable while it runs.)
    b.wait_until(
        "return Array.from(document.querySelectorAll('button')).some(x => x.textContent.trim() === 'Critique this prompt' && !x.disabled && !x.hasAttribute('aria-disabled'))",
        "the first critique to end",
    )
    .await?;
    fake.fault_when(
        "You review a system prompt",
        Fault::Status {
            code: 400,
            message: "boom".into(),
            kind: None,
            retry_after: None,
            expose: false,
        },
        1,
    );
    b.button("Critique this prompt").await?.click().await?;
    let again = figure_beside(&b, "Retry").await?;
    assert_eq!(again, critique, "Retry's figure is the critique's");
    // A section's rewrite: the figure follows the instruction typed.
    b.button("Rewrite Persona with the model")
        .await?
        .click()
        .await?;
    let short = figure_beside(&b, "Rewrite Persona").await?;
    b.field("How should Persona change?")
        .await?
        .type_text(&"Say who reads the answer and what they need from it. ".repeat(40))
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let long = loop {
        let f = figure_beside(&b, "Rewrite Persona").await?;
        if f > short {
            break f;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the figure stayed ${f} as the instruction grew"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let billed = press_for_one_call(&fake, &b, "Rewrite Persona").await?;
    assert!(billed <= long, "the rewrite: ${billed:.6} over ${long}");
    // Adapt: its one call within its figure.
    b.wait_until(
        "return Array.from(document.querySelectorAll('button')).find(x => x.textContent.trim() === 'Adapt')?.disabled === false",
        "Adapt to be pressable (the rewrite's call over)",
    )
    .await?;
    let adapt = figure_beside(&b, "Adapt").await?;
    let billed = press_for_one_call(&fake, &b, "Adapt").await?;
    assert!(
        billed <= adapt,
        "the adaptation: ${billed:.6} over ${adapt}"
    );
    eprintln!(
        "[meta figures] test message ${hello}, critique ${critique}, rewrite ${short} -> ${long}, adapt ${adapt}"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 83: Markdown stayed ticked over XML text once a layout had been clicked, and a failed
/// adaptation switched the layout all the same; its failure was said only two screens up. The
/// layout follows an adaptation that arrived, not the click, and a failed one is said beside
/// Adapt with a way to its message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layout_follows_an_adaptation_that_arrived_and_a_failed_one_is_said_by_adapt()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    let layout = "return [Array.from(document.querySelectorAll('input[name=pw-style]')).map(r => r.checked), document.getElementById('pw-final-text').value.startsWith('<persona>')]";
    b.eval("document.querySelectorAll('input[name=pw-style]')[1].click(); document.querySelectorAll('input[name=pw-style]')[0].click(); return 0")
        .await?;
    fake.set_default_reply("Not a prompt at all.");
    press_for_one_call(&fake, &b, "Adapt").await?;
    b.wait_for_text("No part of the reply could be used")
        .await?;
    assert_eq!(b.eval(layout).await?, json!([[true, false], false]));
    b.wait_for_text("The adaptation did not give a prompt")
        .await?;
    b.click_button("Show what went wrong").await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-gen-failure'",
        "the failure notice to have the focus",
    )
    .await?;
    fake.set_default_reply(&spec("You are LEVEL0, adapted.", CONTEXT).to_string());
    b.button("Adapt").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-final-text').value.includes('adapted')",
        "the adaptation",
    )
    .await?;
    assert_eq!(b.eval(layout).await?, json!([[false, true], true]));
    b.close().await?;
    Ok(())
}

/// Tryout 84: a reflection under way went on out of sight when another version became current
/// (an edit, an adaptation): the row read "not run" beside a bare Stop, its calls still going.
/// The row says whose answer it reflects on, by its Stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflection_on_an_earlier_version_says_so_by_its_stop() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    reflect_slowly(
        &fake,
        &b,
        "1. The owner of task B is missing: name owner-B. A LONG CRITIQUE GOES ON HERE.",
    )
    .await?;
    b.field("Persona")
        .await?
        .type_text(" Name every owner.")
        .await?;
    b.wait_for_text("Reflecting on version 1's answer (its calls go on):")
        .await?;
    // (A toast may lie over the row's end: the button is pressed as a keyboard would.)
    b.eval("document.querySelector('button[aria-label=\"Stop reflecting on case #1\"]').click(); return 0")
        .await?;
    b.wait_until(
        "return !document.querySelector('button[aria-label=\"Stop reflecting on case #1\"]')",
        "the reflection to stop",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Session 42's review: the loop kept the prices and scores of the models it started with
/// while Settings could name others (a loop resumed after "Running tests" was switched to a
/// dearer model spent past its "at most"). Switched while it runs, it pauses before sending to
/// the new model, says why, and Resume is refused until the model is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_pauses_when_settings_name_another_model_and_goes_on_with_its_own()
-> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    // Slow enough that the loop is still in its first rounds once Settings are changed.
    fake.set_timing(1500, 5, 32);
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 0", 30).await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    let was = b
        .field("Model")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    let other = if was == "fake-mini" {
        "fake-reasoner"
    } else {
        "fake-mini"
    };
    s.model(other).await?;
    s.close().await?;
    wait_text_long(&b, "Paused. The loop scores with ", 30).await?;
    wait_text_long(
        &b,
        "for \u{201c}Running tests\u{201d}; Settings now name ",
        5,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = fake.chat_requests();
    let named = format!("\"{other}\"");
    assert!(
        sent.iter().all(|r| !r.body.contains(&named)),
        "a call went to the model the loop did not start with"
    );
    // Resume is refused while Settings name the other model.
    b.button("Resume").await?.click().await?;
    wait_text_long(&b, "Still paused. The loop scores with ", 10).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(fake.chat_requests().len(), sent.len(), "nothing sent");
    // Back to its own model: it goes on to the end.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.model(&was).await?;
    s.close().await?;
    // The note follows Settings (tryout 87: it still named the other model here).
    wait_text_long(
        &b,
        "Still paused. Settings name the models the loop started with again: press Resume to go on.",
        5,
    )
    .await?;
    let notes = b
        .eval("return document.querySelector('.pw-card--improve, main').innerText")
        .await?;
    assert!(
        !notes
            .as_str()
            .unwrap_or_default()
            .contains("Settings now name"),
        "{notes}"
    );
    fake.set_timing(250, 5, 32);
    b.button("Resume").await?.click().await?;
    run_to_end(&b).await?;
    assert!(
        fake.chat_requests()
            .iter()
            .all(|r| !r.body.contains(&named))
    );
    b.close().await?;
    Ok(())
}

// Tryout 89: with a judge that has no list price and no case with a judge check (it gets no
// call), the loop's budget said "estimated cost" and its money was no bound. It is priced
// without the judge ("at most"); judge checks added make it an estimate again, since the judge
// would get calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpriced_judge_that_gets_no_call_leaves_the_budget_a_bound() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    on_gpt_4o_mini(&fake, &b, &["Writing prompts", "Running tests"]).await?;
    paste_prompt(&b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(&b).await?;
    open_improve(&b).await?;
    let budget = "return document.getElementById('pw-loop-budget')?.textContent ?? ''";
    b.wait_until(
        &format!("const t = (() => {{ {budget} }})(); return t.includes(', at most $') && !t.includes('estimated')"),
        "a money bound without the judge",
    )
    .await?;
    CasesPage::new(&b)
        .add_rubric(1, "Names every owner of a task.")
        .await?;
    b.wait_until(
        &format!("return (() => {{ {budget} }})().includes('estimated cost')"),
        "an estimate once the judge gets calls",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Session 46: a click on a button below the prompt right after typing in a section (within
/// the editor's 0.4 s pause) was lost. Leaving the section made a version, the Versions card's
/// comparison went from the whole prompt to the one change (878 -> 319 px), and the button
/// moved up under the pointer between press and release: "Critique this prompt" sent nothing.
/// The pressed control stays under the pointer while the page changes, and the click goes
/// through with the typed text in the version it reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_right_after_typing_in_a_section_is_not_lost() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_prompt(&b, "You extract action items.").await?;
    fake.reply_next_when(
        "You review a system prompt",
        &json!({"weaknesses": [
            {"kind": "missing-constraint", "section": "context", "problem": "CLICK-WENT-THROUGH: empty notes.", "fix": "Ask for them."}
        ]})
        .to_string(),
        1,
    );
    let critique = b.button("Critique this prompt").await?;
    // The button in view, with the whole prompt's comparison above it (the Versions card).
    b.eval("document.evaluate(\"//button[normalize-space()='Critique this prompt']\", document, null, 9, null).singleNodeValue.scrollIntoView({block: 'center'}); return 0")
        .await?;
    // The Versions card's height as the button is pressed, and after.
    b.eval("const h = () => document.querySelector('.pw-card--versions').getBoundingClientRect().height; window.addEventListener('pointerdown', () => { window.pwPressedAt = h(); }, {capture: true, once: true}); window.addEventListener('pointerup', () => { window.pwReleasedAt = h(); }, {capture: true, once: true}); return 0")
        .await?;
    let persona = b.field("Persona").await?;
    persona.type_text(" TYPED-JUST-BEFORE.").await?;
    let sent = fake.chat_requests().len();
    critique.click().await?;
    b.wait_for_text("CLICK-WENT-THROUGH: empty notes.").await?;
    let before = b
        .eval("return window.pwPressedAt ?? 0")
        .await?
        .as_f64()
        .unwrap_or_default();
    let after = b
        .eval("return window.pwReleasedAt ?? 0")
        .await?
        .as_f64()
        .unwrap_or_default();
    assert!(
        before - after > 200.0,
        "the page did not change between press and release ({before} -> {after} px): the test proves nothing"
    );
    let asked: Vec<_> = fake.chat_requests()[sent..]
        .iter()
        .filter(|r| r.body.contains("You review a system prompt"))
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(asked.len(), 1, "one critique was asked");
    assert!(
        asked[0].contains("TYPED-JUST-BEFORE."),
        "the critique read the prompt with the text typed just before"
    );
    b.close().await?;
    Ok(())
}

/// Session 46's notes: Critique and Suggest cases read the prompt without the text typed within
/// the editor's pause when the press leaves the focus in the section (a click by an assistive
/// tool or a script: the editor's `change` never fires, only Run, Generate and the rewrites put
/// the typing in first). Each press reads the prompt as it is on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presses_that_leave_the_focus_in_a_section_read_what_was_typed() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_prompt(&b, "You extract action items.").await?;
    let press = |name: &str| {
        format!(
            "document.evaluate(\"//button[normalize-space()='{name}']\", document, null, 9, null).singleNodeValue.click(); return 0"
        )
    };
    let asked = |mark: &str, from: usize| -> Vec<String> {
        fake.chat_requests()[from..]
            .iter()
            .filter(|r| r.body.contains(mark))
            .map(|r| r.body.clone())
            .collect()
    };
    fake.reply_next_when(
        "You review a system prompt",
        &json!({"weaknesses": [
            {"kind": "missing-constraint", "section": "context", "problem": "CRITIQUE-CAME: empty notes.", "fix": "Ask for them."}
        ]})
        .to_string(),
        1,
    );
    b.field("Persona")
        .await?
        .type_text(" TYPED-FOR-CRITIQUE.")
        .await?;
    let sent = fake.chat_requests().len();
    b.eval(&press("Critique this prompt")).await?;
    b.wait_for_text("CRITIQUE-CAME: empty notes.").await?;
    let critique = asked("You review a system prompt", sent);
    assert_eq!(critique.len(), 1);
    assert!(
        critique[0].contains("TYPED-FOR-CRITIQUE."),
        "{}",
        critique[0]
    );

    fake.reply_next_when(
        "You write test cases",
        &json!({"cases": [
            {"kind": "typical", "description": "plain notes", "input": "Dev will fix the login bug by Monday.", "vars": [], "expected": "SUGGESTED-CASE"}
        ]})
        .to_string(),
        1,
    );
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("Persona")
        .await?
        .type_text(" TYPED-FOR-SUGGEST.")
        .await?;
    let sent = fake.chat_requests().len();
    b.eval(&press("Suggest cases")).await?;
    b.wait_for_text("SUGGESTED-CASE").await?;
    let suggest = asked("You write test cases", sent);
    assert_eq!(suggest.len(), 1);
    assert!(suggest[0].contains("TYPED-FOR-SUGGEST."), "{}", suggest[0]);
    b.close().await?;
    Ok(())
}

/// Session 46's notes: Start waited while a job the loop calls had no address or model name,
/// and Resume went ahead (it paused again at its first call, with advice about a changed model). Resume is refused with what
/// Settings lack, nothing is sent, the note follows Settings, and the loop goes on once they
/// are filled in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_waits_while_a_job_of_the_loop_has_no_address() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    scripted_slow_loop(&fake, &b).await?;
    b.button("Start: up to 38 calls").await?.click().await?;
    wait_text_long(&b, "Round 0", 30).await?;
    b.button("Pause").await?.click().await?;
    wait_text_long(&b, "Paused.", 10).await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    s.base_url("").await?;
    s.close().await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let sent = fake.chat_requests().len();
    b.button("Resume").await?.click().await?;
    wait_text_long(
        &b,
        "The loop stays paused. Writing prompts (OpenAI-compatible server) has no address in Settings: nothing is sent to it until it is filled in there.",
        10,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(fake.chat_requests().len(), sent, "nothing was sent");
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    s.base_url(&fake.openai_url()).await?;
    s.close().await?;
    wait_text_long(
        &b,
        "The loop stays paused. Settings have an address and a model name for each job the loop calls again: press Resume to go on.",
        10,
    )
    .await?;
    b.button("Resume").await?.click().await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.chat_requests().len() == sent {
        anyhow::ensure!(Instant::now() < deadline, "the loop did not go on");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.close().await?;
    Ok(())
}

/// Tryout 119: a loop whose answers ran past their cap ended "$0.02 of at most $0.02" with the
/// money it spent rounded to the bound. Spent past the bound, the line reads both figures to the
/// ten-thousandth and the overrun, on a model with a list price.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_past_its_approved_money_says_by_how_much() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    on_gpt_4o_mini(&fake, &b, &["Writing prompts", "Running tests", "Scoring"]).await?;
    a_loop_whose_answers_run_past_their_cap(&fake, &b).await?;
    click_button_starting(&b, "Start: up to").await?;
    wait_text_long(&b, "Stopped at the approved budget.", 60).await?;
    let text = improve_text(&b).await?;
    let line = text
        .lines()
        .find(|l| l.contains(" calls used · "))
        .unwrap_or_else(|| panic!("no spent line in {text}"));
    let money = line.rsplit(" tokens · ").next().unwrap_or("");
    // "$0.0304 of at most $0.0147: $0.0157 over it"
    let dollars: Vec<f64> = money
        .split('$')
        .skip(1)
        .filter_map(|t| {
            t.split(|c: char| c != '.' && !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(money.ends_with(" over it") && dollars.len() == 3, "{line}");
    assert!(
        dollars[0] > dollars[1] && (dollars[0] - dollars[1] - dollars[2]).abs() < 0.000_15,
        "{line}"
    );
    assert!(
        line.contains("went past the whole budget approved"),
        "{text}"
    );
    b.close().await?;
    Ok(())
}

/// Gives the fake provider a model with a list price (`gpt-4o-mini`) and these jobs (Settings'
/// tabs: "Writing prompts", "Running tests", "Scoring") that model, so their calls are priced.
async fn on_gpt_4o_mini(fake: &FakeProvider, b: &Browser, jobs: &[&str]) -> anyhow::Result<()> {
    fake.add_model("gpt-4o-mini");
    let jobs: Vec<(&str, &str)> = jobs.iter().map(|j| (*j, "gpt-4o-mini")).collect();
    SettingsPage::set_models(b, &jobs).await?;
    Ok(())
}

/// A loop of one round and one candidate whose starting prompt's answers run past their output
/// cap (200,000 characters each, quickly): the page reads each no further than its cap allows.
async fn a_loop_whose_answers_run_past_their_cap(
    fake: &FakeProvider,
    b: &Browser,
) -> anyhow::Result<()> {
    paste_prompt(b, "You are LEVEL0, a meeting analyst.").await?;
    add_cases(b).await?;
    fake.set_timing(0, 0, 400);
    fake.reply_when("LEVEL0", &"- owner-A and more. ".repeat(10_000));
    script_proposals(fake, 1);
    script_levels(fake);
    one_round_one_candidate(b).await
}
