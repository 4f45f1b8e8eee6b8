//! Runs the current prompt on test cases with the execution model, and on the comparison models
//! of the model grid: each call waits its turn in the engine's queue (`state::engine`: at most
//! N calls at once per provider host, shared with every other job), outputs streamed into their rows (batched
//! to a few paints a second), judge calls after each output, cancel, retry and re-judge of one
//! case. Before anything is sent, cases that would
//! go out with empty variables are named and wait for the person (`unfilled`, `run_anyway`).
//! Results land in the draft as they finish, stamped with the run that made them, so a reload or
//! a fault mid-run loses nothing that had finished.
use crate::domain::sorted::SortedMap;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::domain::estimate::request_tokens;
use crate::domain::eval::TestCase;
use crate::domain::eval::case_call::{self, Outcome, Sent, Stream};
use crate::domain::eval::grid::{self, Slot};
use crate::domain::eval::judge;
use crate::domain::eval::run::{self, CaseRun, ModelUsed, Status};
use crate::domain::eval::run_queue::{self, Call, Held, RunQueue, Target};
use crate::domain::provider::{ChatEvent, ProviderConfig, Role};
use crate::net::chat::{Abort, CallOptions, Progress};
use crate::state::draft::DraftHandle;
use crate::state::engine::{self, Engine, Place};
use crate::state::library::Library;
use crate::state::settings::SettingsHandle;

/// Most tokens an execution reply may use (the cap each run call asks for).
pub use crate::domain::eval::run::MAX_OUTPUT_TOKENS;

/// What a run in progress is doing.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub version: u32,
    pub started_ms: f64,
    /// The cases this run was asked to do, in the order asked (cases added while it runs join it).
    pub ids: Vec<u32>,
    /// The models it runs on, by [`grid::model_key`] ("" for the execution model).
    pub models: Vec<String>,
    pub cancelling: bool,
    /// When this page started (or resumed) the run, and how many of the execution model's cases
    /// of it had finished then: the time left is read from the pace since (`run::time_left`).
    pub clock_ms: f64,
    pub finished_before: usize,
}

/// Everything a call needs, fixed when the run starts (models join when asked).
#[derive(Clone)]
struct Job {
    version: u32,
    /// When the run started: every result it makes carries it (`CaseRun::run_ms`).
    started_ms: f64,
    draft_id: String,
    prompt: String,
    slots: Vec<Slot>,
    judge: ProviderConfig,
    opts: CallOptions,
}

impl Job {
    fn slot(&self, key: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.key == key)
    }
}

/// Changes to results are written to the draft together, at most this long after they came.
const FLUSH_MS: u64 = 120;

/// A judge call under way ([`Runner::judge_case`]): the case and model `key` it judges, its
/// request's estimated input `tokens` for the judge `model`, whether the request has gone out
/// (`sent`: false while it waits for a place at the judge's host) and whether the page's leave
/// charged that estimate to the case (`charged`). Calls are told apart by their `sent` cell.
#[derive(Clone)]
struct JudgeOut {
    key: String,
    id: u32,
    tokens: u32,
    model: ModelUsed,
    sent: Rc<std::cell::Cell<bool>>,
    charged: Rc<std::cell::Cell<bool>>,
}

/// The run controls. `Copy`: hand them to components.
#[derive(Clone, Copy)]
pub struct Runner {
    pub active: RwSignal<Option<Active>>,
    /// Live text of outputs still streaming, one signal per (model, case) (so a token repaints
    /// one row).
    live: StoredValue<SortedMap<Call, ArcRwSignal<Option<String>>>, LocalStorage>,
    /// While a case's call waits to try again: the note saying why and when (see
    /// [`ProviderError::retry_note`](crate::domain::provider::ProviderError::retry_note)).
    retrying: StoredValue<SortedMap<Call, ArcRwSignal<Option<String>>>, LocalStorage>,
    /// Cases being re-judged now (outside a run), by (model key, case id).
    pub judging: RwSignal<crate::domain::sorted::SortedSet<Call>>,
    /// The page has started to go away (a reload, a closed tab): the calls it aborts did not
    /// fail, so nothing is recorded for them (the next load shows such a case as cancelled, or
    /// its judge as not judged, with Retry or Re-judge), never "nothing answered".
    leaving: StoredValue<bool>,
    /// The last Run press was refused ([`Runner::refused`] says why, while it still holds).
    refused_press: RwSignal<bool>,
    /// A Run press was refused because the draft's run goes on in another tab: said while that
    /// run goes on, and forgotten when it ends (tryout 75: the refusal came back with later runs
    /// of the other tab, never pressed for here).
    refused_elsewhere: RwSignal<bool>,
    /// A Run press was refused while the conflict question was open (said while it is).
    refused_conflict: RwSignal<bool>,
    /// A Run press was refused because Settings give the execution model (or the judge, for a
    /// run with judge checks) no address or no model name: said while they still do
    /// ([`Runner::unset`]; tryout 93: each case came back failed instead). Held as the words
    /// said, so the refusal goes once they no longer hold and never comes back unpressed.
    refused_unset: RwSignal<Option<String>>,
    /// A run held back because some of its cases would go out with empty variables
    /// (`run::gaps`): the ids it was asked for. Nothing is sent until `run_anyway`.
    pub unfilled: RwSignal<Option<Vec<u32>>>,
    /// A press of a Run button held back for the person to confirm, as costly as
    /// [`run::run_question`] says. Nothing is sent until `run_costly`.
    pub costly: RwSignal<Option<Costly>>,
    /// The words of the costly question the person has just confirmed (`run_costly`): the press
    /// made again sends when its figure is still these words, and asks again otherwise.
    confirmed: StoredValue<Option<String>>,
    /// The models the run held back in `unfilled` was asked for.
    held_slots: StoredValue<Vec<Slot>, LocalStorage>,
    /// The version and start of the run the held-back cases complete (a retry, cases never
    /// sent), if any: used only while that version is still the current one.
    held_resume: StoredValue<Option<(u32, f64)>>,
    /// The run's calls: those waiting in the engine's queue, and how many are not over
    /// (queued, answering or being judged; the run ends at none). The pure machine
    /// [`RunQueue`] decides; this runner sends and reports.
    queue: StoredValue<RunQueue>,
    /// Result changes not yet written to the draft ([`Runner::flush`]).
    pending: StoredValue<Rc<RefCell<Held>>, LocalStorage>,
    job: StoredValue<Option<Job>, LocalStorage>,
    /// The run (its `Job::started_ms`) that leaving its draft ended: the leave wrote what its
    /// answers under way leave, and their calls' ends write nothing more, even while the draft
    /// is still the open one (a Duplicate saves and copies it before the copy opens: helper-63,
    /// an earlier result "put back" was then replaced by the cut-off answer).
    left: StoredValue<Option<f64>>,
    /// The person pressed Cancel on the run under way (or the latest one): its end is a
    /// cancel, not a finish ([`Runner::was_cancelled`]).
    cancelled: StoredValue<bool>,
    /// The start of the run whose judge met a failure every call to it would (a refused key,
    /// no credit; `ProviderError::fails_every_call`): that run sends the judge nothing more. Its
    /// cases left unjudged read "not judged yet" with Re-judge once the run ends.
    /// Why, in words, is kept on the run's records (`Run::judge_stopped_by`), so the cases left
    /// unjudged still say it after a reload.
    judge_stopped: StoredValue<Option<f64>>,
    /// The judge calls under way: as the page goes away, those sent are charged their prompt,
    /// as an estimate (session 37: a reload while a judge call was out counted nothing of it,
    /// though the provider may bill it), and the charge is taken back if the page stays and
    /// the call ends with its own count.
    judges_out: StoredValue<Vec<JudgeOut>, LocalStorage>,
    /// The draft of the latest run ([`Runner::last_run_draft`]).
    last_draft: StoredValue<String>,
    // Handles taken at start: workers run outside any reactive owner, so no context lookups there.
    drafts: DraftHandle,
    settings: SettingsHandle,
    library: Library,
    engine: Engine,
    unaccepted: Option<super::entries::Unaccepted>,
}

