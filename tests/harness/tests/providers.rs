//! End-to-end: Settings against the scripted fake provider in a real Chromium. Every fault gives
//! its plain-words message in the page, and Retry then works; the key goes only to the chosen host.
use std::time::Duration;

use pw_harness::browser::Browser;
use pw_harness::fake_provider::{FakeProvider, Fault};
use pw_harness::pages::SettingsPage;
use pw_harness::paths;
use pw_harness::static_site::StaticSite;

const KEY: &str = "sk-LEAKCHECK-0123456789abcdef";
const HELLO: &str = "Hello from the fake provider! Nice to meet you.";

struct Env {
    fake: FakeProvider,
    _site: StaticSite,
    browser: Browser,
}

async fn setup() -> anyhow::Result<Env> {
    let fake = FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1000).await?;
    browser.open_app(&site.url()).await?;
    Ok(Env {
        fake,
        _site: site,
        browser,
    })
}

/// Writes a row of the fault matrix to `artifacts/fault-matrix.md` (the report of issue 3).
fn report(rows: &[(String, String)], name: &str) {
    let mut s = String::from("| fault | message shown in the page |\n|---|---|\n");
    for (f, m) in rows {
        s.push_str(&format!("| {f} | {} |\n", m.replace('|', "\\|")));
    }
    std::fs::write(paths::artifacts_dir().join(name), s).unwrap();
}

