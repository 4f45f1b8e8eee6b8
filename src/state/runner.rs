//! Runs the current prompt on test cases with the execution model: a pool of at most N calls at
//! once, outputs streamed into their rows (batched to a few paints a second), judge calls after
//! each output, cancel, retry and re-judge of one case. Before anything is sent, cases that would
//! go out with empty variables are named and wait for the person (`unfilled`, `run_anyway`).
//! Results land in the draft as they finish, stamped with the run that made them, so a reload or
//! a fault mid-run loses nothing that had finished.
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;

use crate::domain::estimate::{call_cost, estimate_tokens};
use crate::domain::eval::judge::{self, Judgement};
use crate::domain::eval::run::{self, CaseRun, ModelUsed, Status};
use crate::domain::eval::{Observed, TestCase};
use crate::domain::provider::{ChatEvent, ErrorKind, ProviderConfig, Role};
use crate::net::chat::{self, Abort, CallOptions, Progress};
use crate::state::draft::DraftHandle;
use crate::state::library::Library;
use crate::state::settings::SettingsHandle;

/// Streamed text is pushed to the page at most this often per case.
const PAINT_MS: f64 = 80.0;
/// Most tokens an execution reply may use.
pub const MAX_OUTPUT_TOKENS: u32 = 1500;

/// What a run in progress is doing.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub version: u32,
    pub started_ms: f64,
    /// The cases this run was asked to do, in the order asked (cases added while it runs join it).
    pub ids: Vec<u32>,
    pub cancelling: bool,
}

/// Everything a worker needs, fixed when the run starts.
#[derive(Clone)]
struct Job {
    version: u32,
    /// When the run started: every result it makes carries it (`CaseRun::run_ms`).
    started_ms: f64,
    draft_id: String,
    prompt: String,
    exec: ProviderConfig,
    judge: ProviderConfig,
    opts: CallOptions,
}

/// The run controls. `Copy`: hand them to components.
#[derive(Clone, Copy)]
pub struct Runner {
    pub active: RwSignal<Option<Active>>,
    /// Live text of outputs still streaming, one signal per case (so a token repaints one row).
    live: StoredValue<HashMap<u32, ArcRwSignal<Option<String>>>, LocalStorage>,
    /// While a case's call waits to try again: the note saying why and when (see
    /// [`ProviderError::retry_note`](crate::domain::provider::ProviderError::retry_note)).
    retrying: StoredValue<HashMap<u32, ArcRwSignal<Option<String>>>, LocalStorage>,
    /// Cases being re-judged now (outside a run).
    pub judging: RwSignal<std::collections::HashSet<u32>>,
    /// The page has started to go away (a reload, a closed tab): the calls it aborts did not
    /// fail, so nothing is recorded for them (the next load shows such a case as cancelled, or
    /// its judge as not judged, with Retry or Re-judge), never "nothing answered".
    leaving: StoredValue<bool>,
    /// Calls at once (1-16).
    pub concurrency: RwSignal<u32>,
    /// The last Run press was refused ([`Runner::refused`] says why, while it still holds).
    refused_press: RwSignal<bool>,
    /// A run held back because some of its cases would go out with empty variables
    /// (`run::gaps`): the ids it was asked for. Nothing is sent until `run_anyway`.
    pub unfilled: RwSignal<Option<Vec<u32>>>,
    queue: StoredValue<Rc<RefCell<VecDeque<u32>>>, LocalStorage>,
    aborts: StoredValue<Rc<RefCell<Vec<Abort>>>, LocalStorage>,
    job: StoredValue<Option<Job>, LocalStorage>,
    workers: StoredValue<Rc<RefCell<u32>>, LocalStorage>,
    // Handles taken at start: workers run outside any reactive owner, so no context lookups there.
    drafts: DraftHandle,
    settings: SettingsHandle,
    library: Library,
    unaccepted: Option<super::entries::Unaccepted>,
}

