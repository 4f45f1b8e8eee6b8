//! The one engine every model call goes through: one queue whose calls start as their provider
//! host has room (the rule is `domain::engine::Scheduler`; the limits are the person's "At once"
//! and each host's own), and one abort registry keyed by [`Job`], so a run, the optimization
//! loop, Reflexion, the rubric's judge calls and every single call (generate, suggest cases,
//! critique, test message…) share each host's limit and stop by job. Nothing else in the app
//! calls `net::chat::stream_chat`.
use std::cell::RefCell;
use std::rc::Rc;

use crate::domain::sorted::SortedMap;

use futures_channel::oneshot;
use leptos::prelude::*;

use crate::domain::engine::Scheduler;
use crate::domain::provider::{
    ApiKey, ChatRequest, ErrorKind, ProviderConfig, ProviderError, Role,
};
use crate::net::chat::{self, Abort, CallOptions, Completion, Failure, Progress};
use crate::net::settings as store;
use crate::state::settings::SettingsHandle;

/// Where "At once" is kept in this browser (a whole number as text).
const AT_ONCE_KEY: &str = "pw.at-once";
/// Where the hosts' own limits are kept (a JSON object of host to whole number).
const HOST_LIMITS_KEY: &str = "pw.host-limits.v1";

/// Whose calls: the engine stops them together ([`Engine::cancel`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    /// The run under way (its answers and their judge calls).
    Run,
    /// Re-judging one result outside a run: (model key, case id).
    Rejudge(String, u32),
    /// The optimization loop.
    Loop,
    /// Reflexion on one case (critique, final answer, its judge calls).
    Reflexion(u32),
    /// "Improve the rubric": its judge calls on the rated answers.
    Rubric,
    /// One call hook (`state::call::ChatCall`): generate, suggest cases, critique, a test message…
    Hook(u64),
}

/// A queued call: its ticket and job.
type Ticket = (u64, Job);

/// What to do when a queued call gets its place.
type Start = Box<dyn FnOnce(Place)>;

#[derive(Default)]
struct Inner {
    queue: Option<Scheduler<Ticket>>,
    starts: SortedMap<u64, Start>,
    /// The aborts of calls queued or in flight, by job and ticket.
    aborts: Vec<(Job, u64, Abort)>,
    next: u64,
    /// Batches under way ([`Engine::batch`]): while above 0, queued calls wait for its end.
    held: u32,
}

impl Inner {
    fn queue(&mut self) -> &mut Scheduler<Ticket> {
        self.queue.get_or_insert_with(|| Scheduler::new(4))
    }
}

/// A call's place at its host: held while the call is in flight (and by the work's next call
/// to the same host, [`Engine::call_at`]); dropping it frees the place and starts the next
/// queued call that fits.
pub struct Place {
    engine: Engine,
    host: String,
}

impl Drop for Place {
    fn drop(&mut self) {
        let freed = self
            .engine
            .inner
            .try_with_value(|i| i.borrow_mut().queue().finished(&self.host));
        if freed.is_some() {
            self.engine.pump();
        }
    }
}

/// A cancel of a job, seen by work of several calls between them ([`Engine::watch`]).
pub struct Watch {
    engine: Engine,
    abort: Abort,
}

impl Watch {
    /// Whether the job was cancelled since the watch began.
    pub fn is_aborted(&self) -> bool {
        self.abort.is_aborted()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.engine.forget(&self.abort);
    }
}

/// The engine's handle. `Copy`: take it from context once and keep it.
#[derive(Clone, Copy)]
pub struct Engine {
    /// Calls at once to one provider host (1-16), for hosts without a limit of their own.
    pub concurrency: RwSignal<u32>,
    /// Hosts' own limits of calls at once (1-16), set by the person beside each model.
    pub host_limits: RwSignal<SortedMap<String, u32>>,
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
    settings: SettingsHandle,
    /// The person's keys taken out of what went to another provider's host since the page
    /// said so last ([`Engine::send`]); `None` once dismissed.
    pub withheld: RwSignal<Option<Withheld>>,
}

