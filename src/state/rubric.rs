//! "Improve the rubric" (`domain::eval::agreement`): one call to the meta model rewrites a judge
//! rubric from the person's disagreements with the judge, then the rated answers are judged
//! again with the new rubric (one judge call each, `judge::call`), and the page shows agreement
//! before and after. Nothing changes the suite until the person keeps the new rubric.
use leptos::prelude::*;

use crate::domain::eval::agreement::{self, Agreement, NewRubric, RubricFailure};
use crate::domain::eval::judge::{self, Judgement};
use crate::domain::provider::{Role, StopReason};
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;
use crate::state::engine::{Engine, Job};

/// Where an improvement stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// The meta model is writing the new rubric.
    Writing,
    /// The rated answers are being judged with the new rubric: how many are done.
    Judging { new: NewRubric, done: usize },
    /// Both figures are in: the person keeps the new rubric or the old one.
    Ready {
        new: NewRubric,
        /// The new verdicts, in the order of `before.pairs`.
        verdicts: Vec<Judgement>,
        after: Agreement,
        /// The rated answers whose new judgement had no score (left out of `after`).
        unread: Vec<String>,
    },
    /// No new rubric to try: why in plain words, and what the model sent.
    Failed { message: String, raw: String },
    /// The new rubric replaced the old one in the suite (in `checks` judge checks); `others`
    /// are the cases of the run whose answers have no verdict with it yet (they were not rated).
    Kept { checks: usize, others: Vec<u32> },
}

/// One improvement: the rubric it is about, the version whose rated answers it uses, the
/// agreement before, and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    pub version: u32,
    pub before: Agreement,
    pub phase: Phase,
}

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
        let (cfg, key, opts) = self.engine.role(Role::Meta);
        let req = agreement::improve_request(&before);
        self.state.set(Some(Improvement {
            version,
            before: before.clone(),
            phase: Phase::Writing,
        }));
        let epoch = self.epoch.now();
        self.call.start_then(cfg, key, req, opts, move |result| {
            if !self.epoch.still(epoch) {
                return;
            }
            let done = match result {
                Ok(done) => done,
                // The provider's error is shown by the call itself (with Retry, `retry`).
                Err(_) => {
                    self.call.partial_not_used();
                    self.state.set(None);
                    return;
                }
            };
            let cut = done.stop == Some(StopReason::MaxTokens);
            match agreement::read_rubric(&done.text, &before.rubric, cut) {
                Ok(new) => self.judge(version, before, new),
                Err(f) => self.set_phase(Phase::Failed {
                    message: match f {
                        RubricFailure::Unread(_) => {
                            format!("The new rubric could not be read. {}", f.message())
                        }
                        RubricFailure::Unchanged => f.message(),
                    },
                    raw: done.text,
                }),
            }
        });
    }

    fn set_phase(self, phase: Phase) {
        self.state.update(|s| {
            if let Some(s) = s {
                s.phase = phase;
            }
        });
    }

    /// Judges every rated answer of `before` with `new`, one call after another.
    fn judge(self, version: u32, before: Agreement, new: NewRubric) {
        let (suite, prompt) = self.drafts.draft.with_untracked(|d| {
            (
                d.suite.clone(),
                d.version(version)
                    .map(|v| v.spec.render(d.style))
                    .unwrap_or_default(),
            )
        });
        let e = self.engine;
        let (judge_cfg, jkey, opts) = e.role(Role::Judge);
        let calls =
            agreement::rejudge_calls(&suite, &before, &new.rubric, &prompt, judge_cfg.temperature);
        // An earlier start's calls stop; this one's stop with Cancel (a cancel of the job).
        e.cancel(&Job::Rubric);
        let stopped = e.watch(Job::Rubric);
        let epoch = self.epoch.now();
        self.set_phase(Phase::Judging {
            new: new.clone(),
            done: 0,
        });
        leptos::task::spawn_local(async move {
            let mut verdicts = Vec::new();
            for (i, call) in calls.into_iter().enumerate() {
                let j = match call {
                    None => Judgement::Unreadable {
                        raw: String::new(),
                        error: "The case was deleted.".into(),
                    },
                    Some(call) => {
                        match e
                            .call(
                                Job::Rubric,
                                &judge_cfg,
                                jkey.as_ref(),
                                &call.request,
                                opts,
                                // The person asked for it: ahead of queued batch work.
                                true,
                                |_| {},
                            )
                            .await
                        {
                            Ok(done) => judge::verdict(Ok(&done.text), &new.rubric),
                            Err(f) => {
                                judge::verdict(Err((f.partial, &f.error.message())), &new.rubric)
                            }
                        }
                    }
                };
                if stopped.is_aborted() || !self.epoch.still(epoch) {
                    return;
                }
                verdicts.push(j);
                self.set_phase(Phase::Judging {
                    new: new.clone(),
                    done: i + 1,
                });
            }
            let (after, unread) = before.with_new_verdicts(&new.rubric, &verdicts);
            self.set_phase(Phase::Ready {
                new,
                verdicts,
                after,
                unread,
            });
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
        self.drafts.draft.update(|d| {
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
