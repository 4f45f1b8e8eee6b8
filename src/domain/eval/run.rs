//! A run: the current prompt on a set of cases with the execution model. The request per case
//! (and its preview as text), what a case would send empty before it goes out ([`gaps`]), the
//! record of each case's output and judgements (kept per prompt version, so two versions can be
//! compared on the same cases, and stamped with the run that produced it), and the progress
//! figures of the latest run (done, ETA, tokens, cost).
use crate::domain::sorted::SortedMap;

use super::judge::Judgement;
use super::rating::Rating;
use super::{
    Aggregate, CaseScore, Observed, Suite, TestCase, aggregate, fill_variables, judge_rubrics,
    prompt_variables, score_case,
};
use crate::domain::draft::Leaving;
use crate::domain::estimate::{call_cost, format_cost};
use crate::domain::provider::{ChatRequest, ProviderConfig, ProviderKind, Speaker};
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

/// The model a result was made with (provider preset and model id), kept with the result so that
/// its cost is priced by it, never by the model chosen now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUsed {
    pub kind: ProviderKind,
    pub model: String,
}

impl ModelUsed {
    pub fn of(cfg: &ProviderConfig) -> Self {
        Self {
            kind: cfg.kind,
            model: cfg.model.clone(),
        }
    }

    /// "OpenAI gpt-4o-mini".
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.label(), self.model)
    }

    /// The list-price cost in US dollars of these token counts; `None` when the model has no
    /// list price here.
    pub fn cost(&self, input_tokens: u32, output_tokens: u32) -> Option<f64> {
        let cfg = ProviderConfig {
            kind: self.kind,
            base_url: self.kind.default_base_url().to_owned(),
            model: self.model.clone(),
            temperature: 0.0,
        };
        call_cost(&cfg, input_tokens, output_tokens)
    }

    /// The wire form, "open-ai:gpt-4o-mini" (a preset id has no colon).
    pub fn to_wire(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.model)
    }

    /// Reads [`ModelUsed::to_wire`]; `None` for a preset this app does not know (read as not
    /// recorded: its price is not guessed).
    pub fn from_wire(s: &str) -> Option<Self> {
        let (kind, model) = s.split_once(':')?;
        Some(Self {
            kind: ProviderKind::parse(kind)?,
            model: model.to_owned(),
        })
    }
}

/// One case's result in a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseRun {
    pub status: Status,
    pub output: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// The two token counts are estimates from the texts: the provider reported no usage (the
    /// page then says "about").
    pub tokens_estimated: bool,
    /// Judge verdicts by rubric (trimmed text).
    pub judgements: SortedMap<String, Judgement>,
    /// Judge calls' tokens, counted in the tally.
    pub judge_tokens: (u32, u32),
    /// Some of [`CaseRun::judge_tokens`] are estimated from the texts (a judge call with no
    /// usage reported, a failed or stopped one), so the run's totals read "about"; kept on the
    /// wire.
    pub judge_estimated: bool,
    /// Milliseconds the execution call's answering attempt took, from its send to its end
    /// (failed attempts and the waits before retries left out); the whole wait for a refusal or
    /// a failed call.
    pub ms: f64,
    /// Milliseconds from sending the answering attempt to its first text (time to first
    /// token); `None` when no text streamed, for a failed call, and in older records.
    pub first_token_ms: Option<f64>,
    /// Why the model stopped, in promptfoo's `finish-reason` words (see
    /// [`Observed::finish_reason_of`]); `None` when the provider did not say.
    pub finish_reason: Option<String>,
    /// The execution call's cost in US dollars at the model's list price; `None` when unknown.
    pub cost_usd: Option<f64>,
    /// The model refused (or the provider's safety filter stopped it): the provider's explanation,
    /// or the refusal text joined in order. The case is finished; its checks read these words
    /// as the output (as promptfoo reads a provider's refusal), judge checks are not measured.
    pub refusal: Option<String>,
    /// Reflexion on this output: critique and final answer.
    pub reflection: Option<Reflection>,
    /// When the run that produced this result started (ms since the epoch, [`Run::started_ms`]
    /// of that run): a result whose stamp is not its record's latest start is from an earlier
    /// run ([`Run::is_latest`]).
    pub run_ms: f64,
    /// The [`fingerprint`] of the case's input and variables when it was sent; `None` in older
    /// records. A result whose case no longer has this fingerprint was made for other inputs
    /// ([`CaseRun::case_changed`]).
    pub sent: Option<u64>,
    /// The execution model that answered; `None` in records kept before it was written.
    pub exec_model: Option<ModelUsed>,
    /// The judge model of its judge calls; `None` without judge calls and in older records.
    pub judge_model: Option<ModelUsed>,
    /// The person's rating of this output; `None` until they rate it. A re-run of the case makes
    /// a new, unrated result.
    pub rating: Option<Rating>,
    /// The newest rated answer a re-run of this case replaced ([`CaseRun::supersede`]), with
    /// its rating: the person's note is their work, so it is kept beside the new answer and read
    /// by the improvement loop while the new one is unrated (tryout 100's review: a re-run
    /// dropped the rating and its note). Kept on the wire (`replaced_rating`); `None` when no
    /// rated answer was replaced.
    pub replaced_rating: Option<super::rating::RatedAnswer>,
    /// This result came with the draft from outside this browser (a received link, an imported
    /// file; [`crate::domain::draft::Draft::results_received`]): its token counts are what the
    /// link or file says, not counted here, so the page says so of every figure made of them and
    /// does not say a provider sent more than the output cap (tryouts 99-100: 4,000,000,000
    /// output tokens in a link read "the provider sent more than the 1,500-token output cap").
    /// Kept on the wire (`received`); a run of the case here makes a result without it.
    pub received: bool,
    /// While the case is re-run (queued or answering), the answer it had before, or the part of
    /// an answer a failed call left: a cancelled re-run puts it back ([`CaseRun::cancel`]), a
    /// draft saved meanwhile keeps it ([`CaseRun::settled`]), and a re-run that fails before
    /// any text keeps the earlier failure's part ([`CaseRun::fail`]). Never on the wire; `None`
    /// once the re-run has an answer or fails.
    pub earlier: Option<Box<CaseRun>>,
    /// This is an earlier answer that a re-run tried to replace and failed ([`CaseRun::fail`]):
    /// the failure, shown beside the answer it left in place. Never on the wire (a reload shows
    /// the answer as from its earlier run); `None` once the case is queued again.
    pub rerun_failed: Option<RerunFailure>,
    /// This is an earlier answer put back by a cancelled re-run: [`Run::started_ms`] of that run
    /// ([`CaseRun::cancel`]), so the run counts the case as cancelled. Never on the wire; `None`
    /// once the case is queued again.
    pub rerun_cancelled: Option<f64>,
    /// What that cancelled re-run's call likely cost, when text had arrived ([`Spent`]).
    pub rerun_cancelled_spent: Option<Spent>,
    /// The person did not cancel this call: the page went away, or the draft was left, while
    /// the model was answering (tryout 68: such a case read "cancelled", with no word that the
    /// call may still be billed). Only with [`Status::Cancelled`]; kept on the wire.
    pub cut_by: Option<Leaving>,
    /// What earlier attempts at this case that no longer show likely cost, each stamped with the
    /// start of the run that sent it ([`Run::started_ms`]): an answer, a failure or a cancel
    /// that a Retry or re-run replaced ([`CaseRun::supersede`]; tryout 83: after a Retry that
    /// succeeded, the run's cost line no longer held the stalled attempt's estimate). Counted in
    /// that run's tokens and cost ([`Run::superseded_spent`]); only this run's are kept. Never
    /// on the wire: a reloaded run counts what shows.
    pub superseded: Vec<(f64, Spent)>,
}

/// What a call that ended without an answer (failed or cancelled after text had arrived) is
/// likely to be billed: its input and the text it wrote, estimated from the texts
/// ([`crate::domain::estimate::estimate_tokens`]), and the model it went to (tryout 12, minor 4:
/// such calls counted as "nothing yet (no tokens counted)").
#[derive(Debug, Clone, PartialEq)]
pub struct Spent {
    pub model: ModelUsed,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// The counts are estimated from the texts, so the totals they join read "about": true for
    /// every call that ended without an answer; an answer a Retry or re-run replaced
    /// ([`CaseRun::supersede`]) keeps how it was counted while it showed (tryout 85's review: an
    /// answer with the provider's usage made the totals "about" once replaced).
    pub estimated: bool,
}

impl Spent {
    /// The estimate for a call to `model` that read `input_tokens` and wrote `partial`; `None`
    /// when nothing arrived (a refused or unreachable request is not counted: it wrote nothing
    /// to bill for here).
    /// The tokens come from the one fallback for calls without reported usage
    /// ([`crate::domain::estimate::used_or_estimated`]).
    pub fn of(model: ModelUsed, input_tokens: u32, partial: &str) -> Option<Self> {
        let ((input_tokens, output_tokens), _) =
            crate::domain::estimate::used_or_estimated((0, 0), input_tokens, partial);
        (!partial.is_empty()).then_some(Self {
            model,
            input_tokens,
            output_tokens,
            estimated: true,
        })
    }

    /// What a call stopped after its request went out is likely billed
    /// ([`crate::domain::provider::ProviderError::went_out`]): [`Spent::of`] when text had
    /// arrived, else its input alone (`input_tokens`, estimated from its texts); `None` when the
    /// request had not gone out and nothing arrived.
    pub fn of_stopped(
        model: ModelUsed,
        input_tokens: u32,
        partial: &str,
        went_out: bool,
    ) -> Option<Self> {
        stopped_tokens(input_tokens, partial, went_out).map(|(input_tokens, output_tokens)| Self {
            model,
            input_tokens,
            output_tokens,
            estimated: true,
        })
    }

    /// `spent` with `input_tokens` more (earlier attempts' prompts,
    /// [`crate::domain::eval::case_call::earlier_prompts`]); a count of `model`'s when there
    /// was none and `input_tokens` is not 0.
    pub fn plus_prompts(spent: Option<Self>, model: ModelUsed, input_tokens: u32) -> Option<Self> {
        match spent {
            Some(mut s) => {
                s.input_tokens = s.input_tokens.saturating_add(input_tokens);
                Some(s)
            }
            None => (input_tokens > 0).then_some(Self {
                model,
                input_tokens,
                output_tokens: 0,
                estimated: true,
            }),
        }
    }

    /// What a run's call under way on `case` with `prompt` to the model `cfg` likely costs, its
    /// request out and `partial` written so far ([`Spent::of_stopped`]: its prompt alone when
    /// nothing arrived yet; its request as a run sends it, [`request`]). Tryout 77: a call cut
    /// by a reload before its first text counted nothing.
    pub fn so_far(
        prompt: &str,
        case: &TestCase,
        cfg: &crate::domain::provider::ProviderConfig,
        partial: &str,
    ) -> Option<Self> {
        let req = request(prompt, case, cfg.temperature, MAX_OUTPUT_TOKENS);
        Self::of_stopped(
            ModelUsed::of(cfg),
            crate::domain::estimate::request_tokens(&req),
            partial,
            true,
        )
    }
}

