//! The optimization loop as a closed state machine: `step(&mut state, ctx, event) -> effects`.
//!
//! A round runs the best prompt so far and K new candidates on a fixed minibatch of *train* cases,
//! scores them with the suite's checks, and asks the meta model for the next candidates from (a)
//! earlier prompts with their scores, worst to best (OPRO), (b) the failing cases with their
//! feedback (GEPA's reflection), and (c) named mutation styles (Promptbreeder's operators, DSPy's
//! bootstrapped few-shot) at a high temperature, plus one low-temperature refinement of the best.
//! Selection keeps the Pareto front across cases and the best mean; each new best is checked on the
//! *held-out* cases. Every call is reserved against the approved budget before it is issued, so the
//! loop never exceeds it; it stops early after `patience` rounds without gain. Pure and
//! deterministic given the seed and the replies: the shell performs the calls and feeds replies back.
use crate::domain::sorted::{SortedMap, SortedSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::estimate::{estimate_tokens, token_bound};
use crate::domain::eval::judge::{self, Judgement};
use crate::domain::eval::{self, Observed, Suite, TestCase, score_case};
use crate::domain::figures;
use crate::domain::meta::reply::diagnose;
use crate::domain::meta::{ReplyCause, tiny_jobs};
use crate::domain::provider::{ChatRequest, OutputSchema, ProviderConfig, Role};
use crate::domain::spec::{Example, PromptSpec, RenderStyle, Section};
use crate::domain::structured;
use crate::domain::template;

mod gate;
pub mod notes;
pub mod reflect;
pub mod reflexion;
pub mod settings;
pub mod setup;
#[cfg(test)]
mod tests;
mod validate;

pub use gate::SendGate;
pub use validate::SnapshotError;
#[cfg(test)]
pub(crate) use validate::tests::sample_loop;

const PROPOSE: &str = include_str!("propose.md");
const PROPOSE_USER: &str = include_str!("propose_user.md");
const PROPOSE_SCHEMA: &str = include_str!("propose.schema.json");

/// How a candidate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mutation {
    /// The prompt the loop started from.
    Baseline,
    Rephrase,
    AddConstraint,
    AddExample,
    Simplify,
    ChangeSteps,
    /// Small fixes of the best prompt, at the low temperature.
    Refine,
}

impl Mutation {
    /// The exploring styles, used in turn.
    pub const EXPLORE: [Mutation; 5] = [
        Self::AddConstraint,
        Self::Rephrase,
        Self::AddExample,
        Self::ChangeSteps,
        Self::Simplify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Rephrase => "rephrase",
            Self::AddConstraint => "add-constraint",
            Self::AddExample => "add-example",
            Self::Simplify => "simplify",
            Self::ChangeSteps => "change-steps",
            Self::Refine => "refine",
        }
    }

    /// What the meta model was asked to do, in words: a request, not a claim of what changed
    /// (the candidate's diff says that; tryout 64: a candidate labelled "Added an example" had
    /// the same Examples).
    pub fn label(self) -> &'static str {
        match self {
            Self::Baseline => "Your prompt",
            Self::Rephrase => "Asked to rephrase",
            Self::AddConstraint => "Asked to add a missing rule",
            Self::AddExample => "Asked to add an example from a passing case",
            Self::Simplify => "Asked to simplify and shorten",
            Self::ChangeSteps => "Asked to change the reasoning steps",
            Self::Refine => "Asked for small fixes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Rephrase,
            Self::AddConstraint,
            Self::AddExample,
            Self::Simplify,
            Self::ChangeSteps,
            Self::Refine,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// What the person chose before starting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Rounds of proposals after the baseline (1-10).
    pub rounds: u32,
    /// Candidates per round (1-6): K-1 exploring ones and one refinement (only exploring when 1).
    pub k: u32,
    /// Train cases per round (the same minibatch every round, so scores compare).
    pub minibatch: usize,
    /// Rounds without gain before stopping early.
    pub patience: u32,
    #[serde(serialize_with = "crate::domain::provider::short_f32")]
    pub explore_temperature: f32,
    #[serde(serialize_with = "crate::domain::provider::short_f32")]
    pub refine_temperature: f32,
    /// Sections candidates must not change.
    pub locked: Vec<Section>,
    pub seed: u64,
    /// Most tokens of one execution reply.
    pub exec_max_tokens: u32,
    /// Temperature of the execution model.
    #[serde(serialize_with = "crate::domain::provider::short_f32")]
    pub exec_temperature: f32,
    /// The judge role's temperature setting when the loop started; every judge call of the loop
    /// is `judge::call` with it, as in runs. Loops saved before this field graded at 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::domain::provider::short_f32")]
    pub judge_temperature: f32,
    pub style: RenderStyle,
    /// The person's own cap on calls, below the projection (`None`: the projection).
    #[serde(default)]
    pub max_calls: Option<u32>,
    /// The task line when the meta model is the tiny built-in one (see
    /// [`crate::domain::meta::tiny_jobs`]): its proposals are then new rules, each added as a
    /// step, instead of whole prompts in JSON. `None` for every other model.
    #[serde(default)]
    pub tiny_task: Option<String>,
    /// The three jobs' list prices when the loop started, in US dollars per token (`None` when
    /// one has no list price here): the loop then never spends more money than the approved
    /// budget costs, whichever job its tokens go to ([`Optimizer::affordable`]).
    #[serde(default)]
    pub prices: Option<Prices>,
    /// The other execution models every candidate is scored on besides the execution job's
    /// (model 1 is the first; at most [`MAX_OTHER_MODELS`]), each with its own settings and no
    /// key: the loop selects a prompt that holds on all of them ([`Selection`]). Empty: the
    /// execution job's model only, as loops saved before this field.
    #[serde(default)]
    pub also_on: Vec<ProviderConfig>,
    /// How a case's scores on several models make its score ([`Selection`]).
    #[serde(default)]
    pub select: Selection,
    /// The three jobs' models as the loop started, meta, execution and judge
    /// ([`crate::domain::eval::grid::model_key`]): its scores compare only on those, and its
    /// money bound holds only at their prices, so it does not go on with others
    /// ([`setup::models_changed`]; session 42's review: a loop resumed after Settings named
    /// gpt-4o spent at gpt-4o-mini's prices). Empty in loops saved before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<String>,
    /// The execution job's model as the loop started ([`eval::grid::model_label`]), to name
    /// model 0 beside the others; empty in loops saved before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exec_label: String,
}

/// Most other execution models a loop scores its candidates on besides the execution job's (the
/// model grid's limit of comparison models).
pub const MAX_OTHER_MODELS: usize = 5;

/// Budget slots: meta, execution (the execution job's model), judge, then one per other model
/// ([`Config::also_on`]), so each model's calls and tokens are counted and priced apart.
pub const SLOTS: usize = 3 + MAX_OTHER_MODELS;

/// The budget slot of a call: its role, and for an answer the model it goes to (0: the
/// execution job's, `m`: `Config::also_on[m - 1]`).
pub fn slot(role: Role, model: u32) -> usize {
    match role {
        Role::Meta => 0,
        Role::Execution if model == 0 => 1,
        Role::Execution => (2 + model as usize).min(SLOTS - 1),
        Role::Judge => 2,
    }
}

/// How a case's scores on several execution models make the case's score, for the means,
/// wins and losses, and selection (with one model, its score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// The mean of the case's scores on the models.
    #[default]
    Mean,
    /// The lowest of them: a prompt gains only where it holds on every model.
    Worst,
}

/// US dollars per token, by budget slot ([`slot`]): input and output.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prices {
    #[serde(with = "slots")]
    pub input: [f64; SLOTS],
    #[serde(with = "slots")]
    pub output: [f64; SLOTS],
}

/// A per-slot array as a JSON array without its trailing zeros beyond the three roles (so a
/// one-model loop is saved as before) and read from any length up to [`SLOTS`].
mod slots {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SLOTS;

    pub fn serialize<S: Serializer, T: Serialize + Copy + Default + PartialEq>(
        a: &[T; SLOTS],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut n = SLOTS;
        while n > 3 && a[n - 1] == T::default() {
            n -= 1;
        }
        a[..n].serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de> + Copy + Default>(
        d: D,
    ) -> Result<[T; SLOTS], D::Error> {
        let v = Vec::<T>::deserialize(d)?;
        if v.len() > SLOTS {
            return Err(D::Error::custom(format!(
                "{} budget slots, at most {SLOTS}",
                v.len()
            )));
        }
        let mut a = [T::default(); SLOTS];
        a[..v.len()].copy_from_slice(&v);
        Ok(a)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            rounds: 3,
            k: 2,
            minibatch: 8,
            patience: 2,
            explore_temperature: 0.9,
            refine_temperature: 0.2,
            locked: Vec::new(),
            seed: 1,
            exec_max_tokens: 800,
            exec_temperature: 0.2,
            judge_temperature: Role::Judge.default_temperature(),
            style: RenderStyle::Markdown,
            max_calls: None,
            tiny_task: None,
            prices: None,
            also_on: Vec::new(),
            select: Selection::Mean,
            jobs: Vec::new(),
            exec_label: String::new(),
        }
    }
}

impl Config {
    /// How many execution models score each candidate: the execution job's and the others.
    pub fn models(&self) -> u32 {
        1 + self.also_on.len() as u32
    }
}

/// Calls and tokens per budget slot ([`slot`]: meta, execution, judge, then each other
/// execution model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Budget {
    pub calls: u32,
    /// Calls per slot.
    #[serde(default, with = "slots")]
    pub role_calls: [u32; SLOTS],
    /// Input tokens per slot.
    #[serde(with = "slots")]
    pub input: [u64; SLOTS],
    /// Output tokens per slot.
    #[serde(with = "slots")]
    pub output: [u64; SLOTS],
}

impl Budget {
    fn add(&mut self, slot: usize, input: u64, output: u64) {
        self.calls += 1;
        self.role_calls[slot] += 1;
        self.input[slot] += input;
        self.output[slot] += output;
    }

    fn sub(&mut self, slot: usize, input: u64, output: u64) {
        self.calls = self.calls.saturating_sub(1);
        self.role_calls[slot] = self.role_calls[slot].saturating_sub(1);
        self.input[slot] = self.input[slot].saturating_sub(input);
        self.output[slot] = self.output[slot].saturating_sub(output);
    }

    fn plus(&self, o: &Budget) -> Budget {
        let mut b = *self;
        b.calls += o.calls;
        for i in 0..SLOTS {
            b.role_calls[i] += o.role_calls[i];
            b.input[i] += o.input[i];
            b.output[i] += o.output[i];
        }
        b
    }

    /// At most the limit's calls and tokens in all. The approved budget is one pool: the
    /// person approves its total, so no job's share of the projection stops the loop while the
    /// total has room (tryout: a longer candidate used up the execution model's share and the
    /// loop "stopped at the approved budget" with 88% of the tokens unused). Money is bounded
    /// apart ([`Optimizer::affordable`]).
    pub fn within(&self, limit: &Budget) -> bool {
        self.calls <= limit.calls && self.tokens() <= limit.tokens()
    }

    /// What these tokens cost at `prices`, in US dollars.
    pub fn cost(&self, prices: &Prices) -> f64 {
        (0..SLOTS)
            .map(|i| {
                self.input[i] as f64 * prices.input[i] + self.output[i] as f64 * prices.output[i]
            })
            .sum()
    }

    pub fn tokens(&self) -> u64 {
        self.input.iter().sum::<u64>() + self.output.iter().sum::<u64>()
    }

    /// Tokens of one slot ([`slot`]): (input, output).
    pub fn of(&self, slot: usize) -> (u64, u64) {
        (self.input[slot], self.output[slot])
    }

    /// Calls of one slot ([`slot`]).
    pub fn calls_of(&self, slot: usize) -> u32 {
        self.role_calls[slot]
    }
}

/// One case's result for one candidate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseEval {
    pub output: String,
    /// The call failed (scored 0): why.
    pub failed: Option<String>,
    pub judgements: SortedMap<String, Judgement>,
    /// What the call showed besides the text (stop reason, time, cost), for the checks that
    /// read it; empty in snapshots from before it was kept.
    #[serde(default)]
    pub observed: Observed,
}

impl CaseEval {
    /// This answer to `case` scored as a run scores it (`eval::score_case`), against `spec`.
    pub fn score(&self, suite: &Suite, case: &TestCase, spec: &PromptSpec) -> eval::CaseScore {
        score_case(
            suite,
            case,
            &self.output,
            &self.observed,
            Some(spec),
            &self.judgements,
        )
    }
}

/// An answer the person rated down, with the rating: feedback for the proposals
/// ([`Optimizer::rated`]).
pub use crate::domain::eval::rating::RatedAnswer;

/// A prompt the loop tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: u32,
    pub parent: Option<u32>,
    pub round: u32,
    pub mutation: Mutation,
    pub rationale: String,
    pub spec: PromptSpec,
    /// Why it was not evaluated (e.g. it changed a locked section).
    pub rejected: Option<String>,
    /// Its results on the execution job's model (model 0), by case.
    pub train: SortedMap<u32, CaseEval>,
    pub held: SortedMap<u32, CaseEval>,
    /// Its results on the other execution models ([`Config::also_on`]), by model (1 and up).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub on: SortedMap<u32, Evals>,
    /// Kept by selection (on the Pareto front or best mean) after its round.
    pub kept: bool,
    /// Where it stood among the candidates of its latest selection: the cases it was the best
    /// on, alone or tied (so the page says truthfully why a candidate was kept). Empty in
    /// snapshots from before it was kept.
    #[serde(default)]
    pub standing: Standing,
    /// The earlier candidate with the same prompt whose results it took instead of calls of its
    /// own (the cases it has no result on are still asked). `None` for most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<u32>,
}

