//! Synthetic test cases: asks the meta model for N cases, marks near-duplicates, asks it to flag
//! unrealistic ones, and holds the proposals while the person keeps, edits or discards each.
use leptos::prelude::*;

use crate::domain::eval;
use crate::domain::eval::synth::{self, Proposal};
use crate::domain::meta::tiny_jobs::{self, TinyCases};
use crate::domain::provider::{ApiKey, ProviderConfig};
use crate::domain::provider::{ProviderError, Role};
use crate::net::chat::CallOptions;
use crate::state::call::ChatCall;
use crate::state::draft::DraftHandle;
use crate::state::settings::SettingsHandle;

/// Where a synthesis is.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Idle,
    Writing,
    Reviewing,
    /// Proposals ready for the person.
    Review,
}

/// One proposal and whether the person keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub proposal: Proposal,
    pub keep: bool,
}

#[derive(Clone, Copy)]
pub struct CaseSynth {
    pub call: ChatCall,
    /// The realism review of the proposals.
    pub review: ChatCall,
    pub stage: RwSignal<Stage>,
    pub picks: RwSignal<Vec<Pick>>,
    /// A reply that could not be used, or a failed call.
    pub error: RwSignal<Option<String>>,
    pub call_error: RwSignal<Option<ProviderError>>,
    /// The review could not be done (the proposals are still offered).
    pub review_note: RwSignal<Option<String>>,
    /// What the model sent when nothing of it could be used (shown folded, as text).
    pub raw: RwSignal<Option<String>>,
    /// Suggestions of the last reply that were left out, each with why (plain words).
    pub left_out: RwSignal<Vec<String>>,
    /// Suggestions on the tiny built-in model, one line per call (`meta::tiny_jobs`).
    pub tiny: RwSignal<Option<TinyCases>>,
    drafts: DraftHandle,
    settings: SettingsHandle,
}