/// The tokens (input, output) a call stopped before its end likely used: `input_tokens` (its
/// request's, estimated) and the text that arrived (`partial`, estimated), when text arrived or
/// its request had gone out (`went_out`, [`crate::domain::provider::ProviderError::went_out`]);
/// `None` otherwise. The one rule for runs ([`Spent::of_stopped`]) and judge calls
/// ([`crate::domain::eval::case_call::judge_stopped_tokens`]).
pub fn stopped_tokens(input_tokens: u32, partial: &str, went_out: bool) -> Option<(u32, u32)> {
    (!partial.is_empty() || (went_out && input_tokens > 0))
        .then(|| crate::domain::estimate::used_or_estimated((0, 0), input_tokens, partial).0)
}

/// A re-run that failed over an earlier full answer (tryout 11, S2: such a failure used to wipe
/// the answer): which run tried, why it failed, and what it wrote before failing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RerunFailure {
    /// [`Run::started_ms`] of the run whose call failed.
    pub run_ms: f64,
    /// The failure in the page's words ([`crate::domain::provider::ProviderError::message`]).
    pub message: String,
    /// The text the failed call wrote before it failed (often empty).
    pub partial: String,
    /// What the failed call likely cost, when text had arrived.
    pub spent: Option<Spent>,
}

/// Said after a failure's message when the text shown is the part an earlier failed attempt
/// left (see [`CaseRun::fail`]).
pub const KEPT_FROM_BEFORE: &str = "The text below arrived in an earlier attempt, not in this one.";

impl CaseRun {
    /// A result waiting to be (re-)run by the run started at `run_ms`, keeping `before` (the
    /// case's result until now) when it was an answer, or a failure or cancel that left part of
    /// one.
    pub fn queued(run_ms: f64, before: Option<CaseRun>) -> Self {
        let mut queued = Self {
            run_ms,
            ..Self::default()
        };
        let Some(mut b) = before else {
            return queued;
        };
        if let Some(e) = b.earlier.take()
            && (!b.status.finished() || b.status == Status::Cancelled)
        {
            b = *e;
        }
        // A failure note stays with the answer until a re-run ends (a re-run that fails
        // before any text keeps the part the failed one wrote, see `fail`).
        // A cancelled re-run's estimate stays counted in its run.
        if let (Some(at), Some(spent)) = (b.rerun_cancelled, b.rerun_cancelled_spent.take()) {
            b.superseded.push((at, spent));
        }
        // So is a failed re-run's (its note stays until the next one ends; review: a second
        // failure or a cancel replaced the estimate with its own).
        if let Some(f) = b.rerun_failed.as_mut()
            && let Some(spent) = f.spent.take()
        {
            b.superseded.push((f.run_ms, spent));
        }
        b.rerun_cancelled = None;
        // What cut its own call is history once the case is queued again.
        b.cut_by = None;
        // A cancelled call's part is kept too (tryout 17, 4: a case whose cancelled part
        // was queued again and cut by a reload lost it).
        let kept = b.status == Status::Done
            || matches!(b.status, Status::Failed(_) | Status::Cancelled) && !b.output.is_empty();
        if kept {
            queued.earlier = Some(Box::new(b));
        } else {
            // A failure with no text (a stalled prompt) goes, its estimate still counted
            // (tryout 83).
            queued.supersede(b);
        }
        queued
    }

    /// Stops this result's re-run: the earlier answer comes back as it was (still read as from
    /// its own run, [`Run::is_latest`]); without one the case reads "cancelled".
    pub fn cancel(&mut self) {
        self.cancel_after(None);
    }

    /// [`CaseRun::cancel`] for a call that had written text (`spent`, see [`Spent`]): a put-back
    /// answer keeps the estimate beside it, a case without one counts it as its own.
    pub fn cancel_after(&mut self, spent: Option<Spent>) {
        let run_ms = self.run_ms;
        match self.earlier.take() {
            Some(b) => {
                *self = *b;
                self.rerun_failed = None;
                self.rerun_cancelled = Some(run_ms);
                self.rerun_cancelled_spent = spent;
                self.cut_by = None;
            }
            None => {
                self.status = Status::Cancelled;
                self.count_spent(spent);
            }
        }
    }

    /// An answer under way when another draft opened (its call's end comes after the switch and
    /// writes nothing): written as Cancel's aborted call writes it, with what it wrote so far
    /// (`text`, `spent`), or the earlier answer put back for a re-run (tryout 54: a first answer
    /// cut off so was lost). Only a case still queued in the run (not ended meanwhile).
    pub fn cut_by_switch(&mut self, text: &str, spent: Option<Spent>, why: Leaving) {
        if self.status != Status::Queued {
            return;
        }
        let put_back = self.earlier.is_some();
        self.cancel_after(spent);
        if !put_back {
            self.output = text.to_owned();
        }
        // Said as cut off by leaving (and maybe billed), the put-back answer's re-run too.
        self.cut_by = Some(why);
    }

    /// Why an earlier answer was put back ([`CaseRun::rerun_cancelled`]), one sentence: its
    /// re-run stopped by Cancel, or cut off by leaving while the model answered
    /// ([`CaseRun::cut_by`]: then when, and that the provider may still bill that call; tryout
    /// 69: a re-run cut by a reload read as cancelled, with no such word). `None` for any other
    /// result.
    pub fn rerun_stopped_note(&self) -> Option<String> {
        self.rerun_cancelled?;
        let nothing_arrived = self
            .rerun_cancelled_spent
            .as_ref()
            .is_some_and(|s| s.output_tokens == 0);
        Some(match self.cut_by {
            Some(Leaving::Copied) => "This case's re-run was stopped in the draft this one was copied from, before the copy was made: its cost is counted there, not here.".to_owned(),
            Some(why) if nothing_arrived => format!(
                "This case's re-run was stopped {}, after its request was sent, before any answer arrived: the provider may still bill that call.",
                why.when()
            ),
            Some(why) => format!(
                "This case's re-run was stopped {}, while the model was answering: the provider may still bill that call.",
                why.when()
            ),
            // Cancel after the re-run's request went out (its estimate kept beside the answer).
            None if self.rerun_cancelled_spent.is_some() => "This case's re-run was cancelled after its request was sent: the provider may still bill that call.".to_owned(),
            // Cancel (or a record kept before the reason was).
            None => "This case's re-run was stopped before it finished (Cancel, leaving this draft, or the page was reloaded or closed).".to_owned(),
        })
    }

    /// What the page says of a call the person cancelled after its request went out (its
    /// estimate counted, [`CaseRun::count_spent`], [`Spent::of_stopped`]): the provider may still
    /// bill it, as a call cut off by leaving may (tryout 69: Cancel mid-answer said only
    /// "cancelled"); before any text arrived, its prompt. `None` for any other result, a call
    /// cut off by leaving included ([`CaseRun::cut_note`]).
    pub fn cancelled_note(&self) -> Option<String> {
        if self.status != Status::Cancelled
            || self.cut_by.is_some()
            || !self.tokens_estimated
            || self.input_tokens == 0
        {
            return None;
        }
        Some(if self.output_tokens == 0 {
            "Cancelled after the request was sent, before any answer arrived: the provider may still bill its prompt. Its cost here is an estimate from the prompt's text. Retry asks again."
        } else {
            "Cancelled while the model was answering: the provider may still bill the call. Its cost here is an estimate from the texts. Retry asks again."
        }
        .to_owned())
    }

    /// Whether this result is a call cut off by leaving the page or the draft while the model
    /// answered ([`CaseRun::cut_by`] on a cancelled call): said "stopped", not "cancelled".
    pub fn is_cut(&self) -> bool {
        self.cut_by.is_some() && self.status == Status::Cancelled
    }

    /// What the page says of a call cut off by leaving ([`CaseRun::cut_by`]): when, that the
    /// provider may still bill it (and that its cost here is an estimate, when one is counted),
    /// and what Retry does. `None` for any other result.
    pub fn cut_note(&self) -> Option<String> {
        let why = self.cut_by.filter(|_| self.is_cut())?;
        if why == Leaving::Copied {
            return Some(
                "Stopped in the draft this one was copied from, before the copy was made: its cost is counted there, not here. Retry asks again."
                    .to_owned(),
            );
        }
        let estimate = if self.tokens_estimated && self.input_tokens > 0 {
            " Its cost here is an estimate from the texts."
        } else {
            ""
        };
        Some(if self.output.is_empty() && self.output_tokens == 0 {
            format!(
                "Stopped {}, after the request was sent, before any answer arrived: the provider may still bill its prompt.{estimate} Retry asks again.",
                why.when()
            )
        } else {
            format!(
                "Stopped {}, while the model was answering: the provider may still bill the call.{estimate} Retry asks again.",
                why.when()
            )
        })
    }

    /// Counts an ended call's estimated tokens ([`Spent`]) as this result's own, priced by its
    /// model; nothing for `None`.
    pub fn count_spent(&mut self, spent: Option<Spent>) {
        if let Some(s) = spent {
            self.input_tokens = s.input_tokens;
            self.output_tokens = s.output_tokens;
            self.tokens_estimated = true;
            self.cost_usd = s.model.cost(s.input_tokens, s.output_tokens);
            self.exec_model = Some(s.model);
        }
    }

    /// This result's call failed with `message`, after `partial` arrived; `sent` is the
    /// fingerprint of what was sent ([`fingerprint`]), `ms` the whole wait.
    ///
    /// - When the case was re-run over a full answer (an earlier run's, or a refusal), that
    ///   answer stays in place, from its own run, and the failure is kept beside it
    ///   ([`CaseRun::rerun_failed`], stamped `run_ms`, the failing run's start): a re-run that
    ///   fails (a model stopped, a key revoked) never wipes answers (tryout 11, S2). Its score
    ///   counts as from an earlier run; the failure is kept on the wire too (`CaseRunV1::rerun_failed`).
    /// - When nothing arrived and the case was re-run after a failure that had left part of an
    ///   answer, that part stays (tryout 9: "What arrived is kept; press Retry", and a Retry that
    ///   failed again lost it), named as such after `message` ([`KEPT_FROM_BEFORE`]).
    /// - Otherwise the case reads failed with what arrived.
    pub fn fail(
        &mut self,
        message: String,
        partial: String,
        sent: Option<u64>,
        ms: f64,
        run_ms: f64,
        spent: Option<Spent>,
    ) {
        match self.earlier.take() {
            Some(e) if e.status == Status::Done => {
                // Nothing arrived this time: the part an earlier failed re-run wrote stays, named
                // as from the attempt before (tryout 12, minor 1: a second failure dropped it).
                let (message, partial) = match &e.rerun_failed {
                    Some(f) if partial.is_empty() && !f.partial.is_empty() => {
                        (format!("{message} {KEPT_FROM_BEFORE}"), f.partial.clone())
                    }
                    _ => (message, partial),
                };
                *self = *e;
                self.rerun_failed = Some(RerunFailure {
                    run_ms,
                    message,
                    partial,
                    spent,
                });
            }
            earlier => {
                let (kept, message) = match earlier {
                    Some(e)
                        if partial.is_empty()
                            && matches!(e.status, Status::Failed(_) | Status::Cancelled) =>
                    {
                        let output = e.output.clone();
                        self.supersede(*e);
                        (output, format!("{message} {KEPT_FROM_BEFORE}"))
                    }
                    Some(e) => {
                        self.supersede(*e);
                        (partial, message)
                    }
                    None => (partial, message),
                };
                self.status = Status::Failed(message);
                self.output = kept;
                self.sent = sent;
                self.ms = ms;
                self.first_token_ms = None;
                self.count_spent(spent);
            }
        }
    }