/// A press of one of Run's buttons, kept while its costly question waits ([`Runner::costly`]),
/// to be made again on *Run them*.
#[derive(Debug, Clone, PartialEq)]
pub enum Press {
    /// Run all (no ids) or Run selected, on the execution model.
    Run(Vec<u32>),
    /// Run on all models (the model grid).
    Models(Vec<u32>),
    /// Send the cases not sent, of the model with this key ("" for the execution model).
    Unsent(String),
    /// Retry of one case on the model with this key; `true` when pressed in the model grid.
    Retry(String, u32, bool),
    /// Run anyway, on cases held back for empty parts: their ids, the models they were held
    /// for, and the version and start of the run they complete.
    Anyway(Vec<u32>, Vec<Slot>, Option<(u32, f64)>),
}

/// A costly press held back ([`Runner::costly`]): what was pressed, its figure in words
/// ([`run::run_question`]), and whether the person had confirmed another figure for it (the
/// models or cases changed between the question and *Run them*).
#[derive(Debug, Clone, PartialEq)]
pub struct Costly {
    pub press: Press,
    pub words: String,
    pub changed: bool,
}

/// Where a costly press's question shows: beside the button pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostlyAt {
    /// Results' own buttons (Run all, Run selected, Send the cases not sent, Run anyway).
    Results,
    /// The model grid's (*Run on all models*, a comparison model's *Send* or *Retry*).
    Grid,
    /// A case's row in Results (its *Retry*; tryout 90: the question showed 6,600 px above it).
    Case(u32),
}

impl Costly {
    /// Where its question belongs ([`CostlyAt`]).
    pub fn at(&self) -> CostlyAt {
        match &self.press {
            Press::Models(_) | Press::Retry(_, _, true) => CostlyAt::Grid,
            Press::Retry(key, id, false) if key.is_empty() => CostlyAt::Case(*id),
            Press::Unsent(key) | Press::Retry(key, _, _) if !key.is_empty() => CostlyAt::Grid,
            // (Run anyway is a button of Results, whatever the models.)
            _ => CostlyAt::Results,
        }
    }
}

