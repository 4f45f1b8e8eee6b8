//! A run: the current prompt on a set of cases with the execution model. The request per case, the
//! record of each case's output and judgements (kept per prompt version, so two versions can be
//! compared on the same cases), and the progress figures (done, ETA, tokens, cost).
use std::collections::BTreeMap;

use super::judge::Judgement;
use super::{
    Aggregate, CaseScore, Observed, Suite, TestCase, aggregate, fill_variables, judge_rubrics,
    score_case,
};
use crate::domain::provider::ChatRequest;
use crate::domain::spec::PromptSpec;

/// How far one case has got.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status {
    #[default]
    Queued,
    Running,
    /// The output is complete (judging may still be pending).
    Done,
    /// The call failed; what arrived is kept in `output`.
    Failed(String),
    /// Stopped by the person before it finished.
    Cancelled,
}

impl Status {
    pub fn finished(&self) -> bool {
        matches!(self, Self::Done | Self::Failed(_) | Self::Cancelled)
    }
}

/// One case's result in a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseRun {
    pub status: Status,
    pub output: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// Judge verdicts by rubric (trimmed text).
    pub judgements: BTreeMap<String, Judgement>,
    /// Judge calls' tokens, counted in the tally.
    pub judge_tokens: (u32, u32),
    /// Wall time of the execution call.
    pub ms: f64,
    /// Why the model stopped, in promptfoo's `finish-reason` words (see
    /// [`Observed::finish_reason_of`]); `None` when the provider did not say.
    pub finish_reason: Option<String>,
    /// The execution call's cost in US dollars at the model's list price; `None` when unknown.
    pub cost_usd: Option<f64>,
    /// The model refused (or the provider's safety filter stopped it): the provider's explanation,
    /// or the refusal text joined in order. The case is finished; every check but `is-refusal`
    /// fails with this reason.
    pub refusal: Option<String>,
    /// Reflexion on this output: critique and final answer.
    pub reflection: Option<Reflection>,
}

impl CaseRun {
    /// What the run observed about this output besides its text, for the checks that read it.
    pub fn observed(&self) -> Observed {
        Observed {
            finish_reason: self.finish_reason.clone(),
            latency_ms: (self.status == Status::Done && self.ms > 0.0)
                .then(|| self.ms.round() as u64),
            cost_usd: self.cost_usd,
            refusal: self.refusal.clone(),
        }
    }
}

/// Reflexion on one output (the draft): a harsh critique and the final answer written from it,
/// scored the same way as the draft.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reflection {
    pub critique: String,
    /// Empty until written.
    pub final_output: String,
    pub judgements: BTreeMap<String, Judgement>,
    /// A call failed: why (what arrived is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Critique, final answer and its judging are all done.
    pub done: bool,
}

/// The results of one prompt version on the suite's cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub version: u32,
    /// The execution model's label, e.g. "OpenAI gpt-4o-mini".
    pub model: String,
    pub started_ms: f64,
    pub cases: BTreeMap<u32, CaseRun>,
}

/// The execution request for one case.
pub fn request(prompt: &str, case: &TestCase, temperature: f32, max_tokens: u32) -> ChatRequest {
    let mut req = ChatRequest::new(
        Some(fill_variables(prompt, &case.vars)),
        case.user_message(),
    );
    req.temperature = temperature;
    req.max_tokens = max_tokens;
    req
}

/// The judge sees an output clipped to 8000 characters ([`super::judge::request`], with
/// [`super::clip`]'s "… [cut]" mark): at most this many tokens (4 UTF-8 bytes a character, see
/// [`crate::domain::estimate::token_bound`]).
pub const JUDGE_OUTPUT_BOUND: u64 = 4 * 8000 + 16;

/// What running cases will use at most, computed from the requests the run sends: calls, input
/// and output tokens for the execution model and for the judge, each call at its upper bound
/// ([`crate::domain::estimate::request_bound`]); the judge's input includes the longest output
/// it can be shown. Also the average estimate of the execution input, for "about" figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunBound {
    pub exec_calls: u32,
    pub exec_input: u64,
    pub exec_output: u64,
    pub judge_calls: u32,
    pub judge_input: u64,
    pub judge_output: u64,
}