    /// Keeps what `replaced`, an earlier attempt at this case that this one replaces for good,
    /// likely cost ([`CaseRun::superseded`]): its answer's and judge calls' tokens when it was
    /// made by this result's run, a failed re-run's estimate beside it, and what it had kept
    /// itself. Entries of other runs are let go.
    pub fn supersede(&mut self, replaced: CaseRun) {
        let spent = replaced.spent_in(self.run_ms);
        self.superseded.extend(spent);
        // The person's rating goes on beside the answer that replaced the one it was given on
        // (with that answer, which its note is about); an unrated attempt passes on the rated
        // one it had replaced.
        let rated = match replaced.rating {
            Some(rating) => Some(super::rating::RatedAnswer {
                output: replaced.output,
                rating,
            }),
            None => replaced.replaced_rating,
        };
        if rated.is_some() {
            self.replaced_rating = rated;
        }
    }

    /// What this result cost in the run started at `run_ms`, as [`CaseRun::supersede`] keeps it:
    /// its answer's and judge calls' tokens when that run made it, a failed or cancelled
    /// re-run's estimate beside it, and what it had kept itself; read without copying the result
    /// (a run's count reads it on every change while a Retry is under way).
    fn spent_in(&self, run_ms: f64) -> Vec<(f64, Spent)> {
        let mut out = Vec::new();
        // Each part is counted as the run's tally counted it while it showed: "about" when it
        // was estimated.
        let mut add = |at: f64, model: Option<&ModelUsed>, (i, o): (u32, u32), estimated: bool| {
            if let Some(model) = model.filter(|_| at == run_ms && i + o > 0) {
                out.push((
                    at,
                    Spent {
                        model: model.clone(),
                        input_tokens: i,
                        output_tokens: o,
                        estimated,
                    },
                ));
            }
        };
        add(
            self.run_ms,
            self.exec_model.as_ref(),
            (self.input_tokens, self.output_tokens),
            self.tokens_estimated,
        );
        add(
            self.run_ms,
            self.judge_model.as_ref(),
            self.judge_tokens,
            self.judge_estimated,
        );
        if let Some(f) = &self.rerun_failed
            && let Some(s) = &f.spent
        {
            add(
                f.run_ms,
                Some(&s.model),
                (s.input_tokens, s.output_tokens),
                s.estimated,
            );
        }
        if let (Some(at), Some(s)) = (self.rerun_cancelled, &self.rerun_cancelled_spent) {
            add(
                at,
                Some(&s.model),
                (s.input_tokens, s.output_tokens),
                s.estimated,
            );
        }
        out.extend(
            self.superseded
                .iter()
                .filter(|(at, _)| *at == run_ms)
                .cloned(),
        );
        out
    }

    /// Whether a re-run of this case by the run started at `run_ms` failed and left the
    /// answer before it in place ([`CaseRun::rerun_failed`]).
    pub fn rerun_failed_in(&self, run_ms: f64) -> bool {
        self.rerun_failed
            .as_ref()
            .is_some_and(|f| f.run_ms == run_ms)
    }

    /// What this result is for storage and links: a re-run that has not ended (queued, answering
    /// or cancelled) counts as the earlier answer it would replace, when there is one.
    pub fn settled(&self) -> &CaseRun {
        let pending = !self.status.finished() || self.status == Status::Cancelled;
        match &self.earlier {
            Some(b) if pending => b,
            _ => self,
        }
    }

    /// Whether the case was edited (input or variables) since this result was made; `false` when
    /// the record does not say what was sent.
    pub fn case_changed(&self, case: &TestCase) -> bool {
        self.sent.is_some_and(|f| f != fingerprint(case))
    }

    /// What the run observed about this output besides its text, for the checks that read it.
    pub fn observed(&self) -> Observed {
        Observed {
            finish_reason: self.finish_reason.clone(),
            latency_ms: (self.status == Status::Done && self.ms > 0.0)
                .then(|| self.ms.round() as u64),
            cost_usd: self.cost_usd,
            cost_estimated: self.tokens_estimated,
            refusal: self.refusal.clone(),
            rating: self.rating.clone(),
            rough_judge: self.judge_model.as_ref().is_some_and(|m| m.kind.is_tiny()),
        }
    }
}

/// Reflexion on one output (the draft): a harsh critique and the final answer written from it,
/// scored the same way as the draft.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reflection {
    /// The execution model that wrote the critique and the final answer, by label
    /// ([`ModelUsed::label`]) as Reflect started; absent in older records (tryout 98: the page
    /// said all three texts were the execution model's when another model wrote the draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub critique: String,
    /// Empty until written.
    pub final_output: String,
    /// Why the model stopped writing the final answer, in promptfoo's `finish-reason` words;
    /// absent when unknown and in records kept before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_stop: Option<String>,
    /// The final answer's call, in milliseconds from sending the attempt that answered to its
    /// last word (as a run's `latency`); the draft's when the critique found nothing and the
    /// draft was kept ([`Self::final_is_draft`]); absent in records kept before it was (tryout 79:
    /// a latency check on the final read "not measured").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_ms: Option<f64>,
    /// What the final answer's call cost in dollars at the model's list price (`None`: no list
    /// price, or a record kept before it was, tryout 111: a `cost` check on the final read "no
    /// list price for this model" for a priced one), and whether it is an estimate from the texts
    /// (no usage reported, or attempts that stalled sent again), as a run's answer says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_cost: Option<f64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub final_cost_estimated: bool,
    /// The critique found nothing to fix ("No problems found."): the final answer is the draft as
    /// it was, with its figures and the judge's verdicts on it, and no call was made for it
    /// (tryout 111: the page said the final was written by the model and judged it anew).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub final_is_draft: bool,
    /// With [`Self::final_is_draft`]: the draft's refusal, when it was one (its words are the
    /// final's text): the final is scored as the refusal it is, not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_refusal: Option<String>,
    pub judgements: SortedMap<String, Judgement>,
    /// A call failed: why (what arrived is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The critique or final answer the provider wrote past its call's output cap, one
    /// sentence each (it did not stop the model, so the bound shown before Reflect may be
    /// passed); empty otherwise and in older records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub over_cap: Vec<String>,
    /// The final answer shown is the part its failed or stopped call wrote: it is neither
    /// scored nor rated (tryout 85: "Final · 0" and thumbs beside "The final answer failed").
    /// Absent (false) otherwise and in older records.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub final_partial: bool,
    /// Critique, final answer and its judging are all done.
    pub done: bool,
    /// The person's rating of the final answer; absent until they rate it (and in older
    /// records). Reflecting again writes a new, unrated final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// What Reflect's calls on this answer have used, this reflection's and the earlier ones'
    /// it replaced (tryout 93: the figure before Reflect was the only one; what it spent was
    /// nowhere). Absent before a call counted and in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<ReflectUsed>,
}

/// The calls Reflect made on one answer: how many counted, their tokens and what they cost at
/// list price, each priced by the model that made it when it was made.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ReflectUsed {
    pub calls: u32,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// US dollars at list price of the calls to priced models.
    pub cost_usd: f64,
    /// The models called that have no list price here, by label ("OpenAI-compatible m"), each
    /// once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpriced: Vec<String>,
    /// Some counts are estimated from the texts: a call that reported no usage, or that ended
    /// without an answer after its request went out ([`Spent::of_stopped`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

impl ReflectUsed {
    /// Counts one call to `model` that used `(input, output)` tokens (`estimated`: counted from
    /// the texts).
    pub fn add(&mut self, model: &ModelUsed, (input, output): (u32, u32), estimated: bool) {
        self.calls += 1;
        self.input_tokens = self.input_tokens.saturating_add(input);
        self.output_tokens = self.output_tokens.saturating_add(output);
        self.estimated |= estimated;
        match model.cost(input, output) {
            Some(c) => self.cost_usd += c,
            None => {
                let l = model.label();
                if !self.unpriced.contains(&l) {
                    self.unpriced.push(l);
                }
            }
        }
    }

    /// "Reflect used 3 calls on this answer: 3,448 tokens in, 2,200 out · cost at list price:
    /// $0.0018" (gpt-4o-mini; "estimated cost: about $…" when some counts are estimates; "free" when every
    /// model is local; the models with no list price named).
    pub fn line(&self) -> String {
        use crate::domain::figures::{count, grouped};
        let cost = if self.unpriced.is_empty() {
            let figure = crate::domain::estimate::format_cost(Some(self.cost_usd));
            if self.cost_usd == 0.0 {
                figure
            } else if self.estimated {
                format!("estimated cost: about {figure}")
            } else {
                format!("cost at list price: {figure}")
            }
        } else {
            let no_price = format!(
                "no list price for {}",
                crate::domain::figures::and_list(&self.unpriced)
            );
            if self.cost_usd > 0.0 {
                format!(
                    "at least {} ({no_price})",
                    crate::domain::estimate::format_cost(Some(self.cost_usd))
                )
            } else {
                format!("cost unknown ({no_price})")
            }
        };
        format!(
            "Reflect used {} on this answer: {} tokens in, {} out · {cost}",
            count(self.calls as usize, "call", "calls"),
            grouped(u64::from(self.input_tokens)),
            grouped(u64::from(self.output_tokens)),
        )
    }
}

impl Reflection {
    /// What is known about the final answer besides its text: why the model stopped (so a final
    /// answer cut off at the token limit is scored and judged as one), its call's time and cost.
    pub fn final_observed(&self) -> Observed {
        Observed {
            finish_reason: self.final_stop.clone(),
            latency_ms: self.final_ms.map(|ms| ms.round() as u64),
            cost_usd: self.final_cost,
            cost_estimated: self.final_cost_estimated,
            refusal: self.final_refusal.clone(),
            rating: self.rating.clone(),
            ..Observed::default()
        }
    }
}

