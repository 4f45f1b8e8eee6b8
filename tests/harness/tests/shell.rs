//! End-to-end: the release build in a real Chromium shows the app shell, finds the local model,
//! opens Settings, switches theme, and keeps screenshots of it.
use pw_harness::browser::TypeText;
use pw_harness::browser::{Browser, ESCAPE};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

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
    browser
        .wait_for_role_name("heading", "System prompt")
        .await?;
    browser.wait_for_role_name("heading", "Test cases").await?;
    browser.wait_for_role_name("heading", "Results").await?;

    // The embedded local model (started by scripts/test.sh) is reported reachable.
    let badge = browser.wait_for_text("Local model ready").await?;
    assert!(
        badge.text().await?.contains("SmolLM2"),
        "badge names the model"
    );

    // An example idea fills the idea box.
    browser
        .button("A bot that pulls action items out of meeting notes")
        .await?
        .click()
        .await?;
    let idea = browser.field("What should your assistant do?").await?;
    assert_eq!(
        idea.prop("value").await?.as_deref(),
        Some("A bot that pulls action items out of meeting notes")
    );
    browser.screenshot("shell-1280-light").await?;

    // Settings opens as a dialog and closes with Escape.
    browser.button("Settings").await?.click().await?;
    browser.wait_for_role_name("dialog", "Settings").await?;
    browser.screenshot("settings-1280-light").await?;
    browser.press(ESCAPE).await?;
    browser
        .wait_until(
            "return document.querySelector('[role=dialog]') === null",
            "the settings dialog to close",
        )
        .await?;

    // The theme switch cycles system -> light -> dark and is remembered across a reload.
    let theme = || browser.eval("return document.documentElement.dataset.theme");
    assert_eq!(theme().await?, "system");
    let toggle = browser
        .button("Theme: follow system (press to change)")
        .await?;
    toggle.click().await?;
    browser
        .button("Theme: light (press to change)")
        .await?
        .click()
        .await?;
    assert_eq!(theme().await?, "dark");
    let bg = browser
        .eval("return getComputedStyle(document.body).backgroundColor")
        .await?;
    assert_eq!(
        bg, "rgb(17, 19, 26)",
        "dark theme colours come from the CSS variables"
    );
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
    // The whole page is measured, the cards below the prompt with it.
    browser.wait_below_prompt().await?;
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await?;
    assert_eq!(overflow, 0, "no horizontal scrolling at 390 px");
    browser.screenshot("shell-390-light").await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_reach_the_real_local_model() -> anyhow::Result<()> {
    use pw_harness::pages::SettingsPage;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 1000).await?;
    browser.open_app(&site.url()).await?;
    let page = SettingsPage::open(&browser).await?;
    // The default: every job on the built-in local model, no key needed.
    assert_eq!(
        browser
            .field("Provider")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("llama-cpp")
    );
    page.test_connection().await?;
    browser
        .wait_for_text("Connected: 1 model available")
        .await?;
    browser.button("SmolLM2-135M-Instruct").await?;
    page.send_test().await?;
    browser
        .wait_until(
            "const o = document.querySelector('.pw-output__text'); \
             return !!o && o.textContent.trim().length > 0 && !document.querySelector('.pw-drawer [role=alert]') \
             && !Array.from(document.querySelectorAll('.pw-drawer button')).some(b => b.textContent === 'Stop')",
            "a streamed reply from the local model",
        )
        .await?;
    browser
        .screenshot("settings-local-model-1280-light")
        .await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_security_policy_blocks_injected_scripts() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    let csp = browser
        .eval("return document.querySelector('meta[http-equiv=Content-Security-Policy]')?.content ?? ''")
        .await?;
    let csp = csp.as_str().unwrap_or("");
    for part in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
        "object-src 'none'",
        "connect-src 'self' https:",
    ] {
        assert!(csp.contains(part), "CSP lacks {part:?}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Every source follows CSP Level 3's grammar (§2.3.1 source lists): a keyword, a hash, a
    // scheme ("https:"), or a host-source whose host is letters, digits and hyphens in labels
    // (tryout 62: "http://[::1]:*" was reported as an invalid source on every load: the grammar
    // has no IPv6 literal).
    let valid_source = |t: &str| {
        if t.starts_with('\'') {
            return t.ends_with('\'');
        }
        let rest = match t.split_once("://") {
            Some((scheme, rest)) => {
                if !scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                {
                    return false;
                }
                rest
            }
            None if t.ends_with(':') => {
                return t[..t.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            }
            None => t,
        };
        let (host, port) = rest.split_once(':').unwrap_or((rest, "*"));
        let host = host.strip_prefix("*.").unwrap_or(host);
        (host == "*"
            || (!host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })))
            && (port == "*" || port.chars().all(|c| c.is_ascii_digit()))
    };
    for directive in csp.split(';') {
        for source in directive.split_whitespace().skip(1) {
            assert!(
                valid_source(source),
                "not a valid CSP source: {source:?} in {csp}"
            );
        }
    }
    // The app itself ran under the policy (it rendered); an injected inline script does not run.
    let verdict = browser
        .eval(
            "return await new Promise(done => {
                document.addEventListener('securitypolicyviolation', e => done(e.violatedDirective), {once: true});
                const s = document.createElement('script');
                s.textContent = 'window.__pwInjected = true';
                document.body.appendChild(s);
                setTimeout(() => done('no violation'), 2000);
            })",
        )
        .await?;
    assert!(
        verdict.as_str().unwrap_or("").starts_with("script-src"),
        "{verdict}"
    );
    assert_eq!(
        browser.eval("return window.__pwInjected === true").await?,
        false
    );
    browser.close().await?;
    Ok(())
}

