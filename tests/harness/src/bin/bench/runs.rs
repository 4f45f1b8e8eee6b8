//! The run part of the bench: N cases through the app against the fake provider (over HTTPS with
//! HTTP/2, like real providers, so the browser's six-connections-per-host cap on HTTP/1.1 does not
//! throttle the parallel run), timed in the page; and the longest main-thread task (PerformanceObserver
//! long tasks, plus the longest gap between animation frames) while streams arrive and while a
//! large table renders.
use std::time::Duration;

use pw_harness::browser::Browser;
use pw_harness::fake_provider::FakeProvider;
use pw_harness::pages::{PromptPage, SELECT_ALL, SettingsPage, TAB};
use pw_harness::static_site::StaticSite;
use serde_json::{Value, json};

/// Watches long tasks and animation-frame gaps from now on (`window.__pwPerf`).
const WATCH: &str = r#"
window.__pwPerf = { longest: 0, count: 0, gap: 0, last: performance.now(), on: true, tasks: [] };
// One observer at a time: a second WATCH (after an import's) counted every long task twice.
try { window.__pwObs?.disconnect(); } catch (e) {}
try {
  window.__pwObs = new PerformanceObserver(l => { for (const e of l.getEntries()) { __pwPerf.longest = Math.max(__pwPerf.longest, e.duration); __pwPerf.count++; __pwPerf.tasks.push([Math.round(e.startTime - (window.__pwStart ?? 0)), Math.round(e.duration)]); } });
  window.__pwObs.observe({ type: 'longtask' });
} catch (e) {}
const tick = t => { if (!__pwPerf.on) return; __pwPerf.gap = Math.max(__pwPerf.gap, t - __pwPerf.last); __pwPerf.last = t; requestAnimationFrame(tick); };
requestAnimationFrame(tick);
return true;
"#;

const READ: &str = "__pwPerf.on = false; return __pwPerf;";

/// Counts DOM changes by kind and place (`window.__pwMut`), from now on.
const MUTATIONS: &str = r#"
window.__pwMut = { n: {}, on: true };
const where_ = el => { for (let e = el; e && e.nodeType; e = e.parentElement) { if (e.nodeType === 1 && e.className && typeof e.className === 'string') return e.tagName.toLowerCase() + '.' + e.className.split(' ')[0]; } return '?'; };
new MutationObserver(list => {
  if (!__pwMut.on) return;
  for (const m of list) {
    const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    const k = m.type + (m.attributeName ? ':' + m.attributeName : '') + ' ' + where_(t) + (m.addedNodes.length ? ' +' + (m.addedNodes[0].tagName || '#text').toLowerCase() : '');
    __pwMut.n[k] = (__pwMut.n[k] || 0) + 1;
  }
}).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
return true;
"#;

/// Logs the characters of every IndexedDB `put` from now on (`window.__pwPuts`: store,
/// characters), whichever layout the build stores drafts in.
const LOG_PUTS: &str = r#"
window.__pwPuts = [];
if (!IDBObjectStore.prototype.__pwPut) {
  IDBObjectStore.prototype.__pwPut = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    window.__pwPuts?.push([this.name, typeof value === 'string' ? value.length : 0]);
    return this.__pwPut(value, key);
  };
}
return true;
"#;

/// The saves logged by [`LOG_PUTS`] (each ends with its put to the store `drafts`), and the
/// characters the draft takes in storage now (every store of the database).
const READ_PUTS: &str = r#"
const done = arguments[arguments.length - 1];
const saves = [];
let chars = 0;
for (const [store, n] of window.__pwPuts) { chars += n; if (store === 'drafts') { saves.push(chars); chars = 0; } }
window.__pwPuts = null;
const open = indexedDB.open('promptwright');
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction(Array.from(db.objectStoreNames));
  const all = Array.from(db.objectStoreNames).map(n => tx.objectStore(n).getAll());
  tx.oncomplete = () => { db.close(); done({ saves, stored: all.reduce((a, r) => a + r.result.reduce((b, v) => b + (typeof v === 'string' ? v.length : 0), 0), 0) }); };
};
"#;

