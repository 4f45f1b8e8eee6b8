//! The slow-connection part of the bench: how long a person on a slow mobile connection waits for
//! the idea box, on a first visit (fresh profile: nothing cached, no service worker) and on a repeat
//! visit (the service worker installed by the first one serves the app). Chromium's own network
//! emulation (the DevTools protocol's `Network.emulateNetworkConditions`) slows every request of
//! the page; the app is served with gzip, as static hosts send it.
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use pw_harness::browser::Browser;
use pw_harness::static_site::{StaticSite, gzip_copy};
use serde_json::json;

/// Download speed of the emulated connection: 1.6 Mbit/s, DevTools' "Fast 3G" before its 0.9
/// factor (issue #16's figures), in bytes per second.
pub const DOWN_BYTES_PER_S: f64 = 1_600_000.0 / 8.0;
/// Upload speed: 750 kbit/s, in bytes per second.
pub const UP_BYTES_PER_S: f64 = 750_000.0 / 8.0;
/// Added to every request's round trip, in milliseconds.
pub const LATENCY_MS: f64 = 150.0;

/// Longest wait for one visit (a first visit downloads about 1 MB at 200 KB/s).
const VISIT_LIMIT: Duration = Duration::from_secs(120);

/// Runs at the start of every document: notes the time (ms since navigation start,
/// `performance.now()`) at which a textarea is first usable (in the page, laid out, neither
/// disabled nor read-only): in `window.__pwTyping` the first idea box a person can type in (the
/// static one of `index.html`, `#pw-boot-idea`, or the app's), in `window.__pwIdeaBox` the app's
/// own (`#pw-idea`: the app has started), in `window.__pwCards` the Test cases card (the cards
/// below the prompt, a chunk of their own, are here).
const WATCH_IDEA_BOX: &str = r#"
(() => {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  const usable = (id) => {
    const box = document.getElementById(id);
    return !!box && box.tagName === 'TEXTAREA' && !box.disabled && !box.readOnly
      && box.getClientRects().length > 0;
  };
  const observer = new MutationObserver(() => {
    if (window.__pwTyping == null && (usable('pw-boot-idea') || usable('pw-idea'))) {
      window.__pwTyping = performance.now();
    }
    if (window.__pwIdeaBox == null && usable('pw-idea')) {
      window.__pwIdeaBox = performance.now();
    }
    if (window.__pwCards == null && document.querySelector('.pw-card--cases')) {
      window.__pwCards = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();
"#;

/// Bytes that came over the network for this page (the page and every file it loaded; a file
/// served by the service worker or the HTTP cache counts 0).
const TRANSFERRED: &str = "return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .reduce((n, e) => n + (e.transferSize || 0), 0)";

/// One visit's measures.
#[derive(Clone, Copy)]
struct Visit {
    /// Navigation start to the first idea box a person can type in, ms.
    typing_ms: f64,
    /// Navigation start to the app's idea box (the app started), ms.
    ms: f64,
    /// Navigation start to the cards below the prompt (the Test cases card), ms.
    cards_ms: f64,
    /// Bytes over the network.
    bytes: f64,
}

/// Polls `script` until it returns a number (or true); fails after [`VISIT_LIMIT`].
async fn wait_number(b: &Browser, script: &str, what: &str) -> Result<f64> {
    let deadline = Instant::now() + VISIT_LIMIT;
    loop {
        match b.eval(script).await {
            Ok(v) if v.as_f64().is_some() => return Ok(v.as_f64().unwrap_or_default()),
            Ok(serde_json::Value::Bool(true)) => return Ok(1.0),
            _ => {}
        }
        if Instant::now() > deadline {
            let body = b
                .eval("return document.body ? document.body.innerText : ''")
                .await;
            bail!(
                "no {what} after {VISIT_LIMIT:?}; the page says: {}",
                body.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn visit(b: &Browser, url: &str) -> Result<Visit> {
    b.client.goto(url).await?;
    let ms = wait_number(
        b,
        "return window.__pwIdeaBox ?? null",
        "usable idea box (#pw-idea)",
    )
    .await?;
    let typing_ms = b
        .eval("return window.__pwTyping ?? null")
        .await?
        .as_f64()
        .unwrap_or(ms);
    let cards_ms = wait_number(
        b,
        "return window.__pwCards ?? null",
        "Test cases card (the cards below the prompt)",
    )
    .await?;
    let bytes = b.eval(TRANSFERRED).await?.as_f64().unwrap_or(f64::NAN);
    Ok(Visit {
        typing_ms,
        ms,
        cards_ms,
        bytes,
    })
}

/// One fresh browser profile: a first visit, then (once the service worker controls the page) a
/// repeat visit.
async fn session(url: &str) -> Result<(Visit, Visit)> {
    let b = Browser::start(1280, 900).await?;
    let result = async {
        b.cdp("Network.enable", json!({})).await?;
        b.cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": LATENCY_MS,
                "downloadThroughput": DOWN_BYTES_PER_S,
                "uploadThroughput": UP_BYTES_PER_S,
            }),
        )
        .await?;
        b.cdp("Page.enable", json!({})).await?;
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH_IDEA_BOX }),
        )
        .await?;
        let first = visit(&b, url).await?;
        // The service worker precaches the build on install and claims the page on activate.
        wait_number(
            &b,
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
            "service worker controlling the page",
        )
        .await?;
        let repeat = visit(&b, url).await?;
        anyhow::Ok((first, repeat))
    }
    .await;
    b.close().await?;
    result
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Measures `loads` fresh profiles on the emulated connection and prints the table.
pub async fn bench(dist: &std::path::Path, loads: usize) -> Result<()> {
    let served = std::env::temp_dir().join(format!("pw-bench-gzip-{}", std::process::id()));
    gzip_copy(dist, &served)?;
    let site = StaticSite::start_gzip(&served, "/").await?;
    let mut first = Vec::new();
    let mut repeat = Vec::new();
    for _ in 0..loads {
        let (f, r) = session(&site.url()).await?;
        first.push(f);
        repeat.push(r);
    }
    drop(site);
    let _ = std::fs::remove_dir_all(&served);
    println!(
        "\n## Time to a usable idea box on a slow connection (headless Chromium, emulated {:.1} Mbit/s down, {:.0} kbit/s up, {LATENCY_MS:.0} ms latency; served with gzip; {loads} loads)\n",
        DOWN_BYTES_PER_S * 8.0 / 1e6,
        UP_BYTES_PER_S * 8.0 / 1e3
    );
    println!("| visit | measure | median | min | max | over the network (median) |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, v) in [
        ("first visit (fresh profile, cold cache)", &first),
        ("repeat visit (service worker)", &repeat),
    ] {
        let bytes = median(v.iter().map(|x| x.bytes).collect());
        for (measure, ms) in [
            (
                "idea box a person can type in",
                v.iter().map(|x| x.typing_ms).collect::<Vec<f64>>(),
            ),
            (
                "app started (its own idea box)",
                v.iter().map(|x| x.ms).collect(),
            ),
            (
                "cards below the prompt (Test cases) shown",
                v.iter().map(|x| x.cards_ms).collect(),
            ),
        ] {
            let min = ms.iter().cloned().fold(f64::INFINITY, f64::min);
            let max = ms.iter().cloned().fold(0.0, f64::max);
            println!(
                "| {name} | {measure} | {:.0} ms | {min:.0} ms | {max:.0} ms | {:.1} KB |",
                median(ms),
                bytes / 1024.0
            );
        }
    }
    println!(
        "\nNavigation start to an idea box laid out and enabled, timed in the page: the first one a person can type in (the static box of index.html, `#pw-boot-idea`, whose text the app takes over), and the app's own (`#pw-idea`), then the Test cases card (the cards below the prompt come in a wasm chunk of their own, fetched after the app starts); the repeat visit follows the first in the same profile once the service worker controls the page."
    );
    Ok(())
}