/// Settings open on "Writing prompts", pointed at `fake` as an OpenAI-compatible server.
async fn custom_server<'a>(
    browser: &'a Browser,
    fake: &FakeProvider,
) -> anyhow::Result<SettingsPage<'a>> {
    let page = SettingsPage::open(browser).await?;
    page.provider("OpenAI-compatible server").await?;
    page.base_url(&fake.openai_url()).await?;
    Ok(page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_has_a_clear_message_and_retry_works() -> anyhow::Result<()> {
    let Env {
        fake,
        browser,
        _site,
    } = setup().await?;
    let page = custom_server(&browser, &fake).await?;
    page.key(KEY).await?;
    page.model("fake-mini").await?;
    page.stall_seconds(2).await?;

    // Test connection lists the models into a searchable picker.
    page.test_connection().await?;
    browser
        .wait_for_text("Connected: 3 models available")
        .await?;
    page.fill("Search models", "large").await?;
    browser.button("fake-large").await?.click().await?;
    let model = browser.field("Model").await?.prop("value").await?;
    assert_eq!(model.as_deref(), Some("fake-large"));
    browser.screenshot("settings-models-1280-light").await?;

    page.send_test().await?;
    page.wait_reply(HELLO).await?;

    let mut rows = Vec::new();
    // (fault, how many times, expected title, requests expected for this send)
    let cases: Vec<(&str, Vec<Fault>, &str, usize)> = vec![
        (
            "401 bad key",
            vec![Fault::status(
                401,
                "Incorrect API key provided: sk-LEAK*****cdef",
            )],
            "The key was not accepted",
            1,
        ),
        (
            "403 forbidden",
            vec![Fault::status(403, "This key may not use this model")],
            "The key was not accepted",
            1,
        ),
        (
            "402 no credit",
            vec![Fault::status(402, "Insufficient credits")],
            "No credit left",
            1,
        ),
        (
            "404 unknown model",
            vec![Fault::status(404, "The model does not exist")],
            "Model not found",
            1,
        ),
        (
            "413 too long",
            vec![Fault::status(413, "Request too large")],
            "Too long for this model",
            1,
        ),
        (
            "429 quota exhausted (not retried)",
            vec![Fault::Status {
                code: 429,
                message: "You exceeded your current quota".into(),
                kind: Some("insufficient_quota".into()),
                retry_after: None,
                expose: false,
            }],
            "Usage limit reached",
            1,
        ),
        (
            "429 rate limit, 4 times (backoff, bounded)",
            vec![Fault::status(429, "Rate limit reached"); 4],
            "Too many requests",
            4,
        ),
        (
            "500 server error, 4 times",
            vec![Fault::status(500, "The server had an error"); 4],
            "The provider had a problem",
            4,
        ),
        (
            "502 bad gateway, 4 times",
            vec![Fault::status(502, "Bad gateway"); 4],
            "The provider had a problem",
            4,
        ),
        (
            "503 unavailable, 4 times",
            vec![Fault::status(503, "Service unavailable"); 4],
            "The provider is overloaded",
            4,
        ),
        (
            "stall after 2 chunks",
            vec![Fault::Stall { after_chunks: 2 }],
            "The reply stopped coming",
            1,
        ),
        (
            "stream truncated after 2 chunks",
            vec![Fault::Truncate { after_chunks: 2 }],
            "The reply was cut off",
            1,
        ),
        (
            "malformed stream",
            vec![Fault::Malformed],
            "The reply could not be read",
            1,
        ),
        (
            "error inside a 200 stream",
            vec![Fault::StreamError {
                message: "Upstream provider failed".into(),
            }],
            "The provider had a problem",
            1,
        ),
        (
            "no CORS / unreachable",
            vec![Fault::NoCors],
            "Could not reach the provider",
            1,
        ),
    ];
    for (name, faults, title, expected_requests) in cases {
        fake.clear();
        fake.push_faults(faults);
        page.send_test().await?;
        let shown = page.wait_error(title).await?;
        rows.push((name.to_owned(), shown.clone()));
        assert!(
            !shown.contains(KEY) && !shown.contains("cdef"),
            "{name}: the key leaked into the message: {shown}"
        );
        assert_eq!(
            fake.chat_requests().len(),
            expected_requests,
            "{name}: requests sent"
        );
        if name.starts_with("stall") || name.starts_with("stream truncated") {
            // What arrived is kept.
            let kept = browser
                .eval("return document.querySelector('.pw-output__text')?.textContent ?? ''")
                .await?;
            assert_eq!(
                kept.as_str(),
                Some("Hello from t"),
                "{name}: partial text kept"
            );
        }
        if name == "error inside a 200 stream" {
            // Bug: reported as "(HTTP 502)", the frame's code, though the answer was HTTP 200.
            assert!(!shown.contains("HTTP"), "{name}: {shown}");
            assert!(
                shown.contains("stopped the reply with an error: Upstream provider failed."),
                "{name}: {shown}"
            );
        }
        if name == "401 bad key" {
            browser.screenshot("settings-error-1280-light").await?;
        }
        // Retry works once the fault is gone.
        page.retry().await?;
        page.wait_reply(HELLO).await?;
    }

    // A 500 that passes is retried automatically: the person just gets the reply.
    fake.clear();
    fake.push_faults([Fault::status(500, "transient")]);
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    assert_eq!(fake.chat_requests().len(), 2);
    rows.push((
        "500 once (retried automatically)".into(),
        "no message: the reply arrives after one retry".into(),
    ));

    // Tryout 105: a 429 without a readable retry-after said "waiting 2 s" for a wait of 1.5 s
    // (and "1 s" for 0.4 s). Each note says the wait that follows it, to a tenth of a second.
    fake.clear();
    fake.push_faults(vec![Fault::status(429, "Rate limit reached"); 3]);
    browser
        .eval(
            "window.__waits = []; new MutationObserver(() => { \
               const m = document.body.innerText.match(/waiting ([0-9.]+) s, then trying again \\(attempt (\\d) of 4\\)/); \
               if (m && !window.__waits.some(w => w[1] === Number(m[2]))) window.__waits.push([Number(m[1]), Number(m[2])]); \
             }).observe(document.body, {subtree: true, childList: true, characterData: true}); return 1",
        )
        .await?;
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    let said: Vec<(f64, u32)> =
        serde_json::from_value(browser.eval("return window.__waits").await?)?;
    let posts = fake.chat_requests();
    assert_eq!(posts.len(), 4);
    assert_eq!(
        said.iter().map(|w| w.1).collect::<Vec<_>>(),
        [2, 3, 4],
        "{said:?}"
    );
    for (secs, attempt) in &said {
        let i = *attempt as usize - 1;
        let gap = (posts[i].at_ms - posts[i - 1].at_ms) as f64;
        assert!(
            gap >= secs * 1000.0 - 60.0 && gap <= secs * 1000.0 + 600.0,
            "attempt {attempt}: said {secs} s, waited {gap} ms"
        );
    }
    rows.push((
        "429 without retry-after, 3 times".into(),
        format!(
            "{}, then the reply",
            said.iter()
                .map(|(s, a)| format!("waiting {s} s (attempt {a} of 4)"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));

    // A 429 with a readable retry-after is honoured.
    fake.clear();
    fake.push_faults([Fault::Status {
        code: 429,
        message: "slow down".into(),
        kind: None,
        retry_after: Some("2".into()),
        expose: true,
    }]);
    page.send_test().await?;
    browser
        .wait_for_text("Rate limited (HTTP 429): waiting 2 s, then trying again (attempt 2 of 4)")
        .await?;
    page.wait_reply(HELLO).await?;
    let posts = fake.chat_requests();
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1].at_ms - posts[0].at_ms >= 1900,
        "waited for retry-after: {} ms",
        posts[1].at_ms - posts[0].at_ms
    );
    rows.push((
        "429 with retry-after: 2 (exposed)".into(),
        "Rate limited (HTTP 429): waiting 2 s, then trying again (attempt 2 of 4), then the reply"
            .into(),
    ));

    // Bug: when a 429 asked to wait more than 60 s, the message still said Promptwright waits
    // and retries by itself. It does not wait that long, and says so.
    fake.clear();
    fake.push_faults([Fault::Status {
        code: 429,
        message: "slow down".into(),
        kind: None,
        retry_after: Some("120".into()),
        expose: true,
    }]);
    page.send_test().await?;
    let shown = page.wait_error("Too many requests").await?;
    assert!(
        shown.contains("It asked to wait 120 s, longer than Promptwright waits by itself"),
        "{shown}"
    );
    assert_eq!(fake.chat_requests().len(), 1, "not retried");
    rows.push(("429 with retry-after: 120 (exposed)".into(), shown));
    page.retry().await?;
    page.wait_reply(HELLO).await?;

    // retry-after is honoured on 503 too.
    fake.clear();
    fake.push_faults([Fault::Status {
        code: 503,
        message: "busy".into(),
        kind: None,
        retry_after: Some("2".into()),
        expose: true,
    }]);
    page.send_test().await?;
    browser
        .wait_for_text("is overloaded (HTTP 503): waiting 2 s, then trying again")
        .await?;
    page.wait_reply(HELLO).await?;
    let posts = fake.chat_requests();
    assert!(posts.len() == 2 && posts[1].at_ms - posts[0].at_ms >= 1900);
    rows.push((
        "503 with retry-after: 2 (exposed)".into(),
        "… is overloaded (HTTP 503): waiting 2 s, then trying again, then the reply".into(),
    ));

    // Bug: Stop did not interrupt a backoff wait. It ends it at once.
    fake.clear();
    fake.push_faults([Fault::Status {
        code: 429,
        message: "slow down".into(),
        kind: None,
        retry_after: Some("30".into()),
        expose: true,
    }]);
    page.send_test().await?;
    browser
        .wait_for_text("Rate limited (HTTP 429): waiting 30 s, then trying again")
        .await?;
    let pressed = std::time::Instant::now();
    browser.button("Stop").await?.click().await?;
    let shown = page.wait_error("Stopped").await?;
    assert!(
        pressed.elapsed() < Duration::from_secs(5),
        "{:?}",
        pressed.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.chat_requests().len(), 1, "no retry after Stop");
    rows.push(("Stop during a 30 s backoff wait".into(), shown));

    // A refusal is said as one: the provider's own words, never an empty answer.
    fake.clear();
    fake.push_faults([Fault::Refusal {
        explanation: "I can't help with making weapons.".into(),
    }]);
    page.send_test().await?;
    let shown = page.wait_error("The model refused").await?;
    assert!(
        shown.contains("The model refused: I can't help with making weapons."),
        "{shown}"
    );
    rows.push(("refusal (delta.refusal pieces)".into(), shown));
    page.retry().await?;
    page.wait_reply(HELLO).await?;

    // Stop keeps what arrived.
    fake.clear();
    fake.set_timing(0, 400, 3);
    page.send_test().await?;
    page.wait_reply("Hel").await?;
    browser.button("Stop").await?.click().await?;
    let shown = page.wait_error("Stopped").await?;
    rows.push(("abort (Stop pressed)".into(), shown));
    fake.set_timing(0, 15, 6);

    report(&rows, "fault-matrix-openai-compatible.md");
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_and_gemini_wire_formats() -> anyhow::Result<()> {
    let Env {
        fake,
        browser,
        _site,
    } = setup().await?;
    let page = SettingsPage::open(&browser).await?;
    let mut rows = Vec::new();

    page.provider("Anthropic (Claude)").await?;
    page.base_url(&fake.anthropic_url()).await?;
    page.key(KEY).await?;
    page.model("fake-large").await?;
    page.test_connection().await?;
    browser
        .wait_for_text("Connected: 3 models available")
        .await?;
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    let post = fake.chat_requests().pop().unwrap();
    assert_eq!(post.path, "/anthropic/v1/messages");
    assert_eq!(post.header("x-api-key"), Some(KEY));
    assert_eq!(
        post.header("anthropic-dangerous-direct-browser-access"),
        Some("true")
    );
    assert_eq!(post.header("authorization"), None);

    fake.clear();
    fake.push_faults(vec![Fault::status(529, "Overloaded"); 4]);
    page.send_test().await?;
    rows.push((
        "Anthropic 529 overloaded, 4 times".into(),
        page.wait_error("The provider is overloaded").await?,
    ));
    assert_eq!(fake.chat_requests().len(), 4);
    page.retry().await?;
    page.wait_reply(HELLO).await?;

    fake.clear();
    fake.push_faults([Fault::StreamError {
        message: "Overloaded".into(),
    }]);
    page.send_test().await?;
    let shown = page.wait_error("The provider is overloaded").await?;
    assert!(
        shown.contains("stopped the reply with an error: Overloaded.") && !shown.contains("HTTP"),
        "{shown}"
    );
    rows.push(("Anthropic error event mid-stream".into(), shown));
    page.retry().await?;
    page.wait_reply(HELLO).await?;

    // Gemini.
    page.provider("Google Gemini").await?;
    page.base_url(&fake.gemini_url()).await?;
    page.key(KEY).await?;
    page.model("fake-mini").await?;
    fake.clear();
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    let post = fake.chat_requests().pop().unwrap();
    assert_eq!(
        post.path,
        "/gemini/v1beta/models/fake-mini:streamGenerateContent"
    );
    assert_eq!(post.query, "alt=sse");
    assert_eq!(post.header("x-goog-api-key"), Some(KEY));

    fake.clear();
    fake.push_faults([Fault::status(
        400,
        "API key not valid. Please pass a valid API key.",
    )]);
    page.send_test().await?;
    rows.push((
        "Gemini 400 API_KEY_INVALID".into(),
        page.wait_error("The key was not accepted").await?,
    ));
    page.retry().await?;
    page.wait_reply(HELLO).await?;

    report(&rows, "fault-matrix-anthropic-gemini.md");
    browser.close().await?;
    Ok(())
}

// Bug: a custom http:// address on the local network (vLLM, Ollama on another computer) was
// blocked by the page's CSP and reported as "Nothing answered". 127.0.0.2 stands in for such an
// address (nothing off this machine may be a test target): the old policy listed only 127.0.0.1,
// localhost and [::1]. And the "sent only to HOST" hint
// split URLs by hand, so `…\@api.openai.com` showed a host the key never went to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_address_the_policy_did_not_list_works_and_the_host_shown_gets_the_key()
-> anyhow::Result<()> {
    let Env {
        fake: _unused,
        browser,
        _site,
    } = setup().await?;
    // 127.0.0.2 is not "localhost" to the page: it stands for a server on the local network.
    let lan = FakeProvider::start_on("127.0.0.2:0").await?;
    let page = SettingsPage::open(&browser).await?;
    page.provider("OpenAI-compatible server").await?;
    page.base_url(&lan.openai_url()).await?;
    page.key(KEY).await?;
    page.model("fake-mini").await?;
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    assert_eq!(lan.chat_requests().len(), 1);

    // Written so a hand-made split would read the host after the `@`: the page shows the host
    // the browser really calls, and that host (and no other) receives the key.
    let tricky = format!("http://{}\\@api.openai.com/openai/v1", lan.addr);
    page.base_url(&tricky).await?;
    browser
        .wait_for_text(&format!("Your key is sent only to {}", lan.addr))
        .await?;
    lan.clear();
    page.send_test().await?;
    page.wait_reply(HELLO).await?;
    let got = lan.chat_requests();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_goes_only_to_the_chosen_provider() -> anyhow::Result<()> {
    let Env {
        fake,
        browser,
        _site,
    } = setup().await?;
    let other = FakeProvider::start().await?;
    let page = SettingsPage::open(&browser).await?;

    // Writing prompts: OpenAI (pointed at fake A) with the key.
    page.job("Writing prompts").await?;
    page.provider("OpenAI").await?;
    page.base_url(&fake.openai_url()).await?;
    page.key(KEY).await?;
    browser
        .wait_for_text(&format!("Your key is sent only to {}", fake.addr))
        .await?;
    page.model("fake-mini").await?;
    page.send_test().await?;
    page.wait_reply(HELLO).await?;

    // Running tests: Groq (pointed at fake B), no key given for it.
    page.job("Running tests").await?;
    page.provider("Groq").await?;
    page.base_url(&other.openai_url()).await?;
    page.model("fake-mini").await?;
    page.send_test().await?;
    page.wait_reply(HELLO).await?;

    let a = fake.requests();
    assert!(
        a.iter()
            .filter(|r| r.method == "POST")
            .all(|r| r.header("authorization") == Some(&format!("Bearer {KEY}")))
    );
    for r in other.requests() {
        let everything = format!("{} {} {:?} {}", r.path, r.query, r.headers, r.body);
        assert!(
            !everything.contains(KEY),
            "the key reached the other host: {everything}"
        );
    }
    for r in &a {
        assert!(
            !r.path.contains(KEY) && !r.query.contains(KEY) && !r.body.contains(KEY),
            "key outside the header"
        );
    }

    let url = browser.eval("return location.href").await?;
    assert!(!url.as_str().unwrap().contains(KEY));
    let storage = "return JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})";
    assert!(
        !browser.eval(storage).await?.as_str().unwrap().contains(KEY),
        "key stored without 'remember'"
    );

    // "Remember on this device" stores it; a reload keeps it; "Forget key" removes it everywhere.
    page.job("Writing prompts").await?;
    browser.choose("Remember on this device").await?;
    browser
        .wait_for_text("The key is saved in this browser's storage")
        .await?;
    assert!(browser.eval(storage).await?.as_str().unwrap().contains(KEY));
    browser.client.refresh().await?;
    let _page = SettingsPage::open(&browser).await?;
    let kept = browser.field("API key").await?.prop("value").await?;
    assert_eq!(
        kept.as_deref(),
        Some(KEY),
        "remembered key restored after reload"
    );
    browser.button("Forget key").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!browser.eval(storage).await?.as_str().unwrap().contains(KEY));
    assert_eq!(
        browser
            .field("API key")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("")
    );

    // Tryout 7: a key typed for an OpenAI-compatible server before its address was kept for "no
    // address" and went with the next address typed anywhere. No key field until an address.
    page.job("Scoring").await?;
    page.provider("OpenAI-compatible server").await?;
    let field = browser.field("API key (optional)").await?;
    assert_eq!(field.prop("disabled").await?.as_deref(), Some("true"));
    browser
        .wait_for_text("Type the address of your server above first, then leave its box.")
        .await?;

    // A key remembered before keys were kept per host (`pw.key.open-ai`) is not lost: it is kept
    // for the hosts the saved jobs of that provider call (where it already went), and the old
    // entry is gone. Not for OpenAI's own host, which no job here calls (session 42's review:
    // a key for a proxy would have gone there once a job was switched back to the preset).
    browser
        .eval(&format!(
            "localStorage.setItem('pw.key.open-ai', '{KEY}'); return 1"
        ))
        .await?;
    browser.client.refresh().await?;
    let page = SettingsPage::open(&browser).await?;
    page.job("Writing prompts").await?;
    let kept = browser.field("API key").await?.prop("value").await?;
    assert_eq!(
        kept.as_deref(),
        Some(KEY),
        "the old remembered key was lost"
    );
    let names = browser
        .eval("return Object.keys(localStorage).filter(k => k.startsWith('pw.key.')).sort().join(' ')")
        .await?;
    assert_eq!(
        names.as_str().unwrap(),
        format!("pw.key.open-ai@{}", fake.addr)
    );
    let _ = page;
    browser.close().await?;
    Ok(())
}

// Tryout: Test connection against `http://127.0.0.1:8090/v1`, a server answering only under
// another path, with the model field empty, said "Model not found … does not know this model
// (HTTP 404)". No model was asked for: the model list's 404 means the address is wrong, said with
// the address tried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_at_a_wrong_path_says_the_address_is_wrong_not_the_model()
-> anyhow::Result<()> {
    let Env { fake, browser, .. } = setup().await?;
    let s = SettingsPage::open(&browser).await?;
    s.provider("OpenAI-compatible server").await?;
    // The fake answers only under /openai/v1: /v1 alone is "no such route" (404).
    let base = format!("http://{}/v1", fake.addr);
    s.base_url(&base).await?;
    s.model("").await?;
    s.test_connection().await?;
    let error = s.wait_error("Nothing found at this address").await?;
    assert!(
        error.contains(&format!(
            "{0} answered \u{201c}not found\u{201d} (HTTP 404) when Promptwright asked for its list of models at {0}/v1/models, so the address in Settings is probably wrong.",
            fake.addr
        )),
        "{error}"
    );
    for untrue in [
        "Model not found",
        "does not know this model",
        "pick a model",
    ] {
        assert!(!error.contains(untrue), "{error}");
    }
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/v1/models"),
        "the model list was asked at the address given"
    );
    // A message sent there (a model named): "not found" without a model is said as the address
    // first, not as the model (tryout 88).
    s.model("fake-large").await?;
    s.send_test().await?;
    // (The model list's error above stays: this one is the drawer's other alert.)
    browser
        .wait_until(
            "return Array.from(document.querySelectorAll('.pw-drawer [role=alert] .pw-notice__title')).some(t => t.textContent === 'Not found')",
            "the test message's error",
        )
        .await?;
    let error = browser
        .eval("const a = Array.from(document.querySelectorAll('.pw-drawer [role=alert]')).find(a => a.querySelector('.pw-notice__title')?.textContent === 'Not found'); return a.querySelector('.pw-notice__text').textContent")
        .await?;
    let error = error.as_str().unwrap_or_default().to_owned();
    assert!(
        error.contains("answered \u{201c}not found\u{201d} (HTTP 404) without naming the model")
            && error.contains("The address in Settings may be wrong"),
        "{error}"
    );
    assert!(!error.contains("does not know this model"), "{error}");
    // The right address: the failures found at the other one go (tryout 96: they stayed on
    // screen for the corrected address), and it lists the models.
    s.base_url(&fake.openai_url()).await?;
    browser
        .wait_until(
            "return !document.querySelector('.pw-drawer [role=alert]')",
            "the failures of the other address to go",
        )
        .await?;
    s.test_connection().await?;
    browser
        .wait_for_text("Connected: 3 models available.")
        .await?;
    browser.close().await?;
    Ok(())
}

// Tryout 81: with the browser's storage full, a model changed in Settings and "Remember on this
// device" were lost at the next load without a word (the box unticked itself). Settings says
// what was not kept, and keeps it once there is room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_the_full_storage_refuses_are_said_and_kept_once_there_is_room()
-> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    // Every byte localStorage has, taken (a megabyte at a time, then smaller).
    b.eval(
        "let n = 0; for (let size = 1 << 20; size >= 1; size >>= 1) { const v = 'x'.repeat(size); \
         try { for (;;) localStorage.setItem('pw-test-fill-' + (n++), v); } catch (e) {} } return n",
    )
    .await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    s.model("a-model-name-typed-while-the-storage-is-full-longer-than-any-default")
        .await?;
    b.wait_for_text("Not saved in this browser").await?;
    b.wait_for_text("The browser's storage refused your model settings (providers, addresses, models): it is full or blocked (the device may be short of space")
        .await?;
    // In view wherever the drawer is scrolled to (tryout 82: at its top, out of view while the
    // fields below were edited).
    assert_eq!(
        b.eval("const d = document.querySelector('.pw-drawer'); d.scrollTop = d.scrollHeight; const r = document.querySelector('.pw-settings-not-saved').getBoundingClientRect(); return d.scrollTop > 0 && r.top >= 0 && r.bottom <= innerHeight")
            .await?,
        serde_json::json!(true)
    );
    b.screenshot("settings-not-saved").await?;
    s.key("sk-test-full-storage-1234").await?;
    b.wait_for_text("Remember on this device")
        .await?
        .click()
        .await?;
    b.wait_for_text("the key for ").await?;
    // Room again: the next change is kept, and the note goes.
    b.eval("Object.keys(localStorage).filter(k => k.startsWith('pw-test-fill-')).forEach(k => localStorage.removeItem(k)); return 0")
        .await?;
    s.model("model-kept").await?;
    b.wait_until(
        "return !document.body.innerText.includes('The browser\\'s storage refused your model settings')",
        "the note on the model settings to go",
    )
    .await?;
    b.client.refresh().await?;
    let s = SettingsPage::open(&b).await?;
    s.job("Writing prompts").await?;
    b.wait_until(
        "return [...document.querySelectorAll('input')].some(i => i.value === 'model-kept')",
        "the model kept after a reload",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 89: a job switched to OpenAI and back to "OpenAI-compatible server" came back with its
// address and model empty. It goes back to its own earlier ones; another job's are not taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_switched_away_and_back_keeps_its_own_server() -> anyhow::Result<()> {
    let env = setup().await?;
    let s = SettingsPage::open(&env.browser).await?;
    s.job("Running tests").await?;
    s.provider("OpenAI-compatible server").await?;
    s.base_url(&env.fake.openai_url()).await?;
    s.model("fake-large").await?;
    s.provider("OpenAI").await?;
    s.provider("OpenAI-compatible server").await?;
    let value = |label: &'static str| {
        let b = &env.browser;
        async move { anyhow::Ok(b.field(label).await?.prop("value").await?) }
    };
    assert_eq!(
        value("Address (base URL)").await?.as_deref(),
        Some(env.fake.openai_url().as_str())
    );
    assert_eq!(value("Model").await?.as_deref(), Some("fake-large"));
    // Another job switched to a server types its own address.
    s.job("Scoring").await?;
    s.provider("OpenAI-compatible server").await?;
    assert_eq!(value("Address (base URL)").await?.as_deref(), Some(""));
    env.browser.close().await?;
    Ok(())
}

/// Tryout 96: an address with a user part before its host
/// (`http://127.0.0.1:8090@localhost:8090/openai/v1`) was called, the browser refused the
/// request ("Request cannot be constructed from a URL that includes credentials"), and the page
/// said CORS. Settings say what is wrong with it, and a call sends nothing and says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_with_a_user_part_is_named_and_nothing_is_sent() -> anyhow::Result<()> {
    let Env { fake, browser, .. } = setup().await?;
    let s = SettingsPage::open(&browser).await?;
    s.provider("OpenAI-compatible server").await?;
    let odd = format!("http://{0}@{0}/openai/v1", fake.addr);
    s.base_url(&odd).await?;
    s.model("fake-large").await?;
    browser
        .wait_for_text("The address holds a user name or password (the part before \u{201c}@\u{201d}), which the browser will not send a request with: write the address without it (a key goes in the key field). Until then nothing is sent, and your key stays here.")
        .await?;
    // An address that cannot be called is not named as a server (tryout 96: "Calls at once to
    // javascript:alert(1)").
    browser.wait_for_text("Calls at once to its server").await?;
    let before = fake.requests().len();
    s.send_test().await?;
    let error = s.wait_error("This page cannot call that address").await?;
    assert!(
        error.contains("holds a user name or password") && !error.contains("CORS"),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.requests().len(), before, "nothing was sent");
    browser.close().await?;
    Ok(())
}