/// What the saves during a run wrote.
struct Writes {
    saves: usize,
    total: u64,
    largest: u64,
    stored: u64,
}

/// Waits for the page to say the draft is saved, then reads [`READ_PUTS`].
async fn writes(b: &Browser) -> anyhow::Result<Writes> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-save')).some(e => e.textContent === 'Saved in this browser')",
        "the draft to be saved",
    )
    .await?;
    let v = b.client.execute_async(READ_PUTS, vec![]).await?;
    let saves: Vec<u64> = v["saves"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    Ok(Writes {
        saves: saves.len(),
        total: saves.iter().sum(),
        largest: saves.iter().copied().max().unwrap_or(0),
        stored: v["stored"].as_u64().unwrap_or(0),
    })
}

/// What one scenario measured.
pub struct Measured {
    pub ms: f64,
    pub longest_task: f64,
    pub long_tasks: u64,
    pub frame_gap: f64,
}

async fn setup(b: &Browser, fake: &FakeProvider) -> anyhow::Result<()> {
    SettingsPage::use_everywhere(b, &fake.openai_url(), "fake-large").await?;
    setup_prompt_only(b).await?;
    b.field("At once")
        .await?
        .send_keys(&format!("{SELECT_ALL}8{TAB}"))
        .await?;
    Ok(())
}

/// Imports `n` cases from a JSONL file; returns the longest task while the table rendered.
async fn import(b: &Browser, n: usize) -> anyhow::Result<Measured> {
    let path = std::env::temp_dir().join(format!("pw-bench-{}-{n}.jsonl", std::process::id()));
    let body: String = (0..n)
        .map(|i| json!({"input": format!("Bench case {i}: summarise the numbers {i}, {}, {}.", i * 2, i * 3)}).to_string() + "\n")
        .collect();
    std::fs::write(&path, body)?;
    b.eval(WATCH).await?;
    let t0 = b
        .eval("return performance.now()")
        .await?
        .as_f64()
        .unwrap_or(0.0);
    let input = b
        .client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import test cases from a CSV, JSONL or promptfoo file']",
        ))
        .await?;
    input.send_keys(path.to_str().unwrap_or_default()).await?;
    b.wait_until(
        &format!("return document.querySelector('.pw-card--cases .pw-card__meta')?.textContent === '{n} cases' && document.querySelectorAll('.pw-result').length === Math.min({n}, 100)"),
        "the imported cases",
    )
    .await?;
    // Two frames so the work of the last render is counted.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t1 = b
        .eval("return performance.now()")
        .await?
        .as_f64()
        .unwrap_or(0.0);
    let p = b.eval(READ).await?;
    Ok(measured(t1 - t0, &p))
}

fn measured(ms: f64, p: &Value) -> Measured {
    Measured {
        ms,
        longest_task: p["longest"].as_f64().unwrap_or(0.0),
        long_tasks: p["count"].as_u64().unwrap_or(0),
        frame_gap: p["gap"].as_f64().unwrap_or(0.0),
    }
}

