//! End-to-end: an idea becomes a five-section prompt, streamed live, edited, diffed, rewritten,
//! adapted, copied; stop, broken replies and manual mode. Against the scripted fake provider, and
//! once against the real local model.
use std::time::{Duration, Instant};

use promptwright::domain::meta::{EXAMPLE_IDEAS, quality};
use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::{FakeProvider, Fault};
use pw_harness::pages::{PromptPage, SELECT_ALL, SettingsPage, TAB};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

fn spec_reply(tag: &str) -> String {
    serde_json::to_string_pretty(&json!({
        "analysis": "Meeting notes are messy; owners and dates matter most.",
        "persona": format!("You are a meticulous meeting analyst {tag}."),
        "context": "Inputs are raw meeting notes in {{transcript}}. Never invent owners. Keep each item under 20 words.",
        "steps": ["Read the whole transcript.", "Find every commitment.", "Check each item has an owner and a due date."],
        "format": "A Markdown list: one line per action item, owner in bold.",
        "json_schema": "",
        "examples": [
            {"input": "Bob will send the deck by Friday.", "output": "- **Bob**: send the deck (Friday)"},
            {"input": "We talked about lunch.", "output": "No action items."},
            {"input": "(an empty message)", "output": "Please paste the meeting notes."}
        ]
    }))
    .unwrap()
}

/// The usual start of this suite: a fake provider, the app, a 1280 x 1400 browser, and the
/// meta model ("Writing prompts") on the fake.
async fn meta_on_fake() -> anyhow::Result<(FakeProvider, StaticSite, Browser)> {
    let fake = FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1400).await?;
    browser.open_app(&site.url()).await?;
    point_meta_at(&browser, &fake).await?;
    Ok((fake, site, browser))
}

/// Generates version 1 for the meeting-notes idea from `reply` (the meta model's reply).
async fn first_version_from(
    p: &PromptPage<'_>,
    fake: &FakeProvider,
    reply: String,
) -> anyhow::Result<()> {
    fake.push_replies([reply]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    p.generate().await?;
    p.wait_version(1).await?;
    p.wait_idle().await?;
    Ok(())
}

async fn point_meta_at(browser: &Browser, fake: &FakeProvider) -> anyhow::Result<()> {
    let page = SettingsPage::open(browser).await?;
    page.provider("OpenAI-compatible server").await?;
    page.base_url(&fake.openai_url()).await?;
    page.model("fake-large").await?;
    page.close().await?;
    Ok(())
}

// Tryout: Alt+G, listed in the page's footer, crashed the page every time ("expected context of
// type DraftHandle"): the key listener has no reactive owner to look handles up in. It
// generates, from the idea box and from anywhere else on the page, like the button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_g_generates_from_anywhere_on_the_page() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    fake.push_replies([spec_reply("v1"), spec_reply("v2")]);
    // The cursor in the idea box.
    browser.press("\u{E00A}g\u{E000}").await?;
    p.wait_version(1).await?;
    // Nothing focused.
    browser
        .eval("document.activeElement?.blur(); return true")
        .await?;
    browser.press("\u{E00A}g\u{E000}").await?;
    p.wait_version(2).await?;
    let crashed = browser
        .eval("return document.body.innerText.includes('Something went wrong inside Promptwright')")
        .await?;
    assert_eq!(crashed, serde_json::json!(false));
    assert_eq!(fake.chat_requests().len(), 2);
    browser.close().await?;
    Ok(())
}

// Tryout 91: typing "notes, meeting date" in the variables field, then a click on Generate
// prompt straight away: the field's note ("Changed: “meeting date” became “meeting_date”…")
// appeared as the field was left, moved the button 30 px down between the press and the
// release, and the click was lost. The note is said while typing, and the click lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_generate_right_after_typing_the_variables_is_not_lost() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    fake.push_replies([spec_reply("v1")]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    browser.wait_for_text("More details").await?.click().await?;
    let field = browser.field("Data it receives (variables)").await?;
    field.type_text("notes, meeting date").await?;
    browser
        .wait_for_text("When you leave the field: \u{201c}meeting date\u{201d} became \u{201c}meeting_date\u{201d}: a name has no spaces.")
        .await?;
    p.generate().await?;
    p.wait_version(1).await?;
    assert_eq!(fake.chat_requests().len(), 1, "the first click was heard");
    browser
        .wait_for_text("Changed: \u{201c}meeting date\u{201d} became \u{201c}meeting_date\u{201d}: a name has no spaces.")
        .await?;
    assert_eq!(
        field.prop("value").await?.as_deref(),
        Some("notes, meeting_date")
    );
    browser.close().await?;
    Ok(())
}

