//! One case's call in a run, as a pure machine (issue #14): its answer streaming in (time to
//! first text, paints batched), what the call's end makes of the case's result, and what each
//! judge call after it records. `state::runner` sends, waits, keeps or frees the call's place
//! and writes the results; what a call's events and end mean is decided here and tested
//! natively (`case_call_tests`): a run with a failure, a cancel and a retry, and re-judging.
use crate::domain::estimate::{call_cost, used_or_estimated};
use crate::domain::eval::Observed;
use crate::domain::eval::judge::{self, Judgement};
use crate::domain::eval::run::{CaseRun, ModelUsed, Spent, Status};
use crate::domain::provider::{Completion, ErrorKind, Failure, ProviderConfig};

/// Streamed text is pushed to the page at most this often per case, in milliseconds.
pub const PAINT_MS: f64 = 80.0;

/// A case's answer while it streams: when the answering attempt went out, its first text, and
/// the text not painted yet. Times are milliseconds (any clock, the same for every call).
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    attempt_at: f64,
    first_text: Option<f64>,
    pending: String,
    last_paint: f64,
}

impl Stream {
    /// A call sent at `now`.
    pub fn new(now: f64) -> Self {
        Self {
            attempt_at: now,
            first_text: None,
            pending: String::new(),
            last_paint: now,
        }
    }

    /// An attempt failed and the call tries again after `wait_ms`: the answering attempt, and
    /// its time to first text, start after the wait.
    pub fn retrying(&mut self, now: f64, wait_ms: u32) {
        self.attempt_at = now + f64::from(wait_ms);
        self.first_text = None;
    }

    /// `text` arrived at `now`. Returns the text to paint now: all that arrived since the last
    /// paint, once [`PAINT_MS`] have passed since it (else `None`: it waits for the next).
    pub fn text(&mut self, now: f64, text: &str) -> Option<String> {
        if self.first_text.is_none() && !text.is_empty() {
            self.first_text = Some((now - self.attempt_at).max(0.0));
        }
        self.pending.push_str(text);
        (now - self.last_paint >= PAINT_MS).then(|| {
            self.last_paint = now;
            std::mem::take(&mut self.pending)
        })
    }

    /// Milliseconds from the answering attempt's send to its first text; `None` before any.
    pub fn first_text_ms(&self) -> Option<f64> {
        self.first_text
    }
}

/// What a case's call was, fixed when it was sent.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    /// The execution model it went to.
    pub cfg: &'a ProviderConfig,
    /// The tokens its whole request reads, estimated (`estimate::request_tokens`): counted for
    /// an answer without reported usage, a refusal, and a call that wrote text and then ended
    /// without an answer ([`Spent`]).
    pub read: u32,
    /// [`crate::domain::eval::run::fingerprint`] of the case as sent.
    pub fingerprint: Option<u64>,
    /// When the run that sent it started (`Run::started_ms`).
    pub run_ms: f64,
}

/// What a case's call ending does to its result: [`Outcome::apply`] changes the result,
/// [`Outcome::judge_next`] says whether its judge calls follow.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing is recorded: the call ended without an answer or a refusal while the page went
    /// away (it aborts its calls then; the next load reads the case as cancelled, with Retry;
    /// never "failed").
    Unchanged,
    /// An answer: `tokens` (input, output) as the provider reported them (or estimates,
    /// `estimated`), `cost_usd` at the model's list price, `attempt_ms` the answering attempt's
    /// milliseconds (failed attempts and waits before retries left out) and `first_token_ms`
    /// its time to first text (at most `attempt_ms`).
    ///
    /// A refusal (`refusal`: the provider's words) is an answer of its own: finished, its checks
    /// reading those words as the output (judge checks not measured), not judged, billed for
    /// what it read and wrote (always estimated: it carries no usage), its time the whole wait
    /// and its stop reason `content_filter`.
    Answered {
        output: String,
        refusal: Option<String>,
        tokens: (u32, u32),
        estimated: bool,
        attempt_ms: f64,
        first_token_ms: Option<f64>,
        finish_reason: Option<String>,
        cost_usd: Option<f64>,
        model: ModelUsed,
        sent: Option<u64>,
    },
    /// Cancelled: an earlier answer comes back ([`CaseRun::cancel_after`]); a call stopped after
    /// its request went out (text had arrived, `partial`, or not) is likely billed and counted
    /// as an estimate (`spent`, [`Spent::of_stopped`]); `ms` is the whole wait.
    Cancelled {
        partial: String,
        spent: Option<Spent>,
        ms: f64,
        sent: Option<u64>,
    },
    /// Failed with the page's `message` after `partial` arrived ([`CaseRun::fail`]); `ms` is the
    /// whole wait, `run_ms` the failing run's start. `stops_sending`: the failure's cause in
    /// words ([`crate::domain::provider::ProviderError::cause`]) when every call to the model would fail the same way
    /// ([`crate::domain::provider::ProviderError::fails_every_call`]): the run sends it no more cases
    /// ([`crate::domain::eval::run::Run::stop_sending`]).
    Failed {
        message: String,
        stops_sending: Option<String>,
        /// The model the call went to: recorded on a case left failed (no earlier answer kept),
        /// so its Retry says when the model chosen now is another (tryout 18).
        model: ModelUsed,
        partial: String,
        spent: Option<Spent>,
        ms: f64,
        sent: Option<u64>,
        run_ms: f64,
    },
}

