//! Enforces the layering of ARCHITECTURE.md: `src/domain` imports no web or UI crate
//! (invariant 1), `src/ui` never reaches `net` past `state` (issue #14), and sorts, effects and
//! memos go through their one-copy helpers (issue #16, the download's weight).
use std::path::Path;

const FORBIDDEN: &[&str] = &["leptos", "web_sys", "gloo", "wasm_bindgen", "js_sys"];

/// The forbidden crate paths named in `source` (as `use x`, `x::`, or `extern crate x`).
fn forbidden_uses(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for krate in FORBIDDEN {
            let mut rest = code;
            while let Some(pos) = rest.find(krate) {
                let before = rest[..pos].chars().last();
                let after = &rest[pos + krate.len()..];
                let starts_word = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                let is_path = after.starts_with("::") || after.starts_with('_') && *krate == "gloo";
                let is_use = code.trim_start().starts_with("use ") || code.contains("extern crate");
                let ends_word = after
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                if starts_word && (is_path || (is_use && ends_word)) {
                    found.push(format!("line {}: {}", n + 1, line.trim()));
                }
                rest = &rest[pos + krate.len()..];
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/domain") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn domain_imports_no_web_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 2, "found too few files under {root:?}");
    let mut offences = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("purity_tests.rs")) {
        let text = std::fs::read_to_string(f).expect("read source");
        for o in forbidden_uses(&text) {
            offences.push(format!("{}: {o}", f.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "src/domain must stay pure:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scanner_catches_each_form() {
    assert_eq!(forbidden_uses("use leptos::prelude::*;").len(), 1);
    assert_eq!(forbidden_uses("    use web_sys::Window;").len(), 1);
    assert_eq!(
        forbidden_uses("let x = wasm_bindgen::JsValue::NULL;").len(),
        1
    );
    assert_eq!(forbidden_uses("use gloo_net::http::Request;").len(), 1);
    assert_eq!(forbidden_uses("extern crate js_sys;").len(), 1);
    assert!(forbidden_uses("// leptos:: is fine in a comment").is_empty());
    assert!(forbidden_uses("let leptos_like = 1; let my_js_sys = 2;").is_empty());
}

/// The lines of `source` that name the `net` module (`crate::net`, `super::super::net`, or `net`
/// in a `use crate::{…}` group), comments left out.
fn net_uses(source: &str) -> Vec<String> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            let grouped = code.split("crate::{").nth(1).is_some_and(|g| {
                g.split(['}', ','])
                    .any(|part| part.trim() == "net" || part.trim().starts_with("net::"))
            });
            code.contains("crate::net") || code.contains("super::super::net") || grouped
        })
        .map(|(n, line)| format!("line {}: {}", n + 1, line.trim()))
        .collect()
}

#[test]
fn ui_never_imports_net() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 2, "found too few files under {root:?}");
    let offences: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("read source");
            net_uses(&text)
                .into_iter()
                .map(move |o| format!("{}: {o}", f.display()))
        })
        .collect();
    assert!(
        offences.is_empty(),
        "src/ui reaches the network and storage only through src/state:\n{}",
        offences.join("\n")
    );
    // The scanner sees each form.
    assert_eq!(net_uses("use crate::net::chat::CallOptions;").len(), 1);
    assert_eq!(net_uses("    crate::net::settings::load(KEY)").len(), 1);
    assert_eq!(net_uses("use super::super::net::store;").len(), 1);
    assert_eq!(net_uses("use crate::{domain, net};").len(), 1);
    assert!(net_uses("// crate::net in a comment").is_empty());
    assert!(net_uses("use crate::{domain::network};").is_empty());
}

/// The lines of `source` that change the shell's draft store directly (`.draft.update(…)`,
/// `.draft.set(…)`, …) or reach its keyed cases (`at_key`): outside `DraftHandle` these would
/// leave the store's case keys behind the cases.
fn direct_draft_writes(source: &str) -> Vec<String> {
    const WRITES: &[&str] = &[
        "update(",
        "maybe_update(",
        "set(",
        "write(",
        "update_untracked(",
        "try_update(",
        "try_update_untracked(",
        "try_set(",
        "write_untracked(",
        "try_write(",
    ];
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let direct = code.match_indices("draft.").any(|(at, _)| {
            let before = code[..at].chars().last();
            let after = &code[at + "draft.".len()..];
            before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                && WRITES.iter().any(|w| after.starts_with(w))
        });
        if direct || code.contains("at_key(") || code.contains("update_keys(") {
            found.push(format!("line {}: {}", n + 1, line.trim()));
        }
    }
    found
}