// Tryout 121: a draft's steps 5 and 6 hid behind the Steps box's own scroll bar (four rows).
// A section's box grows with its text, to half a screen, and no wider than its column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sections_box_shows_its_whole_text() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1000).await?;
    let steps: Vec<String> = (1..=7)
        .map(|i| format!("Step number {i}: read the notes again and check every owner."))
        .collect();
    let reply = json!({
        "analysis": "", "persona": "You are a meticulous meeting analyst.",
        "context": "Meeting notes arrive as the user's message.",
        "steps": steps, "format": "A Markdown list.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- **Bob**: send the deck"}]
    })
    .to_string();
    PromptPage::new(&b)
        .paste_reply("a bot that pulls action items out of meeting notes", &reply)
        .await?;
    b.wait_until(
        "const t = document.getElementById('pw-section-steps'); return t.value.includes('Step number 7') && t.scrollHeight <= t.clientHeight + 1 && t.clientHeight > 150",
        "the Steps box to show its seven steps without a scroll bar of its own",
    )
    .await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idea_to_prompt_with_the_fake_provider() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);

    // Nothing is sent for an empty or one-character idea.
    p.idea("x").await?;
    p.generate().await?;
    browser
        .wait_for_text("That is too short to work from")
        .await?;
    assert!(fake.chat_requests().is_empty());

    // Generate: sections fill in while the reply streams.
    fake.set_timing(0, 25, 8);
    fake.push_replies([spec_reply("v1")]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    let started = Instant::now();
    p.generate().await?;
    browser
        .wait_until(
            "const v = id => document.getElementById(id).value; \
             return v('pw-section-persona').length > 5 && v('pw-section-examples') === ''",
            "the persona to appear before the examples",
        )
        .await?;
    browser.wait_for_text("writing…").await?;
    browser.screenshot("generate-streaming-1280-light").await?;
    p.wait_version(1).await?;
    let generation_ms = started.elapsed().as_millis();
    for s in ["Persona", "Context", "Steps", "Format", "Examples"] {
        assert!(!p.section(s).await?.trim().is_empty(), "{s} is filled");
    }
    assert!(
        p.section("Steps")
            .await?
            .starts_with("1. Read the whole transcript.")
    );
    let body = &fake.chat_requests()[0].body;
    assert!(body.contains("response_format") && body.contains("a bot that pulls action items"));
    let final_md = p.final_text().await?;
    assert!(
        final_md.starts_with("## Persona\n\nYou are a meticulous meeting analyst v1."),
        "{final_md}"
    );
    assert!(
        browser
            .wait_for_text("tokens ·")
            .await?
            .text()
            .await?
            .contains("free"),
        "local-price note"
    );
    browser.screenshot("generate-done-1280-light").await?;

    // Edit a section by hand: a new version, and its diff against the previous one.
    let steps = browser.field("Steps").await?;
    steps.type_text(&format!("{SELECT_ALL}1. Read the whole transcript.\n2. List every commitment with its owner.{TAB}")).await?;
    p.wait_version(2).await?;
    assert_eq!(p.current_version().await?, "v2 Steps edited by hand");
    // The edit dropped the third step: flagged (tryout 5: a dropped step was not); the first
    // two keep their words and are not.
    browser
        .wait_until(
            "return !!document.querySelector('.pw-diff__add') && !!document.querySelector('.pw-removed li')",
            "the diff with its removed rules",
        )
        .await?;
    let flagged = browser
        .eval("return Array.from(document.querySelectorAll('.pw-removed li')).map(e => e.textContent).join('|')")
        .await?;
    assert_eq!(
        flagged,
        json!("Check each item has an owner and a due date."),
        "only the dropped step is flagged"
    );
    let ins = browser.eval("return Array.from(document.querySelectorAll('.pw-diff__add')).map(e => e.textContent).join('|')").await?;
    assert!(
        ins.as_str().unwrap().contains("List"),
        "word-level insertions shown: {ins}"
    );
    let del = browser.eval("return Array.from(document.querySelectorAll('.pw-diff__del')).map(e => e.textContent).join('|')").await?;
    assert!(
        del.as_str().unwrap().contains("Check"),
        "removed words shown: {del}"
    );
    browser.screenshot("generate-diff-1280-light").await?;

    // Markdown / XML switch, copy.
    browser.choose("XML tags").await?;
    assert!(
        p.final_text()
            .await?
            .starts_with("<persona>\nYou are a meticulous meeting analyst v1.\n</persona>")
    );
    browser.button("Copy prompt").await?.click().await?;
    browser.wait_for_text("Copied").await?;
    // Paste it somewhere (Ctrl+V), as a person would: the clipboard holds the prompt.
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    let paste_box = browser.field("3. Paste the reply here").await?;
    paste_box.type_text("\u{E009}v\u{E000}").await?;
    let pasted = paste_box.prop("value").await?.unwrap_or_default();
    assert!(
        pasted.starts_with("<persona>"),
        "clipboard holds the prompt: {pasted}"
    );
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;

    // Rewrite one section with the model: only Steps changes.
    fake.push_replies([json!({"steps": ["Read it.", "List commitments."]}).to_string()]);
    browser
        .button("Rewrite Steps with the model")
        .await?
        .click()
        .await?;
    // The box for the instruction takes the focus (tryout 102: it stayed on the button).
    browser
        .wait_until(
            "return document.activeElement?.id === 'pw-rewrite-steps'",
            "the instruction box has the focus",
        )
        .await?;
    // Enter on the empty box sends nothing (tryout 103: it paid for a rewrite by an instruction
    // never shown); Escape closes it, the focus back on Rewrite….
    let sent = fake.chat_requests().len();
    browser.press("\u{E007}").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.chat_requests().len(),
        sent,
        "Enter on the empty box sent nothing"
    );
    assert_eq!(
        browser
            .eval("return Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Rewrite Steps')?.disabled")
            .await?,
        json!(true)
    );
    browser.press("\u{E00C}").await?;
    browser
        .wait_until(
            "return !document.getElementById('pw-rewrite-steps') && document.activeElement?.id === 'pw-rewrite-open-steps'",
            "Escape to close the box, the focus on Rewrite…",
        )
        .await?;
    browser.press("\u{E007}").await?;
    browser
        .wait_until(
            "return document.activeElement?.id === 'pw-rewrite-steps'",
            "the box open again from the keyboard",
        )
        .await?;
    browser
        .field("How should Steps change?")
        .await?
        .type_text("more concise")
        .await?;
    browser.button("Rewrite Steps").await?.click().await?;
    p.wait_version(3).await?;
    assert_eq!(
        p.current_version().await?,
        "v3 Steps rewritten by fake-large: \u{201c}more concise\u{201d}"
    );
    assert_eq!(
        p.section("Steps").await?,
        "1. Read it.\n2. List commitments."
    );
    assert!(p.section("Persona").await?.ends_with("analyst v1."));
    let req = fake.chat_requests().pop().unwrap();
    assert!(
        req.body.contains("Rewrite only the \\\"steps\\\" section"),
        "{}",
        req.body
    );

    // Adapt for another model family: a new version.
    fake.push_replies([spec_reply("for small models")]);
    browser
        .field("Adapt for another model")
        .await?
        .select_by_label("Small local models")
        .await?;
    browser.button("Adapt").await?.click().await?;
    p.wait_version(4).await?;
    assert!(
        p.current_version()
            .await?
            .starts_with("v4 Adapted for Small local models")
    );

    // Stop keeps what arrived, marked incomplete, and named for what it was: an adaptation
    // (helper-56: a stopped adaptation read "Incomplete: generation by …").
    fake.set_timing(0, 120, 4);
    fake.push_replies([spec_reply("v5")]);
    browser.button("Adapt").await?.click().await?;
    browser
        .wait_until(
            "return document.getElementById('pw-section-persona').value.length > 10",
            "some persona text",
        )
        .await?;
    browser.button("Stop").await?.click().await?;
    p.wait_version(5).await?;
    browser
        .wait_for_text("This version is incomplete: the adaptation stopped before the end.")
        .await?;
    assert!(
        p.current_version()
            .await?
            .starts_with("v5 Incomplete: adaptation for Small local models by fake-large"),
        "{}",
        p.current_version().await?
    );
    browser.wait_for_text("missing").await?;
    // Tryout 88: a stopped stream left "Uncaught (in promise) AbortError: signal is aborted
    // without reason" in the console (the reader cancelled after its stream had failed).
    let errors = browser.console_errors().await?;
    assert!(
        !errors.iter().any(|e| e.contains("abort")),
        "console errors after Stop: {errors:?}"
    );
    // Tryout 12 (minor 5): the person's Stop is said plainly, not as an error with "Pick another
    // model in Settings".
    let stopped = browser
        .eval("return document.querySelector('.pw-failure')?.innerText ?? ''")
        .await?;
    let stopped = stopped.as_str().unwrap_or("");
    assert!(
        stopped.contains("You stopped the request.")
            && !stopped.contains("Pick another model")
            && !stopped.contains("failed"),
        "{stopped}"
    );
    fake.set_timing(0, 5, 40);

    // A reply that misses a section: what arrived comes in, the gap is named in plain words, and
    // the model can be asked for that section alone.
    let mut broken: serde_json::Value = serde_json::from_str(&spec_reply("v6")).unwrap();
    broken["examples"] = json!([]);
    fake.push_replies([
        broken.to_string(),
        json!({"examples": [
            {"input": "Ann: budget by May.", "output": "- **Ann**: budget (May)"},
            {"input": "We talked about lunch.", "output": "No action items."},
            {"input": "", "output": "Please paste the meeting notes."}
        ]})
        .to_string(),
    ]);
    p.generate().await?;
    p.wait_version(6).await?;
    p.wait_idle().await?;
    browser.wait_for_text("The reply has no Examples").await?;
    assert!(p.section("Persona").await?.contains("v6"));
    assert_eq!(p.current_version().await?, "v6 Generated by fake-large");
    browser
        .screenshot("generate-broken-reply-1280-light")
        .await?;
    browser
        .button("Write it with the model: The reply has no Examples")
        .await?
        .click()
        .await?;
    p.wait_version(7).await?;
    p.wait_idle().await?;
    let ask = fake.chat_requests().pop().unwrap();
    assert!(
        ask.body
            .contains("This section is missing: write the Examples section"),
        "the request asks for the missing section alone: {}",
        ask.body
    );
    assert!(
        p.section("Examples")
            .await?
            .contains("Please paste the meeting notes.")
    );
    browser
        .wait_until(
            "return !document.body.innerText.includes('Still missing')",
            "the filled gap to disappear",
        )
        .await?;

    // A Format schema the JSON checks cannot use (ajv-formats has no "phone", so promptfoo's Ajv
    // refuses it, and *Matches the JSON schema* would wait to be fixed): named above the
    // sections as Format's, and the model asked to write it again with the reason.
    let mut phone: serde_json::Value = serde_json::from_str(&spec_reply("v8")).unwrap();
    phone["format"] = json!("A JSON object with the phone number.");
    phone["json_schema"] =
        json!(r#"{"type":"object","properties":{"tel":{"type":"string","format":"phone"}}}"#);
    fake.push_replies([
        phone.to_string(),
        json!({"format": "A JSON object with the phone number.",
               "json_schema": r#"{"type":"object","properties":{"tel":{"type":"string","pattern":"^[0-9 +]+$"}}}"#})
        .to_string(),
    ]);
    p.generate().await?;
    p.wait_version(8).await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The Format section's JSON schema cannot be used")
        .await?;
    let gaps = browser
        .eval("return document.querySelector('.pw-gaps')?.innerText ?? ''")
        .await?;
    let gaps = gaps.as_str().unwrap_or_default();
    assert!(
        gaps.starts_with("Cannot be used") && gaps.contains("\"phone\""),
        "{gaps}"
    );
    browser
        .client
        .find(fantoccini::Locator::Css(
            "button[aria-label^=\"Write it with the model: The Format section's JSON schema\"]",
        ))
        .await?
        .click()
        .await?;
    p.wait_version(9).await?;
    p.wait_idle().await?;
    let ask = fake.chat_requests().pop().unwrap();
    assert!(
        ask.body
            .contains("Keep the description of the format as it is")
            && ask.body.contains("phone"),
        "the request says what is wrong with the schema: {}",
        ask.body
    );
    assert!(p.section("Format").await?.contains("pattern"));
    browser
        .wait_until(
            "return !document.querySelector('.pw-gaps')",
            "the mended schema's gap to disappear",
        )
        .await?;

    // Everything survives a reload, once the page says it is saved.
    browser.wait_for_text("Saved in this browser").await?;
    browser.client.refresh().await?;
    browser.wait_for_role_name("heading", "Versions").await?;
    assert!(p.section("Persona").await?.contains("v8"));
    assert!(
        p.section("Examples")
            .await?
            .contains("Please paste the meeting notes.")
    );
    browser.close().await?;
    println!(
        "generation with the fake provider (1.3 KB reply, 25 ms per 8 chars): {generation_ms} ms"
    );
    Ok(())
}

/// The label above the prompt (who made it).
/// Types the meeting-notes idea, waits until it is saved, and generates from a reply (Persona
/// "… analyst <tag>.") streamed `chars` characters every 100 ms; returns once the Context has
/// started to arrive.
async fn generate_slowly(
    fake: &FakeProvider,
    p: &PromptPage<'_>,
    browser: &Browser,
    tag: &str,
    chars: usize,
) -> anyhow::Result<()> {
    fake.set_timing(0, 100, chars);
    fake.push_replies([spec_reply(tag)]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    // The idea saved (after the save delay).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser.wait_for_text("Saved in this browser").await?;
    p.generate().await?;
    browser
        .wait_until(
            "return document.getElementById('pw-section-context')?.value.length > 5",
            "the Context to start arriving",
        )
        .await
}

// Tryout 103: Ctrl+Enter or Alt+G pressed again while a prompt was being written stopped that
// call (which may be billed), paid for a second and said "You stopped the request". Neither
// starts anything while a call is under way; each says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generate_shortcut_pressed_while_writing_starts_nothing() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    generate_slowly(&fake, &p, &browser, "first", 20).await?;
    // Replies for the calls that must not go out.
    fake.push_replies([spec_reply("second"), spec_reply("third")]);
    browser
        .eval("document.getElementById('pw-idea').focus(); return 1")
        .await?;
    browser.press("\u{E009}\u{E007}\u{E000}").await?;
    browser.wait_for_text(BUSY).await?;
    browser.press("\u{E00A}g\u{E000}").await?;
    p.wait_version(1).await?;
    p.wait_idle().await?;
    assert_eq!(fake.chat_requests().len(), 1, "one call for one Generate");
    let stopped = "return document.body.innerText.includes('You stopped the request')";
    assert_eq!(browser.eval(stopped).await?, json!(false));
    // Tryout 104: Enter on Generate again handed the focus to the Stop that took its place, and
    // a second Enter stopped the call just sent; Critique, pressed meanwhile, read the version
    // before.
    browser.wait_below_prompt().await?;
    browser
        .eval("Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Generate again').focus(); return 1")
        .await?;
    browser.press("\u{E007}").await?;
    browser
        .wait_until(
            "return Array.from(document.querySelectorAll('button')).some(b => b.textContent.trim() === 'Generate again' && b.disabled)",
            "Generate again to turn itself off",
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let focused = browser
        .eval("const a = document.activeElement; return !a || a === document.body ? 'body' : /^(Stop|Cancel run)$/.test(a.textContent.trim()) ? 'on ' + a.textContent.trim() : 'ok'")
        .await?;
    assert_eq!(focused, json!("ok"), "the focus after Generate again");
    assert_eq!(
        browser
            .eval("return Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Critique this prompt')?.disabled ?? 'missing'")
            .await?,
        json!(true),
        "Critique while a prompt is being written"
    );
    p.wait_version(2).await?;
    p.wait_idle().await?;
    assert_eq!(fake.chat_requests().len(), 2, "one call for Generate again");
    assert_eq!(browser.eval(stopped).await?, json!(false));
    // Tryout 104: Generate again pressed while a critique ran: the critique of the version
    // before showed under the new one without a word. It says which version it read.
    fake.reply_next_when(
        "You review a system prompt",
        &json!({"weaknesses": [{"kind": "missing-constraint", "section": "context",
            "problem": "It never says what to do with empty notes.",
            "fix": "Add: if the notes are empty, ask for them."}]})
        .to_string(),
        1,
    );
    fake.set_timing(1_500, 0, 1_000);
    browser
        .button("Critique this prompt")
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("Reading the prompt critically")
        .await?;
    browser.button("Generate again").await?.click().await?;
    p.wait_version(3).await?;
    browser
        .wait_for_text("It never says what to do with empty notes.")
        .await?;
    assert_eq!(
        text_of(&browser, "pw-critique-of").await?,
        "Weaknesses found in version 2:"
    );
    assert_eq!(
        text_of(&browser, "pw-critique-stale").await?,
        "The prompt shown is version 3, not the one critiqued: a fix rewrites its section as it is in version 3. Critique again to read version 3."
    );
    // Back on the version it read, nothing more to say.
    browser
        .button("Make version 2 current")
        .await?
        .click()
        .await?;
    browser
        .wait_until(
            "return !document.getElementById('pw-critique-stale')",
            "the note to go on version 2",
        )
        .await?;
    browser.close().await?;
    Ok(())
}

const BUSY: &str =
    "A call to the model that writes prompts is under way: wait for it, or Stop it, first.";

/// Opens a new, empty draft from the Drafts panel and waits for it.
async fn open_a_new_draft(browser: &Browser) -> anyhow::Result<()> {
    pw_harness::pages::DraftsPage::open(browser).await?;
    browser.button("New draft").await?.click().await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value === ''",
            "an empty new draft",
        )
        .await
}

/// With two drafts listed, opens the one that is not open (the caller waits for it).
async fn open_the_other_of_two(browser: &Browser) -> anyhow::Result<()> {
    let d = pw_harness::pages::DraftsPage::open(browser).await?;
    d.wait_count(2).await?;
    browser
        .eval(
            "document.querySelector('.pw-draft-list__open:not([aria-current])').click(); return 1",
        )
        .await?;
    Ok(())
}

async fn provenance(browser: &Browser) -> anyhow::Result<String> {
    let v = browser
        .eval("return document.querySelector('.pw-provenance')?.textContent ?? ''")
        .await?;
    Ok(v.as_str().unwrap_or("").to_owned())
}

/// Tryout 98: an adaptation whose reply was pasted in Manual mode read "Pasted from another chat
/// app" and kept the Markdown layout, where one that arrives is "Adapted for …" and takes its
/// family's layout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adaptation_pasted_in_manual_mode_is_that_adaptation() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("v1")).await?;
    fake.push_replies(["Sorry, no JSON today.".to_owned()]);
    browser
        .field("Adapt for another model")
        .await?
        .select_by_label("Anthropic Claude")
        .await?;
    browser.button("Adapt").await?.click().await?;
    browser.button("Use Manual mode").await?.click().await?;
    browser
        .field("3. Paste the reply here")
        .await?
        .click()
        .await?;
    browser.paste(&spec_reply("for claude")).await?;
    browser.button("Use this reply").await?.click().await?;
    p.wait_version(2).await?;
    assert!(
        p.current_version()
            .await?
            .starts_with("v2 Adapted for Anthropic Claude by a reply you pasted"),
        "{}",
        p.current_version().await?
    );
    assert!(
        p.final_text().await?.starts_with("<persona>"),
        "the XML layout of Claude's family"
    );
    browser.close().await?;
    Ok(())
}

/// Tryout 98: a rewrite whose call failed said "What arrived is kept", and a rewrite keeps
/// nothing of a failed call. It says the part that arrived is not used, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rewrite_does_not_say_what_arrived_is_kept() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("v1")).await?;
    fake.fault_when(
        "improving one section",
        Fault::StreamError {
            message: "overloaded".into(),
        },
        1,
    );
    browser
        .button("Rewrite Persona with the model")
        .await?
        .click()
        .await?;
    browser
        .field("How should Persona change?")
        .await?
        .type_text("Make it warmer")
        .await?;
    browser.button("Rewrite Persona").await?.click().await?;
    browser
        .wait_for_text("The part that had arrived is not used")
        .await?;
    let body = browser.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("What arrived is kept"),
        "{body}"
    );
    assert!(p.current_version().await?.starts_with("v1 "));
    browser.close().await?;
    Ok(())
}

