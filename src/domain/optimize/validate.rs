//! Checks an optimizer snapshot read back from storage or a file before the loop may use it: every
//! invariant the machine relies on (the best candidate exists, parents and rounds refer to
//! candidates that exist, results only for sampled cases, the phase agrees with the stop, numbers
//! small enough that no sum overflows). A snapshot that fails is dropped by the loader, with a
//! message, instead of panicking on every reload.
use crate::domain::sorted::SortedSet;

use super::{Budget, MAX_OTHER_MODELS, Optimizer, Phase};

#[cfg(test)]
pub(crate) mod tests;

/// The snapshot format this app reads (`Optimizer::version`).
const SNAPSHOT_VERSION: u32 = 1;
/// Most rounds a snapshot may plan (the page offers 1-10).
const MAX_ROUNDS: u32 = 50;
/// Most candidates per round (the page offers 1-6).
const MAX_K: u32 = 20;
/// Most calls a budget figure may hold: sums of a few budgets stay far from `u32::MAX`.
const MAX_CALLS: u32 = 1 << 24;
/// Most tokens a budget figure may hold: sums of a few budgets stay far from `u64::MAX`.
const MAX_TOKENS: u64 = 1 << 48;
/// Highest candidate id (new ids are the highest plus one).
const MAX_CANDIDATE_ID: u32 = 1 << 24;