impl CaseSynth {
    pub fn provide() -> Self {
        let s = Self {
            call: ChatCall::new(),
            review: ChatCall::new(),
            stage: RwSignal::new(Stage::Idle),
            picks: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            call_error: RwSignal::new(None),
            review_note: RwSignal::new(None),
            raw: RwSignal::new(None),
            left_out: RwSignal::new(Vec::new()),
            tiny: RwSignal::new(None),
            drafts: DraftHandle::expect(),
            settings: SettingsHandle::expect(),
        };
        provide_context(s);
        s
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Asks for `n` cases for the current prompt.
    pub fn generate(self, n: u32) {
        let d = self.drafts;
        let Some((prompt, vars, existing, task)) = d.draft.with_untracked(|x| {
            x.current_spec()?;
            // The variables the prompt really has (then any named in the idea form): a case
            // must give each a value, or it goes out empty.
            let prompt = x.rendered();
            let mut vars = eval::prompt_variables(&prompt);
            for v in &x.idea.variables {
                if !vars.contains(v) {
                    vars.push(v.clone());
                }
            }
            let task = tiny_jobs::task_of(&x.idea.idea, x.current_spec()?);
            Some((prompt, vars, x.suite.cases.clone(), task))
        }) else {
            self.error.set(Some(
                "Generate or paste a prompt first: cases are written from it.".into(),
            ));
            return;
        };
        let settings = self.settings;
        let cfg = settings.roles.with_untracked(|r| r.get(Role::Meta).clone());
        let key = settings.keys_untracked(&cfg);
        let conversations = existing.iter().filter(|c| c.is_conversation()).count();
        let req = synth::request(&prompt, &vars, n, conversations);
        self.stage.set(Stage::Writing);
        self.error.set(None);
        self.call_error.set(None);
        self.review_note.set(None);
        self.raw.set(None);
        self.left_out.set(Vec::new());
        self.picks.set(Vec::new());
        let opts = settings.call_options();
        if cfg.kind.is_tiny() {
            self.tiny.set(Some(TinyCases::new(&task, &vars, n)));
            self.tiny_next(cfg, key, opts, existing);
            return;
        }
        self.call
            .start_then(cfg.clone(), key.clone(), req, opts, move |result| {
                let text = match result {
                    Ok(done) => done.text,
                    Err(f) => {
                        self.call_error.set(Some(f.error));
                        self.stage.set(Stage::Idle);
                        return;
                    }
                };
                let proposals = match synth::parse(&text, &existing) {
                    Ok(got) if !got.proposals.is_empty() => {
                        self.left_out.set(got.left_out);
                        got.proposals
                    }
                    Ok(got) => {
                        self.raw.set(Some(text.clone()));
                        self.error.set(Some(format!(
                            "The model proposed no usable cases. {} Try again, or pick a stronger model for writing prompts in Settings.",
                            got.left_out.join(" ")
                        )));
                        self.stage.set(Stage::Idle);
                        return;
                    }
                    Err(cause) => {
                        self.raw.set(Some(text.clone()));
                        self.error.set(Some(format!("{} {}", cause.message(), cause.advice())));
                        self.stage.set(Stage::Idle);
                        return;
                    }
                };
                self.set_picks(proposals.clone());
                // The model reviews its own cases for realism.
                self.stage.set(Stage::Reviewing);
                let review = synth::review_request(&prompt, &proposals);
                self.review.start_then(cfg, key, review, opts, move |result| {
                    match result {
                        Ok(done) => {
                            let mut p = proposals;
                            match synth::apply_review(&done.text, &mut p) {
                                Ok(_) => self.set_picks(p),
                                Err(cause) => self.review_note.set(Some(format!(
                                    "The realism review could not be read: {} Judge the cases yourself.",
                                    cause.message()
                                ))),
                            }
                        }
                        Err(f) => self.review_note.set(Some(format!(
                            "The realism review failed ({}); judge the cases yourself.",
                            f.error.title()
                        ))),
                    }
                    self.stage.set(Stage::Review);
                });
            });
    }

    /// Asks the tiny model for the next case, or offers the cases when every one is read (a
    /// failed call offers the ones read before it, with the error shown).
    fn tiny_next(
        self,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        opts: CallOptions,
        existing: Vec<eval::TestCase>,
    ) {
        let Some(req) = self
            .tiny
            .with_untracked(|t| t.as_ref().and_then(TinyCases::request))
        else {
            self.tiny_offer(&existing);
            return;
        };
        let (next_cfg, next_key) = (cfg.clone(), key.clone());
        self.call
            .start_then(cfg, key, req, opts, move |result| match result {
                Ok(done) => {
                    self.tiny.update(|t| {
                        if let Some(t) = t {
                            t.accept(&done.text);
                        }
                    });
                    self.tiny_next(next_cfg, next_key, opts, existing);
                }
                Err(f) => {
                    // Stop offers what was read without an error; a failure says what happened.
                    if f.error.kind != crate::domain::provider::ErrorKind::Aborted {
                        self.call_error.set(Some(f.error));
                    }
                    self.tiny_offer(&existing);
                }
            });
    }

    /// Offers the tiny model's usable cases, names the ones left out, and says there is no
    /// realism review.
    fn tiny_offer(self, existing: &[eval::TestCase]) {
        let Some(got) = self
            .tiny
            .with_untracked(|t| t.as_ref().map(|t| t.suggested(existing)))
        else {
            self.stage.set(Stage::Idle);
            return;
        };
        self.tiny.set(None);
        self.left_out.set(got.left_out);
        if got.proposals.is_empty() {
            self.error.set(Some(
                "The local model wrote no usable cases. A model with an API key writes far better ones: choose one for writing prompts in Settings.".into(),
            ));
            self.stage.set(Stage::Idle);
            return;
        }
        self.review_note.set(Some(
            "The local model is too small to check its cases for realism: judge each yourself."
                .into(),
        ));
        self.set_picks(got.proposals);
        self.stage.set(Stage::Review);
    }

    fn set_picks(self, proposals: Vec<Proposal>) {
        self.picks.set(
            proposals
                .into_iter()
                .map(|p| Pick {
                    keep: p.duplicate_of.is_none() && p.unrealistic.is_none(),
                    proposal: p,
                })
                .collect(),
        );
    }

    /// Skips the review and shows the proposals now.
    pub fn stop(self) {
        self.call.stop();
        self.review.stop();
        // Stopping the tiny model's cases fails the call in flight, which offers what was read.
        if self.stage.get_untracked() == Stage::Reviewing {
            self.stage.set(Stage::Review);
        } else {
            self.stage.set(Stage::Idle);
        }
    }

    /// Adds the kept proposals to the table.
    pub fn accept(self) -> usize {
        let kept: Vec<_> = self
            .picks
            .get_untracked()
            .into_iter()
            .filter(|p| p.keep)
            .map(|p| p.proposal.case)
            .collect();
        let n = kept.len();
        self.drafts.draft.update(|x| {
            for c in kept {
                x.suite.add(c);
            }
        });
        self.discard();
        n
    }

    pub fn discard(self) {
        self.picks.set(Vec::new());
        self.stage.set(Stage::Idle);
    }
}
