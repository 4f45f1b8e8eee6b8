//! The bench command: prints tables of the release build's transfer sizes (raw, gzip, brotli), the
//! share-link length against lz-string, the time from navigation to the first render of the shell
//! in headless Chromium, the time to a usable idea box on an emulated slow connection (see `slow`),
//! and parallel-run throughput and responsiveness, and typing in a big draft (see `runs`).
//!
//! Arguments: `[LOADS] [--slow-loads N] [--only PART,PART…]`: LOADS localhost loads for the
//! first-render table (9), N fresh profiles on the slow connection (5), and the parts to print
//! (`sizes`, `links`, `render`, `slow`, `runs`, `models`, `typing`; all when not given; `runs`
//! includes `models`, the three-models row).
mod runs;
mod slow;

use std::io::Write;
use std::path::Path;

use pw_harness::browser::Browser;
use pw_harness::paths;
use pw_harness::static_site::StaticSite;

#[derive(Default, Clone, Copy)]
struct Size {
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl std::ops::AddAssign for Size {
    fn add_assign(&mut self, o: Self) {
        self.raw += o.raw;
        self.gzip += o.gzip;
        self.brotli += o.brotli;
    }
}

fn measure(bytes: &[u8]) -> Size {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip");
    let gzip = gz.finish().expect("gzip").len();
    let mut br = Vec::new();
    brotli::BrotliCompress(
        &mut &bytes[..],
        &mut br,
        &brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        },
    )
    .expect("brotli");
    Size {
        raw: bytes.len(),
        gzip,
        brotli: br.len(),
    }
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

/// The release build's files by kind: the main module and the chunks split off it
/// (`scripts/split`: fetched after the first render) apart, then JS, CSS, HTML, the rest.
fn sizes(dist: &Path) -> Vec<(String, Size)> {
    let mut groups: Vec<(String, Size)> = [CHUNK_GROUP, "wasm", "js", "css", "html", "other"]
        .iter()
        .map(|k| (k.to_string(), Size::default()))
        .collect();
    for entry in std::fs::read_dir(dist).expect("read dist") {
        let path = entry.expect("entry").path();
        if !path.is_file() {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let key = match ext {
            "wasm" if !name.starts_with("promptwright") => CHUNK_GROUP,
            "wasm" | "js" | "css" | "html" => ext,
            _ => "other",
        };
        let bytes = std::fs::read(&path).expect("read file");
        let slot = groups.iter_mut().find(|(k, _)| k == key).expect("group");
        slot.1 += measure(&bytes);
    }
    groups
}

/// The size table's row of the wasm chunks fetched after the first render.
const CHUNK_GROUP: &str = "wasm chunk (the cards below the prompt, fetched after the first render)";

/// Link length of our codec against lz-string's `compressToEncodedURIComponent` on the JSON of the
/// same draft (what an app without its own codec would put in the URL).
fn share_links() {
    use promptwright::domain::share::{encode, reference_drafts};
    use promptwright::domain::wire::{DraftV1, Include};
    println!("\n## Share-link length (fragment payload, characters)\n");
    println!("| reference draft | ours | lz-string | ratio | goal <= 0.80 |");
    println!("|---|---:|---:|---:|---|");
    for (name, draft) in reference_drafts() {
        let include = Include::ALL;
        let ours = encode(&draft, include)
            .expect("every reference draft fits in a link")
            .len();
        let json = serde_json::to_string(&DraftV1::from_draft(&draft, include)).expect("json");
        let lz = lz_str::compress_to_encoded_uri_component(&json).len();
        let ratio = ours as f64 / lz as f64;
        println!(
            "| {name} | {ours} | {lz} | {ratio:.2} | {} |",
            if ratio <= 0.80 { "met" } else { "NOT met" }
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // Browsers as people's: no test-only compiler or process settings.
    pw_harness::browser::measuring();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let loads: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(9);
    let slow_loads: usize = flag("--slow-loads")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let only = flag("--only");
    let part = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|p| p == name))
    };
    let dist = paths::dist_dir();

    if part("sizes") {
        size_table(&dist);
    }
    if part("links") {
        share_links();
    }
    if part("render") {
        first_render(&dist, loads).await?;
    }
    if part("slow") {
        slow::bench(&dist, slow_loads).await?;
    }
    if part("runs") {
        runs::bench(&dist).await?;
    } else if part("models") {
        runs::models_only(&dist).await?;
    }
    if part("typing") {
        runs::typing(&dist).await?;
    }
    Ok(())
}

/// Prints the transfer sizes of the release build.
fn size_table(dist: &Path) {
    println!("\n## Transfer size of the release build (dist/)\n");
    println!("| part | raw | gzip | brotli |");
    println!("|---|---:|---:|---:|");
    let mut total = Size::default();
    let mut start = Size::default();
    for (name, s) in sizes(dist) {
        if s.raw == 0 {
            continue;
        }
        total += s;
        if name != CHUNK_GROUP {
            start += s;
        }
        let name = if name == "wasm" {
            "wasm main module"
        } else {
            &name
        };
        println!(
            "| {name} | {} | {} | {} |",
            kb(s.raw),
            kb(s.gzip),
            kb(s.brotli)
        );
    }
    println!(
        "| **before the app starts** (all but the chunk) | {} | {} | {} |",
        kb(start.raw),
        kb(start.gzip),
        kb(start.brotli)
    );
    println!(
        "| **whole transfer** | {} | {} | {} |",
        kb(total.raw),
        kb(total.gzip),
        kb(total.brotli)
    );
    let met = |n: usize, goal: usize| if n <= goal * 1024 { "met" } else { "NOT met" };
    println!(
        "\nGoals (issue #16): whole transfer <= 450 KB gzip: {}; before the app starts <= 450 KB gzip: {}; the way to 350 KB: ARCHITECTURE.md, \"Download weight\".",
        met(total.gzip, 450),
        met(start.gzip, 450)
    );
}

/// Prints the time from navigation to the shell's first render on localhost.
async fn first_render(dist: &Path, loads: usize) -> anyhow::Result<()> {
    let site = StaticSite::start(dist, "/").await?;
    let browser = Browser::start(1280, 900).await?;
    let mut render = Vec::new();
    let mut fcp = Vec::new();
    for _ in 0..loads {
        browser.open_app(&site.url()).await?;
        browser
            .wait_until(
                "return performance.getEntriesByName('pw-shell-rendered').length > 0",
                "the render mark",
            )
            .await?;
        let t = browser
            .eval("return performance.getEntriesByName('pw-shell-rendered')[0].startTime")
            .await?;
        render.push(t.as_f64().unwrap_or(f64::NAN));
        let p = browser
            .eval("const e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null")
            .await?;
        if let Some(p) = p.as_f64() {
            fcp.push(p);
        }
    }
    browser.close().await?;
    println!("\n## Time to first render (headless Chromium, localhost, {loads} loads)\n");
    println!("| measure | median | min | max |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, v: &Vec<f64>| {
        if v.is_empty() {
            return;
        }
        let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = v.iter().cloned().fold(0.0, f64::max);
        println!(
            "| {name} | {:.0} ms | {min:.0} ms | {max:.0} ms |",
            median(v.clone())
        );
    };
    row("navigation -> shell rendered (app mark)", &render);
    row("navigation -> first contentful paint", &fcp);
    println!(
        "\nGoal: first render <= 150 ms: {}",
        if median(render) <= 150.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