/// Why a saved optimizer snapshot cannot be used. The person sees only that the optimizer's
/// saved state was left out; this says why, for tests and developers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapshotError {
    /// The JSON does not have the snapshot's shape (a field missing or of the wrong type).
    #[error("the snapshot does not have the expected shape: {0}")]
    Shape(String),
    /// Written by another app version (`version` is not 1).
    #[error("the snapshot has format version {0}")]
    Version(u32),
    /// A setting outside what the loop can run (rounds, candidates per round, temperatures).
    #[error("the setting {0} is out of range")]
    Config(&'static str),
    /// A budget figure (approved or spent) too large to add up safely.
    #[error("the {0} budget holds a figure out of range")]
    Budget(&'static str),
    #[error("the snapshot has no candidates")]
    NoCandidates,
    #[error("two candidates have the id {0}")]
    DuplicateCandidate(u32),
    #[error("candidate id {0} is out of range")]
    CandidateId(u32),
    #[error("the best candidate ({0}) does not exist or was rejected")]
    Best(u32),
    #[error("candidate {cand} names a parent ({parent}) that does not exist")]
    Parent { cand: u32, parent: u32 },
    #[error("candidate {cand} belongs to round {round}, after the loop's last round")]
    CandidateRound { cand: u32, round: u32 },
    #[error("candidate {cand} has a result for case {case}, which the loop never sampled")]
    StrayResult { cand: u32, case: u32 },
    #[error("candidate {cand} has results for model {model}, which the loop does not score on")]
    Model { cand: u32, model: u32 },
    #[error("the record of round {0} is inconsistent")]
    Round(u32),
    #[error("the phase ({0:?}) does not match the loop's rounds or its stop")]
    Phase(Phase),
}

fn budget_ok(b: &Budget) -> bool {
    b.calls <= MAX_CALLS
        && b.role_calls.iter().all(|c| *c <= MAX_CALLS)
        && b.input
            .iter()
            .chain(b.output.iter())
            .all(|t| *t <= MAX_TOKENS)
}

fn temperature_ok(t: f32) -> bool {
    t.is_finite() && (0.0..=2.0).contains(&t)
}

impl Optimizer {
    /// Checks every invariant the machine relies on; the first one broken is the error.
    pub fn validate(&self) -> Result<(), SnapshotError> {
        if self.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(self.version));
        }
        let c = &self.config;
        if !(1..=MAX_ROUNDS).contains(&c.rounds) {
            return Err(SnapshotError::Config("rounds"));
        }
        if !(1..=MAX_K).contains(&c.k) {
            return Err(SnapshotError::Config("candidates per round"));
        }
        if !temperature_ok(c.explore_temperature)
            || !temperature_ok(c.refine_temperature)
            || !temperature_ok(c.exec_temperature)
            || c.also_on.iter().any(|m| !temperature_ok(m.temperature))
        {
            return Err(SnapshotError::Config("temperature"));
        }
        if c.also_on.len() > MAX_OTHER_MODELS {
            return Err(SnapshotError::Config("other execution models"));
        }
        if !budget_ok(&self.limit) {
            return Err(SnapshotError::Budget("approved"));
        }
        if !budget_ok(&self.spent) {
            return Err(SnapshotError::Budget("spent"));
        }
        // Calls in flight (saved so a reload charges them): each within bounds, and the reserved
        // total exactly their sum, since a reload charges the reservation of each.
        let mut sum = Budget::default();
        for (work, (role, i, o)) in &self.in_flight {
            if *i > MAX_TOKENS || *o > MAX_TOKENS || work.model() > c.models() - 1 {
                return Err(SnapshotError::Budget("reserved"));
            }
            sum.add(work.slot(*role), *i, *o);
        }
        if !budget_ok(&self.reserved) || sum != self.reserved {
            return Err(SnapshotError::Budget("reserved"));
        }
        if self.candidates.is_empty() {
            return Err(SnapshotError::NoCandidates);
        }
        let mut ids = SortedSet::new();
        for cand in &self.candidates {
            if cand.id > MAX_CANDIDATE_ID {
                return Err(SnapshotError::CandidateId(cand.id));
            }
            if !ids.insert(cand.id) {
                return Err(SnapshotError::DuplicateCandidate(cand.id));
            }
        }
        let sampled: SortedSet<u32> = self.minibatch.iter().copied().collect();
        let held: SortedSet<u32> = self.held_out.iter().copied().collect();
        for cand in &self.candidates {
            if let Some(parent) = cand.parent.filter(|p| !ids.contains(p)) {
                return Err(SnapshotError::Parent {
                    cand: cand.id,
                    parent,
                });
            }
            if cand.round > c.rounds {
                return Err(SnapshotError::CandidateRound {
                    cand: cand.id,
                    round: cand.round,
                });
            }
            if let Some(m) = cand.on.keys().find(|m| **m == 0 || **m > c.models() - 1) {
                return Err(SnapshotError::Model {
                    cand: cand.id,
                    model: *m,
                });
            }
            let results = std::iter::once((&cand.train, &cand.held))
                .chain(cand.on.values().map(|e| (&e.train, &e.held)));
            let stray = results.into_iter().find_map(|(train, held_out)| {
                (train.keys().find(|k| !sampled.contains(k)))
                    .or_else(|| held_out.keys().find(|k| !held.contains(k)))
            });
            if let Some(case) = stray {
                return Err(SnapshotError::StrayResult {
                    cand: cand.id,
                    case: *case,
                });
            }
        }
        if self
            .candidate(self.best)
            .is_none_or(|b| b.rejected.is_some())
        {
            return Err(SnapshotError::Best(self.best));
        }
        let score_ok = |s: f64| s.is_finite() && (0.0..=100.0).contains(&s);
        for r in &self.rounds {
            if r.round > c.rounds
                || !ids.contains(&r.best)
                || !score_ok(r.train)
                || r.held.is_some_and(|h| !score_ok(h))
                || r.models.len() > c.also_on.len() + 1
                || r.models.iter().flatten().any(|m| !score_ok(*m))
            {
                return Err(SnapshotError::Round(r.round));
            }
        }
        let phase_ok = match self.phase {
            Phase::Evaluating(r) | Phase::Checking(r) => r <= c.rounds,
            // Proposals are for rounds 1 and later.
            Phase::Proposing(r) => (1..=c.rounds).contains(&r),
            Phase::Finished => true,
        } && (self.phase == Phase::Finished) == self.stop.is_some();
        if !phase_ok {
            return Err(SnapshotError::Phase(self.phase));
        }
        Ok(())
    }
}