#[test]
fn draft_changes_go_through_its_handle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("ui"), &mut files);
    rust_files(&root.join("state"), &mut files);
    assert!(files.len() > 10, "found too few files under {root:?}");
    let offences: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("state/draft.rs"))
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("read source");
            direct_draft_writes(&text)
                .into_iter()
                .map(move |o| format!("{}: {o}", f.display()))
        })
        .collect();
    assert!(
        offences.is_empty(),
        "change the draft through DraftHandle (update, update_case, update_runs, …):\n{}",
        offences.join("\n")
    );
    // The scanner sees each form, and not the handle's own methods or other signals.
    assert_eq!(
        direct_draft_writes("    d.draft.update(|x| x.name = n);").len(),
        1
    );
    assert_eq!(direct_draft_writes("self.drafts.draft.set(kept);").len(), 1);
    assert_eq!(direct_draft_writes("draft.maybe_update(|x| true)").len(), 1);
    assert_eq!(direct_draft_writes("let c = cases.at_key(3);").len(), 1);
    assert!(direct_draft_writes("d.update(|x| x.name = n);").is_empty());
    assert!(direct_draft_writes("d.draft.with(|x| x.current)").is_empty());
    assert!(direct_draft_writes("self.drafts.update_runs(|r, c| ())").is_empty());
    assert!(direct_draft_writes("my_draft.set(1)").is_empty());
    assert!(direct_draft_writes("// d.draft.update( in a comment").is_empty());
}

/// The lines of `source` (its test module left out) that name one of `calls`.
fn lines_calling(source: &str, calls: &[&str]) -> Vec<String> {
    let shipped = source
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(source);
    shipped
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            calls.iter().any(|s| code.contains(s))
        })
        .map(|(n, line)| format!("line {}: {}", n + 1, line.trim()))
        .collect()
}

/// Calls that compile another copy of generic machinery into the wasm at each call site (issue
/// #16), each with the one-copy way to say it.
const ONE_COPY: &[(&str, &str)] = &[
    (".sort(", "crate::domain::order::sort"),
    (".sort_by(", "crate::domain::order::sort_by"),
    (".sort_by_key(", "crate::domain::order::sort_by_key"),
    (".sort_by_cached_key(", "crate::domain::order::sort_by_key"),
    (".sort_unstable", "crate::domain::order::sort or sort_by"),
    ("Effect::new(", "crate::state::reactive::effect"),
    ("Memo::new(", "crate::state::reactive::memo"),
    ("BTreeMap", "crate::domain::sorted::SortedMap"),
    ("BTreeSet", "crate::domain::sorted::SortedSet"),
];

#[test]
fn generic_machinery_is_compiled_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "found too few files under {root:?}");
    let calls: Vec<&str> = ONE_COPY.iter().map(|(c, _)| *c).collect();
    let offences: Vec<String> = files
        .iter()
        .filter(|f| {
            let name = f.to_string_lossy();
            !name.ends_with("tests.rs")
                && !f.ends_with("domain/order.rs")
                && !f.ends_with("state/reactive.rs")
                && !f.ends_with("domain/sorted.rs")
        })
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("read source");
            lines_calling(&text, &calls)
                .into_iter()
                .map(move |o| format!("{}: {o}", f.display()))
        })
        .collect();
    let ways: Vec<String> = ONE_COPY
        .iter()
        .map(|(c, w)| format!("{c} -> {w}"))
        .collect();
    assert!(
        offences.is_empty(),
        "each of these compiles another copy of the same code ({}):\n{}",
        ways.join(", "),
        offences.join("\n")
    );
    assert_eq!(
        lines_calling("    v.sort_by(|a, b| a.cmp(b));", &calls).len(),
        1
    );
    assert_eq!(lines_calling("ids.sort_unstable();", &calls).len(), 1);
    assert_eq!(
        lines_calling("let m = Memo::new(move |_| 1);", &calls).len(),
        1
    );
    assert!(lines_calling("order::sort_by(&mut v, f64::total_cmp);", &calls).is_empty());
    assert_eq!(
        lines_calling("use std::collections::BTreeMap;", &calls).len(),
        1
    );
    assert!(lines_calling("reactive::effect(move |_| ())", &calls).is_empty());
    assert!(lines_calling("x\n#[cfg(test)]\nmod tests {\n    v.sort();\n}", &calls).is_empty());
}
