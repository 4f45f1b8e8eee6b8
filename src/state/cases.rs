//! Synthetic test cases: asks the meta model for N cases, marks near-duplicates, asks it to flag
//! unrealistic ones, and holds the proposals while the person keeps, edits or discards each.
//! What to ask and how a reply reads is the pure machine `domain::eval::suggest::Suggest`; this
//! shell makes its calls (through `ChatCall`s, so through the engine) and shows its fields.
use leptos::prelude::*;

use crate::domain::draft::Leaving;
use crate::domain::eval;
use crate::domain::eval::suggest::{Suggest, SuggestAsk, SuggestStep};
use crate::domain::eval::synth::Proposal;
use crate::domain::meta::tiny_jobs::{self, TinyCases};
use crate::domain::provider::{ApiKey, ProviderConfig};
use crate::domain::provider::{ProviderError, Role};
use crate::domain::wire::OfferV1;
use crate::net::chat::CallOptions;
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;

/// Where a synthesis is (the machine's stage).
pub use crate::domain::eval::suggest::Stage;

/// Where this tab keeps the suggested cases on offer, in the open draft and in drafts left, so
/// that a reload does not lose them (helper-54): `sessionStorage`, a JSON list of
/// `wire::OfferV1::to_value`, one per draft; removed when none is on offer.
const OFFERS_KEY: &str = "pw-suggested-cases";

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
    /// "How many" cases to ask for (1-50; 8 at first): kept in this tab's `sessionStorage`
    /// (`pw-suggest-count`), so a reload does not put it back to 8 (helper-58).
    pub how_many: RwSignal<u32>,
    /// The suggestion under way or offered.
    machine: StoredValue<Option<Suggest>, LocalStorage>,
    /// Suggestions on offer in drafts the person left, by draft id: offered again when that
    /// draft opens (they were paid for, and are cases for its prompt only).
    parked: StoredValue<Vec<(String, Suggest, Vec<Pick>)>, LocalStorage>,
    /// Draft switches seen: a call's end feeds no machine once another draft has opened.
    epoch: Epoch,
    /// The page is going away (`net::on_leave`, until `net::on_return`): a call that fails now
    /// was cut by the page, not by the provider (helper-58: "The suggestion failed").
    page_leaving: StoredValue<bool>,
    library: crate::state::library::Library,
    drafts: DraftHandle,
}