// Bug: after one visit the service worker's cache held only the page, manifest and icon; an
// offline reload worked only while the browser's HTTP cache still had the wasm, JS and CSS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_with_no_network_after_the_first_visit() -> anyhow::Result<()> {
    // A copy of the build, so the test can publish a "newer build" of the worker below.
    let copy = build_copy("pw-offline")?;
    let site = StaticSite::start(&copy, "/promptwright/").await?;
    let url = site.url();
    let browser = Browser::start(1280, 900).await?;
    // One online visit, nothing more: the worker installs and precaches the build.
    browser.open_app(&url).await?;
    let manifest = browser
        .eval("return document.querySelector('link[rel=manifest]')?.href ?? ''")
        .await?;
    assert!(
        manifest
            .as_str()
            .unwrap()
            .ends_with("/promptwright/manifest.webmanifest"),
        "{manifest}"
    );
    browser
        .wait_until(
            "return await navigator.serviceWorker.ready.then(() => true)",
            "the service worker to be active",
        )
        .await?;
    // Every file of the build is in the worker's cache.
    let wasm = std::fs::read_dir(&copy)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.ends_with(".wasm"))
        .expect("a wasm file in dist");
    let cached = browser
        .eval(
            "const keys = await caches.keys(); const c = await caches.open(keys.find(k => k.startsWith('promptwright-'))); \
             return (await c.keys()).map(r => new URL(r.url).pathname).join(' ')",
        )
        .await?;
    let cached = cached.as_str().unwrap_or_default().to_owned();
    assert!(
        cached.contains(&format!("/promptwright/{wasm}")),
        "{cached}"
    );
    assert!(
        cached.contains(".js") && cached.contains(".css"),
        "{cached}"
    );
    // The HTTP cache is cleared and the server is gone: the app still opens, from the worker.
    browser.cdp("Network.clearBrowserCache", json!({})).await?;
    drop(site);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser.client.refresh().await?;
    browser.wait_for_role_name("heading", "Your idea").await?;
    browser
        .field("What should your assistant do?")
        .await?
        .type_text("works offline")
        .await?;
    // And says what works offline.
    browser
        .eval("window.dispatchEvent(new Event('offline')); return true")
        .await?;
    browser.wait_for_text("You are offline.").await?;
    // A newer build's worker drops the older build's cache.
    let site = StaticSite::start(&copy, "/promptwright/").await?;
    let url2 = site.url();
    browser.open_app(&url2).await?;
    browser
        .wait_until(
            "return await navigator.serviceWorker.ready.then(() => true)",
            "the service worker to be active",
        )
        .await?;
    let first: String = browser
        .eval("return (await caches.keys()).filter(k => k.startsWith('promptwright-')).join(' ')")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let sw = std::fs::read_to_string(copy.join("sw.js"))?;
    let build = first.trim_start_matches("promptwright-").to_owned();
    assert!(
        sw.contains(&format!("\"{build}\"")),
        "{first} not named in sw.js"
    );
    std::fs::write(copy.join("sw.js"), sw.replace(&build, "0123456789abcdef"))?;
    browser
        .eval("const r = await navigator.serviceWorker.getRegistration(); await r.update(); return true")
        .await?;
    browser
        .wait_until(
            "const k = (await caches.keys()).filter(k => k.startsWith('promptwright-')); \
             return k.length === 1 && k[0] === 'promptwright-0123456789abcdef'",
            "only the newer build's cache",
        )
        .await?;
    browser.close().await?;
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

/// A fresh copy of the build under the temp dir, `<name>-<pid>`, for a test that changes files.
/// The app's main module in a build (`promptwright-<hash>_bg.wasm`), not a chunk split off it.
fn main_wasm(dist: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::read_dir(dist)?
        .filter_map(|e| Some(e.ok()?.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("promptwright") && n.ends_with("_bg.wasm"))
        })
        .ok_or_else(|| std::io::Error::other("no promptwright-*_bg.wasm in the build"))
}

fn build_copy(name: &str) -> std::io::Result<std::path::PathBuf> {
    let copy = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&paths::dist_dir(), &copy)?;
    Ok(copy)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Polls the text of the page until it includes `text` (up to `secs` seconds: the local model
/// is probed every 15 s while it answers).
async fn wait_long(browser: &Browser, text: &str, secs: u64) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let script = format!(
        "return document.body.innerText.includes({})",
        serde_json::to_string(text)?
    );
    while browser.eval(&script).await? != json!(true) {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no {text:?} after {secs} s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    Ok(())
}

/// Records the address of every `fetch` the page makes in `window.__pwFetched` (installed on
/// each new document with `Page.addScriptToEvaluateOnNewDocument`).
const RECORD_FETCHES: &str = r#"(() => {
    window.__pwFetched = [];
    const fetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
        window.__pwFetched.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
    };
})();"#;

// Session 38: a page whose jobs all used other models still asked this computer's local-model
// address every 15 s to a minute (each a failed request in the console, and on a public site a
// request into the person's own network). It is asked only while a job uses it, at once when
// one starts to, and no more once none does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_model_is_asked_for_only_while_a_job_uses_it() -> anyhow::Result<()> {
    use pw_harness::pages::SettingsPage;
    let (fake, _site, b) = pw_harness::with_fake(1280, 900).await?;
    b.cdp("Page.enable", json!({})).await?;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": RECORD_FETCHES }),
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("What should your assistant do?").await?;
    let probes = "return window.__pwFetched.filter(u => u.endsWith('/models')).length";
    let asked = || async { anyhow::Ok(b.eval(probes).await?.as_u64().unwrap_or(0)) };
    // The first probe went at once when it was asked for: none in four seconds.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(
        asked().await?,
        0,
        "no job uses the local model: it is not asked"
    );
    // One job on the local model (at the fake's address, which lists models): asked at once.
    let s = SettingsPage::open(&b).await?;
    s.job("Scoring").await?;
    s.provider("Local model (llama.cpp, built in)").await?;
    s.base_url(&fake.openai_url()).await?;
    s.close().await?;
    wait_long(&b, "Local model ready", 20).await?;
    assert!(asked().await? >= 1);
    // Back on the other server: asked no more (it was asked every 15 s while ready).
    let s = SettingsPage::open(&b).await?;
    s.job("Scoring").await?;
    s.provider("OpenAI-compatible server").await?;
    s.base_url(&fake.openai_url()).await?;
    s.model("fake-large").await?;
    s.close().await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = asked().await?;
    tokio::time::sleep(std::time::Duration::from_secs(17)).await;
    assert_eq!(asked().await?, before, "asked after no job used it");
    b.close().await?;
    Ok(())
}