/// Tryout 115: with the browser's storage full, a key typed after ticking "Remember on this
/// device" was said to be "saved in this browser's storage" while none was (after a reload the
/// page said the box had not been ticked); and *Forget key* was said at once as "forgotten by a
/// reload". The refusal is said under the box and in "Not saved in this browser", a key kept
/// once there is room is said as saved, and a key forgotten on purpose is not said as lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_storage_refuses_and_forget_key_are_said_as_they_are() -> anyhow::Result<()> {
    let Env {
        fake,
        browser,
        _site,
    } = setup().await?;
    let page = custom_server(&browser, &fake).await?;
    browser.choose("Remember on this device").await?;
    let filled = browser
        .eval(
            "let n = 0; for (const size of [1e6, 1e5, 1e4, 1e3, 100, 10]) { try { for (;;) { localStorage.setItem('junk' + n++, 'x'.repeat(size)); } } catch (e) {} } return n",
        )
        .await?;
    assert!(filled.as_u64().unwrap_or(0) > 5, "{filled}");
    page.key(KEY).await?;
    browser
        .wait_for_text("The browser's storage refused the key (it is full, or storage is off), so it is not remembered")
        .await?;
    browser.wait_for_text("Not saved in this browser").await?;
    let storage = "return JSON.stringify({...localStorage}).includes(arguments[0])";
    let stored = |b: &Browser| {
        let b = b.client.clone();
        async move {
            anyhow::Ok(
                b.execute(storage, vec![serde_json::json!(KEY)])
                    .await?
                    .as_bool()
                    .unwrap_or(false),
            )
        }
    };
    assert!(!stored(&browser).await?);
    // Room made and the key typed again: kept, and said so.
    browser
        .eval("Object.keys(localStorage).filter(k => k.startsWith('junk')).forEach(k => localStorage.removeItem(k)); return true")
        .await?;
    page.key(&format!("{KEY}x")).await?;
    page.key(KEY).await?;
    browser
        .wait_for_text("The key is saved in this browser's storage")
        .await?;
    assert!(stored(&browser).await?);
    // Forget key: gone, and not said as a key a reload forgot.
    browser.button("Forget key").await?.click().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stored(&browser).await?);
    let text = browser.eval("return document.body.innerText").await?;
    let text = text.as_str().unwrap_or_default();
    assert!(
        !text.contains("reload forgot") && !text.contains("forgotten by a reload"),
        "{text}"
    );
    browser.close().await?;
    Ok(())
}