/// The results of one prompt version on the suite's cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub version: u32,
    /// The execution model's label, e.g. "OpenAI gpt-4o-mini".
    pub model: String,
    /// When the latest run of this version started (ms since the epoch).
    pub started_ms: f64,
    pub cases: SortedMap<u32, CaseRun>,
    /// Cases this run was asked for that were never sent: they still waited in the queue when
    /// the page went away (a reload, a closed tab; written then, [`Run::mark_unsent`], and kept
    /// in the record, `RunV1::unsent`). A case with a result of this run is not counted among
    /// them ([`Run::unsent_ids`]); a new run of the model starts with none.
    pub unsent: Vec<u32>,
    /// Why the run stopped sending to this model before [`Run::unsent`] went out, when it was not
    /// the page going away: a failure every call to the model would meet (a key refused, no
    /// credit, no such model; [`Run::stop_sending`]), in words, e.g. "the key was not accepted
    /// (HTTP 401 from api.openai.com)". Empty otherwise; cleared when a case is queued again.
    pub stopped_by: String,
    /// Why the run sends its judge no more calls: a judge call failed in a way every call would
    /// (a key refused, no credit, no such model), in words, e.g. "the key was not accepted (HTTP
    /// 401 from api.openai.com)". Empty otherwise; a new run starts with it empty. Cases left
    /// unjudged name it (saved, so they still do after a reload).
    pub judge_stopped_by: String,
    /// What attempts of a run that no longer show anywhere likely cost, stamped by run: a
    /// Retry's record taken back before it was sent ([`Run::not_sent`]) keeps the attempts it
    /// had replaced here (review: a stalled prompt's estimate went with it). Never on the wire.
    pub replaced: Vec<(f64, Spent)>,
}

/// The execution request for one case: the prompt with the case's `{{variables}}` filled
/// ([`fill_variables`]) as the system message, then a conversation's earlier turns as they are,
/// then [`TestCase::user_message`] as the last user message ([`TestCase::messages`]). Runs, the
/// optimizer and the case editor's preview all build it here.
pub fn request(prompt: &str, case: &TestCase, temperature: f32, max_tokens: u32) -> ChatRequest {
    let mut req = ChatRequest::new(Some(fill_variables(prompt, &case.vars)), "");
    req.messages = case.messages();
    req.temperature = temperature;
    req.max_tokens = max_tokens;
    req
}

/// Why a run cannot start, in the page's words, from the draft as it is now: no prompt yet
/// (`version` 0), no case to run (`cases` 0), or unusable checks (`problems`, as
/// [`Suite::problems`] gives them: each named with its case, all at once). `None` when a run can
/// start. The Results notice is this, read again whenever the draft changes, so it goes as soon
/// as its cause is fixed or removed.
pub fn blocked(
    version: u32,
    cases: usize,
    problems: &[(Option<u32>, usize, String)],
) -> Option<String> {
    if version == 0 {
        return Some("Generate or paste a prompt first: there is nothing to run.".to_owned());
    }
    if cases == 0 {
        return Some("Add a test case first.".to_owned());
    }
    if problems.is_empty() {
        return None;
    }
    let whose = |case: &Option<u32>| match case {
        None => "A check for every case".to_owned(),
        Some(id) => format!("A check of case #{id}"),
    };
    let all = problems
        .iter()
        .map(|(c, _, p)| format!("{}: {p}", whose(c)))
        .collect::<Vec<_>>()
        .join(" · ");
    Some(format!(
        "{} before a run can start (marked in red under Test cases). {all}",
        if problems.len() > 1 {
            format!(
                "{} fixing",
                crate::domain::figures::count(problems.len(), "check needs", "checks need")
            )
        } else {
            "A check needs fixing".to_owned()
        }
    ))
}

/// A fingerprint of what a case sends besides the version's prompt: its user message, its
/// variables, in order, and a conversation's earlier turns, each with its speaker (64-bit FNV-1a
/// over their UTF-8 bytes, each text ended by a 0 byte; a case without turns hashes as it did
/// before turns existed, so older results keep their fingerprint). Not a security hash: it
/// tells an edited case apart, nothing more.
pub fn fingerprint(case: &TestCase) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |text: &str| {
        for b in text.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&case.user_message());
    for (k, v) in &case.vars {
        eat(k);
        eat(v);
    }
    for t in &case.turns {
        eat(match t.speaker {
            Speaker::User => "\u{1}turn:user",
            Speaker::Assistant => "\u{1}turn:assistant",
        });
        eat(&t.text);
    }
    h
}

/// The messages of a request as a person reads them: each under its role's heading, the texts
/// exactly as sent (the case editor's preview of [`request`]).
pub fn preview(req: &ChatRequest) -> String {
    let mut out = String::new();
    if let Some(system) = &req.system {
        out.push_str("System message:\n");
        out.push_str(system);
        out.push_str("\n\n");
    }
    for m in &req.messages {
        out.push_str(match m.speaker {
            Speaker::User => "User message:\n",
            Speaker::Assistant => "Assistant message:\n",
        });
        if m.text.is_empty() {
            out.push_str("(empty)");
        } else {
            out.push_str(&m.text);
        }
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out
}

/// Something a case would send empty: the request goes out all the same, so a run names these
/// before it sends anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The prompt has `{{name}}` and the case gives no value for it: the placeholder goes out as
    /// written. `excerpt` is the prompt's text around it, as the model would read it.
    Missing { name: String, excerpt: String },
    /// The case's value for `{{name}}` is empty or only spaces.
    Empty { name: String, excerpt: String },
    /// The user message would be empty: no input, and no variables to send instead.
    NoMessage,
    /// An earlier turn of a conversation is empty or only spaces: `at` its place, from one.
    EmptyTurn { at: usize, speaker: Speaker },
    /// The case holds a value for `{{name}}` that goes nowhere: the prompt does not fill
    /// `{{name}}`, the case has an input (so its variables are not sent as lines of the
    /// message) that does not hold the value, and no check compares the answer with it
    /// ([`case_gaps`]). Tryout 91: an Adapt reply left `{{notes}}` out, and Run
    /// sent the cases without their meeting notes; the score fell to 10 with no word.
    NotSent { name: String },
}

/// What cases with `gaps` would go out with, for a notice's title: "empty variables" when every
/// gap is a variable's, "a variable's value not sent" when every gap is [`Gap::NotSent`],
/// "empty parts or values not sent" when both kinds are there, else "empty parts" (tryout 80:
/// an empty earlier turn was announced as "empty variables").
pub fn gaps_noun<'a>(gaps: impl IntoIterator<Item = &'a Gap>) -> &'static str {
    let gaps: Vec<&Gap> = gaps.into_iter().collect();
    let not_sent = gaps
        .iter()
        .filter(|g| matches!(g, Gap::NotSent { .. }))
        .count();
    if not_sent > 0 && not_sent == gaps.len() {
        "a variable's value not sent"
    } else if not_sent > 0 {
        "empty parts or values not sent"
    } else if gaps
        .iter()
        .all(|g| matches!(g, Gap::Missing { .. } | Gap::Empty { .. }))
    {
        "empty variables"
    } else {
        "empty parts"
    }
}

impl Gap {
    /// The gap in plain words, with what the model would read.
    pub fn describe(&self) -> String {
        match self {
            Gap::Missing { name, excerpt } => format!(
                "{{{{{name}}}}} has no value: the model would get \u{201c}{excerpt}\u{201d} with the placeholder as written."
            ),
            Gap::Empty { name, excerpt } => format!(
                "{{{{{name}}}}} is empty: the model would get \u{201c}{excerpt}\u{201d}."
            ),
            Gap::NoMessage => {
                "The input is empty and there are no variables: the model would get an empty message."
                    .to_owned()
            }
            Gap::EmptyTurn { at, speaker } => format!(
                "Earlier turn {at} ({}) is empty: the model would get an empty message there.",
                match speaker {
                    Speaker::User => "user",
                    Speaker::Assistant => "assistant",
                }
            ),
            Gap::NotSent { name } => format!(
                "{{{{{name}}}}} holds a value, but the prompt has no {{{{{name}}}}} and the case has an input, so the value is not sent: the model would not see it. Put {{{{{name}}}}} back in the prompt, or the value in the input."
            ),
        }
    }
}

/// [`gaps`], then each variable of the case whose value goes nowhere ([`Gap::NotSent`]): it
/// holds a value, the rendered `prompt` (not empty: no prompt yet says nothing) does not fill
/// `{{name}}` ([`fill_variables`], as the request), the case has an input (else its variables
/// go out as lines of the message, [`TestCase::user_message`]) that does not hold the value (a
/// promptfoo config's prompt filled at import), and no check compares the answer with
/// `{{name}}` ([`Assertion::compares_with_var`]): neither the case's own nor, as
/// listed in `global_reads`, one for every case ([`Suite::global_reads`]; an expected answer is
/// not meant for the model).
pub fn case_gaps(prompt: &str, case: &TestCase, global_reads: &[String]) -> Vec<Gap> {
    let mut out = gaps(prompt, case);
    // No prompt yet (cases added first): nothing to say of it.
    if case.input.trim().is_empty() || prompt.trim().is_empty() {
        return out;
    }
    const MARK: &str = "\u{0}pw-variable\u{0}";
    for (name, value) in &case.vars {
        let value = value.trim();
        // Filled in the prompt as a request fills it (any name `fill_variables` reads, not
        // only those `placeholders` lists); or already in the message (a promptfoo config's
        // prompt, filled into the input at import).
        let filled = fill_variables(prompt, &[(name.clone(), MARK.to_owned())]) != prompt;
        if value.is_empty() || filled || case.input.contains(value) || global_reads.contains(name) {
            continue;
        }
        if !case.assertions.iter().any(|a| a.compares_with_var(name)) {
            out.push(Gap::NotSent { name: name.clone() });
        }
    }
    out
}

/// Characters of the prompt shown before and after an empty placeholder in [`Gap`]'s excerpt.
const AROUND: usize = 60;

/// What the case would send empty with this rendered prompt: each `{{variable}}` of the prompt
/// (in order) with no value or a value of only spaces, then each empty earlier turn of a
/// conversation, then an empty user message. Empty when the case is complete. The excerpts are filled by [`fill_variables`], as the request is.
pub fn gaps(prompt: &str, case: &TestCase) -> Vec<Gap> {
    let mut out = Vec::new();
    for name in prompt_variables(prompt) {
        let value = case.vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
        if value.is_some_and(|v| !v.trim().is_empty()) {
            continue;
        }
        let excerpt = excerpt_at(prompt, &name, case);
        out.push(match value {
            None => Gap::Missing { name, excerpt },
            Some(_) => Gap::Empty { name, excerpt },
        });
    }
    for (i, t) in case.turns.iter().enumerate() {
        if t.text.trim().is_empty() {
            out.push(Gap::EmptyTurn {
                at: i + 1,
                speaker: t.speaker,
            });
        }
    }
    if case.user_message().trim().is_empty() {
        out.push(Gap::NoMessage);
    }
    out
}

