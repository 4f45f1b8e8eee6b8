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

/// The test command builds from a mirror of the clone (`scripts/mirror.py`): it must hold exactly
/// the clone's files (tracked, and untracked ones .gitignore keeps), leave a file whose bytes are
/// the same untouched (its time is how cargo judges freshness), write a changed one with its
/// executable bit, remove what the clone lacks (a deleted test must not be built from an old
/// copy), and `--back` copy the cases proptest saved in the mirror to the clone.
#[test]
fn the_test_commands_mirror_holds_exactly_the_clones_files() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mirror.py");
    let tmp = std::env::temp_dir().join(format!("pw-mirror-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (clone, mirror) = (tmp.join("clone"), tmp.join("mirror"));
    let write = |p: &Path, text: &str| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(&clone.join(".gitignore"), "ignored.txt\n");
    write(&clone.join("same.txt"), "same");
    write(&clone.join("sub/changed.txt"), "new");
    write(&clone.join("ignored.txt"), "not a source");
    write(&clone.join("run.sh"), "#!/bin/sh\n");
    std::fs::set_permissions(clone.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&clone)
        .status()
        .unwrap();
    assert!(git.success());
    write(&mirror.join("same.txt"), "same");
    write(&mirror.join("sub/changed.txt"), "old");
    write(&mirror.join("stale.txt"), "deleted from the clone");
    write(&mirror.join("gone/deep/file.rs"), "a deleted test");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(mirror.join("same.txt"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let run = |args: &[&Path]| {
        let out = Command::new("python3")
            .arg(&script)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&[&clone, &mirror]).trim(),
        "4 files, 3 written, 2 removed"
    );
    let read = |p: &str| std::fs::read_to_string(mirror.join(p)).ok();
    assert_eq!(read("sub/changed.txt").as_deref(), Some("new"));
    assert_eq!(read("ignored.txt"), None);
    assert_eq!(read("stale.txt"), None);
    assert!(
        !mirror.join("gone").exists(),
        "the emptied folder is removed"
    );
    let same = std::fs::metadata(mirror.join("same.txt")).unwrap();
    assert_eq!(
        same.modified().unwrap(),
        old,
        "an unchanged file keeps its time"
    );
    let mode = std::fs::metadata(mirror.join("run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "the executable bit is kept");
    // Nothing changed: nothing written; one file changed: that one.
    assert_eq!(
        run(&[&clone, &mirror]).trim(),
        "4 files, 0 written, 0 removed"
    );
    write(&clone.join("same.txt"), "edited");
    assert_eq!(
        run(&[&clone, &mirror]).trim(),
        "4 files, 1 written, 0 removed"
    );
    // A case proptest saved while the mirror's tests ran goes back to the clone.
    write(
        &mirror.join("src/proptest-regressions/x.txt"),
        "cc 0123 # shrinks to x = 1",
    );
    let back = run(&[Path::new("--back"), &clone, &mirror]);
    assert!(back.contains("src/proptest-regressions/x.txt"), "{back}");
    assert_eq!(
        std::fs::read_to_string(clone.join("src/proptest-regressions/x.txt")).unwrap(),
        "cc 0123 # shrinks to x = 1"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
