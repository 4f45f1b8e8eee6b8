//! A hook for one streamed model call: its text as it arrives, progress notes (retries), the
//! typed error, usage, and controls to start and stop it. The call goes through the engine
//! (`state::engine`), as a job of its own: it waits for a free place at its host like every
//! other call, but ahead of queued batch work (a run's cases, the loop's calls), since the
//! person asked for this one and waits for it (Generate during a 500-case run starts as soon as
//! one of the run's calls ends, not after all of them).
use leptos::prelude::*;

use crate::domain::provider::{ApiKey, ChatRequest, ProviderConfig, ProviderError, Usage};
use crate::net::chat::{CallOptions, Completion, Failure, Progress};
use crate::state::engine::{Engine, Job};

/// The state and controls of one call. `Copy`: pass it to components.
#[derive(Clone, Copy)]
pub struct ChatCall {
    /// The reply so far (kept when the call fails or is stopped).
    pub text: RwSignal<String>,
    pub running: RwSignal<bool>,
    pub error: RwSignal<Option<ProviderError>>,
    /// A passing note, e.g. "Rate limited: retrying in 2 s (attempt 2 of 4)".
    pub note: RwSignal<Option<String>>,
    pub usage: RwSignal<Option<Usage>>,
    /// This hook's number: its calls are the engine's job `Job::Hook(hook)`.
    hook: u64,
    engine: Engine,
    /// Counts starts, so a call started from `on_done` is not marked finished by the one before.
    started: StoredValue<u64>,
}

impl ChatCall {
    /// A new call; an unfinished call is aborted when the owner is cleaned up.
    pub fn new() -> Self {
        let call = Self {
            text: RwSignal::new(String::new()),
            running: RwSignal::new(false),
            error: RwSignal::new(None),
            note: RwSignal::new(None),
            usage: RwSignal::new(None),
            hook: next_hook(),
            engine: Engine::expect(),
            started: StoredValue::new(0),
        };
        on_cleanup(move || call.stop());
        call
    }

    /// The configuration, key and call options of `role` as the person has set them now, from
    /// the engine ([`Engine::role`]), for a call of this hook.
    pub fn role(
        self,
        role: crate::domain::provider::Role,
    ) -> (ProviderConfig, Option<ApiKey>, CallOptions) {
        self.engine.role(role)
    }

    /// Starts a call (stopping one still running).
    pub fn start(
        self,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        req: ChatRequest,
        opts: CallOptions,
    ) {
        self.start_then(cfg, key, req, opts, |_| {});
    }

    /// Starts a call and hands its outcome to `on_done` (before `running` turns false).
    pub fn start_then(
        self,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        req: ChatRequest,
        opts: CallOptions,
        on_done: impl FnOnce(Result<Completion, Failure>) + 'static,
    ) {
        // Boxed: the call's task is compiled once, not once per caller (issue #16: seven
        // copies were 45 KB of the wasm).
        self.start_boxed(cfg, key, req, opts, Box::new(on_done));
    }