/// The line of `prompt` holding the first `{{name}}`, filled with the case's variables, cut to
/// [`AROUND`] characters either side of the placeholder.
fn excerpt_at(prompt: &str, name: &str, case: &TestCase) -> String {
    let found = prompt.match_indices("{{").find_map(|(at, _)| {
        let after = &prompt[at + 2..];
        let end = after.find("}}")?;
        (after[..end].trim() == name).then_some((at, at + 2 + end + 2))
    });
    let Some((start, end)) = found else {
        return String::new();
    };
    let line_start = prompt[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = prompt[end..].find('\n').map_or(prompt.len(), |i| end + i);
    let before = fill_variables(&prompt[line_start..start], &case.vars);
    let here = fill_variables(&prompt[start..end], &case.vars);
    let after = fill_variables(&prompt[end..line_end], &case.vars);
    let n = before.chars().count();
    let before: String = if n > AROUND {
        format!("…{}", before.chars().skip(n - AROUND).collect::<String>())
    } else {
        before
    };
    let after: String = if after.chars().count() > AROUND {
        format!("{}…", after.chars().take(AROUND).collect::<String>())
    } else {
        after
    };
    format!("{before}{here}{after}").trim().to_owned()
}

/// The judge sees an output clipped to 8000 characters ([`super::judge::request`], with
/// [`super::clip`]'s "… [cut]" mark): at most this many tokens (4 UTF-8 bytes a character, see
/// [`crate::domain::estimate::token_bound`]).
pub const JUDGE_OUTPUT_BOUND: u64 = 4 * 8000 + 16;

/// Most tokens an execution reply may use: the cap each run call asks for (`max_tokens`).
pub const MAX_OUTPUT_TOKENS: u32 = 1500;

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

impl RunBound {
    /// The most this run may cost, in words: "at most $0.0011", "free", or, when a model that
    /// gets calls has no list price, "cost unknown (no list price for fake-large (the judge))".
    /// A judge that gets no call does not count (tryout 19, 5: an unpriced judge made a run
    /// with no judge checks "cost unknown").
    pub fn cost_words(&self, exec: &ProviderConfig, judge: &ProviderConfig) -> String {
        self.cost_words_for(exec, "the execution model", judge)
    }

    /// [`Self::cost_words`] for calls to `exec` in another role than the execution model's
    /// (`role`: "a comparison model"; tryout 96: a comparison model's unknown price was
    /// named as the execution model's).
    pub fn cost_words_for(
        &self,
        exec: &ProviderConfig,
        role: &str,
        judge: &ProviderConfig,
    ) -> String {
        use crate::domain::estimate::at_most;
        match self.costs(exec, judge) {
            (Some(a), Some(j)) => at_most(a + j),
            // The priced part said too (tryout 90: "cost unknown" hid $2.40 of judge calls).
            (None, Some(j)) if j > 0.0 => format!(
                "{} for the judge; unknown for {} ({role}: no list price here)",
                at_most(j),
                exec.model
            ),
            (Some(a), None) if a > 0.0 => format!(
                "{} for {role}; unknown for {} (the judge: no list price here)",
                at_most(a),
                judge.model
            ),
            (a, j) => {
                let mut unpriced = Vec::new();
                if a.is_none() {
                    unpriced.push(format!("{} ({role})", exec.model));
                }
                if j.is_none() {
                    unpriced.push(format!("{} (the judge)", judge.model));
                }
                format!("cost unknown (no list price for {})", unpriced.join(" or "))
            }
        }
    }

    /// The most the execution model's and the judge's calls may cost in US dollars at list
    /// price, each `None` when its model has no list price here (a judge with no call: 0).
    fn costs(&self, exec: &ProviderConfig, judge: &ProviderConfig) -> (Option<f64>, Option<f64>) {
        use crate::domain::estimate::call_cost;
        let t = |n: u64| n.min(u64::from(u32::MAX)) as u32;
        let exec_cost = call_cost(exec, t(self.exec_input), t(self.exec_output));
        let judge_cost = if self.judge_calls == 0 {
            Some(0.0)
        } else {
            call_cost(judge, t(self.judge_input), t(self.judge_output))
        };
        (exec_cost, judge_cost)
    }
}

/// What a press of Run (any of its buttons: Run all, Run selected, Send the cases not sent,
/// Retry, Run on all models) would send, in the words of the question a costly one waits on,
/// naming every model that gets calls (so that a model changed in Settings after the question
/// changes them: tryout 89, "Run them" under "at most $1.31" sent to a model switched to
/// since), and whether it is costly enough to wait for the person's word: the calls to models
/// with a list price may cost [`CONFIRM_RUN_DOLLARS`] or more, or, when a model that gets calls
/// has none, it sends [`CONFIRM_RUN_CALLS`] calls or more (tryout 90: an unpriced execution
/// model let $2.40 of calls to a gpt-4o judge go without a word). `slots`: each model the
/// press runs, with the bound of its calls (a judge call per rubric of each of its cases);
/// `judge`: the judge model. E.g. (true, "This run sends 1,410 calls (705 to gpt-4o, 705 to
/// gpt-4o-mini): at most $13.92.").
pub fn run_question(
    slots: &[(RunBound, &ProviderConfig)],
    judge: &ProviderConfig,
) -> (bool, String) {
    use crate::domain::estimate::at_most;
    use crate::domain::figures::{count, grouped};
    let mut priced = 0.0;
    let mut unpriced: Vec<String> = Vec::new();
    let mut calls: u64 = 0;
    let mut judge_calls: u64 = 0;
    let mut parts: Vec<String> = Vec::new();
    for (b, cfg) in slots {
        let (e, j) = b.costs(cfg, judge);
        priced += e.unwrap_or(0.0) + j.unwrap_or(0.0);
        if e.is_none() && !unpriced.contains(&cfg.model) {
            unpriced.push(cfg.model.clone());
        }
        if j.is_none() && !unpriced.contains(&judge.model) {
            unpriced.push(judge.model.clone());
        }
        calls += u64::from(b.exec_calls) + u64::from(b.judge_calls);
        judge_calls += u64::from(b.judge_calls);
        if b.exec_calls > 0 {
            parts.push(format!(
                "{} to {}",
                grouped(u64::from(b.exec_calls)),
                cfg.model
            ));
        }
    }
    let ask = priced >= CONFIRM_RUN_DOLLARS
        || (!unpriced.is_empty() && calls >= u64::from(CONFIRM_RUN_CALLS));
    if judge_calls > 0 {
        parts.push(format!(
            "{} to the judge, {}",
            grouped(judge_calls),
            judge.model
        ));
    }
    let figure = match (unpriced.is_empty(), priced > 0.0) {
        (true, _) => at_most(priced),
        (false, true) => format!(
            "{} for the models with a list price; unknown for {} (no list price here)",
            at_most(priced),
            unpriced.join(" and ")
        ),
        (false, false) => format!("cost unknown (no list price for {})", unpriced.join(" or ")),
    };
    let words = format!(
        "This run sends {} ({}): {figure}.",
        count(calls as usize, "call", "calls"),
        parts.join(", ")
    );
    (ask, words)
}

/// The "at most" figure in US dollars from which a run waits for the person to confirm it
/// ([`run_question`]; tryout 88: a 20,000-case run, "at most $1,895.72", started on one click,
/// while Generate asks before a request of 20 KB; a run on free models never waits).
pub const CONFIRM_RUN_DOLLARS: f64 = 1.0;

/// The calls from which a run with a model that has no list price waits for the person to
/// confirm it ([`run_question`]).
pub const CONFIRM_RUN_CALLS: u32 = 500;

/// Why an "at most" figure of a run is as high as it is, in words for under it: each answer at
/// the run's output cap ([`MAX_OUTPUT_TOKENS`]), with `judged`, each judge call as if shown the
/// whole clipped answer ([`JUDGE_OUTPUT_BOUND`]), and each byte of a request as a token
/// ([`crate::domain::estimate::token_bound`]); `latest` is what the latest run of the version
/// cost ([`Run::cost_line`]), how many of its cases counted tokens and how many it had
/// ([`Run::latest_tokens`]), whether its figure came with results from a link or file, and
/// whether it is an estimate ([`Progress::tokens_estimated`]); said when it is a price. Tryouts 46-48: a bound 10-58 times what
/// the run then cost read as a wrong estimate.
pub fn bound_basis(judged: bool, latest: Option<(usize, usize, &str, bool, bool)>) -> String {
    use crate::domain::figures::grouped;
    let judge = judge_bound_clause(judged);
    let mut s = format!(
        "\u{201c}At most\u{201d} counts each answer at its {}-token cap{judge}, and each byte of a \
         request as a token, so no provider that keeps to the cap can count past it (one that \
         writes on is read no further than {} bytes an answer and charged by that length). \
         What a run costs is counted from the tokens its provider reports.",
        grouped(u64::from(MAX_OUTPUT_TOKENS)),
        grouped(
            crate::domain::provider::runaway_bytes(MAX_OUTPUT_TOKENS).unwrap_or_default() as u64
        )
    );
    if let Some((n, all, cost, received, estimated)) =
        latest.filter(|(_, all, c, _, _)| *all > 0 && (c.starts_with('$') || *c == "free"))
    {
        // An estimate is said as one, as the progress line says it (tryout 117: "cost $0.0001"
        // above "estimated cost: $0.0001").
        let cost = match (cost, estimated) {
            ("free", _) => "was free".to_owned(),
            (c, true) => format!("cost an estimated {c}"),
            (c, false) => format!("cost {c}"),
        };
        // Its cases are named when some counted tokens of their own; a run whose spending is
        // all in calls a reload or Cancel cut off still says its cost (tryout 90: the
        // sentence went after a reload mid-run).
        let cases = if n > 0 {
            format!(" ({})", cases_reached(n, all))
        } else {
            String::new()
        };
        // Results that came with the draft count as they say (tryouts 99-100).
        let said = if received {
            ", by the token counts its results came with in a link or file"
        } else {
            ""
        };
        s.push_str(&format!(" This version's latest run{cases} {cost}{said}."));
    }
    s
}

/// "3 cases" when all `all` cases of a run counted tokens, else "133 of its 705 cases that
/// reached the model" (the others were never sent, or failed before reaching it).
pub fn cases_reached(n: usize, all: usize) -> String {
    use crate::domain::figures::{count, grouped};
    if n >= all {
        count(n, "case", "cases")
    } else {
        format!(
            "{} of its {} that reached the model",
            grouped(n as u64),
            count(all, "case", "cases")
        )
    }
}

/// ", each judge call as if the answer filled the 8,000 characters the judge is shown, each of 4
/// bytes (the longest a character can be)" when
/// `judged` (what an "at most" figure counts for a judge call, [`JUDGE_OUTPUT_BOUND`]), else
/// nothing: said by a run's ([`bound_basis`]) and the loop's basis alike.
pub fn judge_bound_clause(judged: bool) -> String {
    if judged {
        format!(
            ", each judge call as if the answer filled the {} characters the judge is shown, each of 4 bytes (the longest a character can be)",
            crate::domain::figures::grouped(8000)
        )
    } else {
        String::new()
    }
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
            // The cut-off note makes the longer request: the bound holds for either.
            let subject = super::judge::Subject {
                rubric: &rubric,
                prompt,
                case,
                output: "",
                cut_off: true,
            };
            let (i, o) = request_bound(&super::judge::call(&subject, 0.0).request);
            b.judge_calls += 1;
            b.judge_input += i + JUDGE_OUTPUT_BOUND;
            b.judge_output += o;
        }
    }
    b
}

