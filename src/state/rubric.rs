//! "Improve the rubric": the shell of the pure machine `domain::eval::rubric_improve::Improve`
//! (one call to the meta model rewrites a judge rubric from the person's disagreements with the
//! judge, then the rated answers are judged again with the new rubric, one judge call each), which
//! decides every call; this makes them (the meta call through a `ChatCall`, whose error shows
//! with Retry; the judge calls through the engine as `Job::Rubric`) and shows the machine's
//! `Improvement`. Nothing changes the suite until the person keeps the new rubric.
use leptos::prelude::*;

use crate::domain::eval::agreement::{self, Agreement};
use crate::domain::eval::rubric_improve::{Improve, ImproveAsk, Outcome};
pub use crate::domain::eval::rubric_improve::{Improvement, Phase};
use crate::domain::provider::{Role, StopReason};
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;
use crate::state::engine::{Engine, Job};

/// The improve-rubric job, in context.
#[derive(Clone, Copy)]
pub struct RubricImprover {
    /// The meta model's call (its provider errors show through it).
    pub call: ChatCall,
    pub state: RwSignal<Option<Improvement>>,
    /// What the latest start was given, for [`RubricImprover::retry`].
    last: StoredValue<Option<(u32, Agreement)>>,
    /// Draft switches seen: a rubric written for a draft left behind is not offered in another.
    epoch: Epoch,
    engine: Engine,
    drafts: DraftHandle,
}