    fn start_boxed(
        self,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        req: ChatRequest,
        opts: CallOptions,
        on_done: Box<dyn FnOnce(Result<Completion, Failure>)>,
    ) {
        self.stop();
        let this = self.started.get_value() + 1;
        self.started.set_value(this);
        self.text.set(String::new());
        self.error.set(None);
        self.note.set(None);
        self.usage.set(None);
        self.running.set(true);
        let engine = self.engine;
        let job = Job::Hook(self.hook);
        // Registered now: a Stop (or a new start) before the task runs stops this call too.
        let abort = engine.abort_for(job.clone());
        leptos::task::spawn_local(async move {
            let host = cfg.host();
            // Tryout 13: a call waiting for a place showed only Stop, as if it were answering.
            let waiting = |on: bool| {
                let limit = engine.limit_of(&host);
                self.note.try_set(on.then(|| format!(
                    "Waiting for a free place at {host}: it takes {} at a time and is busy. This call goes ahead of queued runs and optimizer calls.",
                    crate::domain::figures::count(limit, "call", "calls")
                )));
            };
            let result = engine
                .call_with(
                    abort,
                    job,
                    &cfg,
                    key.as_ref(),
                    &req,
                    opts,
                    true,
                    waiting,
                    |p| {
                        // A call started again or forgotten shows nothing more.
                        if self.started.try_get_value() != Some(this) {
                            return;
                        }
                        match p {
                            Progress::Event(crate::domain::provider::ChatEvent::Text(t)) => {
                                self.note.try_set(None);
                                self.text.try_update(|s| s.push_str(&t));
                            }
                            Progress::Event(crate::domain::provider::ChatEvent::Usage(u)) => {
                                self.usage.try_set(Some(u));
                            }
                            Progress::Event(_) | Progress::Resending => {}
                            retry @ Progress::Retrying { .. } => {
                                self.note.try_set(retry.retry_note());
                            }
                        }
                    },
                )
                .await;
            // Helper-55: a call forgotten at a draft switch ended a moment later and showed
            // "Stopped … What arrived is kept" in the next draft, with a Retry there.
            if self.started.try_get_value() == Some(this) {
                self.note.try_set(None);
                if let Err(f) = &result {
                    // The partial text is already in `text`; the error says what happened.
                    self.error.try_set(Some(f.error.clone()));
                }
            }
            on_done(result);
            // `on_done` may have started the next call (a job of several calls): it is running.
            if self.started.try_get_value() == Some(this) {
                self.running.try_set(false);
            }
        });
    }

    /// For a caller that does not use a failed call's partial reply (a critique, a rubric, a
    /// check are read whole or not at all): the error shown says so, not "What arrived is kept"
    /// (tryout 19, 8). Call it from `on_done` on a failure.
    pub fn partial_not_used(self) {
        self.error.try_update(|e| {
            if let Some(x) = e.take() {
                *e = Some(x.with_partial_dropped());
            }
        });
    }

    /// Stops the call (queued or under way); what arrived is kept.
    pub fn stop(self) {
        self.engine.cancel(&Job::Hook(self.hook));
    }

    /// Stops the call and clears what it shows (text, error, note, usage): for a call that
    /// belonged to a draft the person has left (`DraftHandle::on_switching`). Its owner ignores
    /// its end ([`Epoch`]).
    pub fn forget(self) {
        // Counted as a start: the call's end changes none of what this hook shows.
        self.started.update_value(|n| *n += 1);
        self.stop();
        self.running.set(false);
        self.text.set(String::new());
        self.error.set(None);
        self.note.set(None);
        self.usage.set(None);
    }
}

/// Which draft a job's work is for, as a count of the draft switches its owner has seen: a job
/// takes the count when it starts ([`Epoch::now`]), and its end writes nothing when another
/// draft has opened since ([`Epoch::still`]). Helper-53: a generation, a reflection, suggested
/// cases, a rubric or a check proposal started on one draft landed in the draft opened while it
/// ran. `Copy`.
#[derive(Clone, Copy)]
pub struct Epoch(StoredValue<u64>);

impl Epoch {
    pub fn new() -> Self {
        Self(StoredValue::new(0))
    }

    /// The count now, for a job starting.
    pub fn now(self) -> u64 {
        self.0.try_get_value().unwrap_or(0)
    }

    /// Whether no other draft has opened since the job took `at` (false once the owner is gone).
    pub fn still(self, at: u64) -> bool {
        self.0.try_get_value() == Some(at)
    }

    /// Another draft opens: every job started before is left behind.
    pub fn advance(self) {
        self.0.try_update_value(|n| *n += 1);
    }
}

impl Default for Epoch {
    fn default() -> Self {
        Self::new()
    }
}

/// A new hook number (each hook is a job of its own for the engine).
fn next_hook() -> u64 {
    thread_local!(static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
    NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

impl Default for ChatCall {
    fn default() -> Self {
        Self::new()
    }
}