/// Tryout 97: a step put in between read in the diff as every later step rewritten ("4.
/// ~~Return~~List every person…", "5. ~~Use~~Return…"), the steps being aligned by their
/// numbers, and the step taken out was not among the removed constraints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_put_in_between_reads_as_one_step_added_in_the_diff() -> anyhow::Result<()> {
    let (_site, browser) = pw_harness::with_app(1280, 1400).await?;
    let p = PromptPage::new(&browser);
    let reply = json!({
        "analysis": "", "persona": "You extract action items.", "context": "Meeting notes.",
        "steps": ["Read the notes.", "Find each task.", "Name its owner.", "Return JSON only.", "Use {{notes}} as the notes."],
        "format": "JSON.", "json_schema": "",
        "examples": [{"input": "Bob sends the deck.", "output": "[]"}]
    });
    p.paste_reply(
        "a bot that pulls action items out of meeting notes",
        &reply.to_string(),
    )
    .await?;
    browser
        .field("Steps")
        .await?
        .type_text(&format!("{SELECT_ALL}1. Read the notes.\n2. Find each task.\n3. Name its owner.\n4. List every person named with a task, including Dan.\n5. Return JSON only.{TAB}"))
        .await?;
    p.wait_version(2).await?;
    browser
        .wait_until(
            "return !!document.querySelector('.pw-diff__add')",
            "the diff",
        )
        .await?;
    let texts = |class: &str| {
        format!("return Array.from(document.querySelectorAll('{class}')).map(e => e.textContent)")
    };
    // Tryout 100: "Return JSON only." moved from 4 to 5 says so, as a reworded step's number
    // change is said.
    assert_eq!(
        browser.eval(&texts(".pw-diff__add")).await?,
        json!([
            "4. List every person named with a task, including Dan.\n",
            "5."
        ])
    );
    assert_eq!(
        browser.eval(&texts(".pw-diff__del")).await?,
        json!(["4.", "5. Use {{notes}} as the notes."])
    );
    assert_eq!(
        browser.eval(&texts(".pw-removed li")).await?,
        json!(["Use {{notes}} as the notes."])
    );
    // Tryout 100: steps are not all constraints; the list's title says what it holds.
    browser
        .wait_for_text("Removed rules and steps: check these were meant to go")
        .await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_mode_round_trip() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1200).await?;
    browser.open_app(&site.url()).await?;
    let p = PromptPage::new(&browser);
    p.idea("turn recipes into shopping lists").await?;
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    let system = browser
        .field("1. Instructions (system message)")
        .await?
        .prop("value")
        .await?
        .unwrap();
    assert!(system.starts_with("You are a senior prompt engineer."));
    let user = browser
        .field("2. Message")
        .await?
        .prop("value")
        .await?
        .unwrap();
    assert!(
        user.contains("Task: turn recipes into shopping lists") && user.contains("JSON schema")
    );
    // Nothing usable: the likeliest cause, and nothing is made.
    let reply = browser.field("3. Paste the reply here").await?;
    reply.type_text("Sorry, I can only chat.").await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("Nothing in that reply could be used")
        .await?;
    // Said of the paste, not of a model (tryout 50: "This model did not write JSON").
    browser
        .wait_for_text("The pasted reply is not JSON: it is ordinary text")
        .await?;
    assert_eq!(
        browser
            .eval("return document.body.innerText.includes('This model did not write JSON')")
            .await?,
        json!(false)
    );
    assert_eq!(p.current_version().await?, "");

    // Regression (issue 13): a reply whose third example has an empty input (as the meta-prompt
    // asks: "one where the input is incomplete") was refused whole with a JSON path. Now every
    // section that reads comes in, and only what is really missing (Steps) is named.
    let mut partial: serde_json::Value = serde_json::from_str(&spec_reply("pasted")).unwrap();
    partial.as_object_mut().unwrap().remove("steps");
    partial["examples"][2]["input"] = json!("");
    let partial = format!("{SELECT_ALL}Here you go:\n```json\n{partial}\n```");
    reply.type_text(&partial).await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("Read the reply: your prompt is below. 1 part is still missing")
        .await?;
    assert!(p.current_version().await?.starts_with("v1 Pasted"));
    assert!(p.section("Persona").await?.contains("pasted"));
    assert!(
        p.section("Examples")
            .await?
            .contains("Please paste the meeting notes.")
    );
    let gaps = browser
        .eval("return Array.from(document.querySelectorAll('.pw-gaps__text')).map(e => e.textContent)")
        .await?;
    assert_eq!(gaps, json!(["The reply has no Steps"]));
    assert_eq!(provenance(&browser).await?, "Pasted by you");
    browser.screenshot("manual-mode-partial-1280-light").await?;
    // The same reply pasted again makes no version, and says so (tryout 92: it read "your
    // prompt is below" as if it were new).
    reply.type_text(&partial).await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("Read the reply: it gives the same prompt as version 1, the current one, so no new version was made.")
        .await?;
    assert!(p.current_version().await?.starts_with("v1 Pasted"));

    // Fill the gap by hand: the button takes the person to the Steps editor.
    browser
        .button("Fill in by hand: The reply has no Steps")
        .await?
        .click()
        .await?;
    let focused = browser.eval("return document.activeElement.id").await?;
    assert_eq!(focused, json!("pw-section-steps"));
    browser
        .field("Steps")
        .await?
        .type_text(&format!(
            "1. Read the recipe.\n2. Group items by aisle.{TAB}"
        ))
        .await?;
    p.wait_version(2).await?;
    browser
        .wait_until(
            "return !document.body.innerText.includes('Still missing')",
            "the filled gap to disappear",
        )
        .await?;
    assert_eq!(provenance(&browser).await?, "Pasted and edited by you");
    browser.screenshot("manual-mode-1280-light").await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_without_json_shows_what_arrived_and_offers_manual_mode() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    fake.set_timing(0, 2, 64);
    let prose = "Sure! A good prompt would be: <b>You are a helper</b> who lists items.";
    fake.push_replies([prose.to_owned(), "Still only prose, sorry.".to_owned()]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    p.generate().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("No part of the reply could be used")
        .await?;
    browser
        .wait_for_text("This model did not write JSON")
        .await?;
    // What arrived is there, folded, as text (the tag is shown, not rendered).
    browser
        .wait_for_text("What the model sent (")
        .await?
        .click()
        .await?;
    let raw = browser
        .eval("const r = document.querySelector('.pw-raw__text'); return [r.textContent, r.querySelectorAll('b').length]")
        .await?;
    assert_eq!(raw, json!([prose, 0]));
    browser.screenshot("generate-no-json-1280-light").await?;

    // Retry fails the same way: the page says so, with the attempt.
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("Failed again (attempt 2): No part of the reply could be used")
        .await?;
    assert_eq!(
        fake.chat_requests().len(),
        2,
        "Retry sent the request again"
    );

    // Manual mode opens from the error with the request to paste, and a pasted reply clears the
    // error and is labelled as pasted.
    browser.button("Use Manual mode").await?.click().await?;
    let user = browser
        .field("2. Message")
        .await?
        .prop("value")
        .await?
        .unwrap();
    assert!(
        user.contains("Task: a bot that pulls action items"),
        "{user}"
    );
    browser
        .field("3. Paste the reply here")
        .await?
        .click()
        .await?;
    browser.paste(&spec_reply("pasted")).await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("Read the reply: your prompt is below.")
        .await?;
    browser
        .wait_until(
            "return !document.body.innerText.includes('No part of the reply could be used')",
            "the error to go once a prompt is pasted",
        )
        .await?;
    assert_eq!(provenance(&browser).await?, "Pasted by you");

    // A later failure, then a successful generation: the error goes, the label names the model.
    fake.push_replies(["no json here".to_owned()]);
    p.generate().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("No part of the reply could be used")
        .await?;
    assert!(
        !browser
            .eval("return document.body.innerText.includes('Failed again')")
            .await?
            .as_bool()
            .unwrap(),
        "a new request starts counting again"
    );
    fake.push_replies([spec_reply("generated")]);
    p.generate().await?;
    p.wait_version(2).await?;
    p.wait_idle().await?;
    browser
        .wait_until(
            "return !document.body.innerText.includes('No part of the reply could be used')",
            "the error to go after a successful generation",
        )
        .await?;
    assert_eq!(provenance(&browser).await?, "Written by fake-large");
    browser.close().await?;
    Ok(())
}

// Tryout: a Retry that failed for another cause (first plain text, then a refused key) said
// "Failed again … the same request failed again". "Again" is said only for the same cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_failing_for_another_cause_names_it_instead_of_failed_again() -> anyhow::Result<()>
{
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    fake.push_replies(["Sure! A good prompt lists items.".to_owned()]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    p.generate().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("No part of the reply could be used")
        .await?;
    fake.push_faults([Fault::status(401, "Incorrect API key provided.")]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    // Both causes are named (tryout: "this time the call itself failed", as if the one before
    // had not been a failed call too).
    browser
        .wait_for_text(
            "Attempt 2 failed for a different reason: attempt 1 failed because the reply held no JSON; this time no API key was sent (HTTP 401), as below.",
        )
        .await?;
    let body = browser.eval("return document.body.innerText").await?;
    let body = body.as_str().unwrap_or("");
    assert!(!body.contains("Failed again"), "{body}");
    assert!(!body.contains("failed the same way"), "{body}");
    // The same refusal once more: now it is "again".
    fake.push_faults([Fault::status(401, "Incorrect API key provided.")]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("Failed again (attempt 3): the same request failed the same way.")
        .await?;
    // Tryout 4: a refused key was offered "Pick another model in Settings".
    browser.button("Check the key in Settings").await?;
    // Tryout: a 401 then a 503 said "this time the call itself failed": the 401 was a failed
    // call too. Both are named (the 503 is retried by itself first, four tries in all).
    fake.push_faults((0..4).map(|_| Fault::status(503, "The server is overloaded.")));
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text(
            "Attempt 4 failed for a different reason: attempt 3 failed because no API key was sent (HTTP 401); this time the provider was overloaded (HTTP 503), as below.",
        )
        .await?;
    let body = browser.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("failed the same way"),
        "{body}"
    );
    // Tryout 19 (10): a reply that could not be used after a failed call named only its own
    // cause; the same again said "unlikely to help" and then "Try again".
    fake.push_replies([String::new()]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text(
            "Attempt 5 failed for a different reason: attempt 4 failed because the provider was overloaded (HTTP 503); this time the reply was empty, as below.",
        )
        .await?;
    // Said once (tryout 98: the title under it began with it again).
    let said = browser.eval("return document.body.innerText.split('Attempt 5 failed for a different reason').length - 1").await?;
    assert_eq!(said, json!(1));
    fake.push_replies([String::new()]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("Asking this model again is unlikely to help: pick another model in Settings, or use Manual mode with any chat app.")
        .await?;
    let body = browser.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("Try again;"),
        "{body}"
    );
    browser.close().await?;
    Ok(())
}

// Session 48's note (tryout 98): Retry sent the request it had failed with, so an idea corrected
// under the failure was not what Retry asked about. Retry builds the request from the page as it
// is: the idea as edited goes, as a fresh try (not "the same request failed again"), and its cost
// figure is that request's; unedited, Retry sends the same request again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_the_idea_was_edited_sends_the_idea_as_it_is_now() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    // A model with a list price, so the figure beside Retry is an amount.
    fake.add_model("gpt-4o-mini");
    let s = SettingsPage::open(&browser).await?;
    s.model("gpt-4o-mini").await?;
    s.close().await?;
    let p = PromptPage::new(&browser);
    fake.push_faults([Fault::status(401, "Incorrect API key provided.")]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    p.generate().await?;
    p.wait_idle().await?;
    browser.button("Check the key in Settings").await?;
    let figure = || async {
        browser
            .eval("const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Retry'); return b.parentElement.innerText")
            .await
    };
    let before = figure().await?;
    assert!(
        before.as_str().unwrap_or_default().contains("at most $"),
        "{before}"
    );
    // Unedited: the same request again.
    fake.push_faults([Fault::status(401, "Incorrect API key provided.")]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("Failed again (attempt 2): the same request failed the same way.")
        .await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].body, sent[1].body,
        "an unedited Retry sends the same request"
    );
    // The idea corrected under the failure, much longer: the figure beside Retry is that request's.
    let longer = format!(
        "a bot that pulls action items out of sales call transcripts, {}",
        "with the owner, the due date and the customer named for each item; ".repeat(20)
    );
    p.idea(&longer).await?;
    browser
        .wait_until(
            &format!(
                "const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Retry'); return b && b.parentElement.innerText !== {}",
                serde_json::to_string(before.as_str().unwrap_or_default())?
            ),
            "the Retry figure to follow the edited idea",
        )
        .await?;
    fake.push_faults([Fault::status(401, "Incorrect API key provided.")]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 3);
    assert!(
        sent[2].body.contains("sales call transcripts"),
        "Retry sent the idea as edited: {}",
        sent[2].body
    );
    assert!(!sent[2].body.contains("out of meeting notes"));
    // A fresh request failing is not "the same request failed again".
    browser.button("Check the key in Settings").await?;
    let body = browser.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("Failed again"),
        "{body}"
    );
    // And it answers: the prompt is the edited idea's.
    fake.push_replies([spec_reply("sales")]);
    browser.button("Retry").await?.click().await?;
    p.wait_version(1).await?;
    p.wait_idle().await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[2].body, sent[3].body);
    browser.close().await?;
    Ok(())
}

// Tryout 100: a reply that gave the current prompt again made no version, closed the error box
// and said nothing. It says so; a failure before it says it was cut off, not kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_gives_the_same_prompt_says_no_version_was_made() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("same")).await?;
    // Cut off after a few characters, none of which read: nothing is kept, and said so.
    fake.set_timing(0, 2, 8);
    fake.push_faults([Fault::Truncate { after_chunks: 2 }]);
    p.generate().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The part that had arrived is not used; press Retry.")
        .await?;
    let body = browser.eval("return document.body.innerText").await?;
    assert!(
        !body.as_str().unwrap_or("").contains("What arrived is kept"),
        "{body}"
    );
    fake.push_replies([spec_reply("same")]);
    browser.button("Retry").await?.click().await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The reply gave the same prompt as version 1, the current one: no new version was made.")
        .await?;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.pw-versions__num').length")
            .await?,
        json!(1)
    );
    // A new version takes the note away.
    fake.push_replies([spec_reply("other")]);
    p.generate().await?;
    p.wait_version(2).await?;
    p.wait_idle().await?;
    browser
        .wait_until(
            "return !document.body.innerText.includes('no new version was made')",
            "the note to go with a new version",
        )
        .await?;
    browser.close().await?;
    Ok(())
}