/// How the call `sent` ended: `result` after `ms` (the whole wait, retries included), with
/// `first_text_ms` from its [`Stream`]; `leaving` when the page is going away (an abort then is
/// the page's, not the person's or the provider's).
pub fn settle(
    result: Result<Completion, Failure>,
    leaving: bool,
    sent: &Sent,
    ms: f64,
    first_text_ms: Option<f64>,
) -> Outcome {
    let model = || ModelUsed::of(sent.cfg);
    match result {
        Ok(done) => {
            let reported = (done.usage.input_tokens, done.usage.output_tokens);
            let (mut tokens, mut estimated) = used_or_estimated(reported, sent.read, &done.text);
            // A reply read no further past its cap counts its bound, not a report.
            estimated |= done.cut_past_cap;
            // Attempts that stalled at the provider and were sent again: their prompts too.
            let before = earlier_prompts(sent.read, done.went_out_before);
            if before > 0 {
                tokens.0 = tokens.0.saturating_add(before);
                estimated = true;
            }
            Outcome::Answered {
                cost_usd: call_cost(sent.cfg, tokens.0, tokens.1),
                refusal: None,
                tokens,
                estimated,
                // The answering attempt's own time: backoff waits and failed attempts are the
                // app's, not the model's.
                attempt_ms: done.attempt_ms,
                first_token_ms: first_text_ms.map(|f| f.min(done.attempt_ms)),
                finish_reason: done.stop.as_ref().map(Observed::finish_reason_of),
                output: done.text,
                model: model(),
                sent: sent.fingerprint,
            }
        }
        Err(f) if f.error.kind == ErrorKind::Refused => {
            // The refusal carries no usage (tryout: a refused-only run said "nothing yet").
            let (mut tokens, _) = used_or_estimated((0, 0), sent.read, &f.partial);
            tokens.0 = tokens
                .0
                .saturating_add(earlier_prompts(sent.read, f.error.went_out_before));
            Outcome::Answered {
                output: f.partial,
                refusal: Some(f.error.detail),
                cost_usd: call_cost(sent.cfg, tokens.0, tokens.1),
                tokens,
                estimated: true,
                attempt_ms: ms,
                first_token_ms: None,
                finish_reason: Some("content_filter".into()),
                model: model(),
                sent: sent.fingerprint,
            }
        }
        Err(_) if leaving => Outcome::Unchanged,
        Err(f) if f.error.kind == ErrorKind::Aborted => Outcome::Cancelled {
            spent: Spent::plus_prompts(
                Spent::of_stopped(model(), sent.read, &f.partial, f.error.went_out),
                model(),
                earlier_prompts(sent.read, f.error.went_out_before),
            ),
            partial: f.partial,
            ms,
            sent: sent.fingerprint,
        },
        Err(f) => Outcome::Failed {
            // Its prompt counted though no text arrived: said, since the case shows a cost for
            // a call that gave nothing (session 37: a stalled call counted nothing).
            message: {
                let mut m = f.error.message();
                // A model on this computer bills nothing (tryout 91).
                if f.error.went_out && sent.read > 0 && !sent.cfg.kind.is_local() {
                    m.push(' ');
                    m.push_str(if f.partial.is_empty() {
                        BILLED_PROMPT
                    } else {
                        BILLED_CALL
                    });
                }
                if f.error.went_out_before > 0 {
                    m.push(' ');
                    m.push_str(&billed_before(f.error.went_out_before));
                }
                m
            },
            stops_sending: f.error.fails_every_call().then(|| f.error.cause()),
            model: model(),
            spent: Spent::plus_prompts(
                Spent::of_stopped(model(), sent.read, &f.partial, f.error.went_out),
                model(),
                earlier_prompts(sent.read, f.error.went_out_before),
            ),
            partial: f.partial,
            ms,
            sent: sent.fingerprint,
            run_ms: sent.run_ms,
        },
    }
}

