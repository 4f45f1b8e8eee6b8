//! "Turn this note into a check" (`domain::eval::note_check`): one meta call proposes a check
//! from the person's note on a rated answer; the proposal waits for the person to keep it (for
//! that case or every case) or dismiss it. One proposal at a time.
use leptos::prelude::*;

use crate::domain::eval::note_check::{self, Proposal};
use crate::domain::eval::rating::Rating;
use crate::domain::provider::{Role, StopReason};
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;

/// What a proposal came to, for one case's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A check to keep or dismiss.
    Proposed(Proposal),
    /// No check: why in plain words, and what the model sent.
    Failed { message: String, raw: String },
    /// Kept: where ("case #3" or "every case"), and the answer shown when it was kept (the
    /// page says "the answers already there are scored with it now" only while that answer is
    /// the one shown: tryout 96 saw it stay under the next version's answer).
    Kept { place: String, answer: String },
}

/// The note-to-check job, in context.
#[derive(Clone, Copy)]
pub struct NoteChecker {
    pub call: ChatCall,
    /// The case whose answer's note is being turned into a check (or was), and the outcome.
    pub state: RwSignal<Option<(u32, Option<Outcome>)>>,
    /// Draft switches seen: a proposal for a draft left behind is not offered in another.
    epoch: Epoch,
    drafts: DraftHandle,
}

impl NoteChecker {
    pub fn provide() -> Self {
        let n = Self {
            call: ChatCall::new(),
            state: RwSignal::new(None),
            epoch: Epoch::new(),
            drafts: DraftHandle::expect(),
        };
        provide_context(n);
        // Helper-53: a check proposed for case #3 of one draft could be kept for case #3 of
        // the draft opened while it was asked for.
        n.drafts.on_switching(move || {
            n.epoch.advance();
            n.call.forget();
            n.state.set(None);
        });
        n
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Asks the meta model for a check from `rating`'s note on `output`, case `case`'s answer.
    pub fn propose(self, case: u32, output: String, rating: Rating) {
        let Some(tc) = self
            .drafts
            .draft
            .with_untracked(|d| d.suite.case(case).cloned())
        else {
            return;
        };
        let (cfg, key, opts) = self.call.role(Role::Meta);
        self.state.set(Some((case, None)));
        let epoch = self.epoch.now();
        self.call.start_then(
            cfg,
            key,
            note_check::request(&tc, &output, &rating),
            opts,
            move |result| {
                if !self.epoch.still(epoch) {
                    return;
                }
                let outcome = match result {
                    Ok(done) => {
                        let cut = done.stop == Some(StopReason::MaxTokens);
                        match note_check::read(&done.text, cut) {
                            Ok(p) => Outcome::Proposed(p),
                            Err(e) => Outcome::Failed {
                                message: e.message(),
                                raw: done.text,
                            },
                        }
                    }
                    // The provider's error is shown by the call itself.
                    Err(_) => {
                        self.call.partial_not_used();
                        self.state.set(None);
                        return;
                    }
                };
                self.state.set(Some((case, Some(outcome))));
            },
        );
    }

    /// Keeps the proposed check: for its case only, or for every case (`every`); `answer` is the
    /// case's answer shown at the press ([`Outcome::Kept`]).
    pub fn keep(self, every: bool, answer: String) {
        let Some((case, Some(Outcome::Proposed(p)))) = self.state.get_untracked() else {
            return;
        };
        self.drafts.update(|d| {
            if every {
                d.suite.global.push(p.assertion.clone());
            } else if let Some(c) = d.suite.cases.iter_mut().find(|c| c.id == case) {
                c.assertions.push(p.assertion.clone());
            }
        });
        let place = if every {
            "every case".to_owned()
        } else {
            format!("case #{case}")
        };
        self.state
            .set(Some((case, Some(Outcome::Kept { place, answer }))));
    }

    /// Drops the proposal (or stops the call asking for it).
    pub fn dismiss(self) {
        self.call.stop();
        self.state.set(None);
    }
}