// Tryout 100: after "Make current" on an older version, the next version was listed as if made
// from the one above it ("v22 Persona edited by hand" after v21), and its changes read as every
// section rewritten. The list says which version it was made from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_made_from_an_older_one_says_which() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("one")).await?;
    fake.push_replies([spec_reply("two")]);
    p.generate().await?;
    p.wait_version(2).await?;
    p.wait_idle().await?;
    browser
        .button("Make version 1 current")
        .await?
        .click()
        .await?;
    browser
        .field("Persona")
        .await?
        .type_text(" Be brief.")
        .await?;
    p.wait_version(3).await?;
    let listed = browser
        .eval("return Array.from(document.querySelectorAll('.pw-versions__item')).map(e => e.querySelector('.pw-versions__num').textContent + ' ' + e.querySelector('.pw-versions__what').textContent)")
        .await?;
    let listed: Vec<String> = serde_json::from_value(listed)?;
    assert!(
        listed[0].starts_with("v3 ") && listed[0].ends_with(" (from v1)"),
        "{listed:?}"
    );
    assert!(!listed[1].contains("(from"), "{listed:?}");
    browser.close().await?;
    Ok(())
}

/// The tiny built-in model writes a usable draft for every example idea the page offers: each
/// section filled and on the idea's topic, no placeholder, no repeated step, three examples that
/// differ (`meta::quality::problems`), through the real page and the Generate button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// Named to sort first: tests start in name order, and this long one (it waits on the local
// model) ran alone at the end of the suite, the other thread idle.
async fn a_draft_from_the_real_local_model_is_usable_for_every_example_idea() -> anyhow::Result<()>
{
    let _turn = pw_harness::local_model::one_at_a_time();
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1400).await?;
    browser.open_app(&site.url()).await?;
    browser.wait_for_text("Local model ready").await?;
    browser
        .wait_for_text("Uses the tiny built-in model: expect rough drafts. Add a key in Settings for real quality.")
        .await?;
    let p = PromptPage::new(&browser);
    let started = Instant::now();
    let mut timings = String::new();
    let mut failures = Vec::new();
    for (i, idea) in EXAMPLE_IDEAS.iter().enumerate() {
        let n = i as u32 + 1;
        let t = Instant::now();
        if i == 0 {
            // The first visitor's path: the example chip, then Generate.
            browser.button(idea).await?.click().await?;
        } else {
            p.idea(idea).await?;
        }
        p.generate().await?;
        let deadline = Instant::now() + Duration::from_secs(180);
        // What the page says it is writing while the parts come in.
        let mut progress = std::collections::BTreeSet::new();
        loop {
            if p.current_version().await?.starts_with(&format!("v{n} ")) {
                break;
            }
            let line = browser
                .eval("return document.getElementById('pw-tiny-progress')?.textContent ?? ''")
                .await?;
            if let Some(line) = line.as_str().filter(|l| !l.is_empty()) {
                progress.insert(line.to_owned());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no v{n} after 180 s for {idea:?}"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        p.wait_idle().await?;
        // Seven parts, each named while it is written (some pass between two looks).
        assert!(progress.len() >= 2, "{progress:?}");
        for line in &progress {
            assert!(
                line.starts_with("The local model is writing ") && line.contains(" of 7)"),
                "{line}"
            );
        }
        let gone = browser
            .eval("return document.getElementById('pw-tiny-progress') === null")
            .await?;
        assert_eq!(
            gone,
            serde_json::json!(true),
            "the progress line stays after the draft"
        );
        let took = t.elapsed();
        let problem = browser
            .eval(
                "return document.querySelector('.pw-card--prompt [role=alert]')?.textContent ?? ''",
            )
            .await?;
        assert!(
            problem.as_str() == Some(""),
            "the local model's reply for {idea:?} was not usable: {problem}"
        );
        let version = p.current_version().await?;
        assert!(
            version.starts_with(&format!("v{n} Generated by SmolLM2-135M-Instruct")),
            "{version}"
        );
        let spec = p.spec().await?;
        let problems = quality::problems(idea, &spec);
        if !problems.is_empty() {
            failures.push(format!("{idea}: {problems:?}\n{spec:#?}"));
        }
        timings.push_str(&format!("{idea}: {:.1} s\n", took.as_secs_f64()));
        if i == 0 {
            browser.button("Copy prompt").await?.click().await?;
            browser.wait_for_text("Copied").await?;
            browser
                .screenshot("generate-local-model-1280-light")
                .await?;
        }
    }
    timings.push_str(&format!(
        "local model: {} ideas -> usable drafts in {:.1} s\n",
        EXAMPLE_IDEAS.len(),
        started.elapsed().as_secs_f64()
    ));
    eprintln!("{timings}");
    std::fs::write(
        paths::artifacts_dir().join("generate-timings.txt"),
        &timings,
    )?;
    assert!(
        failures.is_empty(),
        "drafts that are not usable:\n{}",
        failures.join("\n")
    );
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_works_on_every_provider_preset() -> anyhow::Result<()> {
    let fake = FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1000).await?;
    browser.open_app(&site.url()).await?;
    fake.set_timing(0, 2, 64);
    let p = PromptPage::new(&browser);
    p.idea("answer customer emails about late deliveries")
        .await?;
    let presets = [
        ("OpenAI", "openai"),
        ("Anthropic (Claude)", "anthropic"),
        ("Google Gemini", "gemini"),
        ("OpenRouter", "openai"),
        ("Groq", "openai"),
        ("Mistral", "openai"),
        ("Together AI", "openai"),
        ("DeepSeek", "openai"),
        ("Ollama (on this computer)", "openai"),
        ("LM Studio (on this computer)", "openai"),
        ("Local model (llama.cpp, built in)", "openai"),
        ("OpenAI-compatible server", "openai"),
    ];
    for (n, (label, wire)) in presets.iter().enumerate() {
        let settings = SettingsPage::open(&browser).await?;
        settings.provider(label).await?;
        let base = match *wire {
            "anthropic" => fake.anthropic_url(),
            "gemini" => fake.gemini_url(),
            _ => fake.openai_url(),
        };
        settings.base_url(&base).await?;
        settings.key("sk-preset-test-key").await?;
        settings.model("fake-mini").await?;
        settings.close().await?;
        fake.clear();
        let tiny = label.starts_with("Local model");
        if tiny {
            // The tiny built-in model is asked part by part in plain completions (meta::tiny):
            // persona, context, steps, format, three examples.
            fake.push_replies([
                // On the idea's topic: a part that is not is asked again (meta::tiny::RETRIES).
                format!(" a fake persona for late deliveries via {label}."),
                " Customers write about late deliveries.".to_owned(),
                " Read the email.\n2. Apologise for the late delivery.".to_owned(),
                " A short, polite email about the delivery.".to_owned(),
                " Where is my parcel?\nReply: It is late; it arrives Monday.".to_owned(),
                " Second late delivery!\nReply: We are sorry; here is a refund.".to_owned(),
                " hi\nReply: How can I help with your delivery?".to_owned(),
            ]);
        } else {
            fake.push_replies([spec_reply(&format!("via {label}"))]);
        }
        p.generate().await?;
        p.wait_version(n as u32 + 1).await?;
        assert!(
            p.section("Persona")
                .await?
                .contains(&format!("via {label}")),
            "{label}"
        );
        if tiny {
            let reqs = fake.chat_requests();
            assert_eq!(reqs.len(), 7, "{label}: one plain completion per part");
            for r in &reqs {
                assert_eq!(r.path, "/openai/v1/completions", "{label}");
                assert!(
                    r.body.contains("\"prompt\"") && !r.body.contains("\"messages\""),
                    "{label}: a plain completion, not a chat: {}",
                    r.body
                );
            }
            let spec = p.spec().await?;
            assert_eq!(spec.steps.len(), 2, "{label}: {spec:?}");
            assert_eq!(
                spec.examples[2].output,
                "How can I help with your delivery?"
            );
            continue;
        }
        let req = fake.chat_requests().pop().unwrap();
        let expected_path = match *wire {
            "anthropic" => "/anthropic/v1/messages".to_owned(),
            "gemini" => "/gemini/v1beta/models/fake-mini:streamGenerateContent".to_owned(),
            _ => "/openai/v1/chat/completions".to_owned(),
        };
        assert_eq!(req.path, expected_path, "{label}");
        let structured = match *wire {
            "anthropic" => req.body.contains("\"tool_choice\""),
            "gemini" => req.body.contains("\"responseSchema\""),
            _ if *label == "DeepSeek" => req.body.contains("json_object"),
            _ => req.body.contains("json_schema"),
        };
        assert!(
            structured,
            "{label}: native structured-output form in {}",
            req.body
        );
    }
    browser.close().await?;
    Ok(())
}

/// Puts `text` into the idea box as if pasted (one input event).
async fn paste_idea(browser: &Browser, text: &str) -> anyhow::Result<()> {
    browser
        .client
        .execute(
            "const t = document.getElementById('pw-idea'); t.value = arguments[0]; \
             t.dispatchEvent(new Event('input', {bubbles: true})); return true",
            vec![json!(text)],
        )
        .await?;
    Ok(())
}

// Bug: a 540 KB idea went to Generate without a word about its size or cost. A large request
// shows its size, tokens and cost and waits for "Send it"; a huge one is not sent at all.
// Also: the snippet names the prompt's {{variables}}, and the size line names the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_idea_says_its_size_and_cost_and_waits_for_a_yes() -> anyhow::Result<()> {
    let (fake, _site, browser) = pw_harness::with_fake(1280, 1400).await?;
    let notice = "return document.querySelector('.pw-large-request')?.innerText ?? ''";
    paste_idea(
        &browser,
        &"Meeting notes: Bob sends the deck. ".repeat(1500),
    )
    .await?;
    browser.button("Generate prompt").await?.click().await?;
    browser
        .wait_for_text("This request is large: your idea makes it 54 KB of text, about 13,")
        .await?;
    let text = browser.eval(notice).await?;
    let text = text.as_str().unwrap_or("");
    assert!(
        text.contains(" tokens for the model of \u{201c}Writing prompts\u{201d} (OpenAI-compatible server \u{b7} fake-large) to read (")
            && text.contains("Send it anyway?")
            && !text.contains("built-in local model"),
        "{text}"
    );
    assert!(fake.chat_requests().is_empty(), "sent before the yes");
    browser.button("Don't send").await?.click().await?;
    assert_eq!(browser.eval(notice).await?, json!(""));
    assert!(fake.chat_requests().is_empty());
    // Yes: it goes.
    fake.push_replies([spec_reply("large")]);
    browser.button("Generate prompt").await?.click().await?;
    browser.button("Send it").await?.click().await?;
    PromptPage::new(&browser).wait_version(1).await?;
    assert_eq!(fake.chat_requests().len(), 1);

    // Too large: not sent, with what to do instead; nothing to confirm.
    paste_idea(&browser, &"x".repeat(540 * 1024)).await?;
    browser.button("Generate again").await?.click().await?;
    browser
        .wait_for_text("Not sent: your idea makes this request 543 KB of text, about 138,")
        .await?;
    browser
        .wait_for_text("Shorten it to what the assistant should do")
        .await?;
    let send = browser
        .eval("return Array.from(document.querySelectorAll('button')).some(b => b.textContent === 'Send it')")
        .await?;
    assert_eq!(send, json!(false), "a huge request offered to send");
    assert_eq!(fake.chat_requests().len(), 1, "a huge idea was sent");
    // Tryout 106: the figure beside Generate still said "at most $…" for a call the page
    // refuses to send. It says it is not sent.
    browser
        .wait_for_text("Your idea is too large for one call: not sent: about 138,")
        .await?;

    // The size line names the model of "Running tests" as Settings does.
    browser
        .wait_for_text("per call with the model of \u{201c}Running tests\u{201d} (OpenAI-compatible server \u{b7} fake-large)")
        .await?;
    // The snippet says which {{variables}} to fill in, in a comment of its language.
    browser
        .wait_for_text("Use it in code")
        .await?
        .click()
        .await?;
    let code = "return document.querySelector('.pw-code[aria-label=\"Code snippet\"]').textContent";
    let curl = browser.eval(code).await?;
    assert!(
        curl.as_str().unwrap_or("").starts_with(
            "# The prompt below has a placeholder for your app to fill in: {{transcript}}.\n# Replace each one"
        ),
        "{curl}"
    );
    browser
        .wait_for_role_name("tab", "JavaScript")
        .await?
        .click()
        .await?;
    let js = browser.eval(code).await?;
    assert!(
        js.as_str().unwrap_or("").starts_with(
            "// The prompt below has a placeholder for your app to fill in: {{transcript}}."
        ),
        "{js}"
    );
    // The code shown is copied in one press (tryout 93: only the prompt had a Copy). The
    // page's clipboard is stubbed: a headless browser may refuse it.
    browser
        .eval("window.__copied = []; navigator.clipboard.writeText = t => { window.__copied.push(t); return Promise.resolve(); }; return 0")
        .await?;
    browser
        .button("Copy the JavaScript code")
        .await?
        .click()
        .await?;
    browser.wait_for_text("Copied").await?;
    assert_eq!(browser.eval("return window.__copied").await?, json!([js]));
    // Another language: its own button, and no "Copied" left from the other.
    browser
        .wait_for_role_name("tab", "Python")
        .await?
        .click()
        .await?;
    browser.button("Copy the Python code").await?;
    assert_eq!(
        browser
            .eval("return [...document.querySelectorAll('.pw-hint--ok')].some(e => e.textContent === 'Copied')")
            .await?,
        json!(false)
    );

    // Tryout 11 (M5): on the built-in local model the notice said "free" and nothing of the
    // time, and the idea then took minutes a part. It says so (nothing is sent: no model runs
    // here).
    let s = SettingsPage::open(&browser).await?;
    s.job("Writing prompts").await?;
    s.provider("Local model (llama.cpp, built in)").await?;
    s.close().await?;
    paste_idea(
        &browser,
        &"Meeting notes: Bob sends the deck. ".repeat(1500),
    )
    .await?;
    browser.button("Generate again").await?.click().await?;
    browser
        .wait_for_text("expect minutes a part, not seconds.")
        .await?;
    browser.button("Don't send").await?.click().await?;
    browser.close().await?;
    Ok(())
}

