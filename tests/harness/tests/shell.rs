//! End-to-end: the release build in a real Chromium shows the app shell, finds the local model,
//! opens Settings, switches theme, and keeps screenshots of it.
use pw_harness::browser::{Browser, ESCAPE};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_renders_and_finds_the_local_model() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;

    // The loop's steps and the four work areas are there, by their names.
    for step in ["Idea", "Prompt", "Test", "Improve", "Share"] {
        browser.wait_for_text(step).await?;
    }
    browser.wait_for_role_name("heading", "Your idea").await?;
    browser.wait_for_role_name("heading", "System prompt").await?;
    browser.wait_for_role_name("heading", "Test cases").await?;
    browser.wait_for_role_name("heading", "Results").await?;

    // The embedded local model (started by scripts/test.sh) is reported reachable.
    let badge = browser.wait_for_text("Local model ready").await?;
    assert!(badge.text().await?.contains("SmolLM2"), "badge names the model");

    // An example idea fills the idea box.
    browser.button("A bot that pulls action items out of meeting notes").await?.click().await?;
    let idea = browser.field("What should your assistant do?").await?;
    assert_eq!(idea.prop("value").await?.as_deref(), Some("A bot that pulls action items out of meeting notes"));
    browser.screenshot("shell-1280-light").await?;

    // Settings opens as a dialog and closes with Escape.
    browser.button("Settings").await?.click().await?;
    browser.wait_for_role_name("dialog", "Settings").await?;
    browser.screenshot("settings-1280-light").await?;
    browser.press(ESCAPE).await?;
    browser
        .wait_until("return document.querySelector('[role=dialog]') === null", "the settings dialog to close")
        .await?;

    // The theme switch cycles system -> light -> dark and is remembered across a reload.
    let theme = || browser.eval("return document.documentElement.dataset.theme");
    assert_eq!(theme().await?, "system");
    let toggle = browser.button("Theme: follow system (press to change)").await?;
    toggle.click().await?;
    browser.button("Theme: light (press to change)").await?.click().await?;
    assert_eq!(theme().await?, "dark");
    let bg = browser.eval("return getComputedStyle(document.body).backgroundColor").await?;
    assert_eq!(bg, "rgb(17, 19, 26)", "dark theme colours come from the CSS variables");
    browser.screenshot("shell-1280-dark").await?;
    browser.open_app(&site.url()).await?;
    assert_eq!(theme().await?, "dark", "theme survives a reload");

    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_fits_a_phone_and_works_under_a_sub_path() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/promptwright/").await?;
    let browser = Browser::start(390, 844).await?;
    browser.open_app(&site.url()).await?;
    browser.wait_for_role_name("heading", "Your idea").await?;
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await?;
    assert_eq!(overflow, 0, "no horizontal scrolling at 390 px");
    browser.screenshot("shell-390-light").await?;
    browser.close().await?;
    Ok(())
}