/// The [`RunBound`] of running `ids` with `prompt` (the rendered system prompt), the execution
/// model's `temperature` and output cap `max_tokens`.
pub fn run_bound(
    suite: &Suite,
    prompt: &str,
    ids: &[u32],
    temperature: f32,
    max_tokens: u32,
) -> RunBound {
    use crate::domain::estimate::request_bound;
    let mut b = RunBound::default();
    for case in ids.iter().filter_map(|id| suite.case(*id)) {
        let (i, o) = request_bound(&request(prompt, case, temperature, max_tokens));
        b.exec_calls += 1;
        b.exec_input += i;
        b.exec_output += o;
        for rubric in super::judge_rubrics(suite, case) {
            let subject = super::judge::Subject {
                rubric: &rubric,
                prompt,
                case,
                output: "",
            };
            let (i, o) = request_bound(&super::judge::call(&subject, 0.0).request);
            b.judge_calls += 1;
            b.judge_input += i + JUDGE_OUTPUT_BOUND;
            b.judge_output += o;
        }
    }
    b
}

/// The judge rubrics that apply to a case and have no verdict yet in `cr` (or an unreadable one
/// when `rejudge` is set).
pub fn rubrics_to_judge(
    suite: &Suite,
    case: &TestCase,
    cr: &CaseRun,
    rejudge: bool,
) -> Vec<String> {
    if cr.refusal.is_some() {
        // Nothing to grade: the judge checks fail with the refusal.
        return Vec::new();
    }
    judge_rubrics(suite, case)
        .into_iter()
        .filter(|r| match cr.judgements.get(r) {
            None => true,
            Some(Judgement::Unreadable { .. }) => rejudge,
            Some(_) => false,
        })
        .collect()
}

impl Run {
    /// Scores of every finished case (in suite order), by case id.
    pub fn scores(&self, suite: &Suite, spec: Option<&PromptSpec>) -> BTreeMap<u32, CaseScore> {
        suite
            .cases
            .iter()
            .filter_map(|c| {
                let cr = self.cases.get(&c.id)?;
                (cr.status == Status::Done).then(|| {
                    let observed = cr.observed();
                    let s = score_case(suite, c, &cr.output, &observed, spec, &cr.judgements);
                    (c.id, s)
                })
            })
            .collect()
    }

    pub fn aggregate(&self, suite: &Suite, spec: Option<&PromptSpec>) -> Aggregate {
        aggregate(self.scores(suite, spec).values())
    }

    /// Per-case scores (0..=1) for comparing versions.
    pub fn score_map(&self, suite: &Suite, spec: Option<&PromptSpec>) -> BTreeMap<u32, f64> {
        self.scores(suite, spec)
            .into_iter()
            .filter_map(|(id, s)| Some((id, s.score?)))
            .collect()
    }

    pub fn progress(&self) -> Progress {
        let mut p = Progress {
            total: self.cases.len(),
            ..Default::default()
        };
        for cr in self.cases.values() {
            match cr.status {
                Status::Queued => {}
                Status::Running => p.running += 1,
                Status::Done => p.done += 1,
                Status::Failed(_) => p.failed += 1,
                Status::Cancelled => p.cancelled += 1,
            }
            p.input_tokens += u64::from(cr.input_tokens) + u64::from(cr.judge_tokens.0);
            p.output_tokens += u64::from(cr.output_tokens) + u64::from(cr.judge_tokens.1);
        }
        p
    }
}

/// Counts and token totals of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub total: usize,
    pub running: usize,
    pub done: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Progress {
    pub fn finished(&self) -> usize {
        self.done + self.failed + self.cancelled
    }

    /// Fraction finished, 0..=1.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.finished() as f64 / self.total as f64
        }
    }
}

/// Estimated milliseconds left, from the time spent so far: the finished cases' pace continues
/// for the cases left. `None` until one case has finished.
pub fn eta_ms(finished: usize, total: usize, elapsed_ms: f64) -> Option<f64> {
    if finished == 0 || finished >= total {
        return (finished >= total).then_some(0.0);
    }
    Some(elapsed_ms / finished as f64 * (total - finished) as f64)
}

/// "about 12 s", "about 3 min".
pub fn format_eta(ms: f64) -> String {
    let s = (ms / 1000.0).ceil() as u64;
    if s < 90 {
        format!("about {s} s left")
    } else {
        format!("about {} min left", s.div_ceil(60))
    }
}