impl Outcome {
    /// Why no more cases go to this model, when the call failed in a way every call to it would
    /// (see [`Outcome::Failed`]).
    pub fn stops_sending(&self) -> Option<&str> {
        match self {
            Outcome::Failed { stops_sending, .. } => stops_sending.as_deref(),
            _ => None,
        }
    }

    /// Whether the case's judge calls follow (only an answer that is not a refusal is judged).
    pub fn judge_next(&self) -> bool {
        matches!(self, Outcome::Answered { refusal: None, .. })
    }

    /// Writes the outcome into the case's result `c`.
    pub fn apply(self, c: &mut CaseRun) {
        match self {
            Outcome::Unchanged => {}
            Outcome::Answered {
                output,
                refusal,
                tokens,
                estimated,
                attempt_ms,
                first_token_ms,
                finish_reason,
                cost_usd,
                model,
                sent,
            } => {
                c.status = Status::Done;
                // The attempt this answer replaces stays counted in its run (tryout 83).
                if let Some(e) = c.earlier.take() {
                    c.supersede(*e);
                }
                c.output = output;
                c.sent = sent;
                c.refusal = refusal;
                (c.input_tokens, c.output_tokens) = tokens;
                c.tokens_estimated = estimated;
                c.ms = attempt_ms;
                c.first_token_ms = first_token_ms;
                c.finish_reason = finish_reason;
                c.cost_usd = cost_usd;
                c.exec_model = Some(model);
            }
            Outcome::Cancelled {
                partial,
                spent,
                ms,
                sent,
            } => {
                let put_back = c.earlier.is_some();
                c.cancel_after(spent);
                if !put_back {
                    c.sent = sent;
                    c.output = partial;
                    c.ms = ms;
                    c.first_token_ms = None;
                }
            }
            Outcome::Failed {
                message,
                partial,
                spent,
                ms,
                sent,
                run_ms,
                model,
                ..
            } => {
                c.fail(message, partial, sent, ms, run_ms, spent);
                if matches!(c.status, Status::Failed(_)) && c.exec_model.is_none() {
                    c.exec_model = Some(model);
                }
            }
        }
    }
}

/// Said after the message of a call that failed once its request had reached the provider
/// ([`crate::domain::provider::ProviderError::went_out`]) with no text arrived: its prompt is
/// counted, as an estimate.
pub const BILLED_PROMPT: &str = "The request had reached the provider, which may still bill its prompt: its cost here is an estimate from the prompt's text.";

/// Said after the message of a call `n` of whose earlier attempts had reached the provider
/// before they were sent again ([`crate::domain::provider::ProviderError::went_out_before`]).
pub fn billed_before(n: u32) -> String {
    let attempts = if n == 1 {
        "1 earlier attempt".to_owned()
    } else {
        format!("{n} earlier attempts")
    };
    format!(
        "{attempts} had reached the provider before being sent again; the provider may bill their prompts, and its cost here counts them as an estimate from the prompt's text."
    )
}

/// The input tokens of `n` earlier attempts of a call that reached the provider and were sent
/// again ([`crate::domain::provider::ProviderError::went_out_before`]): `read`, the request's
/// estimated tokens, each.
pub fn earlier_prompts(read: u32, n: u32) -> u32 {
    read.saturating_mul(n)
}

/// Said after the message of a call that failed once its request had reached the provider,
/// after part of its answer arrived (a stream cut or ended by an error): its prompt and that
/// part are counted, as an estimate (tryout 78, 4: only the failure with no text said so).
pub const BILLED_CALL: &str =
    "The provider may still bill the call: its cost here is an estimate from the texts.";

/// The tokens (input, output) a call to a model used, and whether they are an estimate: a reply
/// counts the usage the provider reported, else its request's estimated tokens (`read`) and its
/// text ([`used_or_estimated`]); a failure counts what a stopped call would
/// ([`super::run::stopped_tokens`]: its prompt once the request had reached the provider, and
/// what text arrived), as an estimate, and `None` when that is nothing. Either adds the prompts
/// of earlier attempts sent again after reaching the provider ([`earlier_prompts`]). The one
/// rule for a judge call ([`judged`]) and Reflect's calls.
pub fn call_tokens(result: &Result<Completion, Failure>, read: u32) -> Option<((u32, u32), bool)> {
    match result {
        Ok(done) => {
            let reported = (done.usage.input_tokens, done.usage.output_tokens);
            let (mut tokens, estimated) = used_or_estimated(reported, read, &done.text);
            let before = earlier_prompts(read, done.went_out_before);
            tokens.0 = tokens.0.saturating_add(before);
            Some((tokens, estimated || before > 0 || done.cut_past_cap))
        }
        Err(f) => {
            let mut tokens =
                super::run::stopped_tokens(read, &f.partial, f.error.went_out).unwrap_or((0, 0));
            tokens.0 = tokens
                .0
                .saturating_add(earlier_prompts(read, f.error.went_out_before));
            (tokens != (0, 0)).then_some((tokens, true))
        }
    }
}