// Tryout 4: a reply with a stray word between two steps came in silently, "Written by" the model,
// with one step holding both and the stray words. The mistake is named and Steps is marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stray_word_in_a_generated_reply_is_named_and_its_section_marked() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    let stray = spec_reply("stray").replace(
        "\"Find every commitment.\",",
        "\"Find every commitment.\" blah blah,",
    );
    assert!(serde_json::from_str::<serde_json::Value>(&stray).is_err());
    first_version_from(&p, &fake, stray).await?;
    browser
        .wait_for_text("The reply's JSON has a mistake")
        .await?;
    browser
        .wait_for_text("Steps was read as best it could and may be wrong, so check it.")
        .await?;
    browser
        .wait_for_text(
            "Steps may be incomplete or misread: the reply's JSON has a mistake inside it",
        )
        .await?;
    let marked: Vec<String> = serde_json::from_value(browser.eval("return Array.from(document.querySelectorAll('.pw-section--check-it .pw-section__title')).map(e => e.textContent)").await?)?;
    assert_eq!(marked, vec!["Steps".to_owned()]);
    // Nothing was left out: the version is not called incomplete.
    assert_eq!(provenance(&browser).await?, "Written by fake-large");
    let said = browser.eval("return document.body.innerText").await?;
    assert!(
        !said
            .as_str()
            .unwrap_or("")
            .contains("This version is incomplete"),
        "{said}"
    );
    browser.screenshot("stray-word-reply-1280-light").await?;

    // Tryout 18 (7): a missing comma after Context, mended by the reader, came in without a
    // word although the README promises the mistake is named. Named now, nothing marked.
    let mended = spec_reply("mended").replacen("\",\n  \"steps\"", "\"\n  \"steps\"", 1);
    assert!(serde_json::from_str::<serde_json::Value>(&mended).is_err());
    fake.push_replies([mended]);
    p.generate().await?;
    p.wait_version(2).await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The reply's JSON has a mistake between two sections, near")
        .await?;
    browser
        .wait_for_text("check the sections on either side.")
        .await?;
    browser
        .wait_for_text("Everything was read. Correct a section by hand")
        .await?;
    let marked: Vec<String> = serde_json::from_value(browser.eval("return Array.from(document.querySelectorAll('.pw-section--check-it .pw-section__title')).map(e => e.textContent)").await?)?;
    assert_eq!(
        marked,
        Vec::<String>::new(),
        "a mended mistake marks no section"
    );
    assert_eq!(provenance(&browser).await?, "Written by fake-large");
    assert_eq!(
        p.section("Steps").await?,
        "1. Read the whole transcript.\n2. Find every commitment.\n3. Check each item has an owner and a due date."
    );

    // Tryout 111: after a failed attempt, a reply read over a mistake (a missing comma in Steps)
    // and ending inside Examples read "Attempt 2 failed for a different reason: The reply's JSON
    // has a mistake" (it was used) and "Everything was read." above "cut off in the middle of
    // Examples".
    fake.push_replies(["Sorry, no JSON from me today.".to_owned()]);
    p.generate().await?;
    browser
        .wait_for_text("This model did not write JSON")
        .await?;
    let whole = spec_reply("cut").replacen(
        "\"Read the whole transcript.\",",
        "\"Read the whole transcript.\"",
        1,
    );
    let cut = &whole[..whole.find("We talked about lunch").unwrap()];
    fake.push_replies([cut.to_owned()]);
    p.generate().await?;
    p.wait_version(3).await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The rest was read as far as it came: the reply ends early")
        .await?;
    let notice = browser
        .eval("return Array.from(document.querySelectorAll('.pw-notice__title')).map(e => e.textContent).join(' | ')")
        .await?;
    let notice = notice.as_str().unwrap_or("");
    assert!(
        notice.contains("The reply's JSON has a mistake") && !notice.contains("failed"),
        "{notice}"
    );
    let text = browser.eval("return document.body.innerText").await?;
    assert!(
        !text.as_str().unwrap_or("").contains("Everything was read"),
        "{text}"
    );
    // Tryout 112: a later failure named that reply as a failed attempt ("attempt 3 failed
    // because the reply's JSON had a mistake"): it became version 3.
    fake.push_replies(["Still no JSON here.".to_owned()]);
    p.generate().await?;
    browser
        .wait_for_text("This model did not write JSON")
        .await?;
    let text = browser.eval("return document.body.innerText").await?;
    assert!(
        !text
            .as_str()
            .unwrap_or("")
            .contains("because the reply's JSON had a mistake"),
        "{text}"
    );
    browser.close().await?;
    Ok(())
}

// Tryout 112: a server that ignored Generate's output cap wrote on; the page said "cut off at the
// model's length limit … pick a model that writes longer replies", and nothing of the money. It
// reads no further than 8 bytes a token of the cap, keeps what arrived whole, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_past_generates_cap_is_cut_by_the_page_and_said_so() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    fake.set_timing(0, 0, 2_000);
    let mut reply: serde_json::Value = serde_json::from_str(&spec_reply("long"))?;
    reply["steps"] = json!(vec!["Read every line of the notes and list it."; 20_000]);
    first_version_from(&p, &fake, reply.to_string()).await?;
    browser
        .wait_for_text("The provider wrote past the output cap it was sent")
        .await?;
    let text = browser.eval("return document.body.innerText").await?;
    let text = text.as_str().unwrap_or("");
    assert!(
        !text.contains("pick a model that writes longer replies"),
        "{text}"
    );
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst long."
    );
    browser.close().await?;
    Ok(())
}

// Tryout 9 (M1): a draft about a bakery, for an idea about meeting notes, came in with no flag:
// the draft check that names such sections ran only inside the tiny model's retries. A section
// the model wrote with no word of the idea is marked "check it" with the reason, until edited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_section_with_no_word_of_the_idea_says_check_it_until_edited()
-> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    let mut reply: serde_json::Value = serde_json::from_str(&spec_reply("x"))?;
    reply["persona"] = json!("You are a friendly front-desk assistant for a bakery.");
    first_version_from(&p, &fake, reply.to_string()).await?;
    browser
        .wait_for_text("Persona uses no word of your idea (none of: ")
        .await?;
    let hint = browser
        .eval("return document.querySelector('.pw-section__doubt').textContent")
        .await?;
    let hint = hint.as_str().unwrap_or("");
    assert!(
        hint.contains("meeting")
            && hint
                .ends_with("This checks words only: if the text is not about your task, edit it."),
        "{hint}"
    );
    let marked = || async {
        anyhow::Ok(serde_json::from_value::<Vec<String>>(
            browser
                .eval("return Array.from(document.querySelectorAll('.pw-section--check-it .pw-section__title')).map(e => e.textContent)")
                .await?,
        )?)
    };
    assert_eq!(marked().await?, vec!["Persona".to_owned()]);
    browser.screenshot("off-topic-section-1280-light").await?;
    // Edited by hand: the person's word; the mark and the reason go.
    browser
        .field("Persona")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}You list the action items of a meeting.{TAB}"
        ))
        .await?;
    browser
        .wait_until(
            "return document.querySelectorAll('.pw-section--check-it').length === 0 && !document.body.innerText.includes('uses no word of your idea')",
            "the mark to go after the edit",
        )
        .await?;
    assert_eq!(marked().await?, Vec::<String>::new());
    // Tryout 117: an idea in Japanese (no spaces between words) was one "word", so every section
    // on its topic was marked. Read as pairs of characters, the sections on the topic pass and
    // the one off it is marked. Thai (no spaces either; session 56's note) likewise, read as runs
    // of three characters.
    let languages = [
        (
            "会議のメモから行動項目を抽出するボット",
            [
                "あなたは武道家です。",
                "会議のメモから、誰が何をいつまでにするかを探します。",
                "担当者と期限つきの箇条書き。",
            ],
            ["メモを最後まで読む。", "行動項目を担当者ごとに抽出する。"],
        ),
        (
            "บอทที่ดึงรายการงานจากบันทึกการประชุม",
            [
                "คุณเป็นพ่อครัวที่ทำอาหารและของหวาน",
                "ผู้ใช้วางบันทึกการประชุมเพื่อหางานที่ต้องทำ",
                "รายการงานแบบหัวข้อย่อย",
            ],
            ["อ่านบันทึกการประชุมทั้งหมด", "ดึงรายการงานพร้อมผู้รับผิดชอบ"],
        ),
    ];
    for (idea, [persona, context, format], steps) in languages {
        open_a_new_draft(&browser).await?;
        let mut other = reply.clone();
        other["persona"] = json!(persona);
        other["context"] = json!(context);
        other["steps"] = json!(steps);
        other["format"] = json!(format);
        fake.push_replies([other.to_string()]);
        p.idea(idea).await?;
        p.generate().await?;
        p.wait_version(1).await?;
        p.wait_idle().await?;
        browser
            .wait_for_text("Persona uses no word of your idea (none of: ")
            .await?;
        assert_eq!(marked().await?, vec!["Persona".to_owned()], "{idea}");
    }
    browser.close().await?;
    Ok(())
}

/// The sections marked "cut off" in the page (their titles).
async fn cut_sections(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let v = browser
        .eval("return Array.from(document.querySelectorAll('.pw-section--cut-off .pw-section__title')).map(e => e.textContent)")
        .await?;
    Ok(serde_json::from_value(v)?)
}

// Tryout (session 21): a pasted reply missing the comma after Persona and cut off in Examples
// kept only Persona, said the other sections were missing though they were in the reply, and
// became the current version at once. The comma is mended as in a whole reply: every section
// that arrived comes in, the mend is named, and only Examples is marked cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_reply_missing_a_comma_and_cut_off_keeps_every_section_that_arrived()
-> anyhow::Result<()> {
    let (_site, browser) = pw_harness::with_app(1280, 900).await?;
    let p = PromptPage::new(&browser);
    let reply = r#"{"analysis": "x", "persona": "You are a meeting assistant." "context": "Users paste meeting notes.", "steps": ["Read the notes.", "List each action item with its owner."], "format": "A bulleted list.", "examples": [{"input": "Ana will send the deck", "output": "- Ana: send"#;
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    browser
        .field("3. Paste the reply here")
        .await?
        .type_text(SELECT_ALL)
        .await?;
    browser.paste(reply).await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("The reply's JSON has a mistake between two sections, near")
        .await?;
    p.wait_version(1).await?;
    assert_eq!(p.section("Persona").await?, "You are a meeting assistant.");
    assert_eq!(p.section("Context").await?, "Users paste meeting notes.");
    assert_eq!(
        p.section("Steps").await?,
        "1. Read the notes.\n2. List each action item with its owner."
    );
    assert_eq!(p.section("Format").await?, "A bulleted list.");
    assert_eq!(cut_sections(&browser).await?, vec!["Examples".to_owned()]);
    // Tryout 46: "3 parts are still missing" counted the cut-off section among them.
    browser
        .wait_for_text("Read the reply: your prompt is below. 1 part is unfinished")
        .await?;
    let said = browser.eval("return document.body.innerText").await?;
    let said = said.as_str().unwrap_or("");
    for gone in ["Context", "Steps", "Format"] {
        assert!(
            !said.contains(&format!("The reply has no {gone}")),
            "{gone} is called missing: {said}"
        );
    }
    browser.close().await?;
    Ok(())
}