/// The most Re-judge on the answer `cr` to `case` can use: one judge call per rubric it asks
/// again ([`rubrics_to_judge`] with `rejudge`), each request as it will be sent (the answer is
/// known) at its bound ([`request_bound`](crate::domain::estimate::request_bound)): (input,
/// output) tokens per call. `prompt` is the rendered system prompt that made the answer.
pub fn rejudge_bound(
    suite: &Suite,
    prompt: &str,
    case: &TestCase,
    cr: &CaseRun,
    judge_temperature: f32,
) -> Vec<(u64, u64)> {
    use crate::domain::estimate::request_bound;
    rubrics_to_judge(suite, case, cr, true)
        .iter()
        .map(|rubric| {
            let subject = super::judge::Subject {
                rubric,
                prompt,
                case,
                output: &cr.output,
                cut_off: cr.observed().cut_off(),
            };
            request_bound(&super::judge::call(&subject, judge_temperature).request)
        })
        .collect()
}

/// The judge rubrics that apply to a case and have no verdict yet in `cr` (or, when `rejudge` is
/// set, one that is no verdict: unreadable, or a score whose reasoning only repeats the answer).
pub fn rubrics_to_judge(
    suite: &Suite,
    case: &TestCase,
    cr: &CaseRun,
    rejudge: bool,
) -> Vec<String> {
    if cr.refusal.is_some() {
        // The judge is not asked about a refusal: its checks are not measured (`check`).
        return Vec::new();
    }
    judge_rubrics(suite, case)
        .into_iter()
        .filter(|r| match cr.judgements.get(r) {
            None => true,
            Some(Judgement::Unreadable { .. }) => rejudge,
            // Tryout 19 (1): a score whose reasoning only repeats the answer is no verdict
            // (`score_case` says so and offers Re-judge), so Re-judge asks again.
            Some(Judgement::Scored { reasoning, .. }) => {
                rejudge && crate::domain::eval::judge::echoes_the_answer(reasoning, &cr.output)
            }
        })
        .collect()
}

impl Run {
    /// Whether this result came from the latest run of this version (not from an earlier one).
    pub fn is_latest(&self, cr: &CaseRun) -> bool {
        cr.run_ms == self.started_ms
    }

    /// What this run's attempts that no longer show likely cost: each case's
    /// [`CaseRun::superseded`], the run's own [`Run::replaced`], and, while a case is sent again,
    /// the attempt of this run it would replace (its [`CaseRun::earlier`]: review, the cost line
    /// dropped by its tokens until the new call ended).
    pub fn superseded_spent(&self) -> Vec<Spent> {
        let now = |at: &f64| *at == self.started_ms;
        let mut out: Vec<Spent> = self
            .replaced
            .iter()
            .filter(|(at, _)| now(at))
            .map(|(_, s)| s.clone())
            .collect();
        for c in self.cases.values() {
            out.extend(
                c.superseded
                    .iter()
                    .filter(|(at, _)| now(at))
                    .map(|(_, s)| s.clone()),
            );
            if let Some(e) = c
                .earlier
                .as_deref()
                .filter(|_| c.status == Status::Queued || c.status == Status::Running)
            {
                out.extend(e.spent_in(self.started_ms).into_iter().map(|(_, s)| s));
            }
        }
        out
    }