/// Keys of the person's found in the text of calls to a provider they do not belong to, and
/// sent there as [`crate::domain::secrets::REDACTED`] ([`crate::domain::secrets::withhold`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Withheld {
    /// The hosts the calls went to, each once, in the order met.
    pub to: Vec<String>,
    /// How many times a key was taken out, over those calls.
    pub count: usize,
}

impl Engine {
    /// Provides the engine (after the settings).
    pub fn provide() -> Self {
        // The person's limits are kept in this browser like the other settings (tryout 13:
        // "At once" went back to 4 on every reload).
        let (at_once, hosts, lost) = crate::domain::engine::read_limits(
            store::load(AT_ONCE_KEY).as_deref(),
            store::load(HOST_LIMITS_KEY).as_deref(),
        );
        let settings = SettingsHandle::expect();
        if !lost.is_empty() {
            settings.unreadable.update(|u| u.extend(lost));
        }
        let e = Self {
            concurrency: RwSignal::new(at_once),
            host_limits: RwSignal::new(hosts),
            inner: StoredValue::new_local(Rc::default()),
            settings,
            withheld: RwSignal::new(None),
        };
        provide_context(e);
        crate::state::reactive::effect(move |_| {
            store::save(AT_ONCE_KEY, &e.concurrency.get().to_string());
        });
        crate::state::reactive::effect(move |_| {
            let json = e
                .host_limits
                .with(|h| serde_json::to_string(h).unwrap_or_default());
            store::save(HOST_LIMITS_KEY, &json);
        });
        // A limit raised while calls wait: they start now, not when the next call ends.
        crate::state::reactive::effect(move |_| {
            e.concurrency.track();
            e.host_limits.track();
            e.pump();
        });
        e
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The configuration, key and call options of a role, as the person has set them now
    /// (every job takes them here: runs and re-judging, Reflexion, the rubric, the loop, and each
    /// `ChatCall` through [`ChatCall::role`](crate::state::call::ChatCall::role)).
    pub fn role(self, role: Role) -> (ProviderConfig, Option<ApiKey>, CallOptions) {
        let cfg = self.settings.roles.with_untracked(|r| r.get(role).clone());
        let key = self.settings.keys_untracked(&cfg);
        (cfg, key, self.settings.call_options())
    }

    /// The key and call options for a model configuration (a comparison model, a model kept in
    /// a loop's settings).
    pub fn for_model(self, cfg: &ProviderConfig) -> (Option<ApiKey>, CallOptions) {
        (
            self.settings.keys_untracked(cfg),
            self.settings.call_options(),
        )
    }

    /// Queues a call of `job` to `host`; `start` runs with its [`Place`] once the host has room
    /// (at the head of the queue when `first`: the next step of work under way, or a call the
    /// person asked for by hand, which they wait for). Returns the
    /// ticket. `start` is dropped unrun when the job is cancelled first.
    pub fn enqueue(
        self,
        job: Job,
        host: &str,
        first: bool,
        start: impl FnOnce(Place) + 'static,
    ) -> u64 {
        let ticket = self.inner.with_value(|i| {
            let mut i = i.borrow_mut();
            i.next += 1;
            let t = i.next;
            i.starts.insert(t, Box::new(start));
            if first {
                i.queue().push_front((t, job), host);
            } else {
                i.queue().push((t, job), host);
            }
            t
        });
        self.pump();
        ticket
    }

    /// Runs `f`, and starts the calls it queued ([`Engine::enqueue`]) together at its end: the
    /// queue is looked at once (`Scheduler::start_by` reads the whole queue), not once per call.
    /// A run of 3 models x 100 cases queues 300 calls in one click, and looking at the queue
    /// after each took 8 ms of that click's task (the bench's 3 x 100 row).
    /// Starts nothing while `f` runs, including calls whose place a call ending inside `f`
    /// frees; `f` must not await a place (`place_or` would wait for the batch's end).
    pub fn batch<R>(self, f: impl FnOnce() -> R) -> R {
        /// Ends the hold however `f` ends (a panic too: the queue would start nothing again).
        struct Hold(Engine);
        impl Drop for Hold {
            fn drop(&mut self) {
                self.0.inner.try_with_value(|i| {
                    let mut i = i.borrow_mut();
                    i.held = i.held.saturating_sub(1);
                });
            }
        }
        self.inner.with_value(|i| i.borrow_mut().held += 1);
        let hold = Hold(self);
        let r = f();
        drop(hold);
        self.pump();
        r
    }

    /// Waits for a place at `host` for a call of `job`; `None` when the job was cancelled first.
    pub async fn place(self, job: Job, host: &str, first: bool) -> Option<Place> {
        self.place_or(job, host, first, |_| {}).await
    }

    /// [`Engine::place`], calling `waiting(true)` at once when the place is not free now (the
    /// host has as many calls under way as its limit, or calls queued ahead of this one), and
    /// `waiting(false)` when such a wait ends (the place came, or the job was cancelled).
    pub async fn place_or(
        self,
        job: Job,
        host: &str,
        first: bool,
        mut waiting: impl FnMut(bool),
    ) -> Option<Place> {
        let (tx, rx) = oneshot::channel::<Place>();
        let given = Rc::new(std::cell::Cell::new(false));
        let mark = given.clone();
        self.enqueue(job, host, first, move |p| {
            mark.set(true);
            // A waiter that went away drops the place here, which frees it.
            let _ = tx.send(p);
        });
        if given.get() {
            return rx.await.ok();
        }
        waiting(true);
        let place = rx.await.ok();
        waiting(false);
        place
    }

    /// The limit of calls at once that applies to `host` now: its own, else "At once".
    pub fn limit_of(self, host: &str) -> u32 {
        self.host_limits
            .with_untracked(|h| h.get(host).copied())
            .unwrap_or_else(|| self.concurrency.get_untracked())
    }

    /// One call of `job`: waits for a place at the model's host, then streams it (retries,
    /// stall limit and progress as `net::chat::stream_chat`). A cancel of the job while the
    /// call waits ends it as stopped with nothing sent.
    #[allow(clippy::too_many_arguments)]
    pub async fn call(
        self,
        job: Job,
        cfg: &ProviderConfig,
        key: Option<&ApiKey>,
        req: &ChatRequest,
        opts: CallOptions,
        first: bool,
        on_progress: impl FnMut(Progress),
    ) -> Result<Completion, Failure> {
        let abort = self.abort_for(job.clone());
        self.call_with(abort, job, cfg, key, req, opts, first, |_| {}, on_progress)
            .await
    }

    /// [`Engine::call`] under an abort registered before ([`Engine::abort_for`]), when the
    /// call is asked for before its task runs: a cancel of the job in between stops it too (it
    /// is then not sent, nor queued). The abort is forgotten when the call ends. `waiting` says
    /// when the call waits for a place and when that wait ends ([`Engine::place_or`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn call_with(
        self,
        abort: Abort,
        job: Job,
        cfg: &ProviderConfig,
        key: Option<&ApiKey>,
        req: &ChatRequest,
        opts: CallOptions,
        first: bool,
        waiting: impl FnMut(bool),
        on_progress: impl FnMut(Progress),
    ) -> Result<Completion, Failure> {
        let place = if abort.is_aborted() {
            None
        } else {
            self.place_or(job, &cfg.host(), first, waiting).await
        };
        let Some(place) = place else {
            self.forget(&abort);
            return Err(stopped(cfg));
        };
        let result = self
            .send(&place, &abort, cfg, key, req, opts, on_progress)
            .await;
        drop(place);
        self.forget(&abort);
        result
    }