/// A candidate's results on one other execution model, by case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evals {
    pub train: SortedMap<u32, CaseEval>,
    pub held: SortedMap<u32, CaseEval>,
}

impl Candidate {
    /// Its results on `model` (0: the execution job's), on the minibatch or the held-out cases;
    /// `None` for a model with none yet.
    pub fn results(&self, model: u32, held: bool) -> Option<&SortedMap<u32, CaseEval>> {
        let (train, held_out) = if model == 0 {
            (&self.train, &self.held)
        } else {
            let e = self.on.get(&model)?;
            (&e.train, &e.held)
        };
        Some(if held { held_out } else { train })
    }

    fn results_mut(&mut self, model: u32, held: bool) -> &mut SortedMap<u32, CaseEval> {
        let (train, held_out) = if model == 0 {
            (&mut self.train, &mut self.held)
        } else {
            let e = self.on.entry(model).or_default();
            (&mut e.train, &mut e.held)
        };
        if held { held_out } else { train }
    }
}

/// A candidate's cases at the top of its latest selection ([`standings`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Standing {
    /// Training cases where it scored above every other candidate of the selection.
    pub best_on: Vec<u32>,
    /// Training cases where it shared the top score with another candidate.
    pub tied_best_on: Vec<u32>,
    /// With several execution models: the (model, case) pairs where it scored above every
    /// other candidate, the objectives of the Pareto front that kept it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub best_on_model: Vec<(u32, u32)>,
    /// Likewise, where it shared the top score.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tied_best_on_model: Vec<(u32, u32)>,
}

/// A unit of work: one call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Work {
    Exec {
        cand: u32,
        case: u32,
        held: bool,
        /// The execution model (0: the execution job's; `m`: `Config::also_on[m - 1]`).
        #[serde(default)]
        model: u32,
    },
    Judge {
        cand: u32,
        case: u32,
        held: bool,
        rubric: String,
        /// The model whose answer it grades.
        #[serde(default)]
        model: u32,
    },
    Propose {
        round: u32,
        refine: bool,
    },
}

impl Work {
    /// The execution model the work is about (0 for proposals).
    pub fn model(&self) -> u32 {
        match self {
            Self::Exec { model, .. } | Self::Judge { model, .. } => *model,
            Self::Propose { .. } => 0,
        }
    }

    /// Its budget slot, for a call in `role`.
    fn slot(&self, role: Role) -> usize {
        slot(role, self.model())
    }
}

/// Where the loop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Running candidates of a round (round 0: the baseline) on the minibatch.
    Evaluating(u32),
    /// Checking the round's best on the held-out cases.
    Checking(u32),
    /// Waiting for the meta model's candidates of a round.
    Proposing(u32),
    Finished,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stop {
    Completed,
    EarlyStop,
    BudgetReached,
    Cancelled,
}

impl Optimizer {
    /// What the page says when the loop has ended: why it stopped, and where its candidates
    /// are, or that it wrote none (and, stopped at the budget before the starting prompt was
    /// scored, that the limit was too small). `None` while it runs. Its candidates are "under
    /// Improve": for a note shown elsewhere (a toast); Improve itself says
    /// [`Optimizer::end_note_below`].
    pub fn end_note(&self) -> Option<String> {
        self.end_note_at("under Improve")
    }

    /// [`Optimizer::end_note`] as Improve's own status line says it, above the candidates:
    /// "See the 2 candidates below." (tryout 120: "See the 1 candidate under Improve" read in
    /// Improve).
    pub fn end_note_below(&self) -> Option<String> {
        self.end_note_at("below")
    }

    fn end_note_at(&self, place: &str) -> Option<String> {
        let stop = self.stop?;
        let written = self.candidates.iter().filter(|c| c.id != 0).count();
        let set_aside = self
            .candidates
            .iter()
            .filter(|c| c.id != 0 && c.rejected.is_some())
            .count();
        // A provider that wrote past its output cap took the calls past the whole approved
        // (tryout 111: "$0.05 of at most $0.02", with advice to raise Most calls): its calls
        // and tokens, or its money (tryout 119: within the tokens, answers past their cap moved
        // them to the dearer output, $0.022 of the $0.02 approved, said as within).
        let over = !self.affordable(&self.spent);
        // Calls that used more than their share: a provider past its output cap (tryout 112: the
        // tokens ran out with Most calls empty, and the end advised raising it).
        let past_cap =
            self.past_share > 0 && self.spent.calls < self.limit.calls && !self.round_unaffordable;
        let tail = match (written, stop) {
            (0, Stop::BudgetReached) if self.rounds.is_empty() && (over || past_cap) => {
                " The limit ran out before your prompt's scoring was finished, so no candidates were written."
                    .to_owned()
            }
            (0, Stop::BudgetReached) if self.rounds.is_empty() => {
                " The limit ran out before your prompt's scoring was finished, so no candidates were written: \
                 raise Most calls (or leave it empty) and start again."
                    .to_owned()
            }
            (0, _) => " No candidates were written.".to_owned(),
            // Candidates set aside before they were tried are counted apart (tryout 11, m6:
            // "See the 4 candidates" when 2 of them were never scored).
            (n, _) if set_aside > 0 => format!(
                " See the {} {place} ({} set aside without a try: {}).",
                figures::count(n, "candidate", "candidates"),
                set_aside,
                if set_aside == 1 {
                    "the reason is under it"
                } else {
                    "the reasons are under them"
                }
            ),
            (n, _) => format!(
                " See the {} {place}.",
                figures::count(n, "candidate", "candidates")
            ),
        };
        // Calls left over: it was the tokens approved (each call is reserved at the most it can
        // use) that could not cover the next call.
        let left = self.limit.calls.saturating_sub(self.spent.calls);
        let why = if stop == Stop::BudgetReached && over && self.past_share == 0 {
            // The other way past the whole: prompts of attempts sent again after a server error
            // that then failed, counted on top of their call's reservation (the review).
            " Calls sent again after a server error may be billed their prompts, counted on top \
             of their share, and those took the loop past the whole budget approved; it stopped \
             at once."
                .to_owned()
        } else if stop == Stop::BudgetReached && over {
            " A provider wrote past the output cap it was sent (it did not keep to it), so its \
             calls used more tokens than their share and the loop went past the whole budget \
             approved; it stopped at once. Its answers were read no further than 8 bytes a token \
             of their cap and are counted by that length when it reported nothing."
                .to_owned()
        } else if stop == Stop::BudgetReached && past_cap {
            format!(
                " A provider wrote past the output cap it was sent (it did not keep to it): {} used more tokens than {} share, so the budget ran out before the calls. Its answers were read no further than 8 bytes a token of their cap and are counted by that length when it reported nothing.",
                figures::count(self.past_share as usize, "call", "calls"),
                if self.past_share == 1 { "its" } else { "their" }
            )
        } else if stop == Stop::BudgetReached && self.round_unaffordable {
            format!(
                " The {} left could not ask for a round's candidates and score them all, so {} not spent.",
                figures::count(left, "call", "calls"),
                if left == 1 { "it was" } else { "they were" }
            )
        } else if stop == Stop::BudgetReached && self.spent.calls < self.limit.calls {
            " The tokens approved ran out before the calls: the next call could have used more \
             tokens than were left."
                .to_owned()
        } else {
            String::new()
        };
        // No gain because nothing was ever scored: that is the cause to say (tryout 106: "the
        // last rounds brought no gain" when the judge had given no usable verdict at all). Nor
        // is "no gain" said of rounds whose candidates could not be scored: the rounds without
        // gain that stopped the loop, and those of them with no candidate scored.
        let streak = &self.rounds[self.rounds.len().saturating_sub(self.no_gain as usize)..];
        let unscored_rounds = streak.iter().filter(|r| r.candidates_unscored).count();
        let lead = if stop == Stop::EarlyStop && self.rounds.iter().all(|r| r.unscored) {
            "Stopped early: no round could be scored, since no training case got a score (a judge that gave no usable verdict, say: each candidate's answers say why).".to_owned()
        } else if stop == Stop::EarlyStop && unscored_rounds > 0 && unscored_rounds == streak.len()
        {
            format!(
                "Stopped early: no candidate of the last {} could be scored (a judge that gave no usable verdict, say: each candidate's answers say why), so none could be compared with the best so far.",
                figures::count(streak.len(), "round", "rounds")
            )
        } else if stop == Stop::EarlyStop && unscored_rounds > 0 {
            format!(
                "Stopped early: the last rounds brought no gain ({} of the {} had no candidate that could be scored: each candidate's answers say why).",
                unscored_rounds,
                streak.len()
            )
        } else {
            // Rounds whose candidates could not be scored, said whatever ended the loop
            // (tryout 109: "Finished all rounds." over a round whose one candidate had no
            // score).
            let rounds: Vec<String> = self
                .rounds
                .iter()
                .filter(|r| r.candidates_unscored)
                .map(|r| r.round.to_string())
                .collect();
            match rounds.len() {
                0 => stop.describe().to_owned(),
                1 => format!(
                    "{} No candidate of round {} could be scored (a judge that gave no usable verdict, say: each candidate's answers say why).",
                    stop.describe(),
                    rounds[0]
                ),
                _ => format!(
                    "{} No candidate of rounds {} could be scored (a judge that gave no usable verdict, say: each candidate's answers say why).",
                    stop.describe(),
                    figures::and_list(&rounds)
                ),
            }
        };
        Some(format!("{lead}{why}{tail}"))
    }
}

impl Stop {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Completed => "Finished all rounds.",
            Self::EarlyStop => "Stopped early: the last rounds brought no gain.",
            Self::BudgetReached => "Stopped at the approved budget.",
            Self::Cancelled => "Cancelled.",
        }
    }
}

/// A mean score as the page shows it: 0-100 in whole points ([`figures::points`]: never 100
/// for less).
/// Differences shown beside it are taken between these figures, so what is shown adds up.
pub fn shown_points(mean: f64) -> i64 {
    crate::domain::figures::points(mean)
}

/// A candidate against its parent on the training cases ([`Optimizer::against_parent`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgainstParent {
    /// The candidate's training mean as shown ([`shown_points`]); `None` with no case counted.
    pub train: Option<i64>,
    /// Its parent's, likewise.
    pub parent: Option<i64>,
    /// `train - parent` between the shown figures; `None` when the two means are not over the
    /// same cases (a case left out for one of them, [`AgainstParent::left_out`]): their
    /// difference would compare other cases (tryout 86: "Training 100 (parent 75, +25)", one
    /// case against two).
    pub change: Option<i64>,
    /// Cases scored for both where the candidate scored higher, lower, the same.
    pub wins: usize,
    pub losses: usize,
    pub ties: usize,
    /// Training cases left out of the comparison (not counted for one or both), each with why
    /// in plain words ("for this candidate, the judge could not grade the answer (…)").
    pub left_out: Vec<(u32, String)>,
}

/// One round's figures, for the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub round: u32,
    pub best: u32,
    /// Best mean on the train minibatch, 0-100 (0 when `unscored`).
    pub train: f64,
    /// No training case of the best could be scored (each was left out, e.g. its judge
    /// failed): `train` is no score, and the chart draws no point (tryout 91: it drew one at 0
    /// beside "no score"). Absent in older snapshots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unscored: bool,
    /// Candidates of this round were tried and none of them got a score (each training case
    /// left out, e.g. its judge gave no usable verdict): the round's "no gain" is no comparison
    /// at all (session 52's review: "the last rounds brought no gain" over candidates never
    /// scored). Never for the baseline (round 0) or a round whose candidates were all set aside.
    /// Absent in older snapshots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub candidates_unscored: bool,
    /// The best's mean on the held-out cases, 0-100 (None: no held-out cases).
    pub held: Option<f64>,
    /// With several execution models, the best's training mean on each (model order, 0-100;
    /// `None` where no case counted); empty with one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<Option<f64>>,
}

/// A proposal call that gave no candidate to try: the likeliest cause in plain words, the next
/// step, and what the meta model sent. A round whose proposals all end like this pauses the loop
/// ([`Optimizer::stalled`]); Resume asks again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalFailure {
    pub round: u32,
    /// The refinement call (else the call for new candidates).
    pub refine: bool,
    /// What went wrong, in plain words.
    pub message: String,
    /// The next useful step, in plain words.
    pub advice: String,
    /// The reply as it arrived (empty when the call failed before one).
    #[serde(default)]
    pub raw: String,
    /// The kind of cause (equal keys: the same failure).
    pub cause: String,
    /// 1 the first time this call failed; 2 and more when asking again failed too.
    pub attempt: u32,
    /// The attempt before this one failed for the same cause (only then is it "failed again").
    #[serde(default)]
    pub same_as_before: bool,
    /// What the attempt before this one failed of, when that was another cause (its
    /// `message`), so both causes are named; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

