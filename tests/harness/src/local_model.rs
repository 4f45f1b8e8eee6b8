//! Calls the real local model natively, the way the page does: the request built by the app's
//! own codec, sent through `curl`, the streamed reply read by the app's own decoder. Used by the
//! probes and the native tests of the tiny model's jobs.
use std::io::Write;
use std::process::{Command, Stdio};

use promptwright::domain::provider::{
    ChatEvent, ChatRequest, ProviderConfig, ProviderKind, Role, StreamDecoder, build_request,
};

/// The local-model preset for `role`, pointed at [`crate::paths::local_model_url`].
pub fn config(role: Role) -> ProviderConfig {
    let mut cfg = ProviderConfig::preset(ProviderKind::LlamaCpp, role);
    cfg.base_url = crate::paths::local_model_url();
    cfg
}

/// Sends `req` to `cfg`'s server and returns the reply's text. Errors: curl could not run, or
/// the stream carried an error (its message).
pub fn complete(cfg: &ProviderConfig, req: &ChatRequest) -> anyhow::Result<String> {
    let http = build_request(req, cfg, None);
    let mut cmd = Command::new("curl");
    cmd.args(["-sN", "-X", http.method, &http.url, "--data-binary", "@-"]);
    for (k, v) in &http.headers {
        cmd.args(["-H", &format!("{k}: {v}")]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(http.body.as_deref().unwrap_or("").as_bytes())?;
    let out = child.wait_with_output()?;
    let mut decoder = StreamDecoder::new(cfg.kind, &cfg.host());
    let mut events = decoder.feed(&out.stdout);
    events.extend(decoder.finish());
    let mut text = String::new();
    for ev in events {
        match ev {
            ChatEvent::Text(t) => text.push_str(&t),
            ChatEvent::Error(e) => anyhow::bail!("{}", e.message()),
            _ => {}
        }
    }
    Ok(text)
}

/// Holds the local model for one test at a time, across every test binary on the machine, for as
/// long as the value lives: the model answers on 2 cores, and two tests generating at once would
/// each take twice as long and may run out of their waits. The suites run side by side
/// (`scripts/run-suites.sh`), so the turn is an exclusive lock (`flock`) on a file in the temp
/// directory, not a mutex of one process; the kernel lets go of it when the holder ends, a test
/// that panicked or was killed included.
pub fn one_at_a_time() -> Turn {
    let path = std::env::temp_dir().join("pw-local-model.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open the local model's lock {}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("cannot take the local model's lock {}: {e}", path.display()));
    Turn(file)
}

/// A test's turn on the local model (see [`one_at_a_time`]): the locked file; the next test's turn
/// starts when it is dropped (closing the file lets go of the lock).
pub struct Turn(#[allow(dead_code)] std::fs::File);