    /// [`Engine::call`], but in the place the caller holds when it is at the model's host: the
    /// next step of work under way (a judge call after its answer) keeps its place instead of
    /// queueing again; at another host it goes ahead of that host's queue (`waiting` says when
    /// it waits for a place there and when that wait ends, [`Engine::call_with`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn call_at(
        self,
        held: Option<&Place>,
        job: Job,
        cfg: &ProviderConfig,
        key: Option<&ApiKey>,
        req: &ChatRequest,
        opts: CallOptions,
        waiting: impl FnMut(bool),
        on_progress: impl FnMut(Progress),
    ) -> Result<Completion, Failure> {
        match held.filter(|p| p.host == cfg.host()) {
            Some(place) => {
                let abort = self.abort_for(job);
                let result = self
                    .send(place, &abort, cfg, key, req, opts, on_progress)
                    .await;
                self.forget(&abort);
                result
            }
            None => {
                let abort = self.abort_for(job.clone());
                self.call_with(abort, job, cfg, key, req, opts, true, waiting, on_progress)
                    .await
            }
        }
    }

    /// Streams a call whose place the caller holds (a [`Place`] given by [`Engine::enqueue`]),
    /// under an abort from [`Engine::abort_for`]: nothing is sent when it was aborted already.
    /// The caller [`forget`](Engine::forget)s the abort when the work is over.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        self,
        place: &Place,
        abort: &Abort,
        cfg: &ProviderConfig,
        key: Option<&ApiKey>,
        req: &ChatRequest,
        opts: CallOptions,
        on_progress: impl FnMut(Progress),
    ) -> Result<Completion, Failure> {
        debug_assert_eq!(place.host, cfg.host(), "a place at another host");
        if abort.is_aborted() {
            return Err(stopped(cfg));
        }
        // Every key of the person's but this host's own leaves the request's text: a key goes
        // only to its own provider (tryout 115: one pasted into the Persona went to a
        // comparison model at another host).
        let own = key.map(ApiKey::expose);
        let others: Vec<ApiKey> = untrack(|| self.settings.keys_to_withhold())
            .into_iter()
            .filter(|k| Some(k.expose()) != own)
            .collect();
        let others: Vec<&str> = others.iter().map(ApiKey::expose).collect();
        let (req, n) = crate::domain::secrets::withhold(req, &others);
        if n > 0 {
            let host = cfg.host();
            self.withheld.update(|w| {
                let w = w.get_or_insert(Withheld {
                    to: Vec::new(),
                    count: 0,
                });
                if !w.to.contains(&host) {
                    w.to.push(host);
                }
                w.count += n;
            });
        }
        chat::stream_chat(cfg, key, &req, abort, opts, on_progress).await
    }

    /// A new abort for a call of `job`, registered until [`Engine::forget`]: [`Engine::cancel`]
    /// of the job aborts it.
    pub fn abort_for(self, job: Job) -> Abort {
        let abort = Abort::new();
        self.inner.with_value(|i| {
            let mut i = i.borrow_mut();
            i.next += 1;
            let t = i.next;
            i.aborts.push((job, t, abort.clone()));
        });
        abort
    }

    /// Watches for a cancel of `job` (a sequence of calls checks it between them): registered
    /// until dropped.
    pub fn watch(self, job: Job) -> Watch {
        Watch {
            engine: self,
            abort: self.abort_for(job),
        }
    }

    /// Removes a finished call's abort from the registry.
    pub fn forget(self, abort: &Abort) {
        self.inner.try_with_value(|i| {
            i.borrow_mut().aborts.retain(|(_, _, a)| !a.same(abort));
        });
    }

    /// Stops every call of `job`: those queued leave the queue unsent, those in flight are
    /// aborted (what arrived is kept by their owner). Returns how many queued calls left.
    pub fn cancel(self, job: &Job) -> usize {
        self.cancel_where(|j| j == job)
    }

    /// [`Engine::cancel`] for every job `pick` chooses.
    pub fn cancel_where(self, pick: impl Fn(&Job) -> bool) -> usize {
        let Some((starts, aborts)) = self.inner.try_with_value(|i| {
            let mut i = i.borrow_mut();
            let dropped = i.queue().drain_where(|(_, j)| pick(j));
            let starts: Vec<Start> = dropped
                .iter()
                .filter_map(|(t, _)| i.starts.remove(t))
                .collect();
            let aborts: Vec<Abort> = i
                .aborts
                .iter()
                .filter(|(j, _, _)| pick(j))
                .map(|(_, _, a)| a.clone())
                .collect();
            (starts, aborts)
        }) else {
            return 0;
        };
        for a in &aborts {
            a.abort();
        }
        // Dropped outside the borrow: a waiter wakes and ends as stopped.
        let n = starts.len();
        drop(starts);
        n
    }

    /// Takes the queued calls of `job` out of the queue unsent (its calls under way go on, as
    /// a paused loop's do). Returns how many left.
    pub fn unqueue(self, job: &Job) -> usize {
        let Some(starts) = self.inner.try_with_value(|i| {
            let mut i = i.borrow_mut();
            let dropped = i.queue().drain_where(|(_, j)| j == job);
            dropped
                .iter()
                .filter_map(|(t, _)| i.starts.remove(t))
                .collect::<Vec<Start>>()
        }) else {
            return 0;
        };
        starts.len()
    }

    /// Starts every queued call whose host has room: calls asked ahead first, then the jobs'
    /// batch calls in turn (`Scheduler::start_by`, by job).
    fn pump(self) {
        // Within a batch: it looks at the queue once, at its end.
        if self.inner.try_with_value(|i| i.borrow().held > 0) != Some(false) {
            return;
        }
        let limit = self.concurrency.get_untracked();
        let own = self.host_limits.get_untracked();
        let Some(started) = self.inner.try_with_value(|i| {
            let mut i = i.borrow_mut();
            let q = i.queue();
            q.set_default_limit(limit);
            q.set_limits(&own);
            let started = q.start_by(|(_, job)| job.clone());
            started
                .into_iter()
                .filter_map(|((t, _), host)| Some((i.starts.remove(&t)?, host)))
                .collect::<Vec<_>>()
        }) else {
            return;
        };
        // Run outside the borrow: a start may queue or finish calls itself.
        for (start, host) in started {
            start(Place { engine: self, host });
        }
    }
}