// Bug: offline, the notice said a model on this computer still works while the local-model
// badge said it was not running. The notice now says what the badge says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_notice_agrees_with_the_local_model_badge() -> anyhow::Result<()> {
    use pw_harness::pages::SettingsPage;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    browser.wait_for_text("Local model ready").await?;
    // The local model's address answers nothing.
    let s = SettingsPage::open(&browser).await?;
    s.job("Writing prompts").await?;
    s.provider("Local model (llama.cpp, built in)").await?;
    s.base_url("http://127.0.0.1:9/v1").await?;
    s.close().await?;
    wait_long(&browser, "Local model not running", 30).await?;
    browser
        .eval("window.dispatchEvent(new Event('offline')); return true")
        .await?;
    let notice = "return document.querySelector('.pw-offline')?.textContent ?? ''";
    wait_long(&browser, "You are offline.", 5).await?;
    let text = browser.eval(notice).await?;
    let text = text.as_str().unwrap_or("");
    assert!(
        text.contains("The built-in local model is not running either")
            && !text.contains("still works."),
        "{text}"
    );
    // It answers again: both say so.
    let s = SettingsPage::open(&browser).await?;
    s.base_url("http://127.0.0.1:8081/v1").await?;
    s.close().await?;
    wait_long(&browser, "Local model ready", 30).await?;
    wait_long(&browser, "is running on this computer and still works.", 5).await?;
    let text = browser.eval(notice).await?;
    assert!(
        text.as_str()
            .unwrap_or("")
            .contains("The built-in local model (SmolLM2-135M-Instruct) is running on this computer and still works."),
        "{text}"
    );
    browser.close().await?;
    Ok(())
}

// Bug (first-hour tryout): offline, Generate stayed enabled and its error blamed the address and
// CORS. With Chromium's network conditions offline, a remote provider's buttons are disabled
// with a plain note, and a call that is made anyway (Test connection) says the browser is
// offline; the built-in local model's Generate stays enabled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_a_remote_provider_is_said_to_be_offline_not_misaddressed() -> anyhow::Result<()> {
    use pw_harness::pages::{PromptPage, SettingsPage};
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    // A prompt, so the buttons that rewrite, adapt, critique and improve it are on the page.
    PromptPage::new(&browser)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            r#"{"persona": "You are a meeting analyst.", "context": "Notes arrive as text.", "steps": ["Read the notes.", "List each action item.", "Name its owner."], "format": "A bullet list.", "examples": [{"input": "Bob sends the deck.", "output": "- Bob: send the deck"}, {"input": "Ann books a room.", "output": "- Ann: book a room"}, {"input": "Nothing to do.", "output": "No action items."}]}"#,
        )
        .await?;
    browser.cdp("Network.enable", json!({})).await?;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await?;
    browser.wait_for_text("You are offline.").await?;
    let generate_disabled = "return Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Generate again').disabled";
    // The built-in local model (on this computer) is not blocked.
    assert_eq!(browser.eval(generate_disabled).await?, false);

    // A hosted provider for every job.
    let s = SettingsPage::open(&browser).await?;
    for job in ["Writing prompts", "Running tests"] {
        s.job(job).await?;
        s.provider("OpenAI").await?;
        s.key("sk-offline-test-0123456789").await?;
    }
    // A call made anyway says the browser is offline, and does not blame the address.
    s.job("Writing prompts").await?;
    s.test_connection().await?;
    let error = s.wait_error("Your browser is offline").await?;
    assert!(
        error.contains("Your browser is offline, so OpenAI at api.openai.com cannot be reached."),
        "{error}"
    );
    for blamed in ["address", "CORS", "firewall"] {
        assert!(!error.contains(blamed), "{error}");
    }
    s.close().await?;

    // Generate and Run are disabled, and say why in plain words.
    browser
        .wait_until(
            "return Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Generate again').disabled",
            "Generate to be disabled offline",
        )
        .await?;
    let note = browser
        .eval("return document.getElementById('pw-generate-offline')?.textContent ?? ''")
        .await?;
    assert!(
        note.as_str()
            .unwrap_or("")
            .starts_with("Your browser is offline, so OpenAI at api.openai.com cannot be reached."),
        "{note}"
    );
    browser.wait_for_text("Add case").await?.click().await?;
    browser
        .wait_until(
            "const b = Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Run the case'); return !!b && b.disabled && !!document.getElementById('pw-run-offline')",
            "Run to be disabled offline, with its note",
        )
        .await?;
    browser.screenshot("offline-generate-1280-light").await?;
    // Tryout 3: every other button that calls a model stayed enabled and failed when pressed.
    pw_harness::pages::CasesPage::new(&browser)
        .add_rubric(1, "Lists the action items.")
        .await?;
    browser
        .button("Rewrite Persona with the model")
        .await?
        .click()
        .await?;
    let states = r#"return ['Rewrite Persona', 'Adapt', 'Suggest cases', 'Critique this prompt', 'Start: up to'].map(t => {
        const b = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim().startsWith(t) && !b.textContent.includes('with the model'));
        return t + ': ' + (!b ? 'missing' : b.disabled && b.title.startsWith('Your browser is offline') ? 'off' : 'on');
    })"#;
    let all_off = format!("return (function() {{ {states} }})().every(x => x.endsWith(': off'))");
    if browser
        .wait_until(
            &all_off,
            "every button that calls a model to be disabled offline",
        )
        .await
        .is_err()
    {
        anyhow::bail!("offline: {}", browser.eval(states).await?);
    }

    // Back online: enabled again.
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await?;
    browser
        .wait_until(
            "return !Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Generate again').disabled",
            "Generate to be enabled online",
        )
        .await?;
    let all_on = format!("return (function() {{ {states} }})().every(x => x.endsWith(': on'))");
    if browser
        .wait_until(
            &all_on,
            "every button that calls a model to be enabled online",
        )
        .await
        .is_err()
    {
        anyhow::bail!("online: {}", browser.eval(states).await?);
    }
    browser.close().await?;
    Ok(())
}