impl Runner {
    pub fn provide() -> Self {
        let r = Self {
            active: RwSignal::new(None),
            live: StoredValue::new_local(SortedMap::new()),
            retrying: StoredValue::new_local(SortedMap::new()),
            judging: RwSignal::new(Default::default()),
            leaving: StoredValue::new(false),
            refused_press: RwSignal::new(false),
            refused_elsewhere: RwSignal::new(false),
            refused_conflict: RwSignal::new(false),
            refused_unset: RwSignal::new(None),
            unfilled: RwSignal::new(None),
            costly: RwSignal::new(None),
            confirmed: StoredValue::new(None),
            held_slots: StoredValue::new_local(Vec::new()),
            held_resume: StoredValue::new(None),
            queue: StoredValue::new(RunQueue::default()),
            pending: StoredValue::new_local(Rc::default()),
            job: StoredValue::new_local(None),
            left: StoredValue::new(None),
            cancelled: StoredValue::new(false),
            judge_stopped: StoredValue::new(None),
            judges_out: StoredValue::new_local(Vec::new()),
            last_draft: StoredValue::new(String::new()),
            drafts: DraftHandle::expect(),
            settings: SettingsHandle::expect(),
            library: Library::expect(),
            engine: Engine::expect(),
            unaccepted: super::entries::Unaccepted::get(),
        };
        provide_context(r);
        // (What came in is written by the `on_leaving` hook below, which the library's own
        // `on_leave` calls before it keeps the draft.)
        crate::net::on_leave(move || r.leaving.set_value(true));
        // Before the library keeps the draft as the page goes away (its own `on_leave` runs
        // first, and asks for this): calls under way are written as such (the draft holds them
        // as queued while they stream), so the next load reads them as cancelled, with Retry,
        // not as never run (tryout 12, minor 3: a first run cut off by a reload left no trace);
        // answers that came in are written too.
        r.drafts.on_leaving(move || {
            // First: no case or judge call is sent from here on (`case`, `judge_case`).
            r.leaving.set_value(true);
            // Answers that came in are kept, not left waiting for the next write; then the
            // answers under way and the cases still waiting are written as the next load must
            // read them (`run_queue::page_leaving`).
            r.flush();
            if let Some(job) = r.job.try_get_value().flatten()
                && r.same_draft(&job)
            {
                let answering = r.answering_now(&job);
                let keys: Vec<String> = job.slots.iter().map(|s| s.key.clone()).collect();
                let judged_out: Vec<JudgeOut> = r
                    .judges_out
                    .try_get_value()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|o| o.sent.get() && !o.charged.get())
                    .collect();
                r.drafts.update(|x| {
                    run_queue::page_leaving(x, job.version, &keys, answering);
                    for o in &judged_out {
                        if let Some(c) = x
                            .run_on_mut(job.version, &o.key)
                            .and_then(|run| run.cases.get_mut(&o.id))
                        {
                            o.charged.set(true);
                            c.judge_spent((o.tokens, 0), o.model.clone());
                        }
                    }
                });
            }
        });
        crate::net::on_return(move || {
            r.leaving.set_value(false);
            // The page stayed: the cases marked as never sent as it went away are under way
            // again or stay unsent (`run_queue::page_returned`); a case marked running with
            // no call any more reads cancelled, with Retry, not "running…" for ever.
            let queue = r.queue;
            r.drafts.maybe_update(|x| {
                run_queue::page_returned(x, |call| queue.with_value(|q| q.waits(call)))
            });
            if let Some(job) = r.job.try_get_value().flatten() {
                let keys: Vec<String> = job.slots.iter().map(|s| s.key.clone()).collect();
                let answering =
                    |key: &str, id: u32| r.live_on(key, id).with_untracked(Option::is_some);
                let stuck = r.drafts.draft.with_untracked(|x| {
                    run_queue::running_with_no_call(x, job.version, &keys, answering)
                });
                for (key, id) in stuck {
                    r.update_case(&job, &key, id, |c| c.status = Status::Cancelled);
                }
                r.flush();
            }
        });
        // Another draft is about to open (`DraftHandle::before_switching`; this draft is still
        // the open one): the run ends here as Cancel ends it, and the answers under way are
        // written as Cancel's aborted calls write them (the text that arrived, or the earlier
        // answer put back for a re-run): their calls' ends come after the switch and write
        // nothing (tryout 54: a first answer cut off so was lost).
        r.drafts.on_switching(move || {
            let Some(job) = r.job.try_get_value().flatten() else {
                return;
            };
            if !r.same_draft(&job) {
                return;
            }
            let why = r.drafts.leaving();
            for (key, id, text, spent) in r.answering_now(&job) {
                r.update_case(&job, &key, id, move |c| {
                    c.cut_by_switch(&text, spent.clone(), why)
                });
            }
            // Its end is no news: the person left the draft (helper-58: "Run finished: No
            // score yet: 0 of 0 cases passed every check" popped up on a switch mid-run).
            r.last_draft.set_value(String::new());
            r.cancel();
            r.left.set_value(Some(job.started_ms));
        });
        // Opening another draft ends a run of this one.
        let lib = r.library;
        crate::state::reactive::effect(move |prev: Option<String>| {
            let id = lib.current_id.get();
            if prev.is_some_and(|p| p != id) {
                r.cancel();
                r.unfilled.set(None);
                // A question is about the draft it was asked in (review: Run them replayed
                // "Run all" on the draft opened since).
                r.costly.set(None);
            }
            id
        });
        // The other tabs of this browser hear that a run of this draft goes on here, and when
        // it ends (`Library::run_elsewhere`: they show its progress as this tab saves it and
        // run nothing of the draft meanwhile).
        lib.say_while_busy(super::library::Busy::Run, move || r.running_draft());
        // Each save during a run writes it as the page going away now would leave it
        // (`Library::keep_as`): its answers under way as stopped while answering, with what
        // arrived, and the cases still queued as not sent.
        lib.keep_as(move |d| {
            let job = r.job.try_get_value().flatten()?;
            if !r.running_untracked() || !r.same_draft(&job) {
                return None;
            }
            let answering = r.answering_now(&job);
            let keys: Vec<String> = job.slots.iter().map(|s| s.key.clone()).collect();
            let mut kept = d.clone();
            run_queue::page_leaving(&mut kept, job.version, &keys, answering);
            Some(kept)
        });
        // A refusal is over with its cause: a later run in another tab or a later conflict is
        // said when Run is pressed again, not at once by an old press.
        crate::state::reactive::effect(move |_| {
            if !lib.run_elsewhere() && r.refused_elsewhere.get_untracked() {
                r.refused_elsewhere.set(false);
            }
            if lib.conflict.with(Option::is_none) && r.refused_conflict.get_untracked() {
                r.refused_conflict.set(false);
            }
        });
        r
    }

    /// The draft (its id) a run goes on for in this tab, if one does. Untracked.
    fn running_draft(self) -> Option<String> {
        if !self.active.try_with_untracked(Option::is_some)? {
            return None;
        }
        self.job
            .try_with_value(|j| j.as_ref().map(|j| j.draft_id.clone()))
            .flatten()
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The calls of `job` streaming an answer now: (model key, case id, the text so far, what it
    /// likely costs, `run::Spent`).
    fn answering_now(self, job: &Job) -> Vec<(String, u32, String, Option<run::Spent>)> {
        let answering: Vec<Call> = self
            .live
            .try_with_value(|m| {
                m.iter()
                    .filter(|(_, s)| s.with_untracked(Option::is_some))
                    .map(|(call, _)| call.clone())
                    .collect()
            })
            .unwrap_or_default();
        answering
            .into_iter()
            .map(|(key, id)| {
                let text = self.live_on(&key, id).get_untracked().unwrap_or_default();
                let spent = job.slot(&key).and_then(|slot| {
                    self.drafts.draft.with_untracked(|x| {
                        run::Spent::so_far(&job.prompt, x.suite.case(id)?, &slot.cfg, &text)
                    })
                });
                (key, id, text, spent)
            })
            .collect()
    }

    /// The live output of a case on the execution model: `Some` while its call streams.
    pub fn live(self, id: u32) -> ArcRwSignal<Option<String>> {
        self.live_on("", id)
    }

    /// The live output of a case on the model `key` ("" for the execution model).
    pub fn live_on(self, key: &str, id: u32) -> ArcRwSignal<Option<String>> {
        self.live
            .try_update_value(|m| {
                m.entry((key.to_owned(), id))
                    .or_insert_with(|| ArcRwSignal::new(None))
                    .clone()
            })
            .unwrap_or_else(|| ArcRwSignal::new(None))
    }

    /// The retry note of a case on the execution model: `Some` while its call waits to try
    /// again.
    pub fn retry_note(self, id: u32) -> ArcRwSignal<Option<String>> {
        self.retry_note_on("", id)
    }

    /// The retry note of a case on the model `key` ("" for the execution model).
    pub fn retry_note_on(self, key: &str, id: u32) -> ArcRwSignal<Option<String>> {
        self.retrying
            .try_update_value(|m| {
                m.entry((key.to_owned(), id))
                    .or_insert_with(|| ArcRwSignal::new(None))
                    .clone()
            })
            .unwrap_or_else(|| ArcRwSignal::new(None))
    }

    pub fn running(self) -> bool {
        self.active.with(Option::is_some)
    }

    /// Why the last Run press was refused, read from the draft as it is now
    /// ([`run_queue::plan_start`]):
    /// `None` once the cause is fixed or removed (the notice goes without another press), and
    /// when the last press was not refused. Reactive.
    pub fn refused(self) -> Option<String> {
        if self.refused_elsewhere.get() && self.library.run_elsewhere() {
            return Some(run_queue::RUN_ELSEWHERE.to_owned());
        }
        if self.refused_conflict.get() && self.library.conflict.with(Option::is_some) {
            return Some(run_queue::RUN_IN_CONFLICT.to_owned());
        }
        if let Some(was) = self.refused_unset.get()
            && self.unset(&[]).as_ref() == Some(&was)
        {
            return Some(was);
        }
        if !self.refused_press.get() {
            return None;
        }
        let plan = self.drafts.draft.with(|x| {
            run_queue::plan_start(x, Vec::new(), false, |ids| self.unused_entries(ids), None)
        });
        match plan {
            run_queue::Start::Refuse(why) => Some(why),
            _ => None,
        }
    }

    /// What Settings lack before a run on `slots` can go out ([`provider::unset_note`]): the
    /// execution model's address or model name when it runs (always when `slots` is empty), the
    /// judge's when a case has a judge check. Comparison models that lack them are never called
    /// ([`grid::ready`]). Tracks the settings and the suite.
    fn unset(self, slots: &[Slot]) -> Option<String> {
        let exec = self.settings.config(Role::Execution);
        let judge = self.settings.config(Role::Judge);
        let judged = self
            .drafts
            .suite_and_prompt
            .with(|(s, _)| s.has_judge_checks());
        let mut jobs: Vec<(Role, &ProviderConfig)> = Vec::new();
        if slots.is_empty() || slots.iter().any(|s| s.key.is_empty()) {
            jobs.push((Role::Execution, &exec));
        }
        if judged {
            jobs.push((Role::Judge, &judge));
        }
        crate::domain::provider::unset_note(&jobs)
    }

    /// Numbers typed into these cases' checks that could not be used, as the reason a run waits
    /// (it would use the old values); `None` when there are none.
    fn unused_entries(self, ids: &[u32]) -> Option<String> {
        let unused: Vec<(Option<u32>, String, String)> = self
            .unaccepted
            .map(|u| u.in_checks(ids))
            .unwrap_or_default()
            .into_iter()
            .map(|(owner, e)| (owner, e.text, e.problem))
            .collect();
        run_queue::unused_entries_note(&unused)
    }

    /// Runs the current version on these cases (all when empty) with the execution model.
    /// Refuses, with a reason in `refused`, when an assertion is unusable or there is nothing to
    /// run; holds the run back in `unfilled` when a case would go out with an empty variable or
    /// message (`run::gaps`). Does nothing while a run goes on (its buttons are off then; Alt+R
    /// says so): a second start would queue every case again and pay twice (tryout 104).
    pub fn run(self, ids: Vec<u32>) {
        if self.running() {
            return;
        }
        let press = Press::Run(ids.clone());
        self.start(ids, true, vec![self.exec_slot()], None, press);
    }

    /// Makes the press held back in `costly` again, the person having confirmed its figure:
    /// it sends when its figure, as Settings and the cases are now, is still the one confirmed,
    /// and asks again with the new one otherwise (tryout 89: the question kept "$1.31" while
    /// the model was switched to a dearer one, and *Run them* sent to that one).
    pub fn run_costly(self) {
        let Some(c) = self.costly.get_untracked() else {
            return;
        };
        self.costly.set(None);
        self.confirmed.set_value(Some(c.words));
        match c.press {
            Press::Run(ids) => self.run(ids),
            Press::Models(ids) => self.run_models(ids),
            Press::Unsent(key) => self.run_unsent_on(&key),
            Press::Retry(key, id, grid) => self.retry_press(&key, id, grid),
            Press::Anyway(ids, held, resume) => self.anyway(ids, held, resume),
        }
        // (A press that stopped before its figure, with nothing left to send, leaves none.)
        self.confirmed.set_value(None);
    }

    /// Retries case `id` on model `key` ("" for the execution model; a comparison model not
    /// chosen any more is not called). A failed, cancelled or refused case of the model's latest
    /// run is retried as part of that run (its other results stay the latest, so the model's
    /// score and the recommendation still cover every case) when that run was made with the
    /// model the key stands for now; any other result (and any after a switch of execution
    /// model) starts a run of that case alone, like [`Runner::run`].
    pub fn retry_on(self, key: &str, id: u32) {
        self.retry_press(key, id, false);
    }

    /// [`Runner::retry_on`] pressed in the model grid (its question shows there).
    pub fn retry_on_in_grid(self, key: &str, id: u32) {
        self.retry_press(key, id, true);
    }

    fn retry_press(self, key: &str, id: u32, grid: bool) {
        let Some(slot) = self.model_slots().into_iter().find(|s| s.key == key) else {
            return;
        };
        // A result made with another model than the slot's (the execution model was switched
        // since) is not completed in its run: the new answer would join another model's run
        // and score (tryout 11, S3). It starts a run of the case on the model chosen now.
        let model = ModelUsed::of(&slot.cfg);
        // The label `start` gives the run: what a failed call, which records no model, is
        // read by.
        let label = slot.run_label();
        let resume = if self.running_untracked() {
            None
        } else {
            self.drafts.draft.with_untracked(|x| {
                let run = x.run_on(x.current, key)?;
                run.cases
                    .get(&id)
                    .is_some_and(|c| {
                        // A re-run of it in this run that failed, or was stopped (Cancel, a
                        // reload) and put its earlier answer back, is completed in this run.
                        (run.is_latest(c)
                            || c.rerun_failed_in(run.started_ms)
                            || c.rerun_cancelled == Some(run.started_ms))
                            && run.made_with(&model, &label)
                    })
                    .then_some(run.started_ms)
            })
        };
        self.start(
            vec![id],
            true,
            vec![slot],
            resume,
            Press::Retry(key.to_owned(), id, grid),
        );
    }

    /// Sends the cases of the execution model's latest run on the current version that were
    /// never sent (the page went away while they waited, or sending stopped after a failure
    /// every call would meet, [`run::Run::unsent_ids`]; those still in the suite), as part of
    /// that run, so its score covers them; when that run was made with another model than the
    /// one chosen now, as a run of their own on it (as Retry does). Nothing while a run is going.
    pub fn run_unsent(self) {
        self.run_unsent_on("");
    }

    /// [`Runner::run_unsent`] for model `key` ("" for the execution model, else a comparison
    /// model of the grid; tryout 48: a comparison model's cases not sent after its key was
    /// refused, or after a reload, could not be sent).
    pub fn run_unsent_on(self, key: &str) {
        if self.running_untracked() {
            return;
        }
        let Some(slot) = self.model_slots().into_iter().find(|s| s.key == key) else {
            return;
        };
        let model = ModelUsed::of(&slot.cfg);
        let label = slot.run_label();
        let Some((ids, resume)) = self.drafts.draft.with_untracked(|x| {
            let run = x.run_on(x.current, key)?;
            let ids: Vec<u32> = run
                .unsent_ids()
                .into_iter()
                .filter(|id| x.suite.case(*id).is_some())
                .collect();
            let same = run.resumes_on(&model, &label);
            (!ids.is_empty()).then_some((ids, same.then_some(run.started_ms)))
        }) else {
            return;
        };
        self.start(ids, true, vec![slot], resume, Press::Unsent(key.to_owned()));
    }

    /// Runs the current version on these cases (all when empty) with the execution model and
    /// every comparison model (the model grid), refused and held back like [`Runner::run`].
    pub fn run_models(self, ids: Vec<u32>) {
        let slots = self.model_slots();
        let press = Press::Models(ids.clone());
        self.start(ids, true, slots, None, press);
    }

    /// The execution model and the comparison models, as the grid runs them ([`grid::slots`]).
    pub fn model_slots(self) -> Vec<Slot> {
        let exec = self.exec_slot().cfg;
        self.settings
            .compare
            .with_untracked(|c| grid::slots(&exec, c))
    }

    fn exec_slot(self) -> Slot {
        Slot {
            key: String::new(),
            cfg: self.engine.role(Role::Execution).0,
        }
    }

    /// Runs the cases held back in `unfilled` as they are, empty variables and all, on the
    /// models they were asked for.
    pub fn run_anyway(self) {
        if let Some(ids) = self.unfilled.get_untracked() {
            let held = self.held_slots.get_value();
            let resume = self.held_resume.get_value();
            self.anyway(ids, held, resume);
        }
    }

    /// Runs `ids` as they are on the models `held` was asked for, as Settings name them now
    /// (review: the settings of the moment they were held went out, a model switched away from
    /// since too), completing the run `resume` (version, start) only while that version is the
    /// current one and each model is still the one they were held for; else as a run of
    /// their own (review: a switched model's answers joined the other model's run).
    fn anyway(self, ids: Vec<u32>, held: Vec<Slot>, resume: Option<(u32, f64)>) {
        let now = self.model_slots();
        let slots: Vec<Slot> = held
            .iter()
            .filter_map(|h| now.iter().find(|s| s.key == h.key).cloned())
            .collect();
        let same = slots.len() == held.len()
            && slots.iter().zip(&held).all(|(a, b)| {
                ModelUsed::of(&a.cfg) == ModelUsed::of(&b.cfg) && a.run_label() == b.run_label()
            });
        let current = self.drafts.draft.with_untracked(|x| x.current);
        let resume_ms = resume
            .filter(|(v, _)| *v == current && same)
            .map(|(_, at)| at);
        let press = Press::Anyway(ids.clone(), held, resume);
        self.start(ids, false, slots, resume_ms, press);
    }

    /// Drops the run held back in `unfilled` (nothing was sent).
    pub fn keep_unfilled_back(self) {
        self.unfilled.set(None);
    }

    /// Starts (or joins) a run of `ids` on `slots`; `resume_ms`: the start of the run these
    /// results complete (a retry within the latest run, [`Runner::retry_on`]), else now.
    /// `press`: the button pressed, made again if the run is costly enough to wait for the
    /// person's word ([`run::run_question`]; tryout 89: *Send the cases not sent* and *Run on
    /// all models* sent $12.99 and $13.92 on one click, while Run all asked).
    fn start(
        self,
        ids: Vec<u32>,
        hold_gaps: bool,
        slots: Vec<Slot>,
        resume_ms: Option<f64>,
        press: Press,
    ) {
        // Two tabs running one draft would each send the cases and overwrite the other's
        // results: this one waits for the other's run to end (`Runner::refused` says so).
        if self.library.run_elsewhere_untracked() {
            self.refused_elsewhere.set(true);
            return;
        }
        // This tab's copy is older than another tab's (the conflict question is open): its
        // results may be stale (tryout 76: a run another tab had finished read here as not
        // sent, and Send sent it again). Nothing is sent until the person chooses.
        if self.library.conflict.with_untracked(Option::is_some) {
            self.refused_conflict.set(true);
            return;
        }
        // No address or model name for a model the run calls: nothing is sent, no case is
        // marked failed (tryout 93).
        let unset = untrack(|| self.unset(&slots));
        let refused = unset.is_some();
        self.refused_unset.set(unset);
        if refused {
            return;
        }
        self.flush();
        let d = self.drafts;
        // Text typed in a section just before the press is part of the prompt run (it would
        // have reached the draft after the run had started on the version before).
        d.flush_typing();
        self.unfilled.set(None);
        let running = self
            .active
            .with_untracked(|a| a.as_ref().map(|a| a.version));
        let (version, prompt, plan) = d.draft.with_untracked(|x| {
            let plan =
                run_queue::plan_start(x, ids, hold_gaps, |ids| self.unused_entries(ids), running);
            (x.current, x.rendered(), plan)
        });
        self.refused_press
            .set(matches!(plan, run_queue::Start::Refuse(_)));
        let (ids, same_version) = match plan {
            run_queue::Start::Refuse(_) => return,
            // No silent send: cases with empty variables wait for the person's word.
            run_queue::Start::Hold(ids) => {
                self.held_slots.set_value(slots);
                self.held_resume
                    .set_value(resume_ms.map(|at| (version, at)));
                self.unfilled.set(Some(ids));
                return;
            }
            run_queue::Start::Go { ids, new_run } => (ids, !new_run),
        };
        // A costly press waits for the person's word, its figure said again (tryout 88), with
        // the models as Settings name them now.
        let judge_cfg = self.engine.role(Role::Judge).0;
        let words = d.draft.with_untracked(|x| {
            let prompt = x.rendered();
            let bounds: Vec<(run::RunBound, &ProviderConfig)> = slots
                .iter()
                .map(|s| {
                    let b = run::run_bound(
                        &x.suite,
                        &prompt,
                        &ids,
                        s.cfg.temperature,
                        MAX_OUTPUT_TOKENS,
                    );
                    (b, &s.cfg)
                })
                .collect();
            run::run_question(&bounds, &judge_cfg)
        });
        let confirmed = self.confirmed.get_value();
        self.confirmed.set_value(None);
        // A confirmed press asks again whenever its words changed, costly or not now (tryout
        // 90: switched to a model with no list price, the press went out without a word to a
        // model the question never named).
        let (costly, words) = words;
        if (costly || confirmed.is_some()) && confirmed.as_ref() != Some(&words) {
            self.costly.set(Some(Costly {
                press,
                words,
                changed: confirmed.is_some(),
            }));
            return;
        }
        // A cheap press leaves another button's question open (the review of session 44: it
        // went with no word); its *Run them* asks again if its figure changed meanwhile.
        if self
            .costly
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.press == press))
        {
            self.costly.set(None);
        }
        let started = resume_ms.unwrap_or_else(js_sys::Date::now);
        if !same_version {
            if self.running_untracked() {
                self.cancel();
            }
            self.cancelled.set_value(false);
            self.last_draft
                .set_value(self.library.current_id.get_untracked());
            let (judge, _, opts) = self.engine.role(Role::Judge);
            self.job.set_value(Some(Job {
                version,
                started_ms: started,
                draft_id: self.library.current_id.get_untracked(),
                prompt,
                slots: Vec::new(),
                judge,
                opts,
            }));
            self.active.set(Some(Active {
                version,
                started_ms: started,
                ids: Vec::new(),
                models: Vec::new(),
                cancelling: false,
                clock_ms: js_sys::Date::now(),
                finished_before: 0,
            }));
        }
        // A run of this version is going: models not in it yet join it (their records start
        // now); the cases are added to its queue.
        let Some(mut job) = self.job.get_value() else {
            return;
        };
        let joining: Vec<Slot> = slots
            .iter()
            .filter(|s| job.slot(&s.key).is_none())
            .cloned()
            .collect();
        if !joining.is_empty() {
            // Why the judge was stopped holds while this page keeps it stopped: a run resumed
            // after a reload sends the judge again (review: the saved reason outlived it).
            let judge_still_stopped = self.judge_stopped.get_value() == Some(job.started_ms);
            d.update_runs(|x| {
                for slot in &joining {
                    run_queue::join(
                        x,
                        version,
                        &slot.key,
                        slot.run_label(),
                        job.started_ms,
                        judge_still_stopped,
                    );
                }
            });
            job.slots.extend(joining);
            self.job.set_value(Some(job.clone()));
        }
        let keys: Vec<String> = slots.into_iter().map(|s| s.key).collect();
        self.enqueue(&keys, &ids);
        // A resumed run's time left is read from the pace since now: the execution model's
        // cases finished before (those queued again are not) do not count in it.
        if !same_version && resume_ms.is_some() {
            let before = d
                .draft
                .with_untracked(|x| x.run_on(version, "").map_or(0, |r| r.progress().finished()));
            self.active.update(|a| {
                if let Some(a) = a {
                    a.finished_before = before;
                }
            });
        }
    }

    /// Whether the latest run ended by the person's Cancel (for the message at its end).
    pub fn was_cancelled(self) -> bool {
        self.cancelled.get_value()
    }

    /// The draft the latest run belonged to (its end is news only while that draft is open).
    pub fn last_run_draft(self) -> String {
        self.last_draft.get_value()
    }

    fn running_untracked(self) -> bool {
        self.active.with_untracked(Option::is_some)
    }

    fn enqueue(self, keys: &[String], ids: &[u32]) {
        let Some(job) = self.job.get_value() else {
            return;
        };
        // Only the models of this run (each call goes to its model's host).
        let keys: Vec<String> = keys
            .iter()
            .filter(|k| job.slot(k).is_some())
            .cloned()
            .collect();
        let mut calls = Vec::new();
        self.drafts.update_runs(|x| {
            calls = self
                .queue
                .try_update_value(|q| q.enqueue(x, job.version, job.started_ms, &keys, ids))
                .unwrap_or_default();
        });
        let added: Vec<(Call, String)> = calls
            .into_iter()
            .map(|call| {
                let host = job.slot(&call.0).map(|s| s.cfg.host()).unwrap_or_default();
                (call, host)
            })
            .collect();
        self.active.update(|a| {
            if let Some(a) = a {
                for ((key, id), _) in &added {
                    if !a.ids.contains(id) {
                        a.ids.push(*id);
                    }
                    if !a.models.contains(key) {
                        a.models.push(key.clone());
                    }
                }
            }
        });
        // Into the engine's queue, after the draft changed: the calls that fit start at once,
        // together (one look at the queue for all of them).
        self.engine.batch(|| self.hand_to_engine(added));
        self.end_if_idle();
    }

    /// Queues the run's calls in the engine: each is sent when its host has room.
    fn hand_to_engine(self, added: Vec<(Call, String)>) {
        for (call, host) in added {
            self.engine
                .enqueue(engine::Job::Run, &host, false, move |place| {
                    // Taken out of the queue by a failure every call to its model would meet
                    // (`Runner::stop_sending`): not sent, and the place goes to the next call.
                    if !self
                        .queue
                        .try_update_value(|q| q.take(&call))
                        .unwrap_or(false)
                    {
                        drop(place);
                        self.call_over(1);
                        return;
                    }
                    // Registered now, so a Cancel before the task runs stops it too.
                    let abort = self.engine.abort_for(engine::Job::Run);
                    leptos::task::spawn_local(async move {
                        // In a task of its own: the calls a run starts together (its first ones,
                        // the next ones when answers come back at once) do not hold the page in
                        // one long task (the bench's 3 x 100 row: 60-88 ms before). A Cancel
                        // meanwhile is seen through `abort`.
                        engine::own_task().await;
                        if let Some(job) = self.job.get_value() {
                            self.case(&job, &call.0, call.1, place, &abort).await;
                        }
                        self.engine.forget(&abort);
                        self.call_over(1);
                    });
                });
        }
    }

    /// `n` calls of the run ended (answered, failed, stopped, or left the queue on Cancel).
    fn call_over(self, n: usize) {
        self.queue.try_update_value(|q| q.over(n));
        self.end_if_idle();
    }

    /// When no call is queued, answering or judged, the run is over.
    fn end_if_idle(self) {
        if self.queue.try_with_value(RunQueue::idle) == Some(true) {
            self.flush();
            self.active.try_set(None);
            self.job.set_value(None);
        }
    }

    /// Whether this job still belongs to the draft on screen.
    fn same_draft(self, job: &Job) -> bool {
        self.library.is_open(&job.draft_id)
    }

    /// Changes a result: held in `pending` and written to the draft with the others that came
    /// within [`FLUSH_MS`] ([`Runner::flush`]), so answers arriving from several models at once
    /// change the draft a few times a second, not once per answer.
    fn update_case(self, job: &Job, key: &str, id: u32, f: impl Fn(&mut CaseRun) + 'static) {
        if !self.same_draft(job) || self.left.get_value() == Some(job.started_ms) {
            return;
        }
        let Some(pending) = self.pending.try_get_value() else {
            return;
        };
        let first = pending
            .borrow_mut()
            .push(Self::target(job, key, id), Rc::new(f));
        if first {
            set_timeout(
                move || self.flush(),
                std::time::Duration::from_millis(FLUSH_MS),
            );
        }
    }

    fn target(job: &Job, key: &str, id: u32) -> Target {
        Target {
            draft_id: job.draft_id.clone(),
            version: job.version,
            key: key.to_owned(),
            id,
        }
    }

    /// Writes the held changes to the draft in one update (those of another draft than the one
    /// on screen are dropped, as they were when written at once). Called when the wait is over,
    /// and before anything reads the results: the judge, Cancel, the end of a run, leaving.
    fn flush(self) {
        let Some(pending) = self.pending.try_get_value() else {
            return;
        };
        if pending.borrow().is_empty() {
            return;
        }
        let current = self.library.current_id.get_untracked();
        // Results alone: the readers of the cases and the prompt do not hear them.
        self.drafts.update_runs(|rm| {
            pending.borrow_mut().write(rm, &current);
        });
    }

    /// A result as it will be once the held changes are written ([`Runner::flush`]): the
    /// draft's, with this job's changes to it applied to a copy. The judge reads the answer
    /// here, so an answer does not change the draft once more just before its judge calls.
    /// `None` when the draft on screen is no longer the job's (its results are not there).
    fn peek(self, job: &Job, key: &str, id: u32) -> Option<CaseRun> {
        if !self.library.is_open(&job.draft_id) {
            return None;
        }
        let cr = self
            .drafts
            .draft
            .with_untracked(|x| x.run_on(job.version, key)?.cases.get(&id).cloned())?;
        let pending = self.pending.try_get_value()?;
        let peeked = pending.borrow().peek(&Self::target(job, key, id), cr);
        Some(peeked)
    }

    async fn case(self, job: &Job, key: &str, id: u32, place: Place, abort: &Abort) {
        // The page is going away: the case was kept as never sent, and stays so.
        if self.leaving.get_value() {
            return;
        }
        let d = self.drafts;
        let Some(case) = d.draft.with_untracked(|x| x.suite.case(id).cloned()) else {
            return;
        };
        let Some(exec) = job.slot(key).map(|s| s.cfg.clone()) else {
            return;
        };
        // Running is shown from the live signal; the draft changes only when the case ends.
        let live = self.live_on(key, id);
        live.set(Some(String::new()));
        let req = run::request(&job.prompt, &case, exec.temperature, MAX_OUTPUT_TOKENS);
        let t0 = js_sys::Date::now();
        let key_of = self.engine.for_model(&exec).0;
        let mut stream = Stream::new(t0);
        let retrying = self.retry_note_on(key, id);
        let result = self
            .engine
            .send(&place, abort, &exec, key_of.as_ref(), &req, job.opts, |p| {
                if let Some(note) = p.retry_note() {
                    retrying.try_set(Some(note));
                }
                if let Progress::Retrying { wait_ms, .. } = &p {
                    stream.retrying(js_sys::Date::now(), *wait_ms);
                }
                if let Progress::Event(ChatEvent::Text(t)) = p {
                    if retrying.with_untracked(Option::is_some) {
                        retrying.try_set(None);
                    }
                    if let Some(chunk) = stream.text(js_sys::Date::now(), &t) {
                        live.try_update(|s| {
                            if let Some(s) = s {
                                s.push_str(&chunk)
                            }
                        });
                    }
                }
            })
            .await;
        let ms = js_sys::Date::now() - t0;
        live.set(None);
        retrying.set(None);
        let sent = Sent {
            cfg: &exec,
            read: request_tokens(&req),
            fingerprint: Some(run::fingerprint(&case)),
            run_ms: job.started_ms,
        };
        let leaving = self.leaving.try_get_value() != Some(false);
        let outcome = case_call::settle(result, leaving, &sent, ms, stream.first_text_ms());
        let judge_after = outcome.judge_next();
        let stops = outcome.stops_sending().map(str::to_owned);
        if outcome != Outcome::Unchanged {
            self.update_case(job, key, id, move |c| outcome.clone().apply(c));
        }
        // Before the place goes to the next call: a stop takes the model's waiting cases out of
        // the queue first (tryout 18: with the judge on another host the next case went out
        // at once and was then marked as not sent).
        if let Some(why) = stops {
            self.stop_sending(job, key, why);
        }
        // The answer is in: its judge calls keep the place when the judge is on the same host;
        // else it goes to the next call now (nothing holds one place while waiting for another).
        let place = (exec.host() == job.judge.host()).then_some(place);
        if judge_after && !abort.is_aborted() {
            self.judge_case(job, engine::Job::Run, key, &case, false, place.as_ref())
                .await;
        }
    }

    /// A call to model `key` failed in a way every call to it would (`why`, see
    /// [`run::Run::stop_sending`]): its cases still queued in this run are not sent. They read "not
    /// sent" with the reason, and *Send the cases not sent* sends them once it is fixed; the
    /// run's other models go on.
    fn stop_sending(self, job: &Job, key: &str, why: String) {
        if !self.same_draft(job) {
            return;
        }
        // Only the cases still waiting in the queue: calls already sent (at once, or given the
        // place meanwhile) end as they end. Their turns in the engine's queue pass unsent (see
        // `enqueue`). The failure itself is written first (it waits to be written with others).
        self.flush();
        self.drafts.update_runs(|x| {
            self.queue
                .try_update_value(|q| q.stop_model(x, job.version, key, why));
        });
    }

    /// Asks the judge about every rubric of the case's result on model `key` without a verdict
    /// (or an unreadable one when `rejudge`).
    /// The judge calls are calls of `work` (a Cancel of it stops them), made in `held` (the
    /// answer's place) when it is at the judge's host, else ahead of the judge host's queue.
    async fn judge_case(
        self,
        job: &Job,
        work: engine::Job,
        key: &str,
        case: &TestCase,
        rejudge: bool,
        held: Option<&Place>,
    ) {
        let d = self.drafts;
        let Some(cr) = self.peek(job, key, case.id) else {
            return;
        };
        let Some(rubrics) = d.draft.with_untracked(|x| {
            Some(run::rubrics_to_judge(
                &x.suite,
                x.suite.case(case.id)?,
                &cr,
                rejudge,
            ))
        }) else {
            return;
        };
        let judge_key = self.engine.for_model(&job.judge).0;
        for rubric in rubrics {
            // The page is going away: no judge call goes out (the case reads "not judged").
            if self.leaving.get_value() {
                return;
            }
            // The run's judge refused a call as it would refuse every one: none is sent.
            if !rejudge && self.judge_stopped.get_value() == Some(job.started_ms) {
                return;
            }
            let subject = judge::Subject {
                rubric: &rubric,
                prompt: &job.prompt,
                case,
                output: &cr.output,
                cut_off: cr.observed().cut_off(),
            };
            let req = judge::call(&subject, job.judge.temperature).request;
            let out = JudgeOut {
                key: key.to_owned(),
                id: case.id,
                tokens: request_tokens(&req),
                model: ModelUsed::of(&job.judge),
                sent: Rc::new(std::cell::Cell::new(true)),
                charged: Rc::new(std::cell::Cell::new(false)),
            };
            self.judges_out.update_value(|v| v.push(out.clone()));
            let sent = out.sent.clone();
            let result = self
                .engine
                .call_at(
                    held,
                    work.clone(),
                    &job.judge,
                    judge_key.as_ref(),
                    &req,
                    job.opts,
                    move |waits| sent.set(!waits),
                    |_| {},
                )
                .await;
            self.judges_out
                .try_update_value(|v| v.retain(|o| !Rc::ptr_eq(&o.sent, &out.sent)));
            let leaving = self.leaving.try_get_value() != Some(false);
            // The page stayed after its leave had charged this call's prompt: the call's own
            // count follows instead.
            if out.charged.get() && !leaving {
                let tokens = out.tokens;
                self.update_case(job, key, case.id, move |c| c.judge_unspent((tokens, 0)));
            }
            let every = match &result {
                Err(f) if f.error.fails_every_call() => Some(f.error.cause()),
                _ => None,
            };
            // Cancelled after the request went out: no verdict, but what it likely cost counts.
            if let Some(tokens) =
                case_call::judge_stopped_tokens(&result, leaving, request_tokens(&req))
            {
                let model = ModelUsed::of(&job.judge);
                self.update_case(job, key, case.id, move |c| {
                    c.judge_spent(tokens, model.clone())
                });
                return;
            }
            let Some((verdict, tokens, estimated)) =
                case_call::judged(result, leaving, request_tokens(&req), &rubric)
            else {
                return;
            };
            let model = ModelUsed::of(&job.judge);
            let rubric = rubric.clone();
            self.update_case(job, key, case.id, move |c| {
                c.judged(
                    rubric.clone(),
                    verdict.clone(),
                    (tokens, estimated),
                    model.clone(),
                )
            });
            // Every judge call would fail the same way: the run sends the judge no more (the
            // verdict just recorded says why).
            if let Some(why) = every.filter(|_| !rejudge) {
                self.judge_stopped.set_value(Some(job.started_ms));
                if self.same_draft(job) {
                    let keys: Vec<String> = job.slots.iter().map(|s| s.key.clone()).collect();
                    d.update_runs(|rm| rm.judge_stopped(job.version, &keys, &why));
                }
                return;
            }
        }
    }

    /// Whether the judge of case `id` on the execution model may still answer: a run is under
    /// way or the case is being re-judged. A case whose judge verdict is missing while this is
    /// false was left unjudged by a run that stopped first (a reload, Cancel). Tracked.
    pub fn judging(self, id: u32) -> bool {
        self.judging_on("", id)
    }

    /// [`Runner::judging`] for the case's result on the model `key`.
    pub fn judging_on(self, key: &str, id: u32) -> bool {
        self.running() || self.judging.with(|j| j.contains(&(key.to_owned(), id)))
    }

    /// Asks the judge again for a case whose judge reply could not be read, or that a stopped
    /// run left unjudged (its result on the execution model).
    pub fn rejudge(self, id: u32) {
        self.rejudge_on(String::new(), id);
    }

    /// [`Runner::rejudge`] for the case's result on the model `key`.
    pub fn rejudge_on(self, key: String, id: u32) {
        let call = (key.clone(), id);
        if self.judging.with_untracked(|j| j.contains(&call)) {
            return;
        }
        let d = self.drafts;
        let Some((version, prompt, case)) = d
            .draft
            .with_untracked(|x| Some((x.current, x.rendered(), x.suite.case(id)?.clone())))
        else {
            return;
        };
        let (judge, _, opts) = self.engine.role(Role::Judge);
        // A judge with no address or model name sends nothing: the verdict kept stays, and the
        // press is refused as a run's is (tryout 94: the earlier judge record was replaced by
        // "the judge call failed: … has no model name").
        if judge.missing().is_some() {
            self.refused_unset.set(untrack(|| self.unset(&[])));
            return;
        }
        let job = Job {
            version,
            // Re-judging adds verdicts to the results as they are: no new run.
            started_ms: 0.0,
            draft_id: self.library.current_id.get_untracked(),
            prompt,
            slots: Vec::new(),
            judge,
            opts,
        };
        self.judging.update(|j| {
            j.insert(call.clone());
        });
        leptos::task::spawn_local(async move {
            let work = engine::Job::Rejudge(key.clone(), id);
            self.judge_case(&job, work, &key, &case, true, None).await;
            // The verdict is in the draft before the case stops reading as being judged.
            self.flush();
            self.judging.try_update(|j| j.remove(&call));
        });
    }

    /// The person's Cancel: [`Runner::cancel`], and the run's end says it was cancelled
    /// ([`Runner::was_cancelled`]; another draft opening or a new version's run cancels too, and
    /// is not announced so).
    pub fn cancel_by_person(self) {
        if self.running_untracked() {
            self.cancelled.set_value(true);
        }
        self.cancel();
    }

    /// Stops the run: calls in flight are aborted (what arrived is kept), queued cases are marked
    /// cancelled (a re-run's earlier result is put back); finished results stay.
    pub fn cancel(self) {
        self.flush();
        // Queued calls leave the engine's queue unsent (and are over at once: `RunQueue::cancel`);
        // calls under way (answers, judge calls, re-judging) are aborted.
        self.engine
            .cancel_where(|j| matches!(j, engine::Job::Run | engine::Job::Rejudge(..)));
        match self.job.get_value().filter(|job| self.same_draft(job)) {
            Some(job) => self.drafts.update_runs(|x| {
                self.queue
                    .try_update_value(|q| q.cancel(Some(x), job.version));
            }),
            None => {
                self.queue.try_update_value(|q| q.cancel(None, 0));
            }
        }
        self.active.update(|a| {
            if let Some(a) = a {
                a.cancelling = true;
            }
        });
        self.end_if_idle();
    }
}