/// For `skip_serializing_if`: a zero count is left out of the snapshot.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The whole loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Optimizer {
    /// Format version of this snapshot (saved with the draft).
    pub version: u32,
    pub config: Config,
    /// How many calls the shell sends at once (its concurrency; set by the shell before each
    /// step, 0: no cap): no more are issued, so `in_flight` holds only calls that went out or
    /// are about to (tryout: calls issued all at once waited in the page, and a reload charged
    /// them as "cut off … may still be billed" though they were never sent).
    #[serde(default)]
    pub at_once: u32,
    /// The approved budget.
    pub limit: Budget,
    /// The calls of [`Self::limit`] approved after Start, each time the person pressed Retry or
    /// Resume on an offer of more (a round that gave nothing to try, calls lost with a page):
    /// the page shows them apart from the budget approved at Start (tryout 17: "34" became "36",
    /// then "38", with nothing saying the budget had grown). 0 in older snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub added_calls: u32,
    /// Requests sent again after an error that came before any answer (a 429, a server error,
    /// a connection that failed: the engine's retries, `RetryPolicy`), [`Event::Resent`]: not
    /// among the calls used, which count each call once, and said apart (tryout 62: the
    /// provider saw 13 requests while the page said 11 calls used). 0 in older snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resent: u32,
    /// Of [`Self::resent`], the requests sent again after they had reached the provider and
    /// stalled there (no byte for the time in Settings): the provider may bill each one's
    /// prompt, which is counted in [`Self::spent`]'s tokens, estimated (session 38). 0 in older
    /// snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resent_stalled: u32,
    /// Spent: what the provider reported for finished calls (thinking and reasoning tokens
    /// included); a call that failed, was cut off, stopped or abandoned (a reload) is charged its
    /// whole reservation, the most it may have used.
    pub spent: Budget,
    /// Of [`Self::spent`]'s calls, those charged their whole reservation, the most they could
    /// use, since the provider reported nothing for them: no usage in the reply, a failed or
    /// cut-off call, one lost with a page or abandoned by Cancel. The page says so beside the
    /// figures, which are then bounds for those calls, not counts (session 42: a stalled call
    /// charged at its cap read as money spent). 0 in older snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub charged_whole: u32,
    /// Of [`Self::charged_whole`], the calls that were answered with no usage reported (the
    /// others failed, were cut off, stopped or lost with a page): the page names both kinds
    /// ([`notes::charged_whole`]; tryout 87: it said "or" over both). 0 in older snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub charged_unreported: u32,
    /// Calls whose provider reported (or whose reply, read no further past its cap, counted)
    /// more tokens than the call was reserved: a provider that did not keep to the output cap
    /// (tryout 112: the loop's end then blamed "Most calls"). 0 in older snapshots.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub past_share: u32,
    /// Reserved for calls in flight (worst case). Saved, so that calls lost in a reload are charged.
    #[serde(default)]
    pub reserved: Budget,
    /// The reservations of calls lost with a page (a reload; another draft opened), or failed
    /// after reaching the provider ([`Event::Failed`]), since the person last approved more: each was charged in full, as it may be billed, and is issued
    /// again, so finishing may take this much beyond `limit`. When the work left no longer fits,
    /// the loop waits ([`Optimizer::short_after_loss`]) and Resume adds it to the limit.
    #[serde(default)]
    pub lost: Budget,
    pub phase: Phase,
    pub paused: bool,
    pub stop: Option<Stop>,
    /// The loop ended at the budget because the calls left could not ask for a round's
    /// candidates and score them all (they are scored side by side), so they were not spent
    /// (tryout 79: with 2 of 37 calls left it asked for candidates it could never score).
    /// `false` in older snapshots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub round_unaffordable: bool,
    pub candidates: Vec<Candidate>,
    pub minibatch: Vec<u32>,
    pub held_out: Vec<u32>,
    pub rounds: Vec<RoundRecord>,
    pub best: u32,
    pub no_gain: u32,
    /// Calls issued and not answered, with their reservation. Saved (the shell saves the state
    /// before it sends the calls), so a call lost in a reload is charged, then issued again.
    #[serde(default, with = "in_flight_serde")]
    pub in_flight: SortedMap<Work, (Role, u64, u64)>,
    /// Proposal calls answered (a failed one counts).
    #[serde(default)]
    pub proposed: SortedSet<(u32, bool)>,
    /// The version the loop started from.
    pub from_version: u32,
    /// Reflexion critiques of answers in the draft's runs, by case, the newest run's first
    /// ([`setup::new_loop`]; fed back as feedback).
    #[serde(default)]
    pub critiques: SortedMap<u32, String>,
    /// The person's thumbs-down ratings of answers in the draft's runs, by case, each case's
    /// newest rating ([`setup::new_loop`]): the answer rated and the rating. Fed back like a
    /// failed check's reason ([`eval::rating::Rating::feedback`]).
    #[serde(default)]
    pub rated: SortedMap<u32, RatedAnswer>,
    /// Proposal calls that gave no candidate to try, the latest attempt of each (a call that
    /// later succeeds is taken off).
    #[serde(default)]
    pub proposal_failures: Vec<ProposalFailure>,
}

/// `in_flight` as a list of pairs (JSON object keys must be strings; `Work` is not).
mod in_flight_serde {
    use crate::domain::sorted::SortedMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Role, Work};

    type Map = SortedMap<Work, (Role, u64, u64)>;

    pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        m.iter().collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        Ok(Vec::<(Work, (Role, u64, u64))>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Call {
        work: Work,
        role: Role,
        request: ChatRequest,
    },
    /// The loop ended (shown, saved).
    Finished(Stop),
}

/// A call's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// What the shell saw besides the text (stop reason, time, cost); it is part of the reply,
    /// so the machine stays deterministic given its replies.
    pub observed: Observed,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Start,
    Done {
        work: Work,
        result: Result<Reply, String>,
    },
    Pause,
    /// Continue. Calls in flight that the shell is no longer running (lost in a reload, stopped)
    /// are charged their reservation and issued again; `running` names the ones still under way.
    Resume {
        running: Vec<Work>,
    },
    /// The shell dropped these calls before sending them (pause, cancel), or a provider refused
    /// one as it would refuse every call to its model (a key refused, no credit: not billed):
    /// their reservations are released without a charge, and they are issued again on resume.
    Unsent {
        works: Vec<Work>,
    },
    /// Stop for good; calls still in flight are charged their reservation.
    Cancel,
    /// A call was sent again `n` times after an error before any answer
    /// ([`Optimizer::resent`]), `stalled` of them after reaching the provider
    /// ([`Optimizer::resent_stalled`]). `prompts`: the input tokens (estimated) of those
    /// stalled attempts when the call then failed, charged to `work`'s model in
    /// [`Optimizer::spent`] without counting a call (a reply that came counts them in its own
    /// tokens, so it sends 0). Nothing else changes.
    Resent {
        n: u32,
        stalled: u32,
        work: Work,
        prompts: u64,
    },
    /// One call in flight failed after its request had reached the provider, and the loop
    /// pauses on it (the shell's `paused_by_provider_fault`): it is charged its whole
    /// reservation now, as [`Event::Lost`] charges a reload's, and issued again when the loop
    /// goes on (tryout 79: the page said "counted as used" while the figures said 0 calls
    /// used until Resume).
    Failed {
        work: Work,
    },
    /// The page that sent the calls in flight is gone (a reload, another draft opened): none of
    /// them will answer. Each is charged its whole reservation (it went out, so it may be billed)
    /// and added to [`Optimizer::lost`]; it is issued again when the loop goes on.
    Lost,
}

/// What the machine reads but does not own: the draft's cases and checks.
pub struct Ctx<'a> {
    pub suite: &'a Suite,
}