/// The numbers of the work area's cards, in page order.
const CARD_NUMBERS: &str = "return Array.from(document.querySelectorAll('.pw-card__step')).map(e => e.textContent).filter(t => /^[0-9]+$/.test(t))";
/// Whether the page scrolls sideways.
const SIDEWAYS: &str =
    "return document.documentElement.scrollWidth > document.documentElement.clientWidth";

// Bugs (first-hour tryout): Escape did not close Settings once the focus had left it; its close
// button scrolled away; the page scrolled sideways at 1280 px; the cards read 1, 2, 5, 3, 3, 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_drawer_closes_with_escape_keeps_its_close_button_and_fits()
-> anyhow::Result<()> {
    use pw_harness::pages::SettingsPage;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    // Classic scrollbars that take room, as on most desktops.
    let browser = Browser::start_with(1280, 800, &[pw_harness::browser::SHOW_SCROLLBARS]).await?;
    browser.open_app(&site.url()).await?;
    browser.wait_for_role_name("heading", "Your idea").await?;
    browser.wait_below_prompt().await?;

    // The cards are numbered like the step bar: once each, in order (the last card comes with a
    // prompt).
    let numbers: Vec<String> = serde_json::from_value(browser.eval(CARD_NUMBERS).await?)?;
    assert_eq!(numbers, ["1", "2", "3", "4"]);
    let reply = json!({"analysis": "", "persona": "You are a meticulous meeting analyst.",
        "context": "Meeting notes arrive as the user's message.", "steps": ["Read the notes.", "List every commitment."],
        "format": "A Markdown list.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- Bob: send the deck"},
                     {"input": "We talked about lunch.", "output": "No action items."}, {"input": "hi", "output": "Please paste the notes."}]});
    pw_harness::pages::PromptPage::new(&browser)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &reply.to_string(),
        )
        .await?;
    let numbers: Vec<String> = serde_json::from_value(browser.eval(CARD_NUMBERS).await?)?;
    assert_eq!(numbers, ["1", "2", "3", "4", "5"]);
    let steps: Vec<String> = serde_json::from_value(
        browser
            .eval("return Array.from(document.querySelectorAll('.pw-steps__num')).map(e => e.textContent)")
            .await?,
    )?;
    assert_eq!(steps, numbers, "the step bar and the cards agree");
    assert_eq!(
        browser.eval(SIDEWAYS).await?,
        false,
        "the page scrolls sideways"
    );

    let s = SettingsPage::open(&browser).await?;
    for job in ["Writing prompts", "Running tests", "Scoring"] {
        s.job(job).await?;
        assert_eq!(browser.eval(SIDEWAYS).await?, false, "sideways with {job}");
        let drawer = browser
            .eval("const d = document.querySelector('.pw-drawer'); return [d.scrollWidth, d.clientWidth]")
            .await?;
        assert!(
            drawer[0].as_u64() <= drawer[1].as_u64(),
            "the drawer is wider than its box on {job}: {drawer}"
        );
        // Tryout 10 (m6): the tab strip showed scroll arrows (its height overflowed by 1 px).
        let tabs = browser
            .eval("const t = document.querySelector('.pw-drawer .pw-tabs'); return [t.scrollHeight > t.clientHeight ? getComputedStyle(t).overflowY : 'fits', t.offsetHeight - t.clientHeight, t.offsetWidth - t.clientWidth]")
            .await?;
        assert!(
            tabs[0] == "fits" || tabs[0] == "hidden",
            "the tab strip scrolls up and down on {job}: {tabs}"
        );
        assert!(
            tabs[1].as_i64() <= Some(1) && tabs[2].as_i64() == Some(0),
            "the tab strip has a scrollbar on {job}: {tabs}"
        );
    }
    // Scrolled to the end, the close button is still in view and on top.
    browser
        .eval("const d = document.querySelector('.pw-drawer'); d.scrollTop = d.scrollHeight; return d.scrollTop")
        .await?;
    let on_top = browser
        .eval(
            "const b = document.querySelector('[aria-label=\"Close settings\"]'); const r = b.getBoundingClientRect(); \
             const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
             return r.top >= 0 && r.bottom <= innerHeight && (e === b || b.contains(e))",
        )
        .await?;
    assert_eq!(on_top, true, "the close button scrolled away");
    browser.screenshot("settings-scrolled-1280-light").await?;

    // Escape closes it wherever the focus is: here, nowhere in particular.
    browser
        .eval("document.activeElement && document.activeElement.blur(); return 0")
        .await?;
    browser.press(ESCAPE).await?;
    browser
        .wait_until(
            "return document.querySelector('[role=dialog]') === null",
            "Escape to close Settings",
        )
        .await?;

    // Tryout 9: the Drafts drawer opened with Enter left the focus on its button behind the
    // panel. Each drawer opened from the keyboard takes the focus, and gives it back on Escape.
    for (opener, name) in [("Drafts", "Your drafts"), ("Settings", "Settings")] {
        browser
            .eval(&format!(
                "Array.from(document.querySelectorAll('header button')).find(b => b.textContent.trim() === {opener:?}).focus(); return 0"
            ))
            .await?;
        browser.press("\u{E007}").await?;
        browser
            .wait_until(
                "const d = document.querySelector('[role=dialog]'); return !!d && d.contains(document.activeElement)",
                &format!("the focus inside {name}"),
            )
            .await?;
        browser.press(ESCAPE).await?;
        browser
            .wait_until(
                &format!("return document.querySelector('[role=dialog]') === null && document.activeElement?.textContent.trim() === {opener:?}"),
                &format!("the focus back on {opener}"),
            )
            .await?;
    }
    browser.close().await?;
    Ok(())
}