// Bug (first-hour tryout): a reply cut off mid-JSON became a finished Persona "You are". The
// section a reply ends inside is marked cut off and named among what is still missing, whether
// the stream ended normally, stopped at the length limit, or was pasted in manual mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_cut_off_mid_json_marks_its_last_section_as_cut_off() -> anyhow::Result<()> {
    use pw_harness::fake_provider::Fault;
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);

    // The stream ends (normally: finish reason "stop") inside the Persona's text.
    fake.push_replies([r#"{"persona": "You are"#.to_owned()]);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    p.generate().await?;
    browser
        .wait_for_text("The reply was cut off in the middle of Persona: it is unfinished")
        .await?;
    p.wait_idle().await?;
    assert_eq!(cut_sections(&browser).await?, ["Persona"]);
    assert_eq!(p.section("Persona").await?, "You are");
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );
    browser
        .wait_for_text("This version is incomplete: the generation stopped before the end.")
        .await?;
    browser.screenshot("generate-cut-off-1280-light").await?;

    // The connection closes (no final event) inside the Context.
    fake.push_faults([Fault::Truncate {
        after_chunks: 10_000,
    }]);
    fake.push_replies([
        r#"{"persona": "You are a meticulous meeting analyst.", "context": "Notes arrive as raw"#
            .to_owned(),
    ]);
    p.generate().await?;
    browser
        .wait_for_text("The reply was cut off in the middle of Context: it is unfinished")
        .await?;
    p.wait_idle().await?;
    assert_eq!(cut_sections(&browser).await?, ["Context"]);
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );

    // Stopped at the length limit inside the Steps: Persona is whole, Steps is cut off.
    fake.push_faults([Fault::MaxTokens]);
    fake.push_replies([
        r#"{"persona": "You are a meticulous meeting analyst.", "steps": ["Read the notes.", "Find every"#
            .to_owned(),
    ]);
    p.generate().await?;
    browser
        .wait_for_text("The reply was cut off at the model's length limit")
        .await?;
    browser
        .wait_for_text("The reply was cut off in the middle of Steps: it is unfinished")
        .await?;
    assert_eq!(cut_sections(&browser).await?, ["Steps"]);
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst."
    );

    // Finishing the section by hand ends the mark.
    browser
        .field("Steps")
        .await?
        .type_text(" commitment with its owner.")
        .await?;
    browser
        .wait_until(
            "return document.querySelectorAll('.pw-section--cut-off').length === 0",
            "the cut-off mark to go once the section is edited",
        )
        .await?;

    // Tryout 47: a whole reply that ended just at the length limit lost nothing: it is a
    // finished version, not "Incomplete" with nothing named as missing.
    fake.push_faults([Fault::MaxTokens]);
    fake.push_replies([spec_reply("whole at the limit")]);
    p.generate().await?;
    p.wait_idle().await?;
    browser
        .wait_until(
            "return !document.body.innerText.includes(\"cut off at the model's length limit\")",
            "the length-limit notice to go for a whole reply",
        )
        .await?;
    assert_eq!(provenance(&browser).await?, "Written by fake-large");
    assert_eq!(cut_sections(&browser).await?, Vec::<String>::new());

    // A reply pasted in manual mode, cut inside the Context.
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    browser
        .field("3. Paste the reply here")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}{}",
            r#"{"persona": "You are an analyst.", "context": "Notes arrive as"#
        ))
        .await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("The reply was cut off in the middle of Context: it is unfinished")
        .await?;
    assert_eq!(cut_sections(&browser).await?, ["Context"]);
    Ok(())
}

/// The text of an element by id ("" when absent).
async fn text_of(browser: &Browser, id: &str) -> anyhow::Result<String> {
    let v = browser
        .eval(&format!(
            "return document.getElementById('{id}')?.textContent ?? ''"
        ))
        .await?;
    Ok(v.as_str().unwrap_or("").to_owned())
}

// Bugs (tryout 3): a reply broken by a missing comma, then cut off, was called "JSON, but it is
// empty"; a complete reply missing a comma in Steps came in with stray quotes; Manual mode kept
// the old paste and status when its job changed, and refused a whole prompt for a Format job;
// with an empty idea it offered "Task: " to copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_replies_are_read_up_to_the_break_and_manual_mode_follows_its_job()
-> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);

    // An empty idea: Manual mode says so first, and its message cannot be copied yet.
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    browser.wait_for_text("Your idea is empty").await?;
    let disabled = browser
        .eval("return document.querySelector('[aria-label=\"Copy 2. Message\"]').disabled")
        .await?;
    assert_eq!(disabled, json!(true));
    // Tryout 3: the box still showed a message whose task was empty ("Task: ").
    let message = browser
        .eval(
            "const m = document.getElementById('pw-manual-user'); return [m.value, m.placeholder]",
        )
        .await?;
    assert_eq!(
        message,
        json!([
            "",
            "The message appears here once your idea is written above."
        ])
    );
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    browser
        .wait_until(
            "return !document.getElementById('pw-manual-no-idea') && !document.querySelector('[aria-label=\"Copy 2. Message\"]').disabled",
            "the empty-idea note to go once there is an idea",
        )
        .await?;

    // Pasted: a stray word inside Steps (no comma mends it), then cut off. Persona and Context
    // come in, and the break is named. (A missing comma is mended: see
    // `a_pasted_reply_missing_a_comma_and_cut_off_keeps_every_section_that_arrived`.)
    let broken = r#"{"analysis": "x", "persona": "You are a meeting assistant", "context": "Users paste notes", "steps": ["Read" so "Find"], "#;
    let reply = browser.field("3. Paste the reply here").await?;
    reply.type_text(broken).await?;
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_for_text("The reply breaks in the middle of Steps")
        .await?;
    // Tryout 3: what is still missing named the break as a cut-off.
    browser
        .wait_for_text(
            "Steps may be incomplete or misread: the reply's JSON has a mistake inside it",
        )
        .await?;
    let said = browser.eval("return document.body.innerText").await?;
    assert!(
        !said
            .as_str()
            .unwrap_or("")
            .contains("cut off in the middle of Steps"),
        "{said}"
    );
    assert_eq!(cut_sections(&browser).await?, Vec::<String>::new());
    // Tryout 46: the sections after the break were listed as "The reply has no Format", and
    // the count called the broken Steps missing.
    browser
        .wait_for_text("Format was not read: the reply's JSON breaks before it, and nothing after the break was read")
        .await?;
    browser
        .wait_for_text(
            "Read the reply: your prompt is below. 1 part may be incomplete or misread and 2 were not read: ",
        )
        .await?;
    for gone in ["Format", "Examples"] {
        assert!(
            !said
                .as_str()
                .unwrap_or("")
                .contains(&format!("The reply has no {gone}")),
            "{gone} is called absent: {said}"
        );
    }
    assert_eq!(
        serde_json::from_value::<Vec<String>>(browser.eval("return Array.from(document.querySelectorAll('.pw-section--check-it .pw-section__title')).map(e => e.textContent)").await?)?,
        vec!["Steps".to_owned()]
    );
    assert_eq!(p.section("Persona").await?, "You are a meeting assistant");
    assert_eq!(p.section("Context").await?, "Users paste notes");
    assert!(
        !browser
            .eval("return document.body.innerText.includes('it is empty')")
            .await?
            .as_bool()
            .unwrap()
    );
    browser.screenshot("manual-broken-reply-1280-light").await?;

    // Generated: a complete reply with a comma missing inside Steps reads as its three steps.
    let missing =
        spec_reply("comma").replace("\"Find every commitment.\",", "\"Find every commitment.\"");
    assert!(serde_json::from_str::<serde_json::Value>(&missing).is_err());
    fake.push_replies([missing]);
    p.generate().await?;
    p.wait_version(2).await?;
    p.wait_idle().await?;
    let steps = p.section("Steps").await?;
    assert!(
        steps.contains("Find every commitment.") && !steps.contains('"'),
        "{steps}"
    );
    assert_eq!(steps.lines().count(), 3, "{steps}");

    // Generated: the broken, cut-off reply. What reads is kept as an incomplete version, and the
    // page says where the reply breaks.
    fake.push_replies([broken.to_owned()]);
    p.generate().await?;
    p.wait_version(3).await?;
    p.wait_idle().await?;
    browser
        .wait_for_text("The reply's JSON breaks part-way")
        .await?;
    browser
        .wait_for_text("The reply breaks in the middle of Steps, near")
        .await?;
    assert_eq!(p.section("Context").await?, "Users paste notes");
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );
    // Tryout 4: the Final prompt card gave the unfinished version to copy and share without a
    // word. It says so, and offers the latest finished version.
    browser
        .wait_for_text("This version is incomplete (its generation stopped before the end): what you copy, download or share below is unfinished.")
        .await?;
    browser.button("Make version 2 current").await?;
    // Back to the complete version for the rewrite below.
    fake.push_replies([spec_reply("comma")]);
    p.generate().await?;
    p.wait_version(4).await?;
    p.wait_idle().await?;

    // A Format rewrite fails; Manual mode opens for it with an empty paste box and no old status.
    fake.push_replies(["Sorry, no JSON today.".to_owned()]);
    browser
        .button("Rewrite Format with the model")
        .await?
        .click()
        .await?;
    browser
        .field("How should Format change?")
        .await?
        .type_text("Add a JSON schema")
        .await?;
    browser.button("Rewrite Format").await?.click().await?;
    browser
        .wait_for_text("The rewritten Format could not be read")
        .await?;
    browser.button("Use Manual mode").await?.click().await?;
    browser
        .wait_for_text("Asks for a new Format section")
        .await?;
    let pasted = browser
        .field("3. Paste the reply here")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(pasted, "", "the paste for the old job is gone");
    assert_eq!(text_of(&browser, "pw-manual-result").await?, "");
    // Tryout 98: a reply cut off inside the section came in as the section, with no word. It is
    // refused, and nothing changes.
    browser
        .field("3. Paste the reply here")
        .await?
        .click()
        .await?;
    browser
        .paste(r#"{"format": "A Markdown list of ea"#)
        .await?;
    browser.button("Use this reply").await?.click().await?;
    browser.wait_for_text("The pasted reply is cut off").await?;
    assert!(p.current_version().await?.starts_with("v4 "));
    // A whole prompt pasted for the Format job: its Format (here a JSON schema alone) is taken,
    // and the page says so.
    let whole = json!({"analysis": "a", "persona": "Someone else", "context": "c",
        "steps": ["s"], "json_schema": "{\"type\": \"object\"}"})
    .to_string();
    browser
        .field("3. Paste the reply here")
        .await?
        .type_text(SELECT_ALL)
        .await?;
    browser.paste(&whole).await?;
    browser.button("Use this reply").await?.click().await?;
    browser.wait_for_text("only its Format was taken").await?;
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst comma."
    );
    // Tryout 91: only a section was pasted, and the prompt read "Pasted by you".
    p.wait_version(5).await?;
    assert_eq!(
        provenance(&browser).await?,
        "Written by fake-large, parts rewritten by a reply you pasted"
    );
    assert!(
        p.current_version()
            .await?
            .starts_with("v5 Format rewritten by a reply you pasted"),
        "{}",
        p.current_version().await?
    );
    browser.close().await?;
    Ok(())
}

// Bug (tryout 3): a reload mid-generation lost the generation without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_mid_generation_says_so_and_keeps_what_arrived() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    // Slow: 4 characters every 100 ms (the Context takes about 3 s to arrive, the whole 35 s).
    generate_slowly(&fake, &p, &browser, "slow", 4).await?;
    browser.client.refresh().await?;
    browser
        .wait_for_text("A generation was interrupted by the reload")
        .await?;
    let note = text_of(&browser, "pw-interrupted").await?;
    // Tryout 103: what arrived whole, cut off and never, not "(Persona, Context) is kept…;
    // the rest is missing".
    assert!(
        note.contains("What had arrived is kept as an incomplete version: Persona whole, Context cut off; Steps, Format and Examples never arrived."),
        "{note}"
    );
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst slow."
    );
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );
    assert_eq!(cut_sections(&browser).await?, ["Context"]);
    // Tryout 47: the sections the reload kept from arriving read "The reply has no Steps".
    browser
        .wait_for_text("Steps did not arrive: the reply ended before it")
        .await?;
    assert_eq!(
        browser
            .eval("return document.body.innerText.includes('The reply has no ')")
            .await?,
        json!(false)
    );
    browser
        .screenshot("reload-mid-generation-1280-light")
        .await?;

    // Nothing arrived yet: said, and nothing kept.
    fake.set_timing(3000, 100, 4);
    fake.push_replies([spec_reply("late")]);
    p.generate().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.client.refresh().await?;
    browser
        .wait_for_text("before any part of the prompt had arrived: nothing was kept")
        .await?;
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst slow."
    );
    // Tryout 88: a reply pasted in Manual mode after that came in as a new version, and the
    // note about the interrupted generation stayed above it.
    p.paste_in_manual_mode(&spec_reply("pasted")).await?;
    browser
        .wait_until(
            "return document.getElementById('pw-section-persona').value.includes('analyst pasted') && !document.getElementById('pw-interrupted')",
            "the pasted reply in, and the note on the interrupted generation gone",
        )
        .await?;

    // Tryout 104: the whole reply had arrived, its stream not yet closed, when the page
    // reloaded: the version was marked incomplete, "What is missing is named below", and
    // nothing was. It is a version like any other, said whole.
    // (The reply queued for the call the reload cut above was never taken: a rule answers.)
    fake.set_timing(0, 20, 40);
    let idea = "action items out of meeting notes";
    fake.fault_when(
        idea,
        Fault::Stall {
            after_chunks: 100_000,
        },
        1,
    );
    fake.reply_next_when(idea, &spec_reply("whole"), 1);
    p.generate().await?;
    browser
        .wait_until(
            "return document.getElementById('pw-section-examples')?.value.includes('Please paste the meeting notes.')",
            "the whole reply to arrive",
        )
        .await?;
    // The last chunks (the closing brackets) and the in-flight record after them.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        browser
            .eval("return !!document.querySelector('[data-stops]')")
            .await?,
        json!(true),
        "the call still open"
    );
    browser.client.refresh().await?;
    browser
        .wait_for_text("A generation was interrupted by the reload after its whole reply had arrived: the prompt is kept whole.")
        .await?;
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst whole."
    );
    assert_eq!(provenance(&browser).await?, "Written by fake-large");
    assert!(cut_sections(&browser).await?.is_empty());
    assert_eq!(
        browser
            .eval("return ['This version is incomplete', 'What is missing is named below', 'did not arrive'].filter(t => document.body.innerText.includes(t))")
            .await?,
        json!([])
    );
    browser.close().await?;
    Ok(())
}

