//! Native checks of invariants that span the browser layers (see ARCHITECTURE.md).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every line of code (what stands before a `//`) of the `.rs` files under `dir` (from the
/// crate's root) that `offends`, as `file:line: text`; fails when fewer than `at_least` files
/// were read (the scan missed its folder).
fn offending_lines(dir: &str, at_least: usize, offends: impl Fn(&str) -> bool) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > at_least, "scanned too few files in {dir}");
    let mut offences = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if offends(code) {
                offences.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    offences
}

/// Invariant 3: nothing is ever written into the page as HTML, except clearing the loading note.
#[test]
fn no_html_injection_anywhere_in_the_shell() {
    let risky = [
        "inner_html",
        "outer_html",
        "insert_adjacent_html",
        "document.write",
    ];
    let offences = offending_lines("src", 20, |code| {
        risky.iter().any(|r| code.contains(r)) && !code.contains("set_inner_html(\"\")")
    });
    assert!(
        offences.is_empty(),
        "HTML written into the page:\n{}",
        offences.join("\n")
    );
}

/// Invariant 2: the key type cannot be serialized.
#[test]
fn the_api_key_type_has_no_serialize() {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain/provider/mod.rs"),
    )
    .unwrap();
    let at = src.find("pub struct ApiKey").expect("ApiKey defined");
    let derive_line = src[..at]
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("#[derive"))
        .unwrap_or("");
    assert!(
        !derive_line.contains("Serialize"),
        "ApiKey must not derive Serialize: {derive_line}"
    );
    assert!(
        !src.contains("impl Serialize for ApiKey")
            && !src.contains("impl serde::Serialize for ApiKey")
    );
}

/// The layering of ARCHITECTURE.md: components take signals and callbacks from `state`; only
/// `state` reaches the network and storage (`net`). A `ui` file naming `net` fails.
#[test]
fn ui_never_uses_net_directly() {
    let offences = offending_lines("src/ui", 10, |code| {
        code.contains("crate::net") || code.contains("super::net") || code.contains(" net::")
    });
    assert!(
        offences.is_empty(),
        "ui reaches net directly (go through a state handle):\n{}",
        offences.join("\n")
    );
}

/// Issue #14: every model call goes through the one engine (`state::engine`: one queue with
/// per-host limits, one abort registry by job). A call sent anywhere else, or an abort made
/// outside it, would escape the person's "At once" limit or a Cancel: outside `src/state/engine.rs`
/// and `src/net`, naming `stream_chat` or `Abort::new` fails.
#[test]
fn every_model_call_goes_through_the_engine() {
    let offences: Vec<String> = offending_lines("src", 20, |code| {
        code.contains("stream_chat") || code.contains("Abort::new")
    })
    .into_iter()
    .filter(|o| {
        let file = o.split(':').next().unwrap_or("");
        !(file.ends_with("src/state/engine.rs") || file.contains("/src/net/"))
    })
    .collect();
    assert!(
        offences.is_empty(),
        "a model call or an abort outside the engine (use state::engine::Engine):\n{}",
        offences.join("\n")
    );
}