// Tryout 3: at 360 px the page scrolled sideways (593 px wide): a case's tag "empty: {{error}},
// {{message}}, …" and the "Written by SmolLM2-135M-Instruct" tag did not wrap. With long variable
// names and a long model name, every tag wraps inside the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_tags_wrap_and_the_page_never_scrolls_sideways_at_360_px() -> anyhow::Result<()> {
    let fake = pw_harness::fake_provider::FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(360, 740).await?;
    b.open_app(&site.url()).await?;
    let model = "SmolLM2-135M-Instruct-finetuned-for-customer-support-errors-q4_k_m-v2";
    fake.add_model(model);
    pw_harness::pages::SettingsPage::use_everywhere(&b, &fake.openai_url(), model).await?;
    let names = [
        "error_message_from_the_python_interpreter",
        "customer_support_ticket_identifier_number",
        "stack_trace_of_the_failing_request_handler",
    ];
    let context = names
        .iter()
        .map(|n| format!("{{{{{n}}}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let reply = json!({"analysis": "", "persona": "You are a friendly front-desk assistant.",
        "context": format!("The app fills in {context}."), "steps": ["Read the error.", "Explain it."],
        "format": "Two short paragraphs.", "json_schema": "",
        "examples": [{"input": "KeyError: 'a'", "output": "The key is missing."}]});
    fake.push_replies([reply.to_string()]);
    let p = pw_harness::pages::PromptPage::new(&b);
    p.idea("a bot that explains Python errors").await?;
    p.generate().await?;
    p.wait_version(1).await?;
    b.wait_for_text(&format!("Written by {model}")).await?;
    b.button("Add case").await?.click().await?;
    b.field("Input of case #1").await?;
    b.screenshot("long-tags-360-case-open").await?;
    // Closed, the case shows what it would send empty in one tag.
    b.eval("document.querySelector('.pw-case__summary').click(); return 0")
        .await?;
    b.wait_for_text(&format!("empty: {{{{{}}}}}", names[0]))
        .await?;
    let widths = b
        .eval("const e = document.documentElement; return [e.scrollWidth, e.clientWidth]")
        .await?;
    b.screenshot("long-tags-360").await?;
    // What sticks out, to name it when this fails.
    let wide = b
        .eval("const w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1)).slice(0, 8).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60))")
        .await?;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "the page is wider than the window at 360 px: {widths}; sticking out: {wide}"
    );
    b.close().await?;
    Ok(())
}

/// The focused element: its id, or else its text.
const FOCUSED: &str =
    "const a = document.activeElement; return a ? (a.id || a.textContent.trim()) : ''";

// Tryout 3, keyboard only: after "Add case" the focus stayed on the button while the case opened
// at the bottom; "Rename" kept the focus on its button; Escape on Drafts or Settings left the
// focus on the page's body. Each now lands where the person goes next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_focus_follows_add_case_rename_and_closing_drawers() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 900).await?;
    b.open_app(&site.url()).await?;
    b.wait_for_role_name("heading", "Your idea").await?;
    let reply = json!({"analysis": "", "persona": "You are a meticulous meeting analyst.",
        "context": "Meeting notes arrive as the user's message.", "steps": ["Read the notes.", "List every commitment."],
        "format": "A Markdown list.", "json_schema": "",
        "examples": [{"input": "Bob will send the deck.", "output": "- Bob: send the deck"}]});
    pw_harness::pages::PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &reply.to_string(),
        )
        .await?;
    const ENTER: &str = "\u{E007}";
    let focus = |label: &'static str| {
        let b = &b;
        async move {
            let el = b.button(label).await?;
            b.client
                .execute(
                    "arguments[0].focus(); return 0",
                    vec![serde_json::to_value(&el)?],
                )
                .await?;
            anyhow::Ok(())
        }
    };
    let wait_focus = |want: &'static str, what: &'static str| {
        let b = &b;
        async move {
            b.wait_until(
                &format!("const a = document.activeElement; return !!a && (a.id || a.textContent.trim()) === {want:?}"),
                what,
            )
            .await
        }
    };

    focus("Add case").await?;
    b.press(ENTER).await?;
    wait_focus("pw-case-1-input", "the focus in the new case's input").await?;
    b.press("Bob sends the deck.").await?;
    assert_eq!(
        b.field("Input of case #1")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("Bob sends the deck.")
    );

    for (opener, dialog) in [("Drafts", "Your drafts"), ("Settings", "Settings")] {
        focus(opener).await?;
        b.press(ENTER).await?;
        b.wait_for_role_name("dialog", dialog).await?;
        if opener == "Drafts" {
            // Duplicate saves and refreshes the list (and opens the copy): the focus stays on the
            // button that was pressed.
            let duplicate = b
                .client
                .find(fantoccini::Locator::Css(
                    "[role=dialog] button[aria-label^='Duplicate ']",
                ))
                .await?;
            b.client
                .execute(
                    "arguments[0].focus(); return 0",
                    vec![serde_json::to_value(&duplicate)?],
                )
                .await?;
            b.press(ENTER).await?;
            b.wait_until(
                "return document.querySelectorAll('.pw-draft-list__item').length === 2",
                "the copy in the list",
            )
            .await?;
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            let on = b
                .eval("const a = document.activeElement; return a ? (a.getAttribute('aria-label') || a.tagName) : ''")
                .await?;
            assert!(
                on.as_str().unwrap_or("").starts_with("Duplicate "),
                "the focus left the Duplicate button for {on}"
            );
            let rename = b
                .client
                .find(fantoccini::Locator::Css("button[aria-label^='Rename ']"))
                .await?;
            b.client
                .execute(
                    "arguments[0].focus(); return 0",
                    vec![serde_json::to_value(&rename)?],
                )
                .await?;
            b.press(ENTER).await?;
            wait_focus("pw-rename", "the focus in the name field").await?;
        }
        b.press(ESCAPE).await?;
        b.wait_until(
            "return document.querySelector('[role=dialog]') === null",
            "the dialog to close",
        )
        .await?;
        wait_focus(opener, "the focus back on the button that opened the panel").await?;
        let on = b.eval(FOCUSED).await?;
        assert_eq!(on, opener, "after Escape on {dialog}");
    }
    b.close().await?;
    Ok(())
}