// Tryout: Manual mode's "Use this reply" with nothing pasted said "The model sent an empty
// reply." No model was involved: the page says nothing was pasted, and what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_mode_with_nothing_pasted_says_nothing_was_pasted() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1000).await?;
    browser.open_app(&site.url()).await?;
    let p = PromptPage::new(&browser);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    // Nothing at all (select all, then Backspace), then only spaces.
    for pasted in ["\u{E003}", "   "] {
        browser
            .field("3. Paste the reply here")
            .await?
            .type_text(&format!("{SELECT_ALL}{pasted}{TAB}"))
            .await?;
        browser.button("Use this reply").await?.click().await?;
        browser
            .wait_until(
                "const e = document.getElementById('pw-manual-problem'); return !!e && e.textContent.startsWith('Nothing was pasted')",
                "the notice to say nothing was pasted",
            )
            .await?;
        let text = browser
            .eval("return document.getElementById('pw-manual-problem').textContent")
            .await?;
        let text = text.as_str().unwrap_or("");
        assert!(text.contains("The reply box is empty."), "{text}");
        assert!(!text.contains("model sent"), "{text}");
        assert!(!text.contains("empty reply"), "{text}");
    }
    browser.close().await?;
    Ok(())
}

// Helper 50: *Fill in by hand* for "Example 2 has no output" put the caret at the end of
// Examples; it goes where that example's output is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fill_in_by_hand_goes_to_the_example_that_lacks_its_output() -> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let mut reply: serde_json::Value = serde_json::from_str(&spec_reply("pasted"))?;
    reply["examples"][1]["output"] = json!("");
    PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &reply.to_string(),
        )
        .await?;
    b.button("Fill in by hand: Example 2 has no output")
        .await?
        .click()
        .await?;
    let at = b
        .eval("const e = document.activeElement; return [e.id, e.value.substring(0, e.selectionStart)]")
        .await?;
    assert_eq!(at[0], json!("pw-section-examples"), "{at}");
    let before = at[1].as_str().unwrap_or_default();
    assert!(
        before.ends_with("Input:\nWe talked about lunch.\nOutput:\n"),
        "{before:?}"
    );
    b.close().await?;
    Ok(())
}

// Helper-53 (reading the code): a generation started on one draft wrote its reply into whichever
// draft was open when the reply ended. Opening another draft stops it, as a reload does: the
// draft it was for keeps what arrived, as an incomplete version, and the other draft is untouched.
/// Helper-56: the open draft deleted while it generated, then brought back with Undo, said
/// "The generation stopped when another draft was opened".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_deleted_mid_generation_and_brought_back_says_it_was_deleted() -> anyhow::Result<()>
{
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    generate_slowly(&fake, &p, &browser, "first", 8).await?;
    pw_harness::pages::DraftsPage::open(&browser).await?;
    browser
        .eval("document.querySelector('.pw-draft-list__item--current [aria-label^=\"Delete \"]').click(); return 1")
        .await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value === ''",
            "the empty draft that opens in its place",
        )
        .await?;
    browser.button("Undo").await?.click().await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value.includes('meeting notes')",
            "the deleted draft back",
        )
        .await?;
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );
    browser
        .wait_for_text("The generation stopped when this draft was deleted. What had arrived is kept as an incomplete version; the rest is missing.")
        .await?;
    assert_eq!(
        browser
            .eval("return document.body.innerText.includes('another draft was opened')")
            .await?,
        json!(false)
    );
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_another_draft_mid_generation_keeps_the_reply_with_its_own_draft()
-> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    // 8 characters every 100 ms: the Context arrives within about 2 s, the whole in about 17 s.
    generate_slowly(&fake, &p, &browser, "first", 8).await?;
    open_a_new_draft(&browser).await?;
    // Past the time the whole reply takes: the new draft got none of it.
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(
        browser
            .eval("return document.getElementById('pw-section-persona')?.value ?? ''")
            .await?,
        json!(""),
        "the new draft has no Persona"
    );
    assert_eq!(
        browser
            .eval("return document.body.innerText.includes('meticulous meeting analyst')")
            .await?,
        json!(false)
    );
    // Back on the first draft: what arrived is there, as an incomplete version.
    open_the_other_of_two(&browser).await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value.includes('meeting notes')",
            "the first draft open",
        )
        .await?;
    assert_eq!(
        p.section("Persona").await?,
        "You are a meticulous meeting analyst first."
    );
    assert_eq!(
        provenance(&browser).await?,
        "Incomplete, written by fake-large"
    );
    // Helper-54: nothing said why the version is incomplete.
    browser
        .wait_for_text("The generation stopped when another draft was opened. What had arrived is kept as an incomplete version; the rest is missing.")
        .await?;
    // Tryout 54: a rewrite instruction typed in one draft stayed open, typed, in the next, and
    // rewrote its section. A copy of this draft opens with no rewrite under way.
    browser
        .button("Rewrite Persona with the model")
        .await?
        .click()
        .await?;
    browser
        .field("How should Persona change?")
        .await?
        .type_text("ONLY-IN-THE-FIRST-DRAFT")
        .await?;
    pw_harness::pages::DraftsPage::open(&browser).await?;
    browser
        .eval("document.querySelector('.pw-draft-list__item--current [aria-label^=\"Duplicate \"]').click(); return 1")
        .await?;
    let d = pw_harness::pages::DraftsPage::open(&browser).await?;
    d.wait_count(3).await?;
    browser
        .wait_until(
            "return document.querySelector('.pw-draft-list__item--current')?.textContent.includes('(copy)')",
            "the copy open",
        )
        .await?;
    assert_eq!(
        browser
            .eval("return Array.from(document.querySelectorAll('input')).some(e => e.value.includes('ONLY-IN-THE-FIRST-DRAFT'))")
            .await?,
        json!(false),
        "the instruction stayed with its draft"
    );
    browser.close().await?;
    Ok(())
}

// Helper-54: a reply pasted into Manual mode, not used yet, was lost when another draft opened
// (the box went with the page's Manual mode), and on a reload. It waits in its own draft,
// Manual mode open, and the other draft shows neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_pasted_in_manual_mode_waits_in_its_draft_across_a_switch() -> anyhow::Result<()> {
    let (_site, browser) = pw_harness::with_app(1280, 1000).await?;
    let p = PromptPage::new(&browser);
    p.idea("pull action items out of meeting notes").await?;
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    let reply = pw_harness::pages::spec_reply(
        "You are a patient minute taker.",
        "Meeting notes arrive as the user's message.",
        &["Read the notes.", "List each action item with its owner."],
        "A Markdown list.",
        &[
            ("Bob sends the deck.", "- **Bob**: send the deck"),
            ("Lunch talk.", "No action items."),
            ("hi", "Please paste the notes."),
        ],
    );
    browser
        .field("3. Paste the reply here")
        .await?
        .click()
        .await?;
    browser.paste(&reply).await?;
    // Helper-56: a reload lost it too. It comes back, Manual mode open.
    let back = format!(
        "return document.getElementById('pw-manual-reply')?.value === {}",
        serde_json::to_string(&reply)?
    );
    browser.client.refresh().await?;
    browser
        .wait_until(&back, "the pasted reply back after a reload")
        .await?;
    open_a_new_draft(&browser).await?;
    assert_eq!(
        browser
            .eval("return document.getElementById('pw-manual-reply')?.value ?? null")
            .await?,
        json!(null),
        "the new draft has no Manual mode open"
    );
    // Manual mode opened here starts empty: the other draft's reply is not in it.
    browser
        .button("No API access? Manual mode")
        .await?
        .click()
        .await?;
    assert_eq!(
        browser
            .field("3. Paste the reply here")
            .await?
            .prop("value")
            .await?,
        Some(String::new())
    );
    // Back on the first draft: Manual mode is open with the reply, which makes the version.
    open_the_other_of_two(&browser).await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value.includes('meeting notes')",
            "the first draft open",
        )
        .await?;
    browser
        .wait_until(&back, "the pasted reply back in Manual mode")
        .await?;
    browser.button("Use this reply").await?.click().await?;
    p.wait_version(1).await?;
    assert_eq!(
        p.section("Persona").await?,
        "You are a patient minute taker."
    );
    // Helper-56: the reply stayed in the box, and a second press added the same version again.
    // Used, it leaves the box; a second press says nothing was pasted.
    assert_eq!(
        browser
            .field("3. Paste the reply here")
            .await?
            .prop("value")
            .await?,
        Some(String::new())
    );
    browser.button("Use this reply").await?.click().await?;
    browser
        .wait_until(
            "const e = document.getElementById('pw-manual-problem'); return !!e && e.textContent.startsWith('Nothing was pasted')",
            "the notice to say nothing was pasted",
        )
        .await?;
    assert_eq!(p.current_version().await?.split(' ').next(), Some("v1"));
    browser.close().await?;
    Ok(())
}