impl RubricImprover {
    pub fn provide() -> Self {
        let r = Self {
            call: ChatCall::new(),
            state: RwSignal::new(None),
            last: StoredValue::new(None),
            epoch: Epoch::new(),
            engine: Engine::expect(),
            drafts: DraftHandle::expect(),
        };
        provide_context(r);
        // Helper-53: a rubric improved on one draft's ratings could be kept into the draft
        // opened while it was written.
        r.drafts.on_switching(move || {
            r.epoch.advance();
            r.call.forget();
            r.engine.cancel(&Job::Rubric);
            r.state.set(None);
            r.last.set_value(None);
        });
        r
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Whether a call of the job is going on.
    pub fn busy(self) -> bool {
        self.state.with(|s| {
            matches!(
                s.as_ref().map(|s| &s.phase),
                Some(Phase::Writing | Phase::Judging { .. })
            )
        })
    }

    /// Asks the meta model for a new rubric from `before`'s disagreements (one call), then has
    /// the judge grade every rated answer with it (one call each).
    /// Starts again with what the latest start was given (the Retry of its call's error);
    /// nothing when there was none.
    pub fn retry(self) {
        if let Some((version, before)) = self.last.get_value() {
            self.start(version, before);
        }
    }

    pub fn start(self, version: u32, before: Agreement) {
        self.stop();
        self.last.set_value(Some((version, before.clone())));
        let e = self.engine;
        let (cfg, key, opts) = e.role(Role::Meta);
        let (suite, prompt) = self.suite_and_prompt(version);
        let judge_temperature = e.role(Role::Judge).0.temperature;
        let mut m = Improve::new(version, before, suite, prompt, judge_temperature);
        let Some(ask) = m.start() else { return };
        self.state.set(Some(m.shown.clone()));
        let epoch = self.epoch.now();
        self.call
            .start_then(cfg, key, ask.request, opts, move |result| {
                if !self.epoch.still(epoch) {
                    return;
                }
                let outcome: Outcome = result
                    .map(|done| (done.text, done.stop == Some(StopReason::MaxTokens)))
                    .map_err(|f| (f.error, f.partial));
                let (suite, prompt) = self.suite_and_prompt(version);
                m.use_suite(suite, prompt);
                let next = m.reply(outcome);
                if m.call_failed() {
                    // The provider's error is shown by the call itself (with Retry, `retry`).
                    self.call.partial_not_used();
                    self.state.set(None);
                    return;
                }
                self.state.set(Some(m.shown.clone()));
                self.judge(m, next, epoch);
            });
    }

    /// Makes the machine's judge calls, one after another (the engine's `Job::Rubric`: Cancel
    /// stops them), showing its state after each.
    fn judge(self, mut m: Improve, first: Option<ImproveAsk>, epoch: u64) {
        let Some(first) = first else { return };
        let e = self.engine;
        let (judge_cfg, jkey, opts) = e.role(Role::Judge);
        // An earlier start's calls stop; this one's stop with Cancel (a cancel of the job).
        e.cancel(&Job::Rubric);
        let stopped = e.watch(Job::Rubric);
        leptos::task::spawn_local(async move {
            let mut next = Some(first);
            while let Some(ask) = next {
                let outcome: Outcome = e
                    .call(
                        Job::Rubric,
                        &judge_cfg,
                        jkey.as_ref(),
                        &ask.request,
                        opts,
                        // The person asked for it: ahead of queued batch work.
                        true,
                        |_| {},
                    )
                    .await
                    .map(|done| (done.text, done.stop == Some(StopReason::MaxTokens)))
                    .map_err(|f| (f.error, f.partial));
                if stopped.is_aborted() || !self.epoch.still(epoch) {
                    return;
                }
                next = m.reply(outcome);
                self.state.set(Some(m.shown.clone()));
            }
        });
    }

    /// The suite and version `version`'s rendered prompt as they are now.
    fn suite_and_prompt(self, version: u32) -> (crate::domain::eval::Suite, String) {
        self.drafts.draft.with_untracked(|d| {
            (
                d.suite.clone(),
                d.version(version)
                    .map(|v| v.spec.render(d.style))
                    .unwrap_or_default(),
            )
        })
    }

    fn set_phase(self, phase: Phase) {
        self.state.update(|s| {
            if let Some(s) = s {
                s.phase = phase;
            }
        });
    }

    /// Stops the calls going on (what was asked is dropped).
    pub fn stop(self) {
        self.call.stop();
        self.engine.cancel(&Job::Rubric);
        if self.busy() {
            self.state.set(None);
        }
    }

    /// Keeps the new rubric: it replaces the old one in every judge check of the suite, and the
    /// rated answers keep their new verdicts (the other answers are judged with it when they are
    /// run or re-judged).
    pub fn keep(self) {
        let Some(Improvement {
            version,
            before,
            phase: Phase::Ready { new, verdicts, .. },
        }) = self.state.get_untracked()
        else {
            return;
        };
        let mut checks = 0;
        let mut others = Vec::new();
        self.drafts.update(|d| {
            checks = agreement::replace_rubric(&mut d.suite, &before.rubric, &new.rubric);
            let vars: Vec<(u32, Vec<(String, String)>)> = d
                .suite
                .cases
                .iter()
                .map(|c| (c.id, c.vars.clone()))
                .collect();
            let Some(run) = d.run_of_mut(version) else {
                return;
            };
            for (p, j) in before.pairs.iter().zip(verdicts) {
                let Some((_, v)) = vars.iter().find(|(id, _)| *id == p.case) else {
                    continue;
                };
                let key = crate::domain::eval::fill_variables(new.rubric.trim(), v)
                    .trim()
                    .to_owned();
                let Some(cr) = run.cases.get_mut(&p.case) else {
                    continue;
                };
                if p.final_answer {
                    if let Some(r) = cr.reflection.as_mut() {
                        r.judgements.insert(key, j);
                    }
                } else {
                    cr.judgements.insert(key, j);
                }
            }
            // The answers not rated wait for a judge call with the new rubric.
            let spec = d.version(version).map(|v| v.spec.clone());
            if let Some(run) = d.run_of(version) {
                others = run
                    .scores(&d.suite, spec.as_ref())
                    .into_iter()
                    .filter(|(_, s)| s.pending)
                    .map(|(id, _)| id)
                    .collect();
            }
        });
        self.set_phase(Phase::Kept { checks, others });
    }

    /// Keeps the old rubric: the new one is dropped.
    pub fn dismiss(self) {
        self.stop();
        self.state.set(None);
    }
}