// Tryout 3: "error message, {{code snippet}}, 123, error message, naïve" silently became
// "error, message, code, snippet, 123, naïve". Commas separate names; the field says what it
// changed and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_variables_field_says_what_it_changed_and_why() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 900).await?;
    b.open_app(&site.url()).await?;
    b.wait_for_role_name("heading", "Your idea").await?;
    b.wait_for_text("More details").await?.click().await?;
    let field = b.field("Data it receives (variables)").await?;
    field
        .type_text("error message, {{code snippet}}, 123, error message, naïve\u{E004}")
        .await?;
    b.wait_for_text("Changed: \u{201c}error message\u{201d} became \u{201c}error_message\u{201d}: a name has no spaces.")
        .await?;
    b.wait_for_text("\u{201c}123\u{201d} was left out: a name must start with a letter.")
        .await?;
    b.wait_for_text("\u{201c}error_message\u{201d} was listed twice: it is kept once.")
        .await?;
    assert_eq!(
        field.prop("value").await?.as_deref(),
        Some("error_message, code_snippet, naïve")
    );
    // Tryout 19: braces typed around a name were taken off without a word.
    field
        .type_text(&format!(
            "{}transcript, {{{{language}}}}\u{E004}",
            pw_harness::pages::SELECT_ALL
        ))
        .await?;
    b.wait_for_text("Changed: \u{201c}{{language}}\u{201d} became \u{201c}language\u{201d}: write the name alone; the prompt adds the braces.")
        .await?;
    // Tryout 83: two names that differ only in capitals were said as a change ("Changed: …"),
    // though nothing was changed; an entry of only a zero-width space went with no word.
    field
        .type_text(&format!(
            "{}ticket, TICKET, \u{200B}\u{E004}",
            pw_harness::pages::SELECT_ALL
        ))
        .await?;
    let said = b
        .wait_for_text("differ only in capitals")
        .await?
        .text()
        .await?;
    assert_eq!(
        said,
        "Changed: An entry of nothing but a character that shows as nothing (U+200B) was left out. \u{201c}ticket\u{201d} and \u{201c}TICKET\u{201d} differ only in capitals: they are two variables, each with its own value in every case."
    );
    b.close().await?;
    Ok(())
}

// Tryout: offline, Generate against an OpenAI-compatible server on this computer (sent: calls to
// this computer are allowed offline) failed, and the page blamed the address and CORS ("Check the
// address for typos … (CORS)"). When such a call fails while the browser is offline, being
// offline is named first as a possible cause, the usual causes after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_a_failed_call_to_this_computer_names_being_offline_first() -> anyhow::Result<()> {
    use pw_harness::fake_provider::FakeProvider;
    use pw_harness::pages::{PromptPage, SettingsPage};
    let fake = FakeProvider::start().await?;
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    let s = SettingsPage::open(&browser).await?;
    s.provider("OpenAI-compatible server").await?;
    s.base_url(&fake.openai_url()).await?;
    s.model("fake-large").await?;
    s.close().await?;
    let p = PromptPage::new(&browser);
    p.idea("a bot that pulls action items out of meeting notes")
        .await?;
    browser.cdp("Network.enable", json!({})).await?;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await?;
    browser.wait_for_text("You are offline.").await?;
    // Pressed as a keyboard would (a full run once clicked where the button had been before
    // the offline notes above it moved it down).
    browser
        .eval("Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Generate prompt').click(); return 0")
        .await?;
    let host = fake.addr.to_string();
    browser
        .wait_for_text("No answer while your browser is offline")
        .await?;
    let text = browser
        .eval("return Array.from(document.querySelectorAll('[role=alert] .pw-notice__text')).map(e => e.textContent).join(' | ')")
        .await?;
    let text = text.as_str().unwrap_or("");
    assert!(
        text.contains(&format!(
            "Your browser is offline, and nothing answered from {host}. Being offline may be the cause"
        )),
        "{text}"
    );
    let (first, _) = text
        .split_once("If it still fails once you are online")
        .unwrap_or((text, ""));
    for blamed in ["Check the address", "CORS", "typos"] {
        assert!(!first.contains(blamed), "{text}");
    }
    browser.close().await?;
    Ok(())
}