/// How many calls [`own_task`] lets go out in one task before the next ones wait for tasks of
/// their own.
const CALLS_PER_TASK: u32 = 4;

thread_local! {
    /// Calls sent in the current task ([`own_task`]), and whether its reset is scheduled.
    static BURST: std::cell::Cell<(u32, bool)> = const { std::cell::Cell::new((0, false)) };
}

/// Before a call builds and sends its request: the first [`CALLS_PER_TASK`] calls of a task go
/// on at once, later ones yield to the event loop (a `setTimeout(0)`) and go on in a task of
/// their own. Calls started together (a run's first ones, the next ones when answers come back
/// at once) so never hold the page in one long task, and typing and drawing go on between them,
/// while a call started alone is not delayed.
pub async fn own_task() {
    let (n, reset) = BURST.get();
    if n < CALLS_PER_TASK {
        BURST.set((n + 1, true));
        if !reset {
            // The count starts again in the next task.
            leptos::task::spawn_local(async {
                crate::net::sleep(0).await;
                BURST.set((0, false));
            });
        }
        return;
    }
    crate::net::sleep(0).await;
}

/// The error of a call stopped before it was sent.
fn stopped(cfg: &ProviderConfig) -> Failure {
    Failure {
        error: ProviderError::new(ErrorKind::Aborted, cfg.kind, &cfg.host(), None, "")
            .with_nothing_arrived(true),
        partial: String::new(),
    }
}
