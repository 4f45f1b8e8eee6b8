//! End-to-end: a new person's first hour, walked in a real Chromium against the scripted fake
//! provider, asserting that every message on the way is true and offers the next step: the step
//! bar, Settings (the all-jobs confirmation, the local-model badge only while a job uses it), a
//! prompt, a test case, and a share link opened in a fresh profile (what it carries, not saved).
use std::time::Duration;

use pw_harness::browser::Browser;
use pw_harness::fake_provider::FakeProvider;
use pw_harness::pages::{PromptPage, SettingsPage};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

fn spec_reply() -> String {
    json!({
        "analysis": "", "persona": "You are a meticulous meeting assistant.",
        "context": "Meeting notes arrive in {{transcript}}. Never invent owners.",
        "steps": ["Read the notes.", "List each action item with its owner."],
        "format": "A Markdown list: owner: task.", "json_schema": "",
        "examples": [{"input": "Ann will send the deck.", "output": "- Ann: send the deck"},
                     {"input": "Bo fixes the build by Friday.", "output": "- Bo: fix the build (Friday)"},
                     {"input": "We chatted.", "output": "No action items."}]
    })
    .to_string()
}

/// The text of the header (where the save status and the local-model badge are).
async fn header_text(b: &Browser) -> anyhow::Result<String> {
    Ok(b.eval("return document.querySelector('.pw-header').innerText")
        .await?
        .as_str()
        .unwrap_or("")
        .to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_bar_settings_and_a_share_link_say_what_is_true() -> anyhow::Result<()> {
    let fake = FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1000).await?;
    b.open_app(&site.url()).await?;

    // By default every job uses the built-in local model: its badge is in the header.
    b.wait_for_text("Local model").await?;
    assert!(header_text(&b).await?.contains("Local model"));

    // The step bar navigates: a step whose part is on the page brings it into view with the
    // focus on its heading; one that is not there yet says what comes first.
    b.button("Test").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.textContent === 'Test cases'",
        "the focus on the Test cases heading",
    )
    .await?;
    b.button("Improve").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.closest('.pw-card--improve') !== null",
        "the focus in the Improve card",
    )
    .await?;
    b.button("Share").await?.click().await?;
    b.wait_for_text("Generate a prompt first: sharing appears with it.")
        .await?;

    // Settings: one job set to the fake, then "use for all three jobs" confirms what changed.
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    s.provider("OpenAI-compatible (custom address)").await?;
    s.base_url(&fake.openai_url()).await?;
    s.model("fake-large").await?;
    b.button("Use this provider and model for all three jobs")
        .await?
        .click()
        .await?;
    b.wait_for_text("Done: all three jobs (writes and improves prompts, runs your test cases, scores the answers) now use OpenAI-compatible")
        .await?;
    b.wait_for_text("with fake-large.").await?;
    // The confirmation describes the settings only while they hold.
    s.job("Scoring").await?;
    s.model("fake-small").await?;
    s.job("Writing prompts").await?;
    b.wait_until(
        "return !document.body.innerText.includes('Done: all three jobs')",
        "the confirmation to go once a job changed",
    )
    .await?;
    s.close().await?;
    // No job uses the local model now: no badge, and the intro names the provider in use.
    b.wait_until(
        "return !document.querySelector('.pw-header').innerText.includes('Local model')",
        "the local-model badge to leave",
    )
    .await?;
    b.wait_for_text("Your jobs use OpenAI-compatible").await?;
    assert!(
        !b.eval("return document.body.innerText")
            .await?
            .as_str()
            .unwrap_or("")
            .contains("Local model not running"),
        "a status about a model no job uses"
    );

    // A prompt and one test case; the share link carries the case.
    PromptPage::new(&b)
        .paste_reply("pull action items out of meeting notes", &spec_reply())
        .await?;
    b.button("Add case").await?.click().await?;
    b.field("Input of case #1")
        .await?
        .send_keys("Cy will book the room.")
        .await?;
    b.button("Share").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.closest('.pw-card--final') !== null",
        "the focus in the Final prompt card",
    )
    .await?;
    b.wait_for_text("Share a link").await?.click().await?;
    b.wait_for_text("Include the test case and its checks")
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let link = b
        .field("Share link")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(link.contains("#pw=2."), "{link}");
    b.close().await?;

    // A fresh profile: the preview lists the case it carries and says it is not saved.
    let c = Browser::start(1280, 1000).await?;
    c.client.goto(&link).await?;
    c.wait_for_role_name("heading", "Shared draft: pull action items out of meeting notes")
        .await?;
    c.wait_for_text("1 test case included (no results):").await?;
    c.wait_for_text("1. Cy will book the room.").await?;
    c.wait_for_text("Shared draft: not saved in this browser")
        .await?;
    assert!(
        !header_text(&c).await?.contains("Saved in this browser"),
        "a shared draft called saved"
    );
    c.screenshot("first-hour-shared-preview-1280-light").await?;
    c.button("Save as my draft").await?.click().await?;
    c.wait_for_text("Saved in this browser").await?;
    c.close().await?;
    Ok(())
}