// Issue #16: on a slow connection a first visit waited about 7 s for the idea box (the app's
// code is 1.2 MB gzip). The page's first idea box is static HTML, usable at once; what is typed
// there, and the caret, go into the app's idea box when the app starts, and are kept: as the
// first draft, or beside a draft that would have opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idea_typed_while_the_app_downloads_is_kept() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let url = site.url();
    let browser = Browser::start(1280, 900).await?;
    // 500 KB/s: the 3 MB of the build (served without gzip here) take about 6 s.
    pw_harness::pages::slow_network(&browser, 500_000.0).await?;
    pw_harness::pages::type_before_the_app_starts(&browser, &url, "A bot that sorts my email")
        .await?;
    // A selection in the middle ("sorts"), and where the box stands on the screen.
    let before = browser
        .eval(
            "const b = document.getElementById('pw-boot-idea'); b.setSelectionRange(11, 16); \
             return [document.getElementById('pw-idea') === null, b.getBoundingClientRect().top]",
        )
        .await?;
    assert_eq!(
        before[0],
        json!(true),
        "the app started too early: {before}"
    );
    browser
        .wait_until(
            "return document.getElementById('pw-idea') !== null",
            "the app to start",
        )
        .await?;
    let now = browser
        .eval(
            "const a = document.getElementById('pw-idea'); \
             return [a.value, document.activeElement === a, a.selectionStart, a.selectionEnd, \
                     document.getElementById('pw-boot-idea') === null, a.getBoundingClientRect().top]",
        )
        .await?;
    assert_eq!(
        now.as_array().map(|a| a[..5].to_vec()),
        Some(vec![
            json!("A bot that sorts my email"),
            json!(true),
            json!(11),
            json!(16),
            json!(true)
        ]),
        "the app's idea box holds what was typed, with the focus and the selection; the static one is gone: {now}"
    );
    // It stands where the static box stood (the page scrolls by what the header and intro add,
    // and by what appears above it in the first second).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let top = browser
        .eval("return document.getElementById('pw-idea').getBoundingClientRect().top")
        .await?;
    let moved = top.as_f64().unwrap_or(f64::NAN) - before[1].as_f64().unwrap_or(f64::NAN);
    assert!(
        moved.abs() <= 2.0,
        "the idea box jumped {moved} px as the app started"
    );
    // Typing goes on at the selection, then at the end.
    browser
        .client
        .active_element()
        .await?
        .send_keys("files")
        .await?;
    let idea = browser.field("What should your assistant do?").await?;
    assert_eq!(
        idea.prop("value").await?.as_deref(),
        Some("A bot that files my email")
    );
    browser
        .eval("const a = document.getElementById('pw-idea'); a.setSelectionRange(a.value.length, a.value.length); return true")
        .await?;
    browser
        .client
        .active_element()
        .await?
        .send_keys(" daily")
        .await?;
    assert_eq!(
        idea.prop("value").await?.as_deref(),
        Some("A bot that files my email daily")
    );

    // It is the first draft: there after a reload at full speed.
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
    browser.client.refresh().await?;
    browser
        .wait_for_role_name("heading", "Promptwright")
        .await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value === 'A bot that files my email daily'",
            "the typed idea after a reload",
        )
        .await?;

    // A second visit, slow again, with that draft stored: what is typed before the app starts
    // becomes a draft of its own, and the one that would have opened stays in Drafts (named by
    // the first words of its idea).
    // The dark theme chosen in the app holds before the app starts (no light flash).
    browser
        .eval("localStorage.setItem('pw.theme', 'dark'); return true")
        .await?;
    pw_harness::pages::slow_network(&browser, 500_000.0).await?;
    pw_harness::pages::type_before_the_app_starts(
        &browser,
        &url,
        "Turn a recipe into a shopping list",
    )
    .await?;
    assert_eq!(
        browser
            .eval("return [document.documentElement.dataset.theme ?? null, document.getElementById('pw-idea') === null]")
            .await?,
        json!(["dark", true]),
        "the static box in the theme chosen, before the app starts"
    );
    browser
        .wait_for_text("What you typed while your drafts were opening is kept as a new draft; \u{201c}A bot that files my email daily\u{201d} is in Drafts.")
        .await?;
    let idea = browser.field("What should your assistant do?").await?;
    assert_eq!(
        idea.prop("value").await?.as_deref(),
        Some("Turn a recipe into a shopping list")
    );
    browser.close().await?;
    Ok(())
}

// The static idea box promises that what is typed there is kept. When the app's code never
// arrives whole (the download broke: the server sends half the wasm), the page says the app could
// not load, and the reload that follows brings the typed idea back into the app's idea box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_breaks_keeps_the_typed_idea_for_the_reload() -> anyhow::Result<()> {
    let copy = build_copy("pw-broken")?;
    let wasm = main_wasm(&copy)?;
    let whole = std::fs::read(&wasm)?;
    std::fs::write(&wasm, &whole[..whole.len() / 2])?;
    let site = StaticSite::start(&copy, "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.cdp("Network.enable", json!({})).await?;
    browser
        .cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await?;
    pw_harness::pages::type_before_the_app_starts(
        &browser,
        &site.url(),
        "Summarise support tickets",
    )
    .await?;
    browser
        .wait_for_text("Promptwright could not load (the connection may have dropped). What you typed is kept in this browser: reload the page to try again.")
        .await?;
    // The whole build is there again; the reload starts the app with the idea.
    std::fs::write(&wasm, &whole)?;
    browser.client.refresh().await?;
    browser
        .wait_for_role_name("heading", "Promptwright")
        .await?;
    browser
        .wait_until(
            "return document.getElementById('pw-idea')?.value === 'Summarise support tickets' && localStorage.getItem('pw.boot-idea') === null",
            "the typed idea in the app's idea box, and its kept copy forgotten",
        )
        .await?;
    browser.close().await?;

    // Where the browser refuses storage, the page does not promise to keep the idea.
    std::fs::write(&wasm, &whole[..whole.len() / 2])?;
    let browser = Browser::start(1280, 900).await?;
    browser.cdp("Page.enable", json!({})).await?;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "Storage.prototype.setItem = function () { throw new DOMException('refused', 'SecurityError'); };" }),
        )
        .await?;
    pw_harness::pages::type_before_the_app_starts(&browser, &site.url(), "Sort my inbox").await?;
    browser
        .wait_for_text(
            "This browser cannot keep what you typed: copy it, then reload the page to try again.",
        )
        .await?;
    browser.close().await?;
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

