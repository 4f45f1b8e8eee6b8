//! Test support for Promptwright: serves `dist/` on loopback, drives Chromium through chromedriver
//! with page-object helpers that find things the way a person does, and (later) a scripted fake
//! model provider. Used by the end-to-end tests in `tests/harness/tests/` and by the bench command.
pub mod browser;
pub mod fake_provider;
pub mod local_model;
pub mod pages;
pub mod paths;
pub mod static_site;

/// The built app on a local server and a fresh browser profile of the given size on it (nothing
/// stored, no key: every job on the built-in local model).
pub async fn with_app(
    width: u32,
    height: u32,
) -> anyhow::Result<(static_site::StaticSite, browser::Browser)> {
    let site = static_site::StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = browser::Browser::start(width, height).await?;
    b.open_app(&site.url()).await?;
    Ok((site, b))
}

/// The usual start of an end-to-end test against the fake provider: the fake, the built app on a
/// local server, a browser of the given size on the app, and all three jobs pointed at the fake.
pub async fn with_fake(
    width: u32,
    height: u32,
) -> anyhow::Result<(
    fake_provider::FakeProvider,
    static_site::StaticSite,
    browser::Browser,
)> {
    let fake = fake_provider::FakeProvider::start().await?;
    let (site, b) = with_app(width, height).await?;
    pages::SettingsPage::use_everywhere(&b, &fake.openai_url(), "fake-large").await?;
    Ok((fake, site, b))
}

/// [`with_fake`] with a first prompt made: `reply` (the meta model's reply for `idea`, see
/// [`pages::spec_reply`]) pasted through Manual mode, so no call is made for it.
pub async fn with_fake_prompt(
    width: u32,
    height: u32,
    idea: &str,
    reply: &str,
) -> anyhow::Result<(
    fake_provider::FakeProvider,
    static_site::StaticSite,
    browser::Browser,
)> {
    let (fake, site, b) = with_fake(width, height).await?;
    pages::PromptPage::new(&b).paste_reply(idea, reply).await?;
    Ok((fake, site, b))
}

/// A draft of one version from the app's reference drafts ([`promptwright::domain::share::reference_drafts`])
/// with one test case, #1, whose input is `input`: what a test builds a share link from.
pub fn draft_with_one_case(input: &str) -> promptwright::domain::draft::Draft {
    let (_, mut d) = promptwright::domain::share::reference_drafts()
        .into_iter()
        .find(|(_, d)| d.current == 1 && d.suite.cases.is_empty())
        .expect("a draft of one version and no cases");
    d.suite.cases.push(promptwright::domain::eval::TestCase {
        id: 1,
        input: input.into(),
        ..Default::default()
    });
    d
}