/// A tiny deterministic generator (xorshift64*).
fn next_rand(state: &mut u64) -> u64 {
    let mut x = (*state).max(1);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Whether the loop can start on the suite's cases, in the page's words: `Err` says why not (no
/// training case yet, or none with a check, naming those without); `Ok` holds a note naming the
/// cases the loop leaves out because they have no check ([`Suite::has_checks`]), or `None`.
pub fn cases_readiness(suite: &Suite) -> Result<Option<String>, String> {
    let names = crate::domain::figures::case_ids;
    let unchecked = |split| {
        suite
            .cases
            .iter()
            .filter(|c| c.split == split && !suite.has_checks(c))
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    let train = suite.ids_in(eval::Split::Train);
    if train.is_empty() {
        return Err("Add training cases with checks first: the loop learns from them.".to_owned());
    }
    let bare = unchecked(eval::Split::Train);
    if bare.len() == train.len() {
        return Err(format!(
            "No training case has a check, so the loop has nothing to score: add checks to {} {} \
             (or a check for every case) first.",
            if bare.len() == 1 { "case" } else { "cases" },
            names(&bare)
        ));
    }
    let mut all = bare;
    all.extend(unchecked(eval::Split::HeldOut));
    crate::domain::order::sort(&mut all);
    Ok((!all.is_empty()).then(|| {
        format!(
            "{} no checks, so the loop leaves {} out: add checks to use {}.",
            if all.len() == 1 {
                format!("Case {} has", names(&all))
            } else {
                format!("Cases {} have", names(&all))
            },
            if all.len() == 1 { "it" } else { "them" },
            if all.len() == 1 { "it" } else { "them" },
        )
    }))
}

/// The minibatch: `m` train cases that have a check drawn without replacement (all when fewer),
/// in suite order. A case with nothing to check is never sent: it could not be scored, so it is
/// neither a failure to learn from nor part of a mean (as in a run's results).
pub fn sample_minibatch(suite: &Suite, m: usize, seed: u64) -> Vec<u32> {
    let train = suite.checked_ids_in(eval::Split::Train);
    if train.len() <= m {
        return train;
    }
    let mut pool = train.clone();
    let mut rng = seed ^ 0x9e37_79b9_7f4a_7c15;
    for i in (1..pool.len()).rev() {
        let j = (next_rand(&mut rng) % (i as u64 + 1)) as usize;
        pool.swap(i, j);
    }
    let chosen: SortedSet<u32> = pool.into_iter().take(m).collect();
    train.into_iter().filter(|id| chosen.contains(id)).collect()
}

fn rubrics(suite: &Suite, case: &TestCase) -> Vec<String> {
    eval::judge_rubrics(suite, case)
}

/// What a call may cost at most: (input, output) tokens, a true upper bound whatever the text
/// (see [`crate::domain::estimate::request_bound`]).
pub fn worst(req: &ChatRequest) -> (u64, u64) {
    crate::domain::estimate::request_bound(req)
}

/// The projected budget for a configuration: every call the loop can make, each at its upper
/// bound ([`worst`]), built with the same request builders and settings the loop uses, for every
/// execution model ([`Config::models`]: each answers every case, and each answer is judged). The
/// baseline's requests are exact; candidate prompts do not exist yet and are assumed up to 1.5
/// times as long as the current one (the loop stops before any call whose reservation does not
/// fit, so a longer candidate can end the loop early but never go over).
pub fn project(config: &Config, spec: &PromptSpec, suite: &Suite) -> Budget {
    let mut b = Plan::default();
    let minibatch = sample_minibatch(suite, config.minibatch, config.seed);
    let held = suite.checked_ids_in(eval::Split::HeldOut);
    let rendered = spec.render(config.style);
    let allowance = token_bound(&rendered) / 2;
    let eval_cost = |b: &mut Plan, ids: &[u32]| {
        for id in ids {
            let Some(case) = suite.case(*id) else {
                continue;
            };
            let exec = eval::run::request(
                &rendered,
                case,
                config.exec_temperature,
                config.exec_max_tokens,
            );
            // The temperature does not change a request's bound: one for every model.
            let (i, o) = worst(&exec);
            for model in 0..config.models() {
                b.add(slot(Role::Execution, model), i + allowance, o);
                for r in rubrics(suite, case) {
                    // The cut-off note makes the longer request: the bound holds for either.
                    let subject = judge::Subject {
                        rubric: &r,
                        prompt: &rendered,
                        case,
                        output: "",
                        cut_off: true,
                    };
                    let (i, o) = worst(&judge::call(&subject, config.judge_temperature).request);
                    b.add(
                        slot(Role::Judge, model),
                        i + allowance + eval::run::JUDGE_OUTPUT_BOUND,
                        o,
                    );
                }
            }
        }
    };
    // Baseline, then K candidates per round; each round's best (and the baseline) on held-out.
    let candidates_evaluated = 1 + config.rounds * config.k;
    for _ in 0..candidates_evaluated {
        eval_cost(&mut b, &minibatch);
    }
    for _ in 0..=config.rounds {
        eval_cost(&mut b, &held);
    }
    let propose_input = propose_input_bound(&rendered);
    for _round in 1..=config.rounds {
        for refine in [false, true] {
            let n = styles_count(config.k, refine);
            if n > 0 {
                b.add(
                    slot(Role::Meta, 0),
                    propose_input,
                    propose_max_tokens(spec, n),
                );
            }
        }
    }
    b.limit(config.max_calls)
}

/// Every call of a projection with its budget slot and bound, in the order the plan lists them.
#[derive(Default)]
struct Plan(Vec<(usize, u64, u64)>);

impl Plan {
    fn add(&mut self, slot: usize, input: u64, output: u64) {
        self.0.push((slot, input, output));
    }

    /// The budget of the whole plan; under a cap of `max_calls`, calls are capped and so is each
    /// slot's tokens: at most the largest `max_calls` input and output bounds of its calls (no
    /// `max_calls` calls can use more), so the approved limit is what the cap allows.
    fn limit(self, max_calls: Option<u32>) -> Budget {
        let mut b = Budget::default();
        for (slot, i, o) in &self.0 {
            b.add(*slot, *i, *o);
        }
        let Some(cap) = max_calls else { return b };
        b.calls = b.calls.min(cap);
        for slot in 0..SLOTS {
            let largest = |pick: fn(&(usize, u64, u64)) -> u64| {
                let mut v: Vec<u64> = self.0.iter().filter(|c| c.0 == slot).map(pick).collect();
                crate::domain::order::sort_by(&mut v, |a, b| b.cmp(a));
                v.into_iter().take(cap as usize).sum::<u64>()
            };
            b.input[slot] = largest(|c| c.1);
            b.output[slot] = largest(|c| c.2);
        }
        b
    }
}

/// The calls scoring the starting prompt takes (round 0: every training case with a check on
/// the minibatch and every held-out one, each answer on every execution model and each of its
/// judge calls): the least "Most calls" that lets the loop score anything. `(answers, judge
/// calls)`.
pub fn first_evaluation_calls(config: &Config, suite: &Suite) -> (u32, u32) {
    let mut ids = sample_minibatch(suite, config.minibatch, config.seed);
    ids.extend(suite.checked_ids_in(eval::Split::HeldOut));
    evaluation_calls(config, suite, &ids)
}

/// The calls round 1 takes after the starting prompt is scored: its requests for candidates
/// (one, or two when it asks for K >= 2: new ideas and a refinement of the best) and its K
/// candidates' answers and judge calls on the minibatch (scored side by side, so a budget for
/// one candidate's calls may finish none). `(requests, candidates, answers, judge calls)`; all
/// zero with no rounds.
pub fn first_round_calls(config: &Config, suite: &Suite) -> (u32, u32, u32, u32) {
    if config.rounds == 0 {
        return (0, 0, 0, 0);
    }
    let requests = [false, true]
        .into_iter()
        .filter(|refine| styles_count(config.k, *refine) > 0)
        .count() as u32;
    let (answers, judges) = evaluation_calls(
        config,
        suite,
        &sample_minibatch(suite, config.minibatch, config.seed),
    );
    (requests, config.k, answers * config.k, judges * config.k)
}

/// Answers and judge calls for scoring one prompt on `ids` on every execution model.
fn evaluation_calls(config: &Config, suite: &Suite, ids: &[u32]) -> (u32, u32) {
    let models = config.models();
    let answers = ids.len() as u32 * models;
    let judges = models
        * ids
            .iter()
            .filter_map(|id| suite.case(*id))
            .map(|c| rubrics(suite, c).len() as u32)
            .sum::<u32>();
    (answers, judges)
}

/// " (3 answers and 3 judge calls)", or "" with no judge calls.
fn answer_parts(answers: u32, judges: u32) -> String {
    if judges > 0 {
        format!(
            " ({} and {})",
            figures::count(answers, "answer", "answers"),
            figures::count(judges, "judge call", "judge calls")
        )
    } else {
        String::new()
    }
}

/// When the chosen "Most calls" cannot cover scoring the starting prompt
/// ([`first_evaluation_calls`]) and then round 1 ([`first_round_calls`]): a sentence saying so
/// with the least that would, for the budget box before Start (which then waits). `None` when it
/// can, or when there is no cap. (Tryout: a cap of 17 scored the prompt, then spent 12 calls on
/// candidates it could not finish scoring.)
pub fn cap_problem(config: &Config, suite: &Suite) -> Option<String> {
    let cap = config.max_calls?;
    let (answers, judges) = first_evaluation_calls(config, suite);
    let need = answers + judges;
    let (requests, k, round_answers, round_judges) = first_round_calls(config, suite);
    let round = requests + round_answers + round_judges;
    if cap < need {
        return Some(format!(
            "Most calls ({cap}) cannot even score your prompt: scoring it on {} takes {}{}, \
             before any candidate is written. Raise Most calls to at least {} (your prompt and \
             the first round's candidates), or leave it empty.",
            // Tryout 48: "12 cases" for 6 cases on 2 models.
            match config.models() {
                1 => figures::count(answers, "case", "cases"),
                m => format!(
                    "{} on {m} models",
                    figures::count(answers / m, "case", "cases")
                ),
            },
            figures::count(need, "call", "calls"),
            answer_parts(answers, judges),
            need + round,
        ));
    }
    (round > 0 && cap < need + round).then(|| {
        format!(
            "Most calls ({cap}) can score your prompt ({}) but not the first round's candidates: \
             asking for them takes {} and scoring the {} takes {}{} (they are scored side by \
             side), so calls would be spent on candidates that are never scored. Raise Most calls \
             to at least {}, or leave it empty.",
            figures::count(need, "call", "calls"),
            figures::count(requests, "call", "calls"),
            figures::count(k, "candidate", "candidates"),
            figures::count(round_answers + round_judges, "call", "calls"),
            answer_parts(round_answers, round_judges),
            need + round,
        )
    })
}

/// `text` cut to at most `max` bytes at a character boundary.
fn clip_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// How many candidates one proposal call asks for: K-1 exploring ones (K when K = 1) and one
/// refinement of the best (when K >= 2).
fn styles_count(k: u32, refine: bool) -> u32 {
    match (refine, k) {
        (true, k) if k >= 2 => 1,
        (true, _) => 0,
        (false, k) if k >= 2 => k - 1,
        (false, k) => k,
    }
}

/// The output cap of a proposal asking for `n` candidates like `spec`.
fn propose_max_tokens(spec: &PromptSpec, n: u32) -> u64 {
    let prompt_tokens = estimate_tokens(&spec.render(RenderStyle::Markdown));
    u64::from(((prompt_tokens as f64 * 1.5) as u32 + 200) * n + 100)
}

/// The most a proposal's input can be: its system text, schema and overheads, plus its user
/// message, which [`Optimizer::propose_request`] clips to [`propose_user_cap`] bytes.
fn propose_input_bound(rendered: &str) -> u64 {
    let mut req = ChatRequest::new(Some(PROPOSE.trim().to_owned()), "");
    req.schema = Some(OutputSchema::new("candidates", propose_schema()));
    worst(&req).0 + propose_user_cap(rendered) as u64
}

/// The byte cap of a proposal's user message: room for the template, the best prompt and five
/// earlier ones (each up to 1.5 times the starting prompt) and the feedback.
fn propose_user_cap(rendered: &str) -> usize {
    PROPOSE_USER.len() + 9 * rendered.len() + 16_000
}

/// Advice when the meta model's reply did not have the requested form.
const ADVICE_FORMAT: &str = "This model may not manage this kind of structured reply: press Retry, \
     or pick a stronger model for writing prompts in Settings, then Retry.";

/// Why a proposal call gave no candidate to try (becomes a [`ProposalFailure`]).
struct Unusable {
    cause: String,
    message: String,
    advice: &'static str,
    raw: String,
}

impl Unusable {
    fn unread(cause: &str, message: String, advice: &'static str) -> Self {
        Self {
            cause: cause.to_owned(),
            message,
            advice,
            raw: String::new(),
        }
    }

    /// The call failed: the provider layer's message (the cause is that message: a different
    /// status or explanation is a different failure).
    fn call_failed(msg: &str) -> Self {
        Self::unread(
            &format!("call: {msg}"),
            format!("The call to the model for writing prompts failed: {msg}"),
            "Press Retry when the problem is solved, or pick another model for writing prompts \
             in Settings, then Retry.",
        )
    }

    /// Nothing of the reply read: the likeliest cause ([`ReplyCause`]).
    fn reply(cause: &ReplyCause) -> Self {
        let (key, advice) = match cause {
            ReplyCause::Empty => (
                "empty",
                "Press Retry; if the reply stays empty, pick another model for writing prompts in \
                 Settings.",
            ),
            ReplyCause::CutOff => (
                "cut-off",
                "Asking again the same way will likely stop at the same place: pick a model that \
                 writes longer replies for writing prompts in Settings, then Retry.",
            ),
            ReplyCause::NoJson => ("no-json", ADVICE_FORMAT),
            ReplyCause::Broken(_) => ("broken-json", ADVICE_FORMAT),
            ReplyCause::Unexpected { .. } => ("unexpected-json", ADVICE_FORMAT),
        };
        Self::unread(key, cause.message(), advice)
    }
}

impl Optimizer {
    /// A loop ready to start from `spec` (version `from_version`) under the approved `limit`.
    pub fn new(
        config: Config,
        spec: PromptSpec,
        from_version: u32,
        suite: &Suite,
        limit: Budget,
    ) -> Self {
        let minibatch = sample_minibatch(suite, config.minibatch, config.seed);
        let held_out = suite.checked_ids_in(eval::Split::HeldOut);
        Self {
            version: 1,
            config,
            at_once: 0,
            limit,
            added_calls: 0,
            resent: 0,
            resent_stalled: 0,
            charged_whole: 0,
            charged_unreported: 0,
            past_share: 0,
            spent: Budget::default(),
            reserved: Budget::default(),
            lost: Budget::default(),
            phase: Phase::Evaluating(0),
            paused: false,
            stop: None,
            round_unaffordable: false,
            candidates: vec![Candidate {
                id: 0,
                parent: None,
                round: 0,
                mutation: Mutation::Baseline,
                rationale: String::new(),
                spec,
                rejected: None,
                train: SortedMap::new(),
                held: SortedMap::new(),
                on: SortedMap::new(),
                kept: true,
                standing: Standing::default(),
                same_as: None,
            }],
            minibatch,
            held_out,
            rounds: Vec::new(),
            best: 0,
            no_gain: 0,
            in_flight: SortedMap::new(),
            proposed: SortedSet::new(),
            from_version,
            critiques: SortedMap::new(),
            rated: SortedMap::new(),
            proposal_failures: Vec::new(),
        }
    }

    pub fn candidate(&self, id: u32) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.id == id)
    }

    pub fn finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// The candidates a new loop would throw away that the person has not kept: ids of those
    /// scored on the training cases ([`Self::mean`]: the ones the page offers to accept), not
    /// rejected, not the starting prompt (no parent), and not accepted (`accepted(spec)`: a
    /// version of the draft holds that prompt). For the question "Start again" asks first
    /// (tryout 8: it replaced a finished loop's results without asking; tryout of session 21: a
    /// candidate the budget stopped before it was scored was called scored, with no Accept).
    ///
    /// A finished loop's candidate whose score waits only for a verdict (a rubric added or
    /// changed since: [`Self::awaits_verdict`]) is one too (tryout 112: it lost its score and
    /// its Accept, and *Start again* replaced it without asking).
    pub fn unaccepted(&self, ctx: &Ctx, accepted: impl Fn(&PromptSpec) -> bool) -> Vec<u32> {
        self.candidates
            .iter()
            .filter(|c| {
                c.parent.is_some()
                    && c.rejected.is_none()
                    && (self.mean(ctx, c.id, false).is_some() || self.awaits_verdict(ctx, c.id))
                    && !accepted(&c.spec)
            })
            .map(|c| c.id)
            .collect()
    }

    /// Whether candidate `id` of a loop that has ended has every training answer
    /// ([`Self::answers_in`]) and no score only because a judge's verdict is missing (a rubric
    /// added or changed after the loop, or the loop ended before the judge answered).
    pub fn awaits_verdict(&self, ctx: &Ctx, id: u32) -> bool {
        self.stop.is_some() && self.answers_in(ctx, id) && self.scores(ctx, id, false).is_none()
    }

    /// Whether candidate `id` has an answer (or a failed call) for every training case with
    /// checks, on every execution model: with no training score then, what it waits for is a
    /// judge's verdict (the loop ended before the judge read an answer, or a rubric was added
    /// or changed after the loop ran; the page says so, not "the loop ended first").
    pub fn answers_in(&self, ctx: &Ctx, id: u32) -> bool {
        let Some(c) = self.candidate(id) else {
            return false;
        };
        (0..self.config.models()).all(|m| {
            let results = c.results(m, false);
            self.minibatch.iter().all(|case_id| {
                !ctx.suite
                    .case(*case_id)
                    .is_some_and(|k| ctx.suite.has_checks(k))
                    || results.is_some_and(|r| r.get(case_id).is_some())
            })
        })
    }

    /// Per-case scores (0..=1) of a candidate on the minibatch or the held-out cases: with one
    /// execution model its scores ([`Self::model_scores`]); with several, each case's mean or
    /// lowest score on the models that counted it ([`Config::select`]), a case left out only
    /// when no model counted it. `None` until every model's are in.
    pub fn scores(&self, ctx: &Ctx, id: u32, held: bool) -> Option<SortedMap<u32, f64>> {
        let models = self.config.models();
        if models == 1 {
            return self.model_scores(ctx, id, held, 0);
        }
        let each = (0..models)
            .map(|m| self.model_scores(ctx, id, held, m))
            .collect::<Option<Vec<_>>>()?;
        let mut by_case: SortedMap<u32, Vec<f64>> = SortedMap::new();
        for scores in &each {
            for (case, x) in scores {
                by_case.entry(*case).or_default().push(*x);
            }
        }
        Some(
            by_case
                .into_iter()
                .map(|(case, xs)| {
                    let x = match self.config.select {
                        Selection::Mean => xs.iter().sum::<f64>() / xs.len() as f64,
                        Selection::Worst => xs.iter().copied().fold(f64::INFINITY, f64::min),
                    };
                    (case, x)
                })
                .collect(),
        )
    }

    /// A candidate's mean on each execution model (0-100; `None` for a model with no case
    /// counted or not all in yet), in model order: the per-model figures the page shows.
    pub fn model_means(&self, ctx: &Ctx, id: u32, held: bool) -> Vec<Option<f64>> {
        (0..self.config.models())
            .map(|m| {
                let s = self.model_scores(ctx, id, held, m)?;
                (!s.is_empty()).then(|| 100.0 * s.values().sum::<f64>() / s.len() as f64)
            })
            .collect()
    }

    /// Per-case scores (0..=1) of a candidate on one execution model (0: the execution job's),
    /// on the minibatch or the held-out cases; a failed call scores 0. A case is left out where
    /// a run's results leave it out of the mean ([`eval::CaseScore::counted`]: its judge failed,
    /// or nothing could be checked), and so is a case with no check at all whatever happened to
    /// its call ([`Suite::has_checks`]: a loop saved before its checks were removed). `None`
    /// until every case (and judge) is in.
    pub fn model_scores(
        &self,
        ctx: &Ctx,
        id: u32,
        held: bool,
        model: u32,
    ) -> Option<SortedMap<u32, f64>> {
        let c = self.candidate(id)?;
        let ids = if held {
            &self.held_out
        } else {
            &self.minibatch
        };
        let none = SortedMap::new();
        let results = c.results(model, held).unwrap_or(&none);
        let mut out = SortedMap::new();
        for case_id in ids {
            let Some(case) = ctx.suite.case(*case_id) else {
                continue;
            };
            if !ctx.suite.has_checks(case) {
                continue;
            }
            let r = results.get(case_id)?;
            if r.failed.is_some() {
                out.insert(*case_id, 0.0);
                continue;
            }
            let s = r.score(ctx.suite, case, &c.spec);
            if s.pending {
                return None;
            }
            if let Some(x) = s.counted() {
                out.insert(*case_id, x);
            }
        }
        Some(out)
    }

    /// Sets (`None`: clears) the person's rating of candidate `id`'s answer to case `case`
    /// (training or held-out); it counts in the candidate's score like any rating
    /// ([`eval::score_case`]) and its note is feedback for the next proposals. `false` when the
    /// candidate has no answer to that case.
    pub fn rate(&mut self, id: u32, case: u32, rating: Option<eval::rating::Rating>) -> bool {
        let Some(c) = self.candidates.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        match c.train.get_mut(&case).or(c.held.get_mut(&case)) {
            Some(r) if r.failed.is_none() => {
                r.observed.rating = rating;
                true
            }
            _ => false,
        }
    }

    /// Mean score 0-100 (None until complete or with no cases).
    pub fn mean(&self, ctx: &Ctx, id: u32, held: bool) -> Option<f64> {
        let s = self.scores(ctx, id, held)?;
        (!s.is_empty()).then(|| 100.0 * s.values().sum::<f64>() / s.len() as f64)
    }

    /// Why a training case of the minibatch is not counted in `id`'s training mean (see
    /// [`Self::scores`]), in plain words; `None` when it is counted or not scored yet.
    fn left_out_why(&self, ctx: &Ctx, id: u32, case_id: u32) -> Option<String> {
        let c = self.candidate(id)?;
        let case = ctx.suite.case(case_id)?;
        let r = c.train.get(&case_id)?;
        if r.failed.is_some() {
            return None;
        }
        let s = r.score(ctx.suite, case, &c.spec);
        if s.pending || s.counted().is_some() {
            return None;
        }
        Some(match s.judge_failed {
            Some(why) => format!(
                "the judge could not grade the answer ({})",
                why.trim_end_matches('.')
            ),
            None => "nothing in it could be checked".to_owned(),
        })
    }

    /// A candidate against its parent on the training cases, as its card shows them: both
    /// means rounded to whole points and the change between those shown figures (so they add
    /// up), wins, losses and ties on the cases scored for both, and each case left out with
    /// why. `None` for the starting prompt, or until both are scored.
    pub fn against_parent(&self, ctx: &Ctx, id: u32) -> Option<AgainstParent> {
        let parent = self.candidate(id)?.parent?;
        let mine = self.scores(ctx, id, false)?;
        let theirs = self.scores(ctx, parent, false)?;
        let versus = eval::compare(&theirs, &mine);
        let train = self.mean(ctx, id, false).map(shown_points);
        let parent_train = self.mean(ctx, parent, false).map(shown_points);
        let mut left_out = Vec::new();
        for case in &self.minibatch {
            if mine.contains_key(case) && theirs.contains_key(case) {
                continue;
            }
            // Changed since the loop scored it (see `scores`).
            match ctx.suite.case(*case) {
                None => {
                    left_out.push((*case, "it is no longer among the test cases".to_owned()));
                    continue;
                }
                Some(c) if !ctx.suite.has_checks(c) => {
                    left_out.push((*case, "it has no check any more".to_owned()));
                    continue;
                }
                Some(_) => {}
            }
            let why = match (
                self.left_out_why(ctx, id, *case),
                self.left_out_why(ctx, parent, *case),
            ) {
                (Some(a), Some(b)) if a == b => format!("for both, {a}"),
                (Some(a), Some(b)) => format!("for this candidate, {a}; for its parent, {b}"),
                (Some(a), None) => format!("for this candidate, {a}"),
                (None, Some(b)) => format!("for its parent, {b}"),
                // A case with nothing to check is never sent (see `sample_minibatch`).
                (None, None) => continue,
            };
            left_out.push((*case, why));
        }
        // Over the same cases only: a case counted for one and not the other makes the means
        // measure different things.
        let same = self
            .minibatch
            .iter()
            .all(|c| mine.contains_key(c) == theirs.contains_key(c));
        Some(AgainstParent {
            change: match (train, parent_train) {
                (Some(t), Some(p)) if same => Some(t - p),
                _ => None,
            },
            train,
            parent: parent_train,
            wins: versus.wins,
            losses: versus.losses,
            ties: versus.ties,
            left_out,
        })
    }

    /// Advances the machine by one event; returns what the shell must do now.
    pub fn step(&mut self, ctx: &Ctx, event: Event) -> Vec<Effect> {
        match event {
            Event::Start => self.resume(ctx, &[]),
            Event::Resume { running } => self.resume(ctx, &running),
            Event::Lost => {
                self.charge_lost(|_| true);
                Vec::new()
            }
            Event::Failed { work } => {
                self.charge_lost(|w| *w == work);
                Vec::new()
            }
            Event::Pause => {
                self.paused = true;
                Vec::new()
            }
            Event::Resent {
                n,
                stalled,
                work,
                prompts,
            } => {
                self.resent = self.resent.saturating_add(n);
                self.resent_stalled = self.resent_stalled.saturating_add(stalled);
                if prompts > 0
                    && let Some((role, _, _)) = self.in_flight.get(&work)
                {
                    let slot = work.slot(*role);
                    self.spent.input[slot] = self.spent.input[slot].saturating_add(prompts);
                }
                Vec::new()
            }
            Event::Unsent { works } => {
                for w in works {
                    if let Some((role, i, o)) = self.in_flight.remove(&w) {
                        self.reserved.sub(w.slot(role), i, o);
                    }
                }
                Vec::new()
            }
            Event::Cancel => {
                let was_running = self.stop.is_none();
                self.finish(Stop::Cancelled);
                self.charge_abandoned(|_| true);
                if was_running {
                    vec![Effect::Finished(Stop::Cancelled)]
                } else {
                    Vec::new()
                }
            }
            Event::Done { work, result } => {
                let Some((role, ri, ro)) = self.in_flight.remove(&work) else {
                    // A reply for work no longer wanted (cancelled, or issued before a reload):
                    // it was charged when it was given up.
                    return Vec::new();
                };
                let slot = work.slot(role);
                self.reserved.sub(slot, ri, ro);
                // What the provider reported; the whole reservation when it reported nothing, and
                // for a failed or cut-off call (it may have used all of it).
                let (ui, uo) = match &result {
                    Ok(r) if r.input_tokens + r.output_tokens > 0 => {
                        (u64::from(r.input_tokens), u64::from(r.output_tokens))
                    }
                    _ => {
                        self.charged_whole = self.charged_whole.saturating_add(1);
                        if result.is_ok() {
                            self.charged_unreported = self.charged_unreported.saturating_add(1);
                        }
                        (ri, ro)
                    }
                };
                if ui > ri || uo > ro {
                    self.past_share = self.past_share.saturating_add(1);
                }
                self.spent.add(slot, ui, uo);
                self.record(ctx, work, result);
                if self.stop.is_some() {
                    return Vec::new();
                }
                // A provider that reports more than a call can use (never seen, but it is
                // their count that is billed): stop at once, issue nothing more.
                if !self.affordable(&self.spent.plus(&self.reserved)) {
                    self.finish_at_budget(ctx);
                    return vec![Effect::Finished(Stop::BudgetReached)];
                }
                if self.paused {
                    return Vec::new();
                }
                self.advance(ctx)
            }
        }
    }

    fn resume(&mut self, ctx: &Ctx, running: &[Work]) -> Vec<Effect> {
        if self.stop.is_some() {
            return Vec::new();
        }
        // What the page offered when the person pressed Resume (Retry): a round that gave
        // nothing to try is asked for again, and work lost with a page that no longer fits is
        // issued again; the click approves the calls this takes on top of the budget (the failed
        // and lost ones were charged in full). Read before anything else changes, so that only
        // the figure the page showed is approved.
        let stalled = self.stalled();
        let offered = self.retry_budget(ctx);
        self.paused = false;
        self.charge_lost(|w| !running.contains(w));
        if let Some(extra) = offered {
            match stalled {
                Some(round) => self.proposed.retain(|(r, _)| *r != round),
                None => self.lost = Budget::default(),
            }
            self.limit = self.limit.plus(&extra);
            self.added_calls += extra.calls;
        }
        self.advance(ctx)
    }

    /// Makes this the state of a copy (Duplicate, Keep both, an import, a received link): the
    /// calls in flight were sent by the page of the draft copied and are charged there when it
    /// opens again ([`Event::Lost`]); the copy never sent them, so their reservations are
    /// released without a charge, and they are issued again when the copy's loop is resumed
    /// (its paid calls are its own from then on). Returns how many were released.
    pub fn release_in_flight_for_copy(&mut self) -> usize {
        let works: Vec<Work> = self.in_flight.keys().cloned().collect();
        let n = works.len();
        for w in works {
            if let Some((role, i, o)) = self.in_flight.remove(&w) {
                self.reserved.sub(w.slot(role), i, o);
            }
        }
        n
    }

    /// Charges the calls in flight that `gone` picks (lost with a page: they went out, so they
    /// may be billed) their whole reservation, notes it in [`Self::lost`], and forgets them;
    /// they are issued again when the loop goes on.
    fn charge_lost(&mut self, gone: impl Fn(&Work) -> bool) {
        let before = self.spent;
        self.charge_abandoned(gone);
        let mut added = self.spent;
        added.calls -= before.calls;
        for i in 0..SLOTS {
            added.role_calls[i] -= before.role_calls[i];
            added.input[i] -= before.input[i];
            added.output[i] -= before.output[i];
        }
        self.lost = self.lost.plus(&added);
    }

    /// Charges the calls in flight that `abandoned` picks their whole reservation (they may have
    /// used all of it) and forgets them; they are issued again when the loop goes on.
    fn charge_abandoned(&mut self, abandoned: impl Fn(&Work) -> bool) {
        let gone: Vec<Work> = self
            .in_flight
            .keys()
            .filter(|w| abandoned(w))
            .cloned()
            .collect();
        for w in gone {
            if let Some((role, i, o)) = self.in_flight.remove(&w) {
                self.reserved.sub(w.slot(role), i, o);
                self.spent.add(w.slot(role), i, o);
                self.charged_whole = self.charged_whole.saturating_add(1);
            }
        }
    }

    /// Ends at the budget. In the middle of scoring a round's candidates, the ones scored on
    /// every case are first compared as at the end of a round (`select`; one not scored on
    /// every case is left out): a scored candidate better than the best so far becomes the best
    /// (tryout, session 22: a candidate at 100 against its parent's 0 read "dropped" and the
    /// parent stayed "best so far"). Its held-out check is not done (no calls are left).
    fn finish_at_budget(&mut self, ctx: &Ctx) {
        if let Phase::Evaluating(round) = self.phase {
            self.select(ctx, round);
        }
        self.finish(Stop::BudgetReached);
    }

    fn finish(&mut self, stop: Stop) {
        self.stop = Some(stop);
        self.phase = Phase::Finished;
    }

    fn record(&mut self, ctx: &Ctx, work: Work, result: Result<Reply, String>) {
        match work {
            Work::Exec {
                cand,
                case,
                held,
                model,
            } => {
                let Some(c) = self.candidates.iter_mut().find(|c| c.id == cand) else {
                    return;
                };
                let e = c.results_mut(model, held).entry(case).or_default();
                match result {
                    Ok(r) => {
                        e.output = r.text;
                        e.observed = r.observed;
                    }
                    Err(msg) => e.failed = Some(msg),
                }
            }
            Work::Judge {
                cand,
                case,
                held,
                rubric,
                model,
            } => {
                let Some(c) = self.candidates.iter_mut().find(|c| c.id == cand) else {
                    return;
                };
                let e = c.results_mut(model, held).entry(case).or_default();
                let j = match &result {
                    Ok(r) => judge::verdict(Ok(&r.text), &rubric),
                    Err(msg) => judge::verdict(Err((String::new(), msg)), &rubric),
                };
                // A verdict of the built-in tiny model says it is a rough guess.
                if let Ok(r) = &result {
                    e.observed.rough_judge = r.observed.rough_judge;
                }
                e.judgements.insert(rubric, j);
            }
            Work::Propose { round, refine } => {
                self.proposed.insert((round, refine));
                let before = self
                    .proposal_failures
                    .iter()
                    .position(|f| f.round == round && f.refine == refine)
                    .map(|i| self.proposal_failures.remove(i));
                let failed = match result {
                    Err(msg) => Err(Unusable::call_failed(&msg)),
                    Ok(r) => self
                        .add_candidates(ctx, round, refine, &r.text, r.observed.cut_off())
                        .map_err(|u| Unusable { raw: r.text, ..u }),
                };
                if let Err(u) = failed {
                    self.proposal_failures.push(ProposalFailure {
                        round,
                        refine,
                        message: u.message,
                        advice: u.advice.to_owned(),
                        raw: u.raw,
                        attempt: before.as_ref().map_or(1, |b| b.attempt + 1),
                        same_as_before: before.as_ref().is_some_and(|b| b.cause == u.cause),
                        before: before.filter(|b| b.cause != u.cause).map(|b| b.message),
                        cause: u.cause,
                    });
                }
            }
        }
    }

    /// Reads a proposal reply into candidates; the ones that change a locked section are rejected.
    /// `Err` when it gives no candidate to try: nothing read (the likeliest cause), or every
    /// candidate rejected.
    fn add_candidates(
        &mut self,
        ctx: &Ctx,
        round: u32,
        refine: bool,
        text: &str,
        cut_off: bool,
    ) -> Result<(), Unusable> {
        let before = self.candidates.len();
        if let Some(task) = self.config.tiny_task.clone() {
            self.add_tiny_candidates(ctx, &task, round, refine, text);
            return self.usable_since(before, || {
                Unusable::unread(
                    "no-rules",
                    "The local model wrote no rule that could be read.".to_owned(),
                    ADVICE_FORMAT,
                )
            });
        }
        let extracted = structured::extract_json(text);
        let v = match extracted {
            Ok(v) if !cut_off => v,
            other => return Err(Unusable::reply(&diagnose(text, other, cut_off))),
        };
        if v["candidates"].as_array().is_none_or(Vec::is_empty) {
            return Err(Unusable::reply(&diagnose(text, Ok(v), false)));
        }
        let parent = self.best;
        let parent_spec = self
            .candidate(parent)
            .map(|c| c.spec.clone())
            .unwrap_or_default();
        let wanted = self.styles_for(round, refine);
        let items = v["candidates"].as_array().cloned().unwrap_or_default();
        for (i, item) in items.iter().take(wanted.len()).enumerate() {
            let Some(spec) = spec_of(item) else { continue };
            // What it was asked for, not the style its reply names (a model may name another).
            let mutation = wanted[i];
            let rejected = self
                .config
                .locked
                .iter()
                .find(|s| norm(&spec.section_text(**s)) != norm(&parent_spec.section_text(**s)))
                .map(|s| format!("It changed the locked section {}.", s.title()));
            let text = norm(&spec.render(RenderStyle::Markdown));
            let rejected = rejected.or_else(|| {
                (text == norm(&parent_spec.render(RenderStyle::Markdown)))
                    .then(|| "It is the same as its parent.".to_owned())
            });
            // A prompt tried already is not scored again: its calls would buy the same figures
            // (tryout 97: two rounds' identical candidates were each scored, 16 calls for one
            // prompt). One of an earlier round takes that candidate's results (no call for the
            // cases they cover); one of this round is rejected (the first is scored).
            // This round's twin first: a prompt proposed twice in a round is rejected the second
            // time even when an earlier round tried it too (the review of session 48).
            let same = |c: &&Candidate| {
                c.rejected.is_none() && norm(&c.spec.render(RenderStyle::Markdown)) == text
            };
            let twin = self
                .candidates
                .iter()
                .filter(|c| c.round == round)
                .find(same)
                .or_else(|| self.candidates.iter().find(same))
                .map(|c| (c.id, c.round, c.train.clone(), c.held.clone(), c.on.clone()));
            let rejected = rejected.or_else(|| {
                twin.as_ref()
                    .filter(|t| t.1 == round)
                    .map(|t| format!("It is the same as candidate #{} of this round.", t.0))
            });
            let (same_as, train, held, on) = match twin {
                Some((id, r, train, held, on)) if r != round && rejected.is_none() => {
                    (Some(id), train, held, on)
                }
                _ => (None, SortedMap::new(), SortedMap::new(), SortedMap::new()),
            };
            let id = self.candidates.iter().map(|c| c.id).max().unwrap_or(0) + 1;
            self.candidates.push(Candidate {
                id,
                parent: Some(parent),
                round,
                mutation,
                rationale: item["rationale"].as_str().unwrap_or("").trim().to_owned(),
                spec,
                rejected,
                train,
                held,
                on,
                kept: false,
                standing: Standing::default(),
                same_as,
            });
        }
        self.usable_since(before, || {
            Unusable::unread(
                "unreadable-candidates",
                format!(
                    "The reply lists {} but none of them reads as a prompt (each needs a persona, \
                     context or steps).",
                    figures::count(items.len(), "candidate", "candidates")
                ),
                ADVICE_FORMAT,
            )
        })
    }

    /// `Ok` when candidates added after the first `before` include one to try; else why not:
    /// `none` when nothing was added, or every new one's rejection.
    fn usable_since(&self, before: usize, none: impl FnOnce() -> Unusable) -> Result<(), Unusable> {
        let new = &self.candidates[before.min(self.candidates.len())..];
        if new.is_empty() {
            return Err(none());
        }
        if new.iter().any(|c| c.rejected.is_none()) {
            return Ok(());
        }
        let first = new[0].rejected.clone().unwrap_or_default();
        Err(Unusable::unread(
            "all-rejected",
            format!(
                "Every candidate of this reply was rejected ({}), so none could be tried. The \
                 first one: {first}",
                figures::count(new.len(), "candidate", "candidates")
            ),
            if self.config.locked.is_empty() {
                "Press Retry to ask for new candidates (each Retry asks anew), or pick another \
                 meta model in Settings."
            } else {
                "Press Retry to ask for new candidates, or unlock sections under \u{201c}Settings \
                 of the loop\u{201d} and start again."
            },
        ))
    }

    /// The round the loop waits on because its proposals gave no candidate to try (the calls
    /// failed, their replies could not be read, or every candidate was rejected): the loop
    /// pauses there instead of running on, and Resume asks again.
    pub fn stalled(&self) -> Option<u32> {
        let Phase::Proposing(round) = self.phase else {
            return None;
        };
        let asked = self.proposed.contains(&(round, false))
            && (self.config.k < 2 || self.proposed.contains(&(round, true)));
        let any = self
            .candidates
            .iter()
            .any(|c| c.round == round && c.rejected.is_none());
        (self.stop.is_none() && asked && self.in_flight.is_empty() && !any).then_some(round)
    }

    /// Whether the proposal call that failed with `f` is being asked again: its round is the one
    /// under way and the call has not answered since (Resume or Retry took it back; it is in
    /// flight, or goes out as soon as the loop may send). The page then says so, not "the loop
    /// did not wait for it" (helper-58: a red "Failed again (attempt 3)" stayed up while the
    /// fourth call ran).
    /// `Some(true)` while that call is out (a Pause does not take it back), `Some(false)` while it
    /// waits to go out; `None` when it is not being asked again.
    pub fn asking_again(&self, f: &ProposalFailure) -> Option<bool> {
        (self.stop.is_none()
            && self.phase == Phase::Proposing(f.round)
            && !self.proposed.contains(&(f.round, f.refine)))
        .then(|| {
            self.in_flight.contains_key(&Work::Propose {
                round: f.round,
                refine: f.refine,
            })
        })
    }

    /// Whether the loop waits because calls lost with a page ([`Self::lost`]) were charged and
    /// the work left, them included, no longer fits the approved budget: none of it can be
    /// issued and nothing is in flight. Resume (Retry) then adds [`Self::lost`] to the limit;
    /// the loop never ends "at the approved budget" for a shortfall the loss made.
    pub fn short_after_loss(&self, ctx: &Ctx) -> bool {
        if self.stop.is_some() || self.lost.calls == 0 || !self.in_flight.is_empty() {
            return false;
        }
        if self.stalled().is_some() {
            return false;
        }
        let pending = self.pending(ctx);
        pending.iter().any(|w| self.request_for(ctx, w).is_some())
            && !pending.iter().any(|w| self.fits(ctx, w))
    }

    /// The calls a round takes: its requests for candidates (one, or two with K >= 2) and its K
    /// candidates' answers and judge calls on the minibatch on every model
    /// ([`first_round_calls`] for round 1).
    fn round_calls(&self, ctx: &Ctx) -> u32 {
        let requests = [false, true]
            .into_iter()
            .filter(|refine| styles_count(self.config.k, *refine) > 0)
            .count() as u32;
        let (answers, judges) = evaluation_calls(&self.config, ctx.suite, &self.minibatch);
        requests + self.config.k * (answers + judges)
    }

    /// Whether `work`'s call, at its upper bound, fits what is left of the approved budget.
    fn fits(&self, ctx: &Ctx, work: &Work) -> bool {
        let Some((role, request)) = self.request_for(ctx, work) else {
            return false;
        };
        let (i, o) = worst(&request);
        let mut one = Budget::default();
        one.add(work.slot(role), i, o);
        self.affordable(&self.spent.plus(&self.reserved).plus(&one))
    }

    /// Whether `b` stays within the approved budget: its calls and tokens in all
    /// ([`Budget::within`]) and, when the jobs' prices are known ([`Config::prices`]), its cost
    /// at most the approved budget's cost (tokens moved from a cheap job to a dear one never
    /// spend more money than was approved).
    pub fn affordable(&self, b: &Budget) -> bool {
        b.within(&self.limit)
            && self
                .config
                .prices
                .as_ref()
                .is_none_or(|p| b.cost(p) <= self.limit.cost(p) * (1.0 + 1e-12))
    }

    /// What Resume (Retry) adds to the approved budget, for the page to show on its button:
    /// for a stalled round, what asking its proposals again may use at most (one call each for
    /// new candidates and, with 2 or more candidates a round, the refinement); for a loop
    /// [`Self::short_after_loss`], the reservations of the lost calls. `None` otherwise.
    pub fn retry_budget(&self, ctx: &Ctx) -> Option<Budget> {
        if self.short_after_loss(ctx) {
            return Some(self.lost);
        }
        let round = self.stalled()?;
        let mut extra = Budget::default();
        for refine in [false, true] {
            if refine && self.config.k < 2 {
                continue;
            }
            if let Some((role, req)) = self.request_for(ctx, &Work::Propose { round, refine }) {
                let (i, o) = worst(&req);
                extra.add(slot(role, 0), i, o);
            }
        }
        Some(extra)
    }

    /// The mutation styles asked for in a round's proposal call.
    pub fn styles_for(&self, round: u32, refine: bool) -> Vec<Mutation> {
        let n = styles_count(self.config.k, refine) as usize;
        // The tiny model's proposals are new rules, each added as a step: that is all they are.
        if self.config.tiny_task.is_some() {
            return vec![Mutation::AddConstraint; n];
        }
        if refine {
            return vec![Mutation::Refine];
        }
        // Proposals start at round 1; a round 0 (only in a damaged snapshot) reads as round 1.
        let start = (round as usize).saturating_sub(1) * n
            + (self.config.seed as usize % Mutation::EXPLORE.len());
        (0..n)
            .map(|i| Mutation::EXPLORE[(start + i) % Mutation::EXPLORE.len()])
            .collect()
    }

    /// The work the current phase still needs, in a stable order.
    fn pending(&self, ctx: &Ctx) -> Vec<Work> {
        // Case by case, each model's answer and judge calls (so every model's first answers
        // come in early).
        let eval_work = |cand: &Candidate, held: bool, out: &mut Vec<Work>| {
            let ids = if held {
                &self.held_out
            } else {
                &self.minibatch
            };
            for id in ids {
                let Some(case) = ctx.suite.case(*id) else {
                    continue;
                };
                for model in 0..self.config.models() {
                    match cand.results(model, held).and_then(|r| r.get(id)) {
                        None => out.push(Work::Exec {
                            cand: cand.id,
                            case: *id,
                            held,
                            model,
                        }),
                        // A refusal is not sent to the judge: its judge checks are not
                        // measured (`eval::check`), as in a run.
                        Some(r) if r.failed.is_none() && r.observed.refusal.is_none() => {
                            for rubric in rubrics(ctx.suite, case) {
                                if !r.judgements.contains_key(&rubric) {
                                    out.push(Work::Judge {
                                        cand: cand.id,
                                        case: *id,
                                        held,
                                        rubric,
                                        model,
                                    });
                                }
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
        };
        let mut out = Vec::new();
        match self.phase {
            Phase::Evaluating(round) => {
                for c in self
                    .candidates
                    .iter()
                    .filter(|c| c.round == round && c.rejected.is_none())
                {
                    eval_work(c, false, &mut out);
                }
            }
            Phase::Checking(_) => {
                if let Some(c) = self.candidate(self.best) {
                    eval_work(c, true, &mut out);
                }
            }
            Phase::Proposing(round) => {
                if !self.proposed.contains(&(round, false)) {
                    out.push(Work::Propose {
                        round,
                        refine: false,
                    });
                }
                if self.config.k >= 2 && !self.proposed.contains(&(round, true)) {
                    out.push(Work::Propose {
                        round,
                        refine: true,
                    });
                }
            }
            Phase::Finished => {}
        }
        out
    }

    /// Issues what the budget allows; moves to the next phase when a phase's work is done.
    fn advance(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let mut effects = Vec::new();
        loop {
            if self.stop.is_some() || self.paused {
                return effects;
            }
            // Nothing to try this round: wait for the person (see `stalled`), never run on as if
            // the round had happened.
            if self.stalled().is_some() {
                self.paused = true;
                return effects;
            }
            let pending = self.pending(ctx);
            if pending.is_empty() {
                if !self.in_flight.is_empty() {
                    return effects;
                }
                if let Some(stop) = self.next_phase(ctx) {
                    self.finish(stop);
                    effects.push(Effect::Finished(stop));
                    return effects;
                }
                continue;
            }
            let mut issued_any = false;
            // Some work left has a request (none has in a damaged snapshot: that is no
            // shortfall a loss made).
            let mut askable = false;
            for work in pending {
                if self.in_flight.contains_key(&work) {
                    continue;
                }
                if self.at_once > 0 && self.in_flight.len() >= self.at_once as usize {
                    break;
                }
                askable |= self.request_for(ctx, &work).is_some();
                if !self.fits(ctx, &work) {
                    continue;
                }
                let Some((role, request)) = self.request_for(ctx, &work) else {
                    continue;
                };
                let (i, o) = worst(&request);
                self.reserved.add(work.slot(role), i, o);
                self.in_flight.insert(work.clone(), (role, i, o));
                effects.push(Effect::Call {
                    work,
                    role,
                    request,
                });
                issued_any = true;
            }
            if !issued_any && self.in_flight.is_empty() {
                if self.lost.calls > 0 && askable {
                    // Work is left that does not fit because calls lost with a page were
                    // charged: wait for the person to approve doing them again
                    // (`short_after_loss`), never end as if the budget had been used up.
                    self.paused = true;
                    return effects;
                }
                // Work is left but none of it fits the budget.
                self.finish_at_budget(ctx);
                effects.push(Effect::Finished(Stop::BudgetReached));
            }
            return effects;
        }
    }

    /// Moves on when a phase's work is all in; `Some(stop)` when the loop ends.
    fn next_phase(&mut self, ctx: &Ctx) -> Option<Stop> {
        match self.phase {
            Phase::Evaluating(round) => {
                self.select(ctx, round);
                self.phase = Phase::Checking(round);
                None
            }
            Phase::Checking(round) => {
                let mean = self.mean(ctx, self.best, false);
                let (train, unscored) = (mean.unwrap_or(0.0), mean.is_none());
                let held = self.mean(ctx, self.best, true);
                let models = if self.config.models() > 1 {
                    self.model_means(ctx, self.best, false)
                } else {
                    Vec::new()
                };
                let mut tried = self
                    .candidates
                    .iter()
                    .filter(|c| round > 0 && c.round == round && c.rejected.is_none())
                    .peekable();
                let candidates_unscored =
                    tried.peek().is_some() && tried.all(|c| self.mean(ctx, c.id, false).is_none());
                self.rounds.push(RoundRecord {
                    round,
                    best: self.best,
                    train,
                    unscored,
                    candidates_unscored,
                    held,
                    models,
                });
                if round >= self.config.rounds {
                    return Some(Stop::Completed);
                }
                if round > 0 && self.no_gain >= self.config.patience {
                    return Some(Stop::EarlyStop);
                }
                // A round whose candidates cannot all be scored with the calls left is not
                // begun: its calls would be spent on candidates never scored (what
                // `cap_problem` refuses at Start for round 1). Calls lost with a page count as
                // left: Resume adds them back when the work no longer fits
                // (`short_after_loss`).
                let left = (self.limit.calls + self.lost.calls)
                    .saturating_sub(self.spent.calls + self.reserved.calls);
                if self.round_calls(ctx) > left {
                    self.round_unaffordable = true;
                    return Some(Stop::BudgetReached);
                }
                self.phase = Phase::Proposing(round + 1);
                None
            }
            Phase::Proposing(round) => {
                self.phase = Phase::Evaluating(round);
                None
            }
            Phase::Finished => Some(self.stop.unwrap_or(Stop::Completed)),
        }
    }

    /// After a round: keep the Pareto front and the best mean; count rounds without gain.
    fn select(&mut self, ctx: &Ctx, round: u32) {
        let previous = self.mean(ctx, self.best, false);
        let pool: Vec<(u32, SortedMap<u32, f64>)> = self
            .candidates
            .iter()
            .filter(|c| c.rejected.is_none() && (c.kept || c.round == round))
            .filter_map(|c| Some((c.id, self.scores(ctx, c.id, false)?)))
            .collect();
        let best = best_mean(&pool).unwrap_or(self.best);
        let mut standing = standings(&pool);
        // The front across cases x models: a candidate best on one case on one model is kept,
        // and its standing names those (model, case) pairs.
        let front = if self.config.models() == 1 {
            pareto_front(&pool)
        } else {
            let objectives: Vec<(u32, SortedMap<(u32, u32), f64>)> = pool
                .iter()
                .map(|(id, _)| {
                    let per = (0..self.config.models())
                        .filter_map(|m| Some((m, self.model_scores(ctx, *id, false, m)?)))
                        .flat_map(|(m, s)| s.into_iter().map(move |(case, x)| ((m, case), x)))
                        .collect();
                    (*id, per)
                })
                .collect();
            for (id, (alone, tied)) in tops(&objectives) {
                let st = standing.entry(id).or_default();
                st.best_on_model = alone;
                st.tied_best_on_model = tied;
            }
            pareto_front(&objectives)
        };
        for c in &mut self.candidates {
            if c.round == round || c.kept {
                c.kept = front.contains(&c.id) || c.id == best;
                c.standing = standing.remove(&c.id).unwrap_or_default();
            }
        }
        let new_mean = self.mean(ctx, best, false);
        // The first score after rounds with none is a gain (tryout 105: "Stopped early: the
        // last rounds brought no gain" right after it, and an approved round not run).
        let gained = match (previous, new_mean) {
            (Some(p), Some(n)) => n > p + 1e-9,
            (None, Some(_)) => true,
            _ => false,
        };
        if round > 0 {
            if gained {
                self.no_gain = 0;
            } else {
                self.no_gain += 1;
            }
        }
        self.best = best;
    }

    /// The request for one unit of work.
    fn request_for(&self, ctx: &Ctx, work: &Work) -> Option<(Role, ChatRequest)> {
        match work {
            Work::Exec {
                cand, case, model, ..
            } => {
                let c = self.candidate(*cand)?;
                let case = ctx.suite.case(*case)?;
                let temperature = match *model {
                    0 => self.config.exec_temperature,
                    m => self.config.also_on.get(m as usize - 1)?.temperature,
                };
                let req = eval::run::request(
                    &c.spec.render(self.config.style),
                    case,
                    temperature,
                    self.config.exec_max_tokens,
                );
                Some((Role::Execution, req))
            }
            Work::Judge {
                cand,
                case,
                held,
                rubric,
                model,
            } => {
                let c = self.candidate(*cand)?;
                let case = ctx.suite.case(*case)?;
                let r = c.results(*model, *held)?.get(&case.id)?;
                let prompt = c.spec.render(self.config.style);
                let subject = judge::Subject {
                    rubric,
                    prompt: &prompt,
                    case,
                    output: &r.output,
                    cut_off: r.observed.cut_off(),
                };
                let call = judge::call(&subject, self.config.judge_temperature);
                Some((call.role, call.request))
            }
            Work::Propose { round, refine } => self
                .propose_request(ctx, *round, *refine)
                .map(|req| (Role::Meta, req)),
        }
    }

    /// The tiny model's proposal: one rule a line, each a candidate of its own (the best prompt
    /// with the rule added as a step); a rule that fails [`tiny_jobs::rule_problems`] becomes a
    /// rejected candidate with its reason, and is never evaluated.
    fn add_tiny_candidates(&mut self, ctx: &Ctx, task: &str, round: u32, refine: bool, text: &str) {
        let parent = self.best;
        let Some(parent_spec) = self.candidate(parent).map(|c| c.spec.clone()) else {
            return;
        };
        let (case_id, failure) = self.tiny_failure(ctx);
        let topic = failure.topic(task);
        let wanted = self.styles_for(round, refine);
        let mut seen: Vec<String> = Vec::new();
        for (rule, mutation) in tiny_jobs::read_rules(text).into_iter().zip(wanted) {
            let mut spec = parent_spec.clone();
            spec.steps.push(rule.clone());
            let mut problems = tiny_jobs::rule_problems(&topic, &rule, &parent_spec);
            if seen.contains(&norm(&rule)) {
                problems.push("It repeats an earlier rule of this proposal.".to_owned());
            }
            let rendered = norm(&spec.render(RenderStyle::Markdown));
            if let Some(twin) = self
                .candidates
                .iter()
                .find(|c| norm(&c.spec.render(RenderStyle::Markdown)) == rendered)
            {
                problems.push(format!("It is the same as candidate #{}.", twin.id));
            }
            seen.push(norm(&rule));
            let rejected = problems
                .first()
                .map(|p| format!("The local model's rule was not usable: {p}"));
            let from = case_id.map_or_else(
                || "to keep passing answers right".to_owned(),
                |id| format!("from case #{id}'s failure"),
            );
            let id = self.candidates.iter().map(|c| c.id).max().unwrap_or(0) + 1;
            self.candidates.push(Candidate {
                id,
                parent: Some(parent),
                round,
                mutation,
                rationale: if rejected.is_some() {
                    format!(
                        "Would have added the step \u{201c}{rule}\u{201d}, written by the local model {from}; not tried."
                    )
                } else {
                    format!(
                        "Added the step \u{201c}{rule}\u{201d}, written by the local model {from}."
                    )
                },
                spec,
                rejected,
                train: SortedMap::new(),
                held: SortedMap::new(),
                on: SortedMap::new(),
                kept: false,
                standing: Standing::default(),
                same_as: None,
            });
        }
    }

    /// The best candidate's worst failing case for the tiny model's rules (its id, message,
    /// reply and what went wrong), or a passing case with nothing wrong when none fails.
    fn tiny_failure(&self, ctx: &Ctx) -> (Option<u32>, tiny_jobs::Failure) {
        let Some(best) = self.candidate(self.best) else {
            return (None, tiny_jobs::Failure::default());
        };
        let scores = self.scores(ctx, best.id, false).unwrap_or_default();
        let mut ranked: Vec<(&u32, &f64)> = scores.iter().collect();
        crate::domain::order::sort_by(&mut ranked, |a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)));
        for (id, score) in ranked {
            let (Some(case), Some(r)) = (ctx.suite.case(*id), best.train.get(id)) else {
                continue;
            };
            let mut wrong = Vec::new();
            if *score < 1.0 {
                let (failed, cut_off) = failed_checks(ctx.suite, case, best, r);
                wrong.extend(
                    failed
                        .into_iter()
                        .filter_map(|(check, reason)| Some(format!("{check}: {}", reason?))),
                );
                if cut_off {
                    wrong.push("The answer was cut off at the token limit.".to_owned());
                }
                // The person's thumbs-down on an answer in an earlier run, like a check: said
                // of that answer, not of this one.
                if let Some(a) = self.rated.get(id).filter(|a| a.rating.is_down()) {
                    wrong.push(match a.rating.note.trim() {
                        "" => "The person rated an earlier answer to it down.".to_owned(),
                        note => format!("The person rated an earlier answer to it down: {note}"),
                    });
                }
            }
            let failure = tiny_jobs::Failure {
                message: case.user_message(),
                // A failed call wrote no answer: said as such, never as the model's words
                // (tryout 78: the meta model read the error text as the answer).
                reply: r.failed.as_ref().map_or_else(
                    || r.output.clone(),
                    |m| format!("(No answer: the call failed. {})", m.trim()),
                ),
                wrong: wrong.join(" "),
            };
            return (Some(*id).filter(|_| *score < 1.0), failure);
        }
        (None, tiny_jobs::Failure::default())
    }

    /// OPRO history, GEPA feedback and the mutation styles, in one request; `None` when the best
    /// candidate is missing (a damaged snapshot: `validate` refuses those when one is loaded).
    /// On the tiny model, [`tiny_jobs::rules_request`] for the worst failing case instead.
    pub fn propose_request(&self, ctx: &Ctx, round: u32, refine: bool) -> Option<ChatRequest> {
        let best = self.candidate(self.best)?;
        if let Some(task) = &self.config.tiny_task {
            let (_, failure) = self.tiny_failure(ctx);
            let temperature = if refine {
                self.config.refine_temperature
            } else {
                self.config.explore_temperature
            };
            // A different seed per round and kind, so a round does not repeat the last one's
            // rules, and per attempt: a Retry of a round whose rules were all rejected samples
            // anew (tryout 10: it gave the same rejected rules word for word).
            let attempt = self
                .proposal_failures
                .iter()
                .find(|f| f.round == round && f.refine == refine)
                .map_or(0, |f| f.attempt);
            let seed = (self.config.seed as u32)
                .wrapping_add(round.wrapping_mul(2))
                .wrapping_add(u32::from(refine))
                .wrapping_add(attempt.wrapping_mul(1_000_003));
            return Some(tiny_jobs::rules_request(task, &failure, temperature, seed));
        }
        // (a) Earlier prompts and scores, worst to best, at most 5 (the best ones).
        let mut scored: Vec<(f64, &Candidate)> = self
            .candidates
            .iter()
            .filter(|c| c.rejected.is_none() && c.id != best.id)
            .filter_map(|c| Some((self.mean(ctx, c.id, false)?, c)))
            .collect();
        crate::domain::order::sort_by(&mut scored, |a, b| {
            a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id))
        });
        let history = if scored.is_empty() {
            "(none yet)".to_owned()
        } else {
            scored
                .iter()
                .rev()
                .take(5)
                .rev()
                .map(|(s, c)| {
                    format!(
                        "### Score {s:.0} / 100 ({})\n{}",
                        c.mutation.label(),
                        eval::clip(&c.spec.render(RenderStyle::Markdown), 2500)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        // (b) The best's failing cases with their feedback; passing ones for examples.
        let scores = self.scores(ctx, best.id, false).unwrap_or_default();
        // A case that passed every check on every model is a pass, whatever its score (a judge's
        // 8/10 over a pass mark of 7 scores 80): tryout 48 found such cases sent as failures
        // with nothing under "What went wrong", and "Passed cases: (none)".
        let passed_everywhere = |id: u32| -> bool {
            let Some(case) = ctx.suite.case(id) else {
                return false;
            };
            (0..self.config.models()).all(|m| {
                best.results(m, false)
                    .and_then(|rs| rs.get(&id))
                    .is_some_and(|r| {
                        r.failed.is_none() && r.score(ctx.suite, case, &best.spec).pass
                    })
            })
        };
        let mut failing: Vec<(u32, f64)> = scores
            .iter()
            .filter(|(id, s)| **s < 1.0 && !passed_everywhere(**id))
            .map(|(id, s)| (*id, *s))
            .collect();
        crate::domain::order::sort_by(&mut failing, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        // Cases the score leaves out (a judge gave no verdict): one with a check that failed is
        // still a known failure, listed after the scored ones; the others are counted, so that
        // the request never says every case passed when some could not be scored.
        let mut unscored = 0usize;
        for id in &self.minibatch {
            if scores.contains_key(id) {
                continue;
            }
            let Some(case) = ctx.suite.case(*id).filter(|c| ctx.suite.has_checks(c)) else {
                continue;
            };
            let Some(r) = best.results(0, false).and_then(|rs| rs.get(id)) else {
                continue;
            };
            let s = r.score(ctx.suite, case, &best.spec);
            if s.pending {
                continue;
            }
            if s.verdicts
                .iter()
                .any(|v| matches!(v, eval::Verdict::Done { pass: false, .. }))
            {
                failing.push((*id, 1.0));
            } else {
                unscored += 1;
            }
        }
        // With several models, a case's answer shown is the one of the model it scored lowest
        // on (a case may fail on one model only), named.
        let per_model: Vec<SortedMap<u32, f64>> = (0..self.config.models())
            .map(|m| {
                self.model_scores(ctx, best.id, false, m)
                    .unwrap_or_default()
            })
            .collect();
        let lowest_model = |id: u32| -> u32 {
            (0..per_model.len() as u32)
                .filter_map(|m| Some((m, *per_model[m as usize].get(&id)?)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map_or(0, |(m, _)| m)
        };
        let on_model = |m: u32| -> String {
            if self.config.models() == 1 {
                String::new()
            } else if m == 0 {
                " (on the main execution model)".to_owned()
            } else {
                self.config
                    .also_on
                    .get(m as usize - 1)
                    .map(|c| format!(" (on {})", eval::grid::model_label(c)))
                    .unwrap_or_default()
            }
        };
        let failures = failing
            .iter()
            .take(5)
            .filter_map(|(id, _)| {
                let case = ctx.suite.case(*id)?;
                let m = lowest_model(*id);
                let r = best.results(m, false)?.get(id)?;
                let (failed, cut_off) = failed_checks(ctx.suite, case, best, r);
                let mut notes: Vec<String> = failed
                    .into_iter()
                    .map(|(check, reason)| {
                        format!("- {check}: {}", reason.as_deref().unwrap_or("not graded"))
                    })
                    .collect();
                if cut_off {
                    notes.push("- The answer was cut off at the token limit.".to_owned());
                }
                if let Some(said) = self.rated.get(id).and_then(|a| a.rating.feedback()) {
                    notes.push(format!(
                        "- The person's rating of an answer in an earlier run: {said}"
                    ));
                }
                let critique = self
                    .critiques
                    .get(id)
                    .map(|c| {
                        format!(
                            "\nA harsh review of an answer in an earlier run said:\n{}",
                            eval::clip(c, 600)
                        )
                    })
                    .unwrap_or_default();
                Some(format!(
                    "Input: {}\nOutput{}: {}\nWhat went wrong:\n{}{critique}",
                    case.shown_input(600),
                    on_model(m),
                    r.failed
                        .clone()
                        .unwrap_or_else(|| eval::clip(&r.output, 600)),
                    notes.join("\n")
                ))
            })
            .collect::<Vec<_>>();
        // The person's thumbs-down on answers in earlier runs, for the cases not
        // listed above: their notes are feedback like a failed check's reason.
        let listed: Vec<u32> = failing.iter().take(5).map(|(id, _)| *id).collect();
        let rated = self
            .rated
            .iter()
            .filter(|(id, _)| !listed.contains(id))
            .take(5)
            .filter_map(|(id, a)| {
                let case = ctx.suite.case(*id)?;
                Some(format!(
                    "Input: {}\nOutput (an answer in an earlier run): {}\nWhat went wrong:\n- The person's rating: {}",
                    case.shown_input(600),
                    eval::clip(&a.output, 600),
                    a.rating.feedback()?
                ))
            });
        let failures = failures
            .into_iter()
            .chain(rated)
            .collect::<Vec<_>>()
            .join("\n\n");
        let passes = scores
            .iter()
            .filter(|(id, _)| passed_everywhere(**id))
            .take(2)
            .filter_map(|(id, _)| {
                let case = ctx.suite.case(*id)?;
                let r = best.train.get(id)?;
                Some(format!(
                    "Input: {}\nOutput: {}",
                    case.shown_input(400),
                    eval::clip(&r.output, 400)
                ))
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let locked = if self.config.locked.is_empty() {
            "(none)".to_owned()
        } else {
            self.config
                .locked
                .iter()
                .map(|s| format!("- {}", s.title()))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let styles = self
            .styles_for(round, refine)
            .iter()
            .map(|m| format!("- {}", m.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        let no_failures = if unscored > 0 {
            format!(
                "(none known: {unscored} of the cases could not be scored (the judge gave no verdict) and may fail; no scored case failed)"
            )
        } else {
            "(none: every case passed; make the prompt more robust)".to_owned()
        };
        let user = template::fill(
            PROPOSE_USER,
            &[
                (
                    "score",
                    &self
                        .mean(ctx, best.id, false)
                        .map_or("not known: no case could be scored".to_owned(), |m| {
                            format!("{m:.0} / 100")
                        }),
                ),
                ("prompt", &best.spec.render(RenderStyle::Markdown)),
                ("history", &history),
                (
                    "failures",
                    if failures.is_empty() {
                        &no_failures
                    } else {
                        &failures
                    },
                ),
                ("passes", if passes.is_empty() { "(none)" } else { &passes }),
                ("locked", &locked),
                ("styles", &styles),
            ],
        );
        let n = self.styles_for(round, refine).len() as u32;
        // Sized from the starting prompt, as in `project`: the projection bounds every proposal.
        let start = self.candidate(0).map_or(&best.spec, |c| &c.spec);
        let cap = propose_user_cap(&start.render(self.config.style));
        let user = clip_bytes(user.trim(), cap);
        Some(ChatRequest::structured(
            PROPOSE,
            user,
            OutputSchema::new("candidates", propose_schema()),
            propose_max_tokens(start, n) as u32,
            if refine {
                self.config.refine_temperature
            } else {
                self.config.explore_temperature
            },
        ))
    }
}

/// The checks `cand`'s answer `r` to `case` failed, each described with its reason (`None`:
/// not graded), and whether the answer was cut off at the token limit: the feedback proposals
/// are written from.
fn failed_checks(
    suite: &Suite,
    case: &TestCase,
    cand: &Candidate,
    r: &CaseEval,
) -> (Vec<(String, Option<String>)>, bool) {
    let s = r.score(suite, case, &cand.spec);
    let failed = suite
        .assertions_for(case)
        .zip(s.verdicts.iter())
        .filter(|(_, v)| !v.passed())
        .map(|(a, v)| {
            let reason = match v {
                eval::Verdict::Done { reason, .. } => Some(reason.clone()),
                _ => None,
            };
            // As checked: the case's variables filled in (tryout 87's name, for the meta model).
            (a.with_vars(&case.vars).describe(), reason)
        })
        // The person's thumbs-down on this answer, read like a failed check (its note is the
        // reason), whether or not the suite counts it in the score.
        .chain(
            r.observed
                .rating
                .as_ref()
                .and_then(eval::rating::Rating::feedback)
                .map(|said| ("The person's rating".to_owned(), Some(said))),
        )
        .collect();
    (failed, s.cut_off)
}

pub fn propose_schema() -> Value {
    serde_json::from_str(PROPOSE_SCHEMA).expect("propose.schema.json is valid JSON")
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn spec_of(v: &Value) -> Option<PromptSpec> {
    let text = |k: &str| v[k].as_str().unwrap_or("").trim().to_owned();
    let spec = PromptSpec {
        notes: String::new(),
        persona: text("persona"),
        context: text("context"),
        steps: v["steps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str())
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        format: text("format"),
        json_schema: text("json_schema"),
        examples: v["examples"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| Example {
                        input: e["input"].as_str().unwrap_or("").to_owned(),
                        output: e["output"].as_str().unwrap_or("").to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    (!spec.persona.is_empty() || !spec.context.is_empty() || !spec.steps.is_empty()).then_some(spec)
}

/// Candidates not dominated by another (another at least as good on every objective and better
/// on one); an objective is a case, or a (model, case) pair when several models score the loop.
/// Objectives are compared where both have a score (a case left out of one, its judge failed, is
/// not counted as a 0 for it).
pub fn pareto_front<K: Ord>(pool: &[(u32, SortedMap<K, f64>)]) -> Vec<u32> {
    let dominates = |a: &SortedMap<K, f64>, b: &SortedMap<K, f64>| {
        let mut better = false;
        for (k, vb) in b {
            let Some(&va) = a.get(k) else { continue };
            if va < *vb - 1e-9 {
                return false;
            }
            if va > *vb + 1e-9 {
                better = true;
            }
        }
        better
    };
    pool.iter()
        .filter(|(id, s)| !pool.iter().any(|(o, so)| o != id && dominates(so, s)))
        .map(|(id, _)| *id)
        .collect()
}

/// Each candidate's cases at the top of the pool: the ones where it scored above every other
/// candidate scored on that case, and the ones where it shared the top score (within 1e-9).
/// Only the cases a candidate has a score for count (as in [`pareto_front`]).
pub fn standings(pool: &[(u32, SortedMap<u32, f64>)]) -> SortedMap<u32, Standing> {
    tops(pool)
        .into_iter()
        .map(|(id, (best_on, tied_best_on))| {
            (
                id,
                Standing {
                    best_on,
                    tied_best_on,
                    ..Standing::default()
                },
            )
        })
        .collect()
}

/// [`standings`] over any objectives (cases, or (model, case) pairs): by candidate, the
/// objectives where it alone scored highest, and those where it shared the top score.
fn tops<K: Ord + Copy>(pool: &[(u32, SortedMap<K, f64>)]) -> SortedMap<u32, (Vec<K>, Vec<K>)> {
    let mut out = SortedMap::new();
    for (id, scores) in pool {
        let mut st = (Vec::new(), Vec::new());
        for (case, score) in scores {
            let others: Vec<f64> = pool
                .iter()
                .filter(|(o, _)| o != id)
                .filter_map(|(_, s)| s.get(case).copied())
                .collect();
            if others.iter().any(|o| *o > score + 1e-9) {
                continue;
            }
            if others.iter().any(|o| (*o - score).abs() <= 1e-9) {
                st.1.push(*case);
            } else {
                st.0.push(*case);
            }
        }
        out.insert(*id, st);
    }
    out
}

/// The candidate with the best mean (ties: the earliest).
pub fn best_mean(pool: &[(u32, SortedMap<u32, f64>)]) -> Option<u32> {
    let mean = |s: &SortedMap<u32, f64>| {
        if s.is_empty() {
            0.0
        } else {
            s.values().sum::<f64>() / s.len() as f64
        }
    };
    pool.iter()
        .max_by(|a, b| mean(&a.1).total_cmp(&mean(&b.1)).then(b.0.cmp(&a.0)))
        .map(|(id, _)| *id)
}