/// Clicks "Run all" and times, in the page, until every case has finished.
async fn run_all(b: &Browser, n: usize) -> anyhow::Result<Measured> {
    b.eval(WATCH).await?;
    let start = format!(
        r#"
        window.__pwDone = null;
        const want = '{n} of {n} done';
        new MutationObserver((_, obs) => {{
          const t = document.querySelector('.pw-progress__text');
          if (t && t.textContent.startsWith(want) && window.__pwDone === null) {{ window.__pwDone = performance.now(); obs.disconnect(); }}
        }}).observe(document.body, {{ subtree: true, childList: true, characterData: true }});
        const btn = Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Run all {n} cases');
        window.__pwStart = performance.now();
        btn.click();
        // A run of 500 calls or more to a model with no list price asks first: confirmed
        // at once, and timed from there.
        return new Promise(resolve => setTimeout(() => {{
          const ok = document.querySelector('.pw-costly .pw-button--primary');
          if (ok) {{ window.__pwStart = performance.now(); ok.click(); }}
          resolve(true);
        }}, 50));"#
    );
    b.eval(&start).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        let done = b.eval("return window.__pwDone").await?;
        if done.is_number() {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ms = b
        .eval("return window.__pwDone - window.__pwStart")
        .await?
        .as_f64()
        .unwrap_or(f64::NAN);
    let p = b.eval(READ).await?;
    Ok(measured(ms, &p))
}

async fn new_draft(b: &Browser) -> anyhow::Result<()> {
    b.button("Drafts").await?.click().await?;
    b.button("New draft").await?.click().await?;
    Ok(())
}

fn task(m: &Measured) -> String {
    if m.long_tasks == 0 {
        "none over 50 ms".to_owned()
    } else {
        format!("{:.0} ms ({} long)", m.longest_task, m.long_tasks)
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Only the three-models row (`--only models`): a quicker check of the per-host queue.
pub async fn models_only(dist: &std::path::Path) -> anyhow::Result<()> {
    let fake = FakeProvider::start_tls().await?;
    let site = StaticSite::start(dist, "/").await?;
    let b = Browser::start_with(1280, 1000, &["--ignore-certificate-errors"]).await?;
    b.open_app(&site.url()).await?;
    setup(&b, &fake).await?;
    models_row(&b, &fake).await?;
    b.close().await?;
    Ok(())
}

pub async fn bench(dist: &std::path::Path) -> anyhow::Result<()> {
    let fake = FakeProvider::start_tls().await?;
    let site = StaticSite::start(dist, "/").await?;
    let b = Browser::start_with(1280, 1000, &["--ignore-certificate-errors"]).await?;
    b.open_app(&site.url()).await?;
    setup(&b, &fake).await?;

    println!("\n## Parallel runs (fake provider over HTTPS/HTTP2, 300 ms per call, 8 at once)\n");
    println!(
        "| cases | ideal ceil(N/8) x 300 ms | actual | ideal / actual | goal >= 0.90 | longest task during the run | longest frame gap |"
    );
    println!("|---:|---:|---:|---:|---|---|---:|");
    fake.set_timing(300, 0, 64);
    fake.set_default_reply("Done: the numbers are summarised.");
    let mut tables = Vec::new();
    let mut saving = Vec::new();
    for n in [100usize, 500] {
        let imported = import(&b, n).await?;
        tables.push((n, imported));
        fake.clear();
        b.eval(LOG_PUTS).await?;
        let m = run_all(&b, n).await?;
        saving.push((n, writes(&b).await?));
        let mut at: Vec<u64> = fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.at_ms)
            .collect();
        at.sort_unstable();
        let mut spacing: Vec<u64> = at.windows(9).map(|w| w[8] - w[0]).collect();
        spacing.sort_unstable();
        eprintln!(
            "[bench] {n} cases: {} calls; median spacing of call k and k+8: {} ms; first {} ms, last {} ms",
            at.len(),
            spacing.get(spacing.len() / 2).copied().unwrap_or(0),
            at.first().copied().unwrap_or(0),
            at.last().copied().unwrap_or(0)
        );
        let ideal = (n as f64 / 8.0).ceil() * 300.0;
        let ratio = ideal / m.ms;
        println!(
            "| {n} | {ideal:.0} ms | {:.0} ms | {ratio:.2} | {} | {} | {:.0} ms |",
            m.ms,
            verdict(ratio >= 0.90),
            task(&m),
            m.frame_gap
        );
        new_draft(&b).await?;
        setup_prompt_only(&b).await?;
    }

    models_row(&b, &fake).await?;

    println!("\n## Responsiveness while 8 streams deliver 2,000 tokens/s in total\n");
    // 8 streams x 250 tokens/s: two 4-character tokens every 8 ms per stream.
    fake.set_timing(0, 8, 8);
    fake.set_default_reply(&"word ".repeat(240));
    let cases = 32;
    import(&b, cases).await?;
    let m = run_all(&b, cases).await?;
    let tokens = (cases * 1200 / 4) as f64;
    println!("| measure | value | goal |");
    println!("|---|---:|---|");
    println!("| streams at once | 8 | |");
    println!(
        "| tokens delivered per second (all streams) | {:.0} | ~2000 |",
        tokens / (m.ms / 1000.0)
    );
    println!(
        "| longest main-thread task | {} | <= 50 ms: {} |",
        task(&m),
        verdict(m.longest_task <= 50.0)
    );
    println!("| longest gap between frames | {:.0} ms | |", m.frame_gap);
    println!("\n## Saving during the runs above (characters written to IndexedDB)\n");
    println!("| cases | saves | written in all | largest save | all drafts as stored at the end |");
    println!("|---:|---:|---:|---:|---:|");
    for (n, w) in saving {
        println!(
            "| {n} | {} | {} | {} | {} |",
            w.saves, w.total, w.largest, w.stored
        );
    }
    println!("\n## Rendering a large table\n");
    println!("| cases imported | time to rendered | longest main-thread task | goal <= 50 ms |");
    println!("|---:|---:|---|---|");
    for (n, m) in tables {
        println!(
            "| {n} | {:.0} ms | {} | {} |",
            m.ms,
            task(&m),
            verdict(m.longest_task <= 50.0)
        );
    }
    b.close().await?;
    Ok(())
}

/// Three models side by side (the model grid): 100 cases on the execution model and two
/// comparison models, each model on its own fake host (300 ms a call), 8 calls at once per host;
/// timed in the page from the click on "Run on all 3 models" until the run is over.
async fn models_row(b: &Browser, fake: &FakeProvider) -> anyhow::Result<()> {
    let n = 100usize;
    let others = [
        FakeProvider::start_tls().await?,
        FakeProvider::start_tls().await?,
    ];
    for f in [fake, &others[0], &others[1]] {
        f.set_timing(300, 0, 64);
        f.set_default_reply("Done: the numbers are summarised.");
        f.clear();
    }
    new_draft(b).await?;
    setup_prompt_only(b).await?;
    import(b, n).await?;
    let s = SettingsPage::open(b).await?;
    s.close().await?;
    b.wait_for_text("Compare models").await?.click().await?;
    for (i, f) in others.iter().enumerate() {
        b.button("Add a model to compare").await?.click().await?;
        s.fill(
            &format!("Address of comparison model {}", i + 1),
            &f.openai_url(),
        )
        .await?;
        s.fill(
            &format!("Model of comparison model {}", i + 1),
            "fake-large",
        )
        .await?;
    }
    b.button("Run on all 3 models").await?;
    b.eval(WATCH).await?;
    // PW_MUTATIONS=1: counts the page's DOM changes during the run by where they happen (the
    // nearest classed ancestor), printed after the table: what is drawn again per result.
    let mutations = std::env::var("PW_MUTATIONS").is_ok();
    if mutations {
        b.eval(MUTATIONS).await?;
    }
    // PW_PROFILE=<file>: a CPU profile of the run (Chrome's Profiler), for finding hot spots.
    let profile = std::env::var("PW_PROFILE").ok();
    if profile.is_some() {
        b.cdp("Profiler.enable", serde_json::json!({})).await?;
        // Every 100 µs (the default, 1 ms, puts a few dozen samples in a 50 ms task).
        b.cdp(
            "Profiler.setSamplingInterval",
            serde_json::json!({ "interval": 100 }),
        )
        .await?;
        b.cdp("Profiler.start", serde_json::json!({})).await?;
    }
    b.eval(
        r#"
        window.__pwDone = null; window.__pwSawRunning = false;
        const btn = Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Run on all 3 models');
        new MutationObserver((_, obs) => {
          if (btn.disabled) { window.__pwSawRunning = true; return; }
          if (window.__pwSawRunning && window.__pwDone === null) { window.__pwDone = performance.now(); obs.disconnect(); }
        }).observe(btn, { attributes: true, attributeFilter: ['disabled'] });
        window.__pwStart = performance.now();
        btn.click();
        return true;"#,
    )
    .await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    while !b.eval("return window.__pwDone").await?.is_number() {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the 3-model run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ms = b
        .eval("return window.__pwDone - window.__pwStart")
        .await?
        .as_f64()
        .unwrap_or(f64::NAN);
    if let Some(path) = profile {
        let p = b.cdp("Profiler.stop", serde_json::json!({})).await?;
        std::fs::write(&path, serde_json::to_string(&p)?)?;
    }
    if mutations {
        let top = b
            .eval("__pwMut.on = false; return Object.entries(__pwMut.n).sort((a, b) => b[1] - a[1]).slice(0, 25)")
            .await?;
        for row in top.as_array().into_iter().flatten() {
            eprintln!(
                "[bench] mutations {:>7} {}",
                row[1],
                row[0].as_str().unwrap_or("")
            );
        }
    }
    let perf = b.eval(READ).await?;
    // When the long tasks came (ms from the click) and how long they took: where to look.
    eprintln!(
        "[bench] 3 x {n}: long tasks (start ms, duration ms): {}",
        perf["tasks"]
    );
    let m = measured(ms, &perf);
    let calls: Vec<usize> = [fake, &others[0], &others[1]]
        .iter()
        .map(|f| f.requests().iter().filter(|r| r.method == "POST").count())
        .collect();
    anyhow::ensure!(
        calls == vec![n; 3],
        "each host should answer {n} calls, got {calls:?}"
    );
    for (i, f) in [fake, &others[0], &others[1]].iter().enumerate() {
        let mut at: Vec<u64> = f
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.at_ms)
            .collect();
        at.sort_unstable();
        let mut spacing: Vec<u64> = at.windows(9).map(|w| w[8] - w[0]).collect();
        spacing.sort_unstable();
        eprintln!(
            "[bench] host {}: {} calls; median spacing of call k and k+8: {} ms; first {} ms, last {} ms",
            i + 1,
            at.len(),
            spacing.get(spacing.len() / 2).copied().unwrap_or(0),
            at.first().copied().unwrap_or(0),
            at.last().copied().unwrap_or(0)
        );
    }
    let ideal = (n as f64 / 8.0).ceil() * 300.0;
    let ratio = ideal / m.ms;
    println!(
        "\n## Three models side by side (one fake host per model, 300 ms per call, 8 at once per host)\n"
    );
    println!(
        "| models x cases | ideal ceil(N/8) x 300 ms | actual | ideal / actual | goal >= 0.90 | longest task during the run | goal <= 50 ms |"
    );
    println!("|---|---:|---:|---:|---|---|---|");
    println!(
        "| 3 x {n} | {ideal:.0} ms | {:.0} ms | {ratio:.2} | {} | {} | {} |",
        m.ms,
        verdict(ratio >= 0.90),
        task(&m),
        verdict(m.longest_task <= 50.0)
    );
    // The next scenarios run on the execution model alone.
    for _ in 0..2 {
        b.button("Remove comparison model 1").await?.click().await?;
    }
    new_draft(b).await?;
    setup_prompt_only(b).await?;
    Ok(())
}

/// A new draft needs a prompt again (the settings stay).
async fn setup_prompt_only(b: &Browser) -> anyhow::Result<()> {
    let spec = json!({"analysis": "", "persona": "You are a bench assistant.", "context": "Answer briefly.",
        "steps": ["Read.", "Answer."], "format": "One line.", "json_schema": "",
        "examples": [{"input": "a", "output": "b"}, {"input": "c", "output": "d"}, {"input": "e", "output": "f"}]});
    PromptPage::new(b)
        .paste_reply("a bench prompt for parallel runs", &spec.to_string())
        .await
}

/// Types `text` into `field`, one key every 60 ms as a quick typist does, and returns what the
/// main thread did meanwhile (long tasks, frame gaps) and the time the characters took.
async fn type_slowly(
    b: &Browser,
    field: &fantoccini::elements::Element,
    text: &str,
) -> anyhow::Result<Measured> {
    b.eval(WATCH).await?;
    let t0 = std::time::Instant::now();
    for ch in text.chars() {
        field.send_keys(&ch.to_string()).await?;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    // Two frames so the work of the last key is counted.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    Ok(measured(ms, &b.eval(READ).await?))
}

/// Typing in a big draft (`--only typing`): 40 characters into case #1's input while a
/// 500-case run streams (issue #14), then 40 into the Persona section of the same draft with
/// its 500 cases and results, then 40 into its idea box (issue #16). Each row: the longest
/// main-thread task while typing.
pub async fn typing(dist: &std::path::Path) -> anyhow::Result<()> {
    let fake = FakeProvider::start_tls().await?;
    let site = StaticSite::start(dist, "/").await?;
    let b = Browser::start_with(1280, 1000, &["--ignore-certificate-errors"]).await?;
    b.open_app(&site.url()).await?;
    setup(&b, &fake).await?;
    // Slow answers (1 s each, 8 at once: about a minute for the run), so the typing happens
    // while the run streams.
    fake.set_timing(1000, 0, 64);
    fake.set_default_reply("Done: the numbers are summarised.");
    let n = 500;
    import(&b, n).await?;
    let text = "Bob sends the deck to Ana by Friday noon.";
    b.button(&format!("Run all {n} cases"))
        .await?
        .click()
        .await?;
    // 500 calls to a model with no list price: the run asks first.
    b.button("Run them").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').match(/^[1-9]\\d* of 500 done/) !== null",
        "the run to be under way",
    )
    .await?;
    let summary = b
        .client
        .find(fantoccini::Locator::Css(".pw-case__summary"))
        .await?;
    summary.click().await?;
    let input = b.field("Input of case #1").await?;
    let during = type_slowly(&b, &input, text).await?;
    let running = b
        .eval("return document.querySelector('.pw-progress__text')?.textContent ?? ''")
        .await?;
    anyhow::ensure!(
        !running
            .as_str()
            .unwrap_or("")
            .starts_with("500 of 500 done"),
        "the run ended before the typing did: {running}"
    );
    b.button("Cancel run").await?.click().await?;
    // The same draft with its results: a prompt section.
    let persona = b.field("Persona").await?;
    let section = type_slowly(&b, &persona, text).await?;
    // The idea box writes the draft on every key (no typing session as the sections have).
    let idea = b.field("What should your assistant do?").await?;
    let in_idea = type_slowly(&b, &idea, text).await?;
    let results = b
        .eval("return document.querySelectorAll('.pw-result').length")
        .await?;
    eprintln!(
        "[bench] typing: {:.0} ms while the run streamed, {:.0} ms in the section",
        during.ms, section.ms
    );
    println!("\n## Typing in a big draft (40 characters, one every 60 ms)\n");
    println!("| while | longest main-thread task | goal <= 50 ms | longest frame gap |");
    println!("|---|---|---|---:|");
    println!(
        "| typing in case #1's input while a {n}-case run streams | {} | {} | {:.0} ms |",
        task(&during),
        verdict(during.longest_task <= 50.0),
        during.frame_gap
    );
    println!(
        "| typing in the Persona section of the draft with {n} cases and their results ({} result rows drawn) | {} | {} | {:.0} ms |",
        results,
        task(&section),
        verdict(section.longest_task <= 50.0),
        section.frame_gap
    );
    println!(
        "| typing in the idea box of the same draft | {} | {} | {:.0} ms |",
        task(&in_idea),
        verdict(in_idea.longest_task <= 50.0),
        in_idea.frame_gap
    );
    b.close().await?;
    Ok(())
}