/// What a judge call about `rubric` records: its verdict ([`judge::verdict`]), the tokens it
/// used, (input, output) (reported, else estimated from `read`, its request's tokens, and the
/// reply), and whether they are an estimate (no usage reported, earlier attempts' prompts
/// added, or a failed call: the run's totals then read "about"), or `None`
/// when nothing is recorded and the case's judging stops: the call was cancelled, or aborted by
/// the page going away (`leaving`; the case then reads "not judged", with Re-judge). A failed
/// call is a verdict that could not be read, naming the failure; it counts the tokens a stopped
/// call would ([`super::run::stopped_tokens`]: its prompt once the request had reached the
/// provider, and what text arrived), else none.
pub fn judged(
    result: Result<Completion, Failure>,
    leaving: bool,
    read: u32,
    rubric: &str,
) -> Option<(Judgement, (u32, u32), bool)> {
    if let Err(f) = &result
        && (f.error.kind == ErrorKind::Aborted || leaving)
    {
        return None;
    }
    let (tokens, estimated) = call_tokens(&result, read).unwrap_or(((0, 0), false));
    let verdict = match result {
        Ok(done) => judge::verdict(Ok(&done.text), rubric),
        Err(f) => judge::verdict(Err((f.partial, &f.error.message_for("Re-judge"))), rubric),
    };
    Some((verdict, tokens, estimated))
}

/// The tokens (input, output) a judge call the person stopped after its request went out is
/// likely billed for ([`crate::domain::provider::ProviderError::went_out`]): its input estimated
/// from `read`, its output from the text that arrived; counted in the judge's tokens with no
/// verdict (the case reads "not judged", with Re-judge). `None` for any other end, a call cut by
/// the page going away (`leaving`) included.
pub fn judge_stopped_tokens(
    result: &Result<Completion, Failure>,
    leaving: bool,
    read: u32,
) -> Option<(u32, u32)> {
    match result {
        Err(f) if !leaving && f.error.kind == ErrorKind::Aborted => {
            let before = earlier_prompts(read, f.error.went_out_before);
            match super::run::stopped_tokens(read, &f.partial, f.error.went_out) {
                Some((i, o)) => Some((i.saturating_add(before), o)),
                None => (before > 0).then_some((before, 0)),
            }
        }
        _ => None,
    }
}

impl CaseRun {
    /// The tokens of a judge call that gave no verdict ([`judge_stopped_tokens`]) added to the
    /// judge's count, as an estimate, with the judge `model` when none is named yet.
    pub fn judge_spent(&mut self, tokens: (u32, u32), model: ModelUsed) {
        self.judge_tokens.0 += tokens.0;
        self.judge_tokens.1 += tokens.1;
        self.judge_estimated |= tokens != (0, 0);
        self.judge_model.get_or_insert(model);
    }

    /// Takes back `tokens` (input, output) that [`Self::judge_spent`] added as an estimate, when
    /// the call it was for went on after all and brings its own count (a page that started to
    /// go away and stayed).
    pub fn judge_unspent(&mut self, tokens: (u32, u32)) {
        self.judge_tokens.0 = self.judge_tokens.0.saturating_sub(tokens.0);
        self.judge_tokens.1 = self.judge_tokens.1.saturating_sub(tokens.1);
    }

    /// Records a judge call's verdict about `rubric` (replacing an earlier one), its `tokens`
    /// (input, output) added to the judge's count (`estimated`: they are an estimate,
    /// [`judged`]), and the judge model.
    pub fn judged(
        &mut self,
        rubric: String,
        verdict: Judgement,
        (tokens, estimated): ((u32, u32), bool),
        model: ModelUsed,
    ) {
        self.judgements.insert(rubric, verdict);
        self.judge_tokens.0 += tokens.0;
        self.judge_tokens.1 += tokens.1;
        self.judge_estimated |= estimated && tokens != (0, 0);
        self.judge_model = Some(model);
    }
}