/// Where "How many" is kept in this tab (a whole number as text).
const HOW_MANY_KEY: &str = "pw-suggest-count";

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
            how_many: RwSignal::new(
                crate::net::session::load(HOW_MANY_KEY)
                    .and_then(|t| t.parse::<u32>().ok())
                    .filter(|n| (1..=50).contains(n))
                    .unwrap_or(8),
            ),
            machine: StoredValue::new_local(None),
            parked: StoredValue::new_local(Vec::new()),
            epoch: Epoch::new(),
            page_leaving: StoredValue::new(false),
            library: crate::state::library::Library::expect(),
            drafts: DraftHandle::expect(),
        };
        provide_context(s);
        crate::state::reactive::effect(move |_| {
            let n = s.how_many.get();
            crate::net::session::save(HOW_MANY_KEY, &n.to_string());
        });
        crate::net::on_leave(move || {
            s.page_leaving.set_value(true);
            // An edit typed into a suggestion and not yet left is put in and kept (helper-58:
            // it was lost on a reload): leaving the field commits it, and the offers are written
            // now, as the page may be gone before the next effect.
            blur_suggestion_field();
            s.keep_offers(
                &s.library.current_id.get_untracked(),
                s.stage.get_untracked(),
            );
        });
        crate::net::on_return(move || s.page_leaving.set_value(false));
        // Helper-53: suggestions asked for in one draft were offered, and kept, in the draft
        // opened while they were asked for.
        let library = crate::state::library::Library::expect();
        s.drafts
            .on_switching(move || s.leave_draft(&library.current_id.get_untracked()));
        // Offers kept by this tab before a reload wait for their drafts, as those left do.
        let kept: Vec<OfferV1> = crate::net::session::load(OFFERS_KEY)
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                v.as_array()
                    .map(|l| l.iter().filter_map(OfferV1::from_value).collect())
            })
            .unwrap_or_default();
        s.parked.set_value(
            kept.into_iter()
                .filter(|o| !o.draft.is_empty() && !o.picks.is_empty())
                .map(|o| {
                    let picks = o.picks();
                    let proposals = picks.iter().map(|(p, _)| p.clone()).collect();
                    let m = Suggest::offered(proposals, o.review_note, o.left_out);
                    let picks = picks
                        .into_iter()
                        .map(|(proposal, keep)| Pick { proposal, keep })
                        .collect();
                    (o.draft, m, picks)
                })
                .collect(),
        );
        crate::state::reactive::effect(move |before: Option<String>| {
            let now = library.current_id.get();
            if before.as_ref() != Some(&now) && !now.is_empty() {
                s.come_back(&now);
            }
            now
        });
        // What is on offer is kept for a reload whenever it changes (a tick, an edit, an offer
        // made, added, discarded or left with its draft).
        crate::state::reactive::effect(move |_| {
            let draft = library.current_id.get();
            let stage = s.stage.get();
            s.picks.track();
            s.keep_offers(&draft, stage);
        });
        s
    }

    /// Writes the offers on hand to this tab's storage ([`OFFERS_KEY`]): the open draft's
    /// (`draft`, once `stage` is Review) and those kept aside for drafts left.
    fn keep_offers(self, draft: &str, stage: Stage) {
        let mut offers: Vec<OfferV1> = Vec::new();
        if stage == Stage::Review && !draft.is_empty() {
            let picks: Vec<(Proposal, bool)> = self
                .picks
                .with_untracked(|p| p.iter().map(|p| (p.proposal.clone(), p.keep)).collect());
            if !picks.is_empty() {
                let (note, left_out) = self.machine.with_value(|m| {
                    m.as_ref()
                        .map(|m| (m.review_note.clone(), m.left_out.clone()))
                        .unwrap_or_default()
                });
                offers.push(OfferV1::of(draft, &picks, note, left_out));
            }
        }
        // The open draft's offer kept aside (between the jobs' end and the other draft's
        // opening) is written unless its live offer was (helper-59: a reload then lost it).
        let live = !offers.is_empty();
        self.parked.with_value(|parked| {
            for (id, m, picks) in parked {
                if (id == draft && live) || m.stage != Stage::Review || m.proposals.is_empty() {
                    continue;
                }
                let picks: Vec<(Proposal, bool)> = if picks.is_empty() {
                    m.proposals
                        .iter()
                        .map(|p| (p.clone(), Suggest::kept_at_first(p)))
                        .collect()
                } else {
                    picks.iter().map(|p| (p.proposal.clone(), p.keep)).collect()
                };
                offers.push(OfferV1::of(
                    id,
                    &picks,
                    m.review_note.clone(),
                    m.left_out.clone(),
                ));
            }
        });
        if offers.is_empty() {
            crate::net::session::remove(OFFERS_KEY);
        } else {
            let list: Vec<serde_json::Value> = offers.iter().map(OfferV1::to_value).collect();
            crate::net::session::save(OFFERS_KEY, &serde_json::Value::Array(list).to_string());
        }
    }

    /// Another draft is about to open: the calls under way stop (what arrived whole is offered,
    /// as Stop offers it, `Suggest::left_for_another_draft`), and the suggestions are kept
    /// aside for draft `id` (still the open one).
    fn leave_draft(self, id: &str) {
        self.epoch.advance();
        let partial = self.call.text.get_untracked();
        self.call.forget();
        self.review.forget();
        if let Some(mut m) = self.machine.try_update_value(Option::take).flatten() {
            let waiting = m.stage != Stage::Review;
            m.left_for_another_draft(&partial, self.drafts.leaving());
            if !id.is_empty() && !m.proposals.is_empty() {
                // The person's edits and ticks go with an offer they were made on (tryout 54:
                // they came back as the model wrote them); an offer that arrives only now is
                // ticked afresh.
                let picks = if waiting {
                    Vec::new()
                } else {
                    self.picks.get_untracked()
                };
                self.parked.update_value(|p| {
                    p.retain(|(d, _, _)| d != id);
                    p.push((id.to_owned(), m, picks));
                });
            }
        }
        self.clear();
    }

    /// Draft `id` opened: its suggestions kept aside are offered again.
    fn come_back(self, id: &str) {
        let mine = self.parked.try_update_value(|p| {
            let at = p.iter().position(|(d, _, _)| d == id)?;
            let (_, m, picks) = p.remove(at);
            Some((m, picks))
        });
        if let Some(Some((m, picks))) = mine {
            self.machine.set_value(Some(m));
            self.show();
            if !picks.is_empty() {
                self.picks.set(picks);
            }
        }
    }

    /// Shows nothing (no suggestion under way or offered).
    fn clear(self) {
        self.picks.set(Vec::new());
        self.stage.set(Stage::Idle);
        self.error.set(None);
        self.call_error.set(None);
        self.review_note.set(None);
        self.raw.set(None);
        self.left_out.set(Vec::new());
        self.tiny.set(None);
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Asks for `n` cases for the current prompt.
    pub fn generate(self, n: u32) {
        let d = self.drafts;
        // The prompt the cases are suggested for holds what was typed within the editor's pause.
        d.flush_typing();
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
        let (cfg, key, opts) = self.call.role(Role::Meta);
        let tiny = cfg.kind.is_tiny().then_some(task.as_str());
        let mut m = Suggest::new(&prompt, &vars, n, existing, tiny);
        let first = m.start();
        self.machine.set_value(Some(m));
        self.show();
        self.send(first, cfg, key, opts);
    }

    /// Makes the machine's next call and feeds its outcome back (then the call after it).
    fn send(
        self,
        ask: Option<SuggestAsk>,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        opts: CallOptions,
    ) {
        let Some(ask) = ask else { return };
        let hook = if ask.step == SuggestStep::Review {
            self.review
        } else {
            self.call
        };
        let (next_cfg, next_key) = (cfg.clone(), key.clone());
        let epoch = self.epoch.now();
        hook.start_then(cfg, key, ask.request, opts, move |result| {
            if !self.epoch.still(epoch) {
                return;
            }
            if let Err(f) = &result
                && self.page_leaving.get_value()
                && f.error.cut_in_transit()
            {
                // Cut by the page going away: what arrived whole is offered, said as such, and
                // kept for the reload.
                let partial = f.partial.clone();
                self.machine.update_value(|m| {
                    if let Some(m) = m {
                        m.left_for_another_draft(&partial, Leaving::Reload);
                    }
                });
                self.show();
                self.keep_offers(
                    &self.library.current_id.get_untracked(),
                    self.stage.get_untracked(),
                );
                return;
            }
            let outcome = result
                .map(|done| done.text)
                .map_err(|f| (f.error, f.partial));
            let next = self
                .machine
                .try_update_value(|m| m.as_mut().and_then(|m| m.reply(outcome)))
                .flatten();
            self.show();
            self.send(next, next_cfg, next_key, opts);
        });
    }

    /// Shows the machine's state; the picks start over only when the proposals changed (the
    /// person's ticks stay otherwise).
    fn show(self) {
        let Some(Some(m)) = self.machine.try_get_value() else {
            return;
        };
        self.stage.set(m.stage);
        self.error.set(m.error.clone());
        self.call_error.set(m.call_error.clone());
        self.review_note.set(m.review_note.clone());
        self.raw.set(m.raw.clone());
        self.left_out.set(m.left_out.clone());
        self.tiny.set(m.tiny.clone());
        let same = self.picks.with_untracked(|p| {
            p.len() == m.proposals.len()
                && p.iter().zip(&m.proposals).all(|(a, b)| a.proposal == *b)
        });
        if !same {
            self.set_picks(m.proposals);
        }
    }

    fn set_picks(self, proposals: Vec<Proposal>) {
        self.picks.set(
            proposals
                .into_iter()
                .map(|p| Pick {
                    keep: Suggest::kept_at_first(&p),
                    proposal: p,
                })
                .collect(),
        );
    }

    /// Skips the review and shows the proposals now.
    pub fn stop(self) {
        // Stopping the tiny model's cases fails the call in flight, which offers what was read.
        self.machine.update_value(|m| {
            if let Some(m) = m {
                m.stop();
            }
        });
        self.show();
        self.call.stop();
        self.review.stop();
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
        self.drafts.update(|x| {
            for c in kept {
                x.suite.add(c);
            }
        });
        self.discard();
        n
    }

    /// Drops the proposals on offer, and the notes about them (tryout 96: "the 1 case that
    /// arrived whole is offered" stayed after Discard all); a failure's notice stays, with its
    /// Retry.
    pub fn discard(self) {
        self.machine.set_value(None);
        self.picks.set(Vec::new());
        self.stage.set(Stage::Idle);
        self.review_note.set(None);
        self.left_out.set(Vec::new());
    }
}

/// Leaves a suggested case's text field if it has the focus, so the edit typed in it (kept as
/// the field is left) goes into the offer.
fn blur_suggestion_field() {
    use wasm_bindgen::JsCast;
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    if let Some(el) = active
        && el.closest(".pw-synth").ok().flatten().is_some()
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.blur();
    }
}