    /// What a re-run of `cr` by the latest run spent when it failed or was cancelled over an
    /// earlier answer (kept beside that answer, [`Spent`]).
    fn rerun_spent<'a>(&self, cr: &'a CaseRun) -> Option<&'a Spent> {
        let failed = cr
            .rerun_failed
            .as_ref()
            .filter(|f| f.run_ms == self.started_ms)
            .and_then(|f| f.spent.as_ref());
        let cancelled = (cr.rerun_cancelled == Some(self.started_ms))
            .then_some(cr.rerun_cancelled_spent.as_ref())
            .flatten();
        failed.or(cancelled)
    }

    /// Whether every result of the latest start was made with `model` (by the model recorded
    /// with the result; for a failed call, which records none, and in older records, by
    /// [`Run::model`] against `label`, the label the runner gives this model's runs: "OpenAI
    /// gpt-4o-mini" for the execution model, [`super::grid::model_label`] for a comparison
    /// model): a run made with another model is not completed on this one (a Retry after a
    /// switch of execution model starts a run of its own, tryout 11 S3).
    pub fn made_with(&self, model: &ModelUsed, label: &str) -> bool {
        self.cases
            .values()
            .filter(|c| self.is_latest(c))
            .all(|c| match &c.exec_model {
                Some(m) => m == model,
                None => self.model.is_empty() || self.model == label,
            })
    }

    /// Whether this run's cases never sent go out as part of it on `model` (labelled `label`, as
    /// in [`Run::made_with`]): only when every result it has and its own label are that
    /// model's. Otherwise *Send the cases not sent* starts a run of their own on `model`.
    pub fn resumes_on(&self, model: &ModelUsed, label: &str) -> bool {
        self.made_with(model, label) && (self.model.is_empty() || self.model == label)
    }

    /// The ids of the cases the latest run was asked to do, in id order.
    pub fn latest_ids(&self) -> Vec<u32> {
        self.cases
            .iter()
            .filter(|(_, c)| self.is_latest(c))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The tokens the latest run's cases used, its judge calls' included, as (cases that
    /// counted tokens, all its cases, tokens): what the loop's budget box and Results set
    /// beside their ceilings. A case never sent, or whose call failed before reaching the
    /// provider, counted none, and is no case of a per-case figure (tryout 89: a run cancelled
    /// after 133 of 705 cases read "about 53 a case" for some 270).
    /// A re-run of it that failed or was cancelled over an earlier answer is one of its cases,
    /// with what its call likely used (tryout 111: "latest run (7 cases)" for a run of 10, 3 of
    /// whose re-runs failed and kept their earlier answers).
    pub fn latest_tokens(&self) -> (usize, usize, u64) {
        self.cases.values().fold((0, 0, 0), |(n, all, t), c| {
            let used = if self.is_latest(c) {
                u64::from(c.input_tokens)
                    + u64::from(c.output_tokens)
                    + u64::from(c.judge_tokens.0)
                    + u64::from(c.judge_tokens.1)
            } else if c.rerun_failed_in(self.started_ms)
                || c.rerun_cancelled == Some(self.started_ms)
            {
                self.rerun_spent(c).map_or(0, |s| {
                    u64::from(s.input_tokens) + u64::from(s.output_tokens)
                })
            } else {
                return (n, all, t);
            };
            (n + usize::from(used > 0), all + 1, t + used)
        })
    }

    /// Whether some results of the latest run came with the draft from a link or a file
    /// ([`CaseRun::received`]): a figure made of their token counts is said to be theirs.
    pub fn latest_received(&self) -> bool {
        self.cases.values().any(|c| self.is_latest(c) && c.received)
    }

    /// Whether some token counts of the latest run's cases are estimates (a call that reported
    /// no usage, a refusal, a call stopped after it went out, an estimated judge call): a
    /// figure made of them is said "about" (tryout 97: the loop's box set a refused case's
    /// estimate beside its ceiling as if counted).
    pub fn latest_estimated(&self) -> bool {
        self.cases
            .values()
            .any(|c| self.is_latest(c) && (c.tokens_estimated || c.judge_estimated))
    }

    /// Scores of every finished case (in suite order), by case id.
    pub fn scores(&self, suite: &Suite, spec: Option<&PromptSpec>) -> SortedMap<u32, CaseScore> {
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

    /// How many of the cases counted in the score line's "of N" ([`Aggregate::total`] of
    /// `scores`, this run's [`Run::scores`]) hold a result from an earlier run: a failed,
    /// cancelled or deleted case's result is not among them.
    pub fn earlier_counted(&self, scores: &SortedMap<u32, CaseScore>) -> usize {
        scores
            .keys()
            .filter(|id| self.cases.get(id).is_some_and(|c| !self.is_latest(c)))
            .count()
    }

    /// The run's score line ([`Aggregate::line`]) with " · k of the N answers are from an earlier
    /// run" when some counted result is from an earlier run.
    ///
    /// When the counted answers were written by more than one model (the execution model was
    /// switched between runs), it says so: " · the answers are from 2 models: A (3), B (1)"
    /// (tryout 12, M3: the line mixed two models' answers in one score without a word).
    pub fn score_line(&self, scores: &SortedMap<u32, CaseScore>) -> String {
        self.score_line_saying(scores, true)
    }

    /// [`Self::score_line`], saying "N not judged yet" only when `unjudged`
    /// ([`Aggregate::line_saying`]).
    pub fn score_line_saying(&self, scores: &SortedMap<u32, CaseScore>, unjudged: bool) -> String {
        let agg = aggregate(scores.values());
        let total = agg.total();
        let mut line = agg.line_saying(unjudged);
        // Its own part, not "(k from an earlier run)" inside the count: "1 of 6 cases (4 from
        // an earlier run) passed" read as if 4 passes were earlier (helper-63).
        match self.earlier_counted(scores) {
            0 => {}
            1 if total == 1 => line.push_str(" · the answer is from an earlier run"),
            k if k == total => {
                line.push_str(&format!(" · all {total} answers are from an earlier run"));
            }
            k => line.push_str(&format!(
                " · {k} of the {total} answers {} from an earlier run",
                if k == 1 { "is" } else { "are" }
            )),
        }
        let models = self.models_of(scores);
        if models.len() < 2 {
            return line;
        }
        let named: Vec<String> = models.iter().map(|(l, n)| format!("{l} ({n})")).collect();
        format!(
            "{line} · the answers are from {} models: {}",
            models.len(),
            crate::domain::figures::and_list(&named)
        )
    }

    /// What the score line adds when every answer it counts was written by one model that is not
    /// `now`, the execution model chosen now: " · the answers are from OpenAI fake-mini, not the
    /// execution model chosen now (OpenAI fake-reasoner): run the cases again to score this
    /// version on it" (tryout 81: the score under "Runs with … fake-reasoner" was fake-mini's,
    /// and only each row's caption said so). Empty otherwise; answers from several models are
    /// said by [`Run::score_line`].
    pub fn other_model_note(&self, scores: &SortedMap<u32, CaseScore>, now: &ModelUsed) -> String {
        match self.models_of(scores).as_slice() {
            [(m, _)] if *m != now.label() && !m.trim().is_empty() => format!(
                " · the answers are from {m}, not the execution model chosen now ({}): run the cases again to score this version on it",
                now.label()
            ),
            _ => String::new(),
        }
    }

    /// The models that wrote the answers `scores` counts, by label ([`CaseRun::exec_model`],
    /// [`Run::model`] in older records), each with how many answers, in the order of the cases.
    fn models_of(&self, scores: &SortedMap<u32, CaseScore>) -> Vec<(String, usize)> {
        let mut models: Vec<(String, usize)> = Vec::new();
        for c in scores.keys().filter_map(|id| self.cases.get(id)) {
            let label = c
                .exec_model
                .as_ref()
                .map_or_else(|| self.model.clone(), ModelUsed::label);
            match models.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => models.push((label, 1)),
            }
        }
        models
    }

    /// What the score line adds for the suite's cases whose call failed (no answer, so no score):
    /// " · 2 cases not answered: their call failed (Retry them below)"; empty when none did
    /// (tryout: failed cases were missing from the score line); then, for cases whose re-run
    /// failed over an earlier answer ([`CaseRun::rerun_failed`]) in this run, " · 1 case's re-run
    /// failed: its earlier answer is kept (Retry it below)", and for those whose re-run failed
    /// in an earlier run (not sent by this one), " · 1 case's re-run failed in an earlier run: …".
    /// "Kept", not "scored": the earlier answer keeps its verdict, and one whose judge failed is
    /// left out of the score (tryout 84: the line said "is scored" beside "left out of the score").
    pub fn failed_note(&self, suite: &Suite) -> String {
        let n = suite
            .cases
            .iter()
            .filter(|c| {
                self.cases
                    .get(&c.id)
                    .is_some_and(|r| matches!(r.status, Status::Failed(_)))
            })
            .count();
        // Tryout 18 (5): a re-run that failed in an earlier run (its case not sent by this
        // one) was counted as this run's news.
        let (kept, kept_before) = suite
            .cases
            .iter()
            .filter_map(|c| self.cases.get(&c.id)?.rerun_failed.as_ref())
            .fold((0, 0), |(now, before), f| {
                if f.run_ms == self.started_ms {
                    (now + 1, before)
                } else {
                    (now, before + 1)
                }
            });
        let not_answered = match n {
            0 => String::new(),
            1 => " · 1 case not answered: its call failed (Retry it below)".to_owned(),
            n => format!(" · {n} cases not answered: their call failed (Retry them below)"),
        };
        let rerun = match kept {
            0 => String::new(),
            1 => {
                " · 1 case's re-run failed: its earlier answer is kept (Retry it below)".to_owned()
            }
            k => format!(
                " · {k} cases' re-runs failed: their earlier answers are kept (Retry them below)"
            ),
        };
        let rerun_before = match kept_before {
            0 => String::new(),
            1 => " · 1 case's re-run failed in an earlier run: its earlier answer is kept (Retry it below)"
                .to_owned(),
            k => format!(
                " · {k} cases' re-runs failed in an earlier run: their earlier answers are kept (Retry them below)"
            ),
        };
        not_answered + &rerun + &rerun_before + &self.unanswered_note(suite)
    }

    /// " · 3 cases have no answer: 1 cancelled, 1 stopped while answering, 1 not sent" for the
    /// suite's cases this run left without any answer to score (cancelled by the person, cut off
    /// by leaving the page or the draft, never sent); empty when none. Tryout 68: after a run a
    /// reload cut short, the score line read "1 of 1 case" in a suite of 4 and said nothing of
    /// the other 3.
    fn unanswered_note(&self, suite: &Suite) -> String {
        let (mut cancelled, mut stopped) = (0, 0);
        for c in &suite.cases {
            if let Some(r) = self.cases.get(&c.id).filter(|r| {
                r.status == Status::Cancelled && r.rerun_cancelled.is_none() && self.is_latest(r)
            }) {
                if r.cut_by.is_some() {
                    stopped += 1;
                } else {
                    cancelled += 1;
                }
            }
        }
        let not_sent = self
            .unsent_ids()
            .into_iter()
            .filter(|id| {
                suite.case(*id).is_some()
                    && self.cases.get(id).is_none_or(|r| r.status != Status::Done)
            })
            .count();
        let total = cancelled + stopped + not_sent;
        if total == 0 {
            return String::new();
        }
        let parts: Vec<String> = [
            (cancelled, "cancelled"),
            (stopped, "stopped while answering"),
            (not_sent, "not sent"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        format!(
            " · {} no answer: {}",
            crate::domain::figures::count(total, "case has", "cases have"),
            parts.join(", ")
        )
    }

    /// Per-case scores (0..=1) for comparing versions. A case whose judge failed is left out (its
    /// score would leave the judge out: it cannot be compared with one that has it); see
    /// [`Run::judge_failed_ids`].
    pub fn score_map(&self, suite: &Suite, spec: Option<&PromptSpec>) -> SortedMap<u32, f64> {
        self.scores(suite, spec)
            .into_iter()
            .filter_map(|(id, s)| Some((id, s.counted()?)))
            .collect()
    }

    /// The finished cases whose judge has not answered ([`CaseScore::pending`], left out of
    /// [`Run::score_map`] and of the mean), in suite order: while no run is under way, the run
    /// stopped before their judge answered (a reload, Cancel), and Re-judge asks it.
    pub fn unjudged_ids(&self, suite: &Suite, spec: Option<&PromptSpec>) -> Vec<u32> {
        self.scores(suite, spec)
            .into_iter()
            .filter(|(_, s)| s.pending && s.counted().is_none())
            .map(|(id, _)| id)
            .collect()
    }

    /// The finished cases whose judge failed (left out of [`Run::score_map`] and of the mean),
    /// in suite order.
    pub fn judge_failed_ids(&self, suite: &Suite, spec: Option<&PromptSpec>) -> Vec<u32> {
        self.scores(suite, spec)
            .into_iter()
            .filter(|(_, s)| s.judge_failed.is_some() && s.counted().is_none())
            .map(|(id, _)| id)
            .collect()
    }

    /// Whether this run has an outcome for the case: a result of its own, or a re-run of it
    /// that failed or was cancelled over an earlier answer. `queued_counts`: a case still
    /// queued in it counts.
    fn has_outcome(&self, id: u32, queued_counts: bool) -> bool {
        self.cases.get(&id).is_some_and(|c| {
            (self.is_latest(c) && (queued_counts || c.status != Status::Queued))
                || c.rerun_failed_in(self.started_ms)
                || c.rerun_cancelled == Some(self.started_ms)
        })
    }

    /// The cases of [`Run::unsent`] that have no outcome of this run yet, in order.
    pub fn unsent_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .unsent
            .iter()
            .copied()
            .filter(|id| !self.has_outcome(*id, true))
            .collect();
        crate::domain::order::sort(&mut ids);
        ids.dedup();
        ids
    }

    /// A case queued again (sent as part of this run): not among the unsent any more; marked
    /// again by [`Run::mark_unsent`] if the page goes away before it is sent. [`Run::stopped_by`]
    /// goes with the last unsent case.
    pub fn queued_again(&mut self, id: u32) {
        self.unsent.retain(|u| *u != id);
        // The reason stays while cases it stopped are still unsent (tryout 19, 7: a Retry of
        // the failed case made the 7 left read "the page went away").
        if self.unsent.is_empty() {
            self.stopped_by.clear();
        }
    }

    /// A call of this run failed in a way every call to the model would (`why`, in words, see
    /// [`Run::stopped_by`]): the cases `waiting` (those still in the caller's queue, taken out
    /// of it; never a call already sent, which ends as it ends) are not sent. Each gets back its
    /// earlier answer (or none again) and joins [`Run::unsent`].
    pub fn stop_sending(&mut self, why: String, waiting: &[u32]) {
        for id in waiting {
            self.not_sent(*id);
        }
        self.stopped_by = why;
    }

    /// A case that got its place while the page was going away was not sent: its earlier answer
    /// comes back (or it has none again), and it is among the unsent.
    pub fn not_sent(&mut self, id: u32) {
        if let Some(c) = self.cases.remove(&id) {
            if c.status == Status::Queued {
                match c.earlier {
                    Some(mut earlier) => {
                        earlier.superseded.extend(c.superseded);
                        self.cases.insert(id, *earlier);
                    }
                    None => self.replaced.extend(c.superseded),
                }
            } else {
                self.cases.insert(id, c);
            }
        }
        if !self.unsent.contains(&id) {
            self.unsent.push(id);
            crate::domain::order::sort(&mut self.unsent);
        }
    }

    /// The page goes away: the cases still queued (a queued re-run over an earlier answer too:
    /// the record keeps its earlier answer) join [`Run::unsent`]. Only then: a run saved while
    /// it goes on (autosave, an export, another tab following the draft) has its queued cases
    /// under way, not unsent.
    pub fn mark_unsent(&mut self) {
        let queued = self
            .cases
            .iter()
            .filter(|(_, c)| c.status == Status::Queued && self.is_latest(c))
            .map(|(id, _)| *id);
        let mut ids: Vec<u32> = self.unsent.iter().copied().chain(queued).collect();
        crate::domain::order::sort(&mut ids);
        ids.dedup();
        self.unsent = ids;
    }

    /// The ids of [`Run::unsent`] the record keeps: those with no outcome of this run (a case
    /// still queued has none yet; a queued case is taken out of `unsent` when it is queued, so
    /// one in it was marked as the page went away).
    pub fn unsent_to_keep(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .unsent
            .iter()
            .copied()
            .filter(|id| !self.has_outcome(*id, false))
            .collect();
        crate::domain::order::sort(&mut ids);
        ids.dedup();
        ids
    }

    /// The counts and tokens of the latest run only: results from earlier runs are not part of
    /// it. Its cases never sent ([`Run::unsent_ids`]) count in `total` and `unsent`.
    pub fn progress(&self) -> Progress {
        self.progress_where(|_| true)
    }

    /// [`Run::progress`] counting only the cases never sent that `kept` keeps (those still in
    /// the suite: a case deleted since is not waited for).
    pub fn progress_where(&self, kept: impl Fn(u32) -> bool) -> Progress {
        let mut p = Progress::default();
        for cr in self.cases.values() {
            // A re-run of this run that failed over an earlier answer counts as failed here
            // (the answer it left is its own run's).
            let failed_here = cr.rerun_failed_in(self.started_ms);
            let cancelled_here = cr.rerun_cancelled == Some(self.started_ms);
            if !failed_here && !cancelled_here && !self.is_latest(cr) {
                continue;
            }
            p.total += 1;
            match cr.status {
                _ if failed_here => {
                    p.failed += 1;
                    p.kept_earlier += 1;
                    // Its call may be billed as a first run's failure may (tryout 111: "4
                    // failed (1 may be billed)" beside three re-runs whose rows said so).
                    p.failed_billed += usize::from(cr.rerun_failed.as_ref().is_some_and(|f| {
                        f.spent.as_ref().is_some_and(|s| {
                            !s.model.kind.is_local() && s.input_tokens + s.output_tokens > 0
                        })
                    }));
                }
                _ if cancelled_here => {
                    p.cancelled += 1;
                    p.cancelled_kept += 1;
                    // A re-run Cancel took out of the queue: no estimate of a call beside it
                    // (final read: re-runs read "7 stopped" for 4 calls under way).
                    p.cancelled_unsent += usize::from(cr.rerun_cancelled_spent.is_none());
                    p.stopped += usize::from(cr.cut_by.is_some_and(|w| w != Leaving::Copied));
                }
                Status::Queued => {}
                Status::Running => p.running += 1,
                Status::Done => p.done += 1,
                Status::Failed(_) => {
                    p.failed += 1;
                    // A model on this computer bills nothing (tryout 91: "4 failed (3 may be
                    // billed) … estimated cost: free").
                    let local = cr.exec_model.as_ref().is_some_and(|m| m.kind.is_local());
                    p.failed_billed +=
                        usize::from(!local && (cr.input_tokens > 0 || cr.output_tokens > 0));
                }
                Status::Cancelled => {
                    p.cancelled += 1;
                    p.stopped += usize::from(cr.cut_by.is_some_and(|w| w != Leaving::Copied));
                    p.cancelled_unsent += usize::from(cr.sent.is_none() && cr.output.is_empty());
                }
            }
            // A re-run of this run that ended over a kept result: its call's estimate (the kept
            // result may be this run's own, a retried refusal).
            if let Some(s) = self.rerun_spent(cr) {
                p.input_tokens += u64::from(s.input_tokens);
                p.output_tokens += u64::from(s.output_tokens);
                p.tokens_estimated = true;
            }
            if !self.is_latest(cr) {
                continue;
            }
            // A result that came with the draft says its own counts: no provider of this page
            // went over a cap it was shown (tryouts 99-100).
            let bounded = cr.tokens_estimated
                && cr.output_tokens as usize
                    > crate::domain::provider::runaway_bytes(MAX_OUTPUT_TOKENS)
                        .unwrap_or(usize::MAX);
            if cr.received {
                p.received += 1;
            } else if cr.output_tokens > MAX_OUTPUT_TOKENS && (!cr.tokens_estimated || bounded) {
                // Reported past the cap, or read no further past it (counted by its bytes,
                // `provider::cut_usage`, more than any estimate from a text that short).
                p.over_cap += 1;
                p.over_cap_bounded += usize::from(bounded);
            }
            p.input_tokens += u64::from(cr.input_tokens) + u64::from(cr.judge_tokens.0);
            p.output_tokens += u64::from(cr.output_tokens) + u64::from(cr.judge_tokens.1);
            p.tokens_estimated |= cr.tokens_estimated && cr.input_tokens + cr.output_tokens > 0
                || cr.judge_estimated && cr.judge_tokens != (0, 0);
        }
        // Attempts of this run that a Retry or re-run replaced: their tokens were spent too.
        for s in self.superseded_spent() {
            p.input_tokens += u64::from(s.input_tokens);
            p.output_tokens += u64::from(s.output_tokens);
            p.tokens_estimated |= s.estimated;
        }
        let unsent: Vec<u32> = self
            .unsent_ids()
            .into_iter()
            .filter(|id| kept(*id))
            .collect();
        p.unsent = unsent.len();
        p.unsent_with_earlier = unsent
            .iter()
            .filter(|id| self.cases.get(id).is_some_and(|c| c.status == Status::Done))
            .count();
        p.total += p.unsent;
        p
    }
}

impl Run {
    /// The list-price cost of the latest run's calls, each result priced by the models recorded
    /// with it ([`CaseRun::exec_model`], [`CaseRun::judge_model`]), never by the models chosen
    /// now: "$0.0012", "free", "unknown price (no list price for …)", "at least $0.01 (no list
    /// price for …)", for results kept before the model was recorded, "not known (the model
    /// of these results was not recorded)", and "nothing yet (no tokens counted)" while no call
    /// has counted a token (a run just started, or every call failed before answering).
    pub fn cost_line(&self) -> String {
        let mut total = 0.0;
        let mut unpriced: Vec<String> = Vec::new();
        let mut unrecorded = false;
        // Whether any call of the run counted tokens: before that, nothing is known to be spent
        // (a run just started, or every call failed before an answer), which is not "free".
        let mut counted = false;
        let rerun_parts: Vec<(Option<ModelUsed>, (u32, u32))> = self
            .cases
            .values()
            .filter_map(|c| self.rerun_spent(c))
            .cloned()
            .chain(self.superseded_spent())
            .map(|s| (Some(s.model.clone()), (s.input_tokens, s.output_tokens)))
            .collect();
        for (model, (i, o)) in &rerun_parts {
            if i + o == 0 {
                continue;
            }
            counted = true;
            match model.as_ref().and_then(|m| m.cost(*i, *o)) {
                Some(x) => total += x,
                None => {
                    if let Some(m) = model {
                        let l = m.label();
                        if !unpriced.contains(&l) {
                            unpriced.push(l);
                        }
                    }
                }
            }
        }
        for c in self.cases.values().filter(|c| self.is_latest(c)) {
            let parts = [
                (&c.exec_model, (c.input_tokens, c.output_tokens)),
                (&c.judge_model, c.judge_tokens),
            ];
            for (model, (i, o)) in parts {
                if i + o == 0 {
                    continue;
                }
                counted = true;
                match model {
                    None => unrecorded = true,
                    Some(m) => match m.cost(i, o) {
                        Some(x) => total += x,
                        None => {
                            let l = m.label();
                            if !unpriced.contains(&l) {
                                unpriced.push(l);
                            }
                        }
                    },
                }
            }
        }
        let mut notes = Vec::new();
        if !unpriced.is_empty() {
            notes.push(format!("no list price for {}", unpriced.join(", ")));
        }
        if unrecorded {
            notes.push("the model of some results was not recorded".to_owned());
        }
        if !counted {
            return "nothing yet (no tokens counted)".to_owned();
        }
        match (notes.is_empty(), total > 0.0) {
            (true, _) => format_cost(Some(total)),
            (false, true) => format!(
                "at least {} ({})",
                format_cost(Some(total)),
                notes.join("; ")
            ),
            (false, false) if unpriced.is_empty() => {
                "not known (the model of these results was not recorded)".to_owned()
            }
            (false, false) => format!("unknown price ({})", notes.join("; ")),
        }
    }
}

/// Counts and token totals of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub total: usize,
    /// Answers whose provider reported more output tokens than the run's cap
    /// ([`MAX_OUTPUT_TOKENS`]): a server that ignores the cap can cost more than the bound
    /// shown before the run (tryout 19, 4). Not the results that came with the draft
    /// ([`Progress::received`]).
    pub over_cap: usize,
    /// Of [`Progress::over_cap`], the answers the page read no further past the cap: their
    /// tokens are counted at the most they can be ([`crate::domain::provider::cut_usage`]: the
    /// request's bound and a token a byte of what arrived), not estimated (tryout 119: "about
    /// 866 tokens in" for a 477-byte request).
    pub over_cap_bounded: usize,
    /// Results of the latest run that came with the draft from a link or a file
    /// ([`CaseRun::received`]): their token counts, in the totals, are the link's or file's.
    pub received: usize,
    pub running: usize,
    pub done: usize,
    /// Cases whose call failed, [`Progress::kept_earlier`] among them.
    pub failed: usize,
    /// Failed re-runs that left an earlier answer in place ([`CaseRun::rerun_failed`]).
    pub kept_earlier: usize,
    /// Cases stopped by Cancel, [`Progress::cancelled_kept`] and [`Progress::stopped`] among
    /// them.
    pub cancelled: usize,
    /// Of [`Progress::cancelled`], the calls cut off by leaving the page or the draft while the
    /// model answered, not by the person's Cancel ([`CaseRun::cut_by`]): said "stopped".
    pub stopped: usize,
    /// Of [`Progress::failed`], the calls that failed after reaching the provider (a stall, a
    /// cut stream, a reply in another format with a success status), their prompts counted:
    /// said "may be billed" (tryout 90: only the row said it). Not a model on this computer,
    /// which bills nothing.
    pub failed_billed: usize,
    /// Cancelled re-runs that put an earlier answer back ([`CaseRun::rerun_cancelled`]).
    pub cancelled_kept: usize,
    /// Of [`Progress::cancelled`], the cases Cancel took out of the queue before their call was
    /// sent ([`CaseRun::sent`] never set): nothing of them reached the provider (tryout 86: a
    /// Cancel with 4 calls under way read "7 stopped").
    pub cancelled_unsent: usize,
    /// Cases never sent: the page was closed or reloaded while they waited ([`Run::unsent`]).
    /// Counted in `total`, not in [`Progress::finished`].
    pub unsent: usize,
    /// Of [`Progress::unsent`], the cases that still show an answer of an earlier run (scored
    /// on it: the score line does not count them among the cases with no answer; tryout 100:
    /// "4 not sent" above "3 not sent" read as a contradiction).
    pub unsent_with_earlier: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Some of the tokens counted are estimated from the texts (the provider reported none for
    /// a call: a failed, stalled or cut-off call, or a server that reports no usage), so the
    /// totals are "about" (tryout 47: "536 tokens in, 8 out" for calls with no usage).
    pub tokens_estimated: bool,
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

/// The progress line's words on the time left while a run is going, `elapsed_ms` after this
/// page started (or resumed) it with `finished_before` of its cases already finished: the pace
/// of the cases finished since, carried over the cases left ([`eta_ms`], [`format_eta`]); once
/// every case has ended, the run waits for its last calls (the judge's verdicts, other models'
/// answers), and says so (tryout 13: "about 0 s left" while judge calls ran). Cases never sent
/// ([`Progress::unsent`]) are not waited for. `None` until one case has finished since.
pub fn time_left(p: &Progress, elapsed_ms: f64, finished_before: usize) -> Option<String> {
    let going = p.total.saturating_sub(p.unsent);
    if going > 0 && p.finished() >= going {
        return Some("finishing the last calls".to_owned());
    }
    let before = finished_before.min(p.finished());
    eta_ms(p.finished() - before, going - before, elapsed_ms).map(format_eta)
}

/// The optimization loop's words on the time left: at most the calls left in its budget
/// (`calls_left`), at the pace of the `done` calls made in the `elapsed_ms` since this page
/// started watching it ([`eta_ms`]), as " · at most about 40 s left". `None` until 2 calls are
/// done (one call's time says little of the pace) and a second has passed, and with no calls
/// left.
pub fn loop_time_left(done: u32, calls_left: u32, elapsed_ms: f64) -> Option<String> {
    // Tryout 79: "at most about 0 s left" in round 0: calls counted in the same clock tick
    // that started the watch give no pace.
    if done < 2 || elapsed_ms < 1_000.0 || calls_left == 0 {
        return None;
    }
    let (done, left) = (done as usize, calls_left as usize);
    eta_ms(done, done + left, elapsed_ms).map(|ms| format!(" · at most {}", format_eta(ms)))
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