/// The release build is split: the idea box and Generate come with the main module, the cards
/// below the prompt with a chunk fetched after the first render (issue #16). A chunk that does
/// not arrive leaves the idea and the prompt usable, says what happened, and "Try again" brings
/// the cards once the file is there.
#[tokio::test(flavor = "multi_thread")]
async fn the_cards_below_the_prompt_arrive_after_the_idea_box_and_a_failed_download_is_retried()
-> anyhow::Result<()> {
    let copy = build_copy("pw-chunk")?;
    let chunk = std::fs::read_dir(&copy)?
        .filter_map(|e| Some(e.ok()?.path()))
        .find(|p| {
            p.extension().is_some_and(|x| x == "wasm")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("promptwright"))
        })
        .expect("the release build has a chunk besides the main module (scripts/split)");
    // Named by a hash of its contents (scripts/split), so an HTTP cache's copy from another
    // build is never used with this main module.
    let chunk_name = chunk
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let hashed = |name: &str, prefix: &str, ext: &str| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(ext))
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    assert!(
        hashed(&chunk_name, "split_below_prompt-", ".wasm"),
        "the chunk's name carries its hash: {chunk_name}"
    );
    let loader = std::fs::read_dir(&copy)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with("__wasm_split"))
        .expect("the chunk's loader in the build");
    assert!(
        hashed(&loader, "__wasm_split-", ".js"),
        "the loader's name carries its hash: {loader}"
    );
    let main = std::fs::metadata(main_wasm(&copy)?)?.len();
    let size = std::fs::metadata(&chunk)?.len();
    assert!(
        size > main / 3,
        "the chunk carries the cards' code ({size} bytes beside a main module of {main})"
    );
    // The chunk cannot be fetched (the site's file is missing; the service worker's install
    // fails on it too, so nothing broken is kept).
    let away = chunk.with_extension("away");
    std::fs::rename(&chunk, &away)?;
    let site = StaticSite::start(&copy, "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.cdp("Network.enable", json!({})).await?;
    browser
        .cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await?;
    browser.open_app(&site.url()).await?;
    browser
        .wait_for_text("The test cases, results and improvement tools could not be downloaded: the connection dropped, the site is unreachable, or Promptwright was updated since this page opened (then reloading the page brings the new version). Your idea, prompt and drafts are kept in this browser.")
        .await?;
    // The idea box works meanwhile, and nothing of the lower cards is there.
    let idea = browser
        .client
        .find(fantoccini::Locator::Id("pw-idea"))
        .await?;
    idea.send_keys("Pull action items out of meeting notes")
        .await?;
    let cases = browser
        .eval("return document.querySelectorAll('.pw-card--cases').length")
        .await?;
    assert_eq!(cases, json!(0), "no Test cases card without its code");
    // The step bar's Test goes to the notice (tryout 70: it did nothing), on a page made short
    // enough to need the scroll.
    browser.client.set_window_size(1280, 500).await?;
    browser.button("Test").await?.click().await?;
    browser
        .wait_until(
            "const r = document.querySelector('.pw-below-failed').getBoundingClientRect(); \
             return r.top >= 0 && r.top < innerHeight && !document.querySelector('.pw-steps__note')",
            "the failure notice in view after the step bar's Test",
        )
        .await?;
    // Try again while it is still missing: the notice again, with the focus on Try again
    // (tryout 70: it fell to the page).
    browser.button("Try again").await?.click().await?;
    browser
        .wait_until(
            "return document.activeElement?.id === 'pw-below-retry'",
            "the focus back on Try again after a failed retry",
        )
        .await?;
    // No service worker from a build the page could not load (it would keep it for good).
    let workers = browser
        .eval("return navigator.serviceWorker.getRegistrations().then(r => r.length)")
        .await?;
    assert_eq!(workers, json!(0), "no service worker after a failed chunk");
    // The file is there again: Try again brings the cards, and what was typed stays.
    std::fs::rename(&away, &chunk)?;
    browser.button("Try again").await?.click().await?;
    browser.wait_for_role_name("heading", "Test cases").await?;
    // The focus, lost with the button, goes to the cards (tryout 72).
    browser
        .wait_until(
            "return document.activeElement?.id === 'pw-cases-title'",
            "the focus on the Test cases heading",
        )
        .await?;
    let after = browser
        .eval("return [document.getElementById('pw-idea').value, document.querySelectorAll('.pw-below-failed').length]")
        .await?;
    assert_eq!(
        after,
        json!(["Pull action items out of meeting notes", 0]),
        "the idea kept, the failure notice gone"
    );
    // With the cards here, the service worker registers (the offline copy of this session).
    browser
        .wait_until(
            "return navigator.serviceWorker.getRegistrations().then(r => r.length === 1)",
            "the service worker registered after the cards arrived",
        )
        .await?;
    browser.close().await?;

    // A host that answers the missing file with the page (status 200, as single-page hosts
    // do): the notice, no service worker keeps it, and once the file is right "Reload the
    // page" brings the cards.
    let index = std::fs::read(copy.join("index.html"))?;
    let whole = std::fs::read(&chunk)?;
    std::fs::write(&chunk, &index)?;
    // Dated two days back, as a deployed file is: without a Cache-Control header the browser
    // may keep it for hours by its own rule (tryout 72: Try again and the reload then never
    // asked the server again).
    std::fs::File::options()
        .write(true)
        .open(&chunk)?
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400))?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    browser
        .wait_for_text("Your idea, prompt and drafts are kept in this browser.")
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let workers = browser
        .eval("return navigator.serviceWorker.getRegistrations().then(r => r.length)")
        .await?;
    assert_eq!(
        workers,
        json!(0),
        "no service worker after a chunk that was the page"
    );
    // Alt+R with no Results card on the page says so instead of running unseen.
    browser.press("\u{E00A}r\u{E000}").await?;
    browser
        .wait_for_text("The test cases and results are not on the page yet (still loading, or their download failed): run them from there once they are.")
        .await?;
    std::fs::write(&chunk, &whole)?;
    browser.button("Reload the page").await?.click().await?;
    browser.wait_for_role_name("heading", "Test cases").await?;
    browser.close().await?;
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

/// A host that sends `.wasm` as `application/octet-stream`: the main module and the chunk both
/// compile (without streaming), so the cards below the prompt arrive (tryout 70: the chunk failed
/// with "Incorrect response MIME type" while the main module started).
#[tokio::test(flavor = "multi_thread")]
async fn the_cards_arrive_from_a_host_that_sends_wasm_as_octet_stream() -> anyhow::Result<()> {
    let site = StaticSite::start_wasm_as_octet_stream(&paths::dist_dir(), "/").await?;
    let browser = Browser::start(1280, 900).await?;
    browser.open_app(&site.url()).await?;
    browser.wait_for_role_name("heading", "Test cases").await?;
    let types = browser
        .eval("return performance.getEntriesByType('resource').filter(e => e.name.endsWith('.wasm')).length")
        .await?;
    assert_eq!(
        types,
        json!(2),
        "the main module and the chunk came: {types}"
    );
    browser.close().await?;
    Ok(())
}