impl Runner {
    pub fn provide() -> Self {
        let r = Self {
            active: RwSignal::new(None),
            live: StoredValue::new_local(HashMap::new()),
            retrying: StoredValue::new_local(HashMap::new()),
            judging: RwSignal::new(Default::default()),
            leaving: StoredValue::new(false),
            concurrency: RwSignal::new(4),
            refused_press: RwSignal::new(false),
            unfilled: RwSignal::new(None),
            queue: StoredValue::new_local(Rc::default()),
            aborts: StoredValue::new_local(Rc::default()),
            job: StoredValue::new_local(None),
            workers: StoredValue::new_local(Rc::default()),
            drafts: DraftHandle::expect(),
            settings: SettingsHandle::expect(),
            library: Library::expect(),
            unaccepted: super::entries::Unaccepted::get(),
        };
        provide_context(r);
        crate::net::on_leave(move || r.leaving.set_value(true));
        crate::net::on_return(move || r.leaving.set_value(false));
        // Opening another draft ends a run of this one.
        let lib = r.library;
        Effect::new(move |prev: Option<String>| {
            let id = lib.current_id.get();
            if prev.is_some_and(|p| p != id) {
                r.cancel();
                r.unfilled.set(None);
            }
            id
        });
        r
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The live output of a case: `Some` while its call streams.
    pub fn live(self, id: u32) -> ArcRwSignal<Option<String>> {
        self.live
            .try_update_value(|m| {
                m.entry(id)
                    .or_insert_with(|| ArcRwSignal::new(None))
                    .clone()
            })
            .unwrap_or_else(|| ArcRwSignal::new(None))
    }

    /// The retry note of a case: `Some` while its call waits to try again.
    pub fn retry_note(self, id: u32) -> ArcRwSignal<Option<String>> {
        self.retrying
            .try_update_value(|m| {
                m.entry(id)
                    .or_insert_with(|| ArcRwSignal::new(None))
                    .clone()
            })
            .unwrap_or_else(|| ArcRwSignal::new(None))
    }

    pub fn running(self) -> bool {
        self.active.with(Option::is_some)
    }

    /// Why the last Run press was refused, read from the draft as it is now ([`run::blocked`]):
    /// `None` once the cause is fixed or removed (the notice goes without another press), and
    /// when the last press was not refused. Reactive.
    pub fn refused(self) -> Option<String> {
        if !self.refused_press.get() {
            return None;
        }
        let (blocked, all) = self.drafts.draft.with(|x| {
            (
                run::blocked(
                    x.current,
                    x.suite.cases.len(),
                    &x.suite.problems(x.current_spec()),
                ),
                x.suite.cases.iter().map(|c| c.id).collect::<Vec<_>>(),
            )
        });
        blocked.or_else(|| self.unused_entries(&all))
    }

    /// Numbers typed into these cases' checks that could not be used, as the reason a run waits
    /// (it would use the old values); `None` when there are none.
    fn unused_entries(self, ids: &[u32]) -> Option<String> {
        let unused = self
            .unaccepted
            .map(|u| u.in_checks(ids))
            .unwrap_or_default();
        if unused.is_empty() {
            return None;
        }
        let all = unused
            .iter()
            .map(|(c, e)| {
                let whose = match c {
                    None => "In a check for every case".to_owned(),
                    Some(id) => format!("In case #{id}"),
                };
                format!(
                    "{whose}, \u{201c}{}\u{201d} is not used: {}",
                    e.text, e.problem
                )
            })
            .collect::<Vec<_>>()
            .join(" \u{b7} ");
        Some(format!(
            "{} before a run can start (marked in red under Test cases): otherwise the run would use the old value{}. {all}",
            if unused.len() > 1 {
                format!("{} entries need correcting or emptying", unused.len())
            } else {
                "An entry needs correcting or emptying".to_owned()
            },
            if unused.len() > 1 { "s" } else { "" }
        ))
    }

    /// Runs the current version on these cases (all when empty). Refuses, with a reason in
    /// `refused`, when an assertion is unusable or there is nothing to run; holds the run back in
    /// `unfilled` when a case would go out with an empty variable or message (`run::gaps`).
    pub fn run(self, ids: Vec<u32>) {
        self.start(ids, true);
    }

    /// Runs the cases held back in `unfilled` as they are, empty variables and all.
    pub fn run_anyway(self) {
        if let Some(ids) = self.unfilled.get_untracked() {
            self.start(ids, false);
        }
    }

    /// Drops the run held back in `unfilled` (nothing was sent).
    pub fn keep_unfilled_back(self) {
        self.unfilled.set(None);
    }

    fn start(self, ids: Vec<u32>, hold_gaps: bool) {
        let d = self.drafts;
        self.unfilled.set(None);
        let (version, prompt, all, problems) = d.draft.with_untracked(|x| {
            (
                x.current,
                x.rendered(),
                x.suite.cases.iter().map(|c| c.id).collect::<Vec<_>>(),
                x.suite.problems(x.current_spec()),
            )
        });
        let ids: Vec<u32> = if ids.is_empty() { all } else { ids };
        let refuse =
            run::blocked(version, ids.len(), &problems).or_else(|| self.unused_entries(&ids));
        self.refused_press.set(refuse.is_some());
        if refuse.is_some() {
            return;
        }
        // No silent send: cases with empty variables wait for the person's word.
        let gaps = d.draft.with_untracked(|x| {
            ids.iter()
                .filter_map(|id| x.suite.case(*id))
                .any(|c| !run::gaps(&prompt, c).is_empty())
        });
        if hold_gaps && gaps {
            self.unfilled.set(Some(ids));
            return;
        }
        if self
            .active
            .with_untracked(|a| a.as_ref().is_some_and(|a| a.version == version))
        {
            // A run of this version is going: add the cases to its queue.
            self.enqueue(&ids);
            return;
        }
        if self.running_untracked() {
            self.cancel();
        }
        let s = self.settings;
        let exec = s.roles.with_untracked(|r| r.get(Role::Execution).clone());
        let judge = s.roles.with_untracked(|r| r.get(Role::Judge).clone());
        let started = js_sys::Date::now();
        let job = Job {
            version,
            started_ms: started,
            draft_id: self.library.current_id.get_untracked(),
            prompt,
            exec: exec.clone(),
            judge,
            opts: s.call_options(),
        };
        self.job.set_value(Some(job));
        d.draft.update(|x| {
            let mut run = x.run_of(version).cloned().unwrap_or_default();
            run.version = version;
            run.model = format!("{} {}", exec.kind.label(), exec.model);
            run.started_ms = started;
            // Cases no longer in the suite are dropped from the record.
            run.cases.retain(|id, _| x.suite.case(*id).is_some());
            x.put_run(run);
        });
        self.active.set(Some(Active {
            version,
            started_ms: started,
            ids: Vec::new(),
            cancelling: false,
        }));
        self.enqueue(&ids);
    }

    fn running_untracked(self) -> bool {
        self.active.with_untracked(Option::is_some)
    }

    fn enqueue(self, ids: &[u32]) {
        let Some(job) = self.job.get_value() else {
            return;
        };
        let d = self.drafts;
        let queue = self.queue.get_value();
        let mut added = Vec::new();
        d.draft.update(|x| {
            let Some(run) = x.run_of_mut(job.version) else {
                return;
            };
            for id in ids {
                if queue.borrow().contains(id)
                    || run
                        .cases
                        .get(id)
                        .is_some_and(|c| c.status == Status::Running)
                {
                    continue;
                }
                run.cases.insert(
                    *id,
                    CaseRun {
                        run_ms: job.started_ms,
                        ..CaseRun::default()
                    },
                );
                queue.borrow_mut().push_back(*id);
                added.push(*id);
            }
        });
        self.active.update(|a| {
            if let Some(a) = a {
                for id in &added {
                    if !a.ids.contains(id) {
                        a.ids.push(*id);
                    }
                }
            }
        });
        let want = self.concurrency.get_untracked().clamp(1, 16);
        let workers = self.workers.get_value();
        let spawn = want
            .saturating_sub(*workers.borrow())
            .min(queue.borrow().len() as u32);
        for _ in 0..spawn {
            *workers.borrow_mut() += 1;
            leptos::task::spawn_local(async move { self.worker().await });
        }
    }

    async fn worker(self) {
        let queue = self.queue.get_value();
        loop {
            let next = queue.borrow_mut().pop_front();
            let Some(id) = next else { break };
            let Some(job) = self.job.get_value() else {
                break;
            };
            self.case(&job, id).await;
        }
        let workers = self.workers.get_value();
        *workers.borrow_mut() -= 1;
        if *workers.borrow() == 0 && queue.borrow().is_empty() {
            self.active.try_set(None);
            self.job.set_value(None);
            self.aborts.get_value().borrow_mut().clear();
        }
    }

    /// Whether this job still belongs to the draft on screen.
    fn same_draft(self, job: &Job) -> bool {
        self.library.current_id.get_untracked() == job.draft_id
    }

    fn update_case(self, job: &Job, id: u32, f: impl FnOnce(&mut CaseRun)) {
        if !self.same_draft(job) {
            return;
        }
        self.drafts.draft.update(|x| {
            if let Some(c) = x.run_of_mut(job.version).and_then(|r| r.cases.get_mut(&id)) {
                f(c);
            }
        });
    }

    async fn case(self, job: &Job, id: u32) {
        let d = self.drafts;
        let Some(case) = d.draft.with_untracked(|x| x.suite.case(id).cloned()) else {
            return;
        };
        let s = self.settings;
        let abort = Abort::new();
        self.aborts.get_value().borrow_mut().push(abort.clone());
        // Running is shown from the live signal; the draft changes only when the case ends.
        let live = self.live(id);
        live.set(Some(String::new()));
        let req = run::request(&job.prompt, &case, job.exec.temperature, MAX_OUTPUT_TOKENS);
        let sent = Some(run::fingerprint(&case));
        let t0 = js_sys::Date::now();
        let key = s.keys_untracked(job.exec.kind);
        let mut pending = String::new();
        let mut last_paint = t0;
        let retrying = self.retry_note(id);
        let result = chat::stream_chat(&job.exec, key.as_ref(), &req, &abort, job.opts, |p| {
            if let Some(note) = p.retry_note() {
                retrying.try_set(Some(note));
            }
            if let Progress::Event(ChatEvent::Text(t)) = p {
                if retrying.with_untracked(Option::is_some) {
                    retrying.try_set(None);
                }
                pending.push_str(&t);
                let now = js_sys::Date::now();
                if now - last_paint >= PAINT_MS {
                    last_paint = now;
                    let chunk = std::mem::take(&mut pending);
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
        let judge_after = match result {
            Ok(done) => {
                let reported = done.usage.input_tokens + done.usage.output_tokens > 0;
                let (tin, tout) = if reported {
                    (done.usage.input_tokens, done.usage.output_tokens)
                } else {
                    (
                        estimate_tokens(&job.prompt) + estimate_tokens(&case.user_message()),
                        estimate_tokens(&done.text),
                    )
                };
                let cost = call_cost(&job.exec, tin, tout);
                let stop = done.stop.as_ref().map(Observed::finish_reason_of);
                self.update_case(job, id, |c| {
                    c.status = Status::Done;
                    c.output = done.text;
                    c.sent = sent;
                    c.refusal = None;
                    c.input_tokens = tin;
                    c.output_tokens = tout;
                    c.tokens_estimated = !reported;
                    // The answering attempt's own time: backoff waits and failed attempts are
                    // the app's, not the model's.
                    c.ms = done.attempt_ms;
                    c.finish_reason = stop;
                    c.cost_usd = cost;
                    c.exec_model = Some(ModelUsed::of(&job.exec));
                });
                true
            }
            // A refusal is an answer of its own: finished, scored 0 on every check but
            // `is-refusal`, with the provider's words as the reason.
            Err(f) if f.error.kind == ErrorKind::Refused => {
                self.update_case(job, id, |c| {
                    c.status = Status::Done;
                    c.output = f.partial;
                    c.sent = sent;
                    c.refusal = Some(f.error.detail.clone());
                    c.finish_reason = Some("content_filter".into());
                    c.ms = ms;
                    c.exec_model = Some(ModelUsed::of(&job.exec));
                });
                false
            }
            // Aborted by the page going away: the case stays as it was when the page was kept
            // (running, read back as cancelled), not "failed".
            Err(_) if self.leaving.try_get_value() != Some(false) => false,
            Err(f) => {
                let status = if f.error.kind == ErrorKind::Aborted {
                    Status::Cancelled
                } else {
                    Status::Failed(f.error.message())
                };
                self.update_case(job, id, |c| {
                    c.status = status;
                    c.sent = sent;
                    c.output = f.partial;
                    c.ms = ms;
                });
                false
            }
        };
        if judge_after && !abort.is_aborted() {
            self.judge_case(job, &case, false, &abort).await;
        }
    }

    /// Asks the judge about every rubric of the case without a verdict (or an unreadable one
    /// when `rejudge`).
    async fn judge_case(self, job: &Job, case: &TestCase, rejudge: bool, abort: &Abort) {
        let d = self.drafts;
        let Some((cr, rubrics)) = d.draft.with_untracked(|x| {
            let cr = x.run_of(job.version)?.cases.get(&case.id)?.clone();
            let rubrics = run::rubrics_to_judge(&x.suite, x.suite.case(case.id)?, &cr, rejudge);
            Some((cr, rubrics))
        }) else {
            return;
        };
        let key = self.settings.keys_untracked(job.judge.kind);
        for rubric in rubrics {
            let subject = judge::Subject {
                rubric: &rubric,
                prompt: &job.prompt,
                case,
                output: &cr.output,
                cut_off: cr.observed().cut_off(),
            };
            let req = judge::call(&subject, job.judge.temperature).request;
            let result =
                chat::stream_chat(&job.judge, key.as_ref(), &req, abort, job.opts, |_| {}).await;
            let (verdict, tokens) = match result {
                Ok(done) => {
                    let t = if done.usage.input_tokens + done.usage.output_tokens > 0 {
                        (done.usage.input_tokens, done.usage.output_tokens)
                    } else {
                        (500, estimate_tokens(&done.text))
                    };
                    (judge::parse(&done.text, &rubric), t)
                }
                Err(f) if f.error.kind == ErrorKind::Aborted => return,
                // Aborted by the page going away: not the judge's failure.
                Err(_) if self.leaving.try_get_value() != Some(false) => return,
                Err(f) => (
                    Judgement::Unreadable {
                        raw: f.partial,
                        error: format!("The judge call failed: {}", f.error.message()),
                    },
                    (0, 0),
                ),
            };
            self.update_case(job, case.id, |c| {
                c.judgements.insert(rubric.clone(), verdict);
                c.judge_tokens.0 += tokens.0;
                c.judge_tokens.1 += tokens.1;
                c.judge_model = Some(ModelUsed::of(&job.judge));
            });
        }
    }

    /// Whether the judge of case `id` may still answer: a run is under way or the case is being
    /// re-judged. A case whose judge verdict is missing while this is false was left unjudged by
    /// a run that stopped first (a reload, Cancel). Tracked.
    pub fn judging(self, id: u32) -> bool {
        self.running() || self.judging.with(|j| j.contains(&id))
    }

    /// Asks the judge again for a case whose judge reply could not be read, or that a stopped
    /// run left unjudged.
    pub fn rejudge(self, id: u32) {
        if self.judging.with_untracked(|j| j.contains(&id)) {
            return;
        }
        let d = self.drafts;
        let Some((version, prompt, case)) = d
            .draft
            .with_untracked(|x| Some((x.current, x.rendered(), x.suite.case(id)?.clone())))
        else {
            return;
        };
        let s = self.settings;
        let job = Job {
            version,
            // Re-judging adds verdicts to the results as they are: no new run.
            started_ms: 0.0,
            draft_id: self.library.current_id.get_untracked(),
            prompt,
            exec: s.roles.with_untracked(|r| r.get(Role::Execution).clone()),
            judge: s.roles.with_untracked(|r| r.get(Role::Judge).clone()),
            opts: s.call_options(),
        };
        let abort = Abort::new();
        self.aborts.get_value().borrow_mut().push(abort.clone());
        self.judging.update(|j| {
            j.insert(id);
        });
        leptos::task::spawn_local(async move {
            self.judge_case(&job, &case, true, &abort).await;
            self.judging.try_update(|j| j.remove(&id));
        });
    }

    /// Stops the run: calls in flight are aborted (what arrived is kept), queued cases are marked
    /// cancelled; finished results stay.
    pub fn cancel(self) {
        let queue = self.queue.get_value();
        let dropped: Vec<u32> = queue.borrow_mut().drain(..).collect();
        for a in self.aborts.get_value().borrow().iter() {
            a.abort();
        }
        if let Some(job) = self.job.get_value()
            && self.same_draft(&job)
        {
            self.drafts.draft.update(|x| {
                if let Some(r) = x.run_of_mut(job.version) {
                    for id in &dropped {
                        if let Some(c) = r.cases.get_mut(id) {
                            c.status = Status::Cancelled;
                        }
                    }
                }
            });
        }
        self.active.update(|a| {
            if let Some(a) = a {
                a.cancelling = true;
            }
        });
        if *self.workers.get_value().borrow() == 0 {
            self.active.set(None);
        }
    }
}