/// Asks for a rewrite of Steps with `instruction` and waits until its request has reached the
/// fake (the rewrite is under way).
async fn rewrite_steps_until_sent(
    browser: &Browser,
    fake: &FakeProvider,
    instruction: &str,
) -> anyhow::Result<()> {
    browser
        .button("Rewrite Steps with the model")
        .await?
        .click()
        .await?;
    browser
        .field("How should Steps change?")
        .await?
        .type_text(instruction)
        .await?;
    let asked = fake.chat_requests().len();
    browser.button("Rewrite Steps").await?.click().await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.chat_requests().len() == asked {
        anyhow::ensure!(Instant::now() < deadline, "the rewrite was not sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

// Helper-54: a section rewrite under way when another draft opened was dropped without a word
// (nothing of it was kept, as its Stop keeps nothing). Back in its draft, the page says so; the
// section is as it was. Helper-58: a rewrite cut by a reload vanished without a word too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewrite_stopped_by_another_draft_or_a_reload_says_so_in_its_draft() -> anyhow::Result<()>
{
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("v1")).await?;
    let steps = p.section("Steps").await?;
    // 2 characters every 100 ms: the rewrite takes about 8 s, longer than opening another
    // draft on a busy machine.
    fake.set_timing(0, 100, 2);
    fake.push_replies([json!({"steps": [
        "Read the whole transcript slowly, line by line, and with care.",
        "List every commitment with its owner and its due date."
    ]})
    .to_string()]);
    rewrite_steps_until_sent(&browser, &fake, "more careful").await?;
    open_a_new_draft(&browser).await?;
    open_the_other_of_two(&browser).await?;
    browser
        .wait_for_text("The rewrite of Steps stopped when another draft was opened, before it was whole: nothing was changed. Rewrite it again when you are ready.")
        .await?;
    assert_eq!(p.section("Steps").await?, steps);
    assert_eq!(p.current_version().await?.split(' ').next(), Some("v1"));
    // Again, and the page reloads while it runs.
    browser
        .eval("document.querySelector('#pw-interrupted button').click(); return true")
        .await?;
    fake.push_replies([json!({"steps": ["Read slowly, line by line, with care."]}).to_string()]);
    rewrite_steps_until_sent(&browser, &fake, "shorter").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    browser.client.refresh().await?;
    browser
        .wait_for_text("The rewrite of Steps stopped when the page was reloaded or closed, before it was whole: nothing was changed. Rewrite it again when you are ready.")
        .await?;
    // Its instruction is back in the open box (helper-60: it was lost).
    browser
        .wait_until(
            "return document.getElementById('pw-rewrite-steps')?.value === 'shorter'",
            "the instruction back in the Rewrite box",
        )
        .await?;
    assert_eq!(p.section("Steps").await?, steps);
    assert_eq!(p.current_version().await?.split(' ').next(), Some("v1"));
    browser.close().await?;
    Ok(())
}

// Tryout 81: 260 KB pasted into Context froze the page for 13-22 s (a 392 KB one for over
// 100 s): the version diff's time limit did nothing in the browser, and each removed rule was
// searched for in the whole text. The page answers, and the text is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_section_of_hundreds_of_kilobytes_leaves_the_page_answering() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    PromptPage::new(&b)
        .paste_reply("turn a recipe into a shopping list", &spec_reply("big"))
        .await?;
    // Set as a paste sets it: one input event and the change of leaving the box.
    b.eval(
        "const t = document.getElementById('pw-section-context'); \
         t.value = Array.from({length: 6000}, (_, i) => `Rule ${i}: never reply with more than ${i} words about item ${i}. `).join(''); \
         t.dispatchEvent(new Event('input', {bubbles: true})); \
         t.dispatchEvent(new Event('change', {bubbles: true})); return t.value.length",
    )
    .await?;
    PromptPage::new(&b).wait_version(2).await?;
    b.wait_until(
        "return document.getElementById('pw-section-context').value.length > 390000",
        "the long Context in its box",
    )
    .await?;
    b.client.refresh().await?;
    b.wait_until(
        "return document.getElementById('pw-section-context')?.value.startsWith('Rule 0: never reply')",
        "the long Context after a reload",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 81: Generate showed no cost before its call. It says the most the call can cost, and
// a provider that bills the most a request can use (every byte of its text as a token, and the
// answer at its cap) stays within it. Tryout 86: with text JSON writes longer than it is
// (quotes, backslashes, line breaks, control characters), counted as the provider reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_says_the_most_its_call_can_cost_before_it_is_made() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    fake.add_model("gpt-4o-mini");
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    s.model("gpt-4o-mini").await?;
    s.close().await?;
    paste_idea(
        &b,
        "turn a recipe into a shopping list: \"quotes\", C:\\paths\\here, tabs\tand\u{1}\u{2} controls",
    )
    .await?;
    let line = b
        .wait_for_text(
            "Generate writes with OpenAI-compatible server: gpt-4o-mini. One call: at most $",
        )
        .await?
        .text()
        .await?;
    let bound: f64 = line
        .split("at most $")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no figure in {line}"));
    fake.bill_max(true);
    fake.reply_when("shopping list", &spec_reply("priced"));
    b.button("Generate prompt").await?.click().await?;
    PromptPage::new(&b).wait_version(1).await?;
    let sent = fake.chat_requests();
    assert_eq!(sent.len(), 1, "one call");
    let body: serde_json::Value = serde_json::from_str(&sent[0].body)?;
    let cap = body["max_tokens"]
        .as_u64()
        .or_else(|| body["max_completion_tokens"].as_u64())
        .unwrap_or(0);
    // gpt-4o-mini's list price: $0.15 and $0.60 per million tokens in and out; the input as
    // the fake bills it (`text_bytes`, what it reported).
    let input = pw_harness::fake_provider::text_bytes(&body);
    assert!(
        input > 0 && input < sent[0].body.len(),
        "escapes are the wire's"
    );
    let billed = input as f64 * 0.15 / 1e6 + cap as f64 * 0.60 / 1e6;
    assert!(
        cap > 0 && billed <= bound,
        "billed {billed} over the bound {bound} ({line})"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 83: a model's Persona holding U+202E read "ereh edirrevo LTR" in the page with no word
/// of why. A section holding characters that show as nothing or turn the text around says so
/// under its box, naming them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_or_direction_marks_are_named_under_their_section_and_the_final_prompt()
-> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    paste_persona(
        &b,
        // Tryout 101: a line separator (U+2028) showed as nothing, with no word.
        "You are an assistant \u{202E}LTR override here\u{202C} for\u{2028}meeting notes.",
    )
    .await?;
    b.wait_for_text(
        "This text holds characters that show as nothing or change its direction (U+202E, U+202C, U+2028)",
    )
    .await?;
    // Only under the section that holds them, among the sections.
    let notes = b
        .eval("return Array.from(document.querySelectorAll('.pw-section .pw-hint--warn')).filter(e => e.textContent.includes('U+202E')).length")
        .await?;
    assert_eq!(notes, json!(1));
    // Tryout 84: the Final prompt and its Copy carried them with no word.
    b.wait_below_prompt().await?;
    let final_note = b
        .eval("const n = document.getElementById('pw-final-marks'); const copy = Array.from(document.querySelectorAll('button')).find(x => x.textContent.trim() === 'Copy prompt'); return [n?.textContent ?? '', copy?.getAttribute('aria-describedby') ?? '', document.getElementById('pw-final-text')?.getAttribute('aria-describedby') ?? '']")
        .await?;
    assert!(
        final_note[0]
            .as_str()
            .unwrap()
            .contains("(U+202E, U+202C, U+2028): it may read differently from what was written. Copy, the downloads and the code below carry them as they are."),
        "{final_note}"
    );
    assert_eq!(final_note[1], json!("pw-final-marks"));
    assert_eq!(final_note[2], json!("pw-final-marks"));
    b.close().await?;
    Ok(())
}

/// Tryout 83: after a rewrite went out (its box closing), the focus was left on the page and
/// the next Tab landed in the section after. It goes to the section's text, where the rewrite
/// arrives, by Enter and by the button (each sending it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_rewrite_leaves_the_focus_on_its_section() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_persona(&b, "You are a meeting analyst.").await?;
    // Slow replies: the focus is read while the rewrite is under way.
    fake.set_timing(3_000, 0, 1_000);
    for (n, by_enter) in [(1, true), (2, false)] {
        b.button("Rewrite Format with the model")
            .await?
            .click()
            .await?;
        b.field("How should Format change?")
            .await?
            .type_text(&format!(
                "Use a table ({n}).{}",
                if by_enter { "\u{E007}" } else { "" }
            ))
            .await?;
        if !by_enter {
            b.button("Rewrite Format").await?.click().await?;
        }
        b.wait_until(
            "return document.activeElement?.id === 'pw-section-format'",
            "the focus to go to the Format section's text",
        )
        .await?;
        // Sent, by Enter as by the button (tryout 83: Enter did nothing).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while fake.chat_requests().len() < n {
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "rewrite {n} was not sent"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Let it end before the next one (one meta call at a time).
        b.wait_until(
            "return !Array.from(document.querySelectorAll('button')).find(x => x.getAttribute('aria-label') === 'Rewrite Format with the model')?.disabled",
            "the rewrite to end",
        )
        .await?;
    }
    b.close().await?;
    Ok(())
}

/// Tryout 84: a section's rewrite with a very long instruction closed the rewrite box and put the
/// keyboard focus in another section's box, with no word of the large-request notice. The
/// notice takes the focus as it appears, and nothing is sent before the yes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_rewrite_notice_takes_the_focus() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    paste_persona(&b, "You are a meeting analyst.").await?;
    b.button("Rewrite Persona with the model")
        .await?
        .click()
        .await?;
    b.field("How should Persona change?").await?.click().await?;
    b.paste(&"Say who reads the answer and what they need from it. ".repeat(500))
        .await?;
    b.button("Rewrite Persona").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-large-job' && document.activeElement.innerText.includes('Send it anyway?')",
        "the large-request notice to take the focus",
    )
    .await?;
    assert!(fake.chat_requests().is_empty(), "sent before the yes");
    b.close().await?;
    Ok(())
}

/// A prompt with `persona` (and a short Context, Steps, Format and one example), pasted through
/// Manual mode: no call is made for it.
async fn paste_persona(b: &Browser, persona: &str) -> anyhow::Result<()> {
    let reply = pw_harness::pages::spec_reply(
        persona,
        "Notes arrive as the user's message.",
        &["Read the notes.", "List the action items."],
        "A bulleted list.",
        &[("Bob sends the deck.", "- Bob: send the deck")],
    );
    PromptPage::new(b)
        .paste_reply("a bot that pulls action items out of meeting notes", &reply)
        .await
}

// Tryout 94: text typed in a section, then Alt+G at once, with a reply cut off: the typing's save
// landed after the failure, and the failure, shown only while the prompt it was about is the
// one shown, went with no word (the call went out and may be billed). The typed text goes in
// first, as its own version, and the failure stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_generate_pressed_while_typing_in_a_section_is_said() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("first")).await?;
    // The reply is cut at once, well within the editor's pause.
    fake.set_timing(0, 0, 40);
    fake.push_faults([Fault::Truncate { after_chunks: 3 }]);
    fake.push_replies([spec_reply("second")]);
    browser.field("Context").await?.type_text(" EDIT-B").await?;
    // At once: within the editor's 400 ms pause.
    let pressed = Instant::now();
    browser.press("\u{E00A}g\u{E000}").await?;
    let shown = "return (document.getElementById('pw-gen-failure')?.innerText ?? '').includes('The reply was cut off')";
    browser.wait_until(shown, "the failure to be said").await?;
    eprintln!(
        "[cut off] said {} ms after the press",
        pressed.elapsed().as_millis()
    );
    // The typed text is version 2, made before the call; what arrived of the reply is version 3
    // (the typed text in it, as the call read it); the failure stays past the pause.
    let versions = browser
        .eval("return [...document.querySelectorAll('.pw-version__label, .pw-versions li')].map(e => e.textContent)")
        .await?;
    assert!(
        p.current_version().await?.starts_with("v3 Incomplete"),
        "{} {versions}",
        p.current_version().await?
    );
    assert!(
        versions.to_string().contains("v2Context edited by hand"),
        "{versions}"
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(
        browser.eval(shown).await?,
        json!(true),
        "the failure went with no word"
    );
    assert!(p.current_version().await?.starts_with("v3 Incomplete"));
    browser.close().await?;
    Ok(())
}

/// Session 47: Alt+C pressed while typing in a section (the focus still there, within the
/// editor's 0.4 s pause) copied the prompt without what was just typed, and said "The final
/// prompt is copied." The text typed goes in first, as for Alt+G and Alt+R. The page's
/// clipboard is stubbed: a headless browser may refuse it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_c_while_typing_in_a_section_copies_what_was_typed() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    first_version_from(&p, &fake, spec_reply("v1")).await?;
    browser
        .eval("window.__copied = []; navigator.clipboard.writeText = t => { window.__copied.push(t); return Promise.resolve(); }; return 0")
        .await?;
    browser
        .field("Persona")
        .await?
        .type_text(" ALT-C-TAIL.\u{E00A}c\u{E000}")
        .await?;
    browser.wait_for_text("The final prompt is copied.").await?;
    let copied = browser.eval("return window.__copied").await?;
    assert!(
        copied[0]
            .as_str()
            .is_some_and(|t| t.contains("You are a meticulous meeting analyst v1. ALT-C-TAIL.")),
        "{copied}"
    );
    browser.close().await?;
    Ok(())
}

/// Tryout 117: after Stop before Examples had arrived, the Examples box read "undefined"; text
/// typed there that was not `Input:` … `Output:` (a sentence, a note under the examples) was
/// left out of the prompt and gone after a reload, and a note added below examples made no
/// version. Every block is kept, read by its labels, and what it was read as is said under
/// the box; a reload shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_typed_in_any_shape_are_kept_after_a_stop_and_a_reload() -> anyhow::Result<()> {
    let (fake, _site, browser) = meta_on_fake().await?;
    let p = PromptPage::new(&browser);
    generate_slowly(&fake, &p, &browser, "first", 8).await?;
    browser.click_button("Stop").await?;
    p.wait_idle().await?;
    p.wait_version(1).await?;
    let examples = "return document.getElementById('pw-section-examples').value";
    assert_eq!(
        browser.eval(examples).await?,
        json!(""),
        "the Examples box after a stop before they arrived"
    );
    // A sentence typed in the empty box, then the box left.
    let sentence = "Example: when someone says hi, say hello back.";
    browser.type_into("Examples", sentence).await?;
    browser.press("\u{E004}").await?;
    p.wait_version(2).await?;
    browser
        .wait_until(
            "return (document.getElementById('pw-examples-reading')?.textContent ?? '').includes('Example 1 has no ideal answer after \u{201c}Output:\u{201d}.')",
            "the note of how the sentence was read",
        )
        .await?;
    assert!(
        p.final_text().await?.contains(sentence),
        "the final prompt holds the sentence"
    );
    // A note added below it, as its own block: a version of its own, kept.
    browser
        .eval("const e = document.getElementById('pw-section-examples'); e.focus(); e.setSelectionRange(e.value.length, e.value.length); return 1")
        .await?;
    browser
        .press("\u{E007}---\u{E007}Note: always greet the user by name.")
        .await?;
    browser.press("\u{E004}").await?;
    p.wait_version(3).await?;
    browser.wait_for_text("Saved in this browser").await?;
    browser.client.refresh().await?;
    browser.wait_for_role_name("heading", "Versions").await?;
    let kept = p.section("Examples").await?;
    assert!(
        kept.contains(sentence) && kept.contains("Note: always greet the user by name."),
        "after a reload: {kept:?}"
    );
    assert!(!kept.contains("undefined"), "{kept:?}");
    let said = text_of(&browser, "pw-examples-reading").await?;
    assert!(
        said.contains("Example 1 has no ideal answer after \u{201c}Output:\u{201d}.")
            && said.contains("Example 2 has no ideal answer after \u{201c}Output:\u{201d}."),
        "{said}"
    );
    assert!(
        p.final_text()
            .await?
            .contains("always greet the user by name")
    );
    browser.close().await?;
    Ok(())
}

/// Tryout 118: a visit to a section that typed and undid a letter (the text as it was) left its
/// typing session open on the version before, so the next edit of that section wrote over that
/// version: P1 -> P2 -> (x, Backspace) -> P3 left P1 and P3, P2 lost. Each edit is a version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_that_types_and_undoes_leaves_the_next_edit_a_version_of_its_own()
-> anyhow::Result<()> {
    let (_fake, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let p = PromptPage::new(&b);
    p.paste_reply(
        "a bot that pulls action items out of meeting notes",
        &spec_reply("pasted"),
    )
    .await?;
    p.wait_version(1).await?;
    let persona = |text: &str| format!("{SELECT_ALL}{text}{TAB}");
    b.field("Persona")
        .await?
        .type_text(&persona("You are helper P1."))
        .await?;
    p.wait_version(2).await?;
    b.field("Persona")
        .await?
        .type_text(&persona("You are helper P2."))
        .await?;
    p.wait_version(3).await?;
    // In, a letter typed and taken back, a pause longer than the editor's, out.
    b.field("Persona").await?.type_text("x\u{E003}").await?;
    tokio::time::sleep(Duration::from_millis(900)).await;
    b.press(TAB).await?;
    b.field("Persona")
        .await?
        .type_text(&persona("You are helper P3."))
        .await?;
    p.wait_version(4).await?;
    assert_eq!(p.section("Persona").await?, "You are helper P3.");
    b.button("Make version 3 current").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-section-persona').value === 'You are helper P2.'",
        "version 3 to hold P2",
    )
    .await?;
    b.close().await?;
    Ok(())
}
