//! Reflexion on one case as a pure machine (issue #14): draft -> harsh critique -> final answer
//! -> the final judged on the draft's rubrics, one call at a time. `Reflect::start` and
//! `Reflect::reply` return the next call to make (`Ask`), or `None` when the work is over; the
//! shell (`state::reflexion::Reflector`) performs each call through the engine and feeds the
//! reply back, and copies `Reflect::reflection` into the draft after each step. No IO; tested
//! natively.
use crate::domain::eval::judge;
use crate::domain::eval::run::Reflection;
use crate::domain::eval::{Assertion, Observed, TestCase};
use crate::domain::meta::tiny_jobs;
use crate::domain::optimize::reflexion;
use crate::domain::provider::{ChatRequest, Role};
use crate::domain::spec::{PromptSpec, RenderStyle};

/// How a reflection whose final answer failed says so (its critique is then whole, and a retry
/// asks only for the final again: [`ReflectInput::kept_critique`]).
pub const FINAL_FAILED: &str = "The final answer failed: ";

/// How a reflection whose final answer the person stopped says so (tryout 86: "The final answer
/// failed: You stopped the request."); its critique is whole, as after [`FINAL_FAILED`].
pub const FINAL_STOPPED: &str =
    "You stopped the final answer before it was whole: press Retry to ask for it again.";

/// How a reflection whose critique the person stopped says so.
const CRITIQUE_STOPPED: &str =
    "You stopped the critique before it was whole: press Retry to reflect on this answer again.";

/// What [`Reflection::over_cap`] names of a critique written past its cap.
const OVER_CAP_CRITIQUE: &str = "critique";
/// What [`Reflection::over_cap`] names of a final answer written past its cap.
const OVER_CAP_FINAL: &str = "final answer";

/// How a reflection stopped by opening another draft says so in the draft it was for.
pub const LEFT_FOR_ANOTHER_DRAFT: &str =
    "Stopped when another draft was opened: press Retry to reflect on this answer again.";

/// How a reflection stopped by its draft's deletion says so when Undo brings the draft back.
pub const LEFT_WHEN_DELETED: &str =
    "Stopped when this draft was deleted: press Retry to reflect on this answer again.";

/// How a reflection cut off by the page going away (a reload, a closed tab) says so (helper-58:
/// it read "The critique failed: The connection … closed before the reply was finished").
pub const LEFT_WHEN_RELOADED: &str =
    "Stopped when the page was reloaded or closed: press Retry to reflect on this answer again.";

/// How a reflection stopped in the draft a copy was made from reads in the copy (helper-54: the
/// copy said "another draft was opened", which never happened to it).
pub const STOPPED_BEFORE_COPY: &str = "Stopped in the draft this was copied from, before the copy was made: press Retry to reflect on this answer again.";

/// The note a reflection stopped by leaving its draft (`why`) leaves in it.
pub fn left(why: crate::domain::draft::Leaving) -> &'static str {
    match why {
        crate::domain::draft::Leaving::Switch => LEFT_FOR_ANOTHER_DRAFT,
        crate::domain::draft::Leaving::Delete => LEFT_WHEN_DELETED,
        crate::domain::draft::Leaving::Reload => LEFT_WHEN_RELOADED,
        crate::domain::draft::Leaving::Copied => STOPPED_BEFORE_COPY,
    }
}

/// How a reflection stopped by leaving its draft (`why`) after its critique had arrived whole
/// says so: Retry keeps that critique and asks for the final answer again (tryout 68: a reload
/// while the final answer was written made Retry pay for the critique twice).
pub fn left_after_critique(why: crate::domain::draft::Leaving) -> &'static str {
    match why {
        crate::domain::draft::Leaving::Switch => LEFT_FOR_ANOTHER_DRAFT_AFTER_CRITIQUE,
        crate::domain::draft::Leaving::Delete => LEFT_WHEN_DELETED_AFTER_CRITIQUE,
        crate::domain::draft::Leaving::Reload => LEFT_WHEN_RELOADED_AFTER_CRITIQUE,
        crate::domain::draft::Leaving::Copied => STOPPED_BEFORE_COPY_AFTER_CRITIQUE,
    }
}

/// [`left_after_critique`] for a switch to another draft.
pub const LEFT_FOR_ANOTHER_DRAFT_AFTER_CRITIQUE: &str = "Stopped after the critique, when another draft was opened: press Retry to have the final answer written.";

/// [`left_after_critique`] for a delete that Undo took back.
pub const LEFT_WHEN_DELETED_AFTER_CRITIQUE: &str = "Stopped after the critique, when this draft was deleted: press Retry to have the final answer written.";

/// [`left_after_critique`] for a reload or a closed tab.
pub const LEFT_WHEN_RELOADED_AFTER_CRITIQUE: &str = "Stopped after the critique, when the page was reloaded or closed: press Retry to have the final answer written.";

/// [`STOPPED_BEFORE_COPY`] for a reflection stopped after its critique.
pub const STOPPED_BEFORE_COPY_AFTER_CRITIQUE: &str = "Stopped after the critique, in the draft this was copied from, before the copy was made: press Retry to have the final answer written.";

/// The note a reflection stopped by leaving its draft (`why`) leaves in it, by what it had:
/// [`left_after_critique`] when its critique had arrived whole (`critique_whole`), else
/// [`left`].
pub fn left_note(why: crate::domain::draft::Leaving, critique_whole: bool) -> &'static str {
    if critique_whole {
        left_after_critique(why)
    } else {
        left(why)
    }
}

/// Whether a reflection's `error` leaves its critique whole, so a retry keeps it and asks only
/// for the final answer: the final failed or was stopped, its judging was stopped, or leaving
/// its draft stopped it after the critique.
pub fn keeps_critique(error: &str) -> bool {
    error.starts_with(FINAL_FAILED)
        || error == FINAL_STOPPED
        || error == JUDGING_STOPPED
        || [
            LEFT_FOR_ANOTHER_DRAFT_AFTER_CRITIQUE,
            LEFT_WHEN_DELETED_AFTER_CRITIQUE,
            LEFT_WHEN_RELOADED_AFTER_CRITIQUE,
            STOPPED_BEFORE_COPY_AFTER_CRITIQUE,
        ]
        .contains(&error)
}

/// What a reflection says when its critique came back with no text (tryout 111: the draft was
/// shown as the final answer, as if the critique had found nothing to fix).
pub const EMPTY_CRITIQUE: &str = "The critique came back empty: the model wrote nothing, so no final answer was asked. Press Retry to ask for the critique again.";

/// How a reflection stopped while its final answer was judged says so (critique and final are
/// then whole: a retry only judges, [`ReflectInput::kept_final`]).
pub const JUDGING_STOPPED: &str =
    "You stopped the judging of the final answer: press Retry to have it judged.";

/// What Reflexion on one case works from, fixed when it starts.
#[derive(Debug, Clone)]
pub struct ReflectInput {
    pub spec: PromptSpec,
    pub style: RenderStyle,
    pub case: TestCase,
    /// The case's checks (the critique is told them).
    pub checks: Vec<Assertion>,
    /// The run's answer (the draft) and why its model stopped (promptfoo's `finish-reason`).
    pub draft: String,
    pub draft_stop: Option<String>,
    /// The provider's refusal when the draft was one (its words are then `draft`): a draft kept
    /// as the final ([`Reflection::final_is_draft`]) is still a refusal, scored as one and not
    /// judged (the review).
    pub draft_refusal: Option<String>,
    /// The rubrics the final answer is judged on: the draft's (`run::rubrics_to_judge`).
    pub rubrics: Vec<String>,
    /// `Some(task)` when the execution model is the tiny built-in one: one-line worked
    /// critiques checked with `tiny_jobs::critique_problems`, a final asked without the draft.
    pub tiny_task: Option<String>,
    /// The judge role's temperature setting (capped by `judge::temperature`).
    pub judge_temperature: f32,
    /// Most tokens of the final answer (the run's limit).
    pub max_tokens: u32,
    /// A critique that arrived whole before, whose final answer then failed: it is kept and
    /// only the final is asked again (tryout 8: the critique was paid for twice).
    pub kept_critique: Option<String>,
    /// With a kept critique: a final answer that arrived whole (text, stop reason) whose judging
    /// was stopped; a retry only judges it.
    pub kept_final: Option<(String, Option<String>)>,
    /// With a kept final answer: its call's time (ms), cost at list price and whether that is
    /// an estimate ([`Reflection::final_ms`], [`Reflection::final_cost`]), kept with it so the
    /// retry's `latency` and `cost` checks read them.
    pub kept_final_call: (Option<f64>, Option<f64>, bool),
    /// The draft's call: its time (ms), cost at list price and whether that is an estimate, and
    /// the judge's verdicts on it by rubric: the final answer's when the critique finds nothing
    /// to fix ([`Reflection::final_is_draft`]).
    pub draft_call: (Option<f64>, Option<f64>, bool),
    pub draft_judgements:
        crate::domain::sorted::SortedMap<String, crate::domain::eval::judge::Judgement>,
    /// What the reflection said of the kept critique or final being written past its cap
    /// ([`Reflection::over_cap`]): said again (review: a Retry that kept the critique dropped
    /// its note).
    pub kept_over_cap: Vec<String>,
    /// What Reflect's earlier calls on this answer used ([`Reflection::used`]): a new
    /// reflection goes on counting from there.
    pub kept_used: Option<crate::domain::eval::run::ReflectUsed>,
    /// The model that wrote the kept critique ([`Reflection::model`], by label; `None` in older
    /// records): see [`ReflectInput::on_model`].
    pub kept_model: Option<String>,
    /// The person's thumbs-down on the draft answer, in the words the optimizer reads
    /// ([`Rating::feedback`](crate::domain::eval::rating::Rating::feedback)): the critique is
    /// told it like a failed check (tryout 100: the page scored the thumbs-down, and Reflexion's
    /// requests never said it). Not told to the tiny model's one-line critiques.
    pub rated_down: Option<String>,
}

impl ReflectInput {
    /// What Reflexion on case `id`'s answer in the current version's run of `draft` works
    /// from, with the version it belongs to; `None` when that answer is not a finished one
    /// ([`Status::Done`](crate::domain::eval::run::Status::Done)) or the case or version is
    /// gone. `tiny`: the execution model is the tiny built-in one (one-line worked critiques
    /// and a final asked without the draft, `meta::tiny_jobs`: the long instructions make it
    /// loop). A critique that arrived whole before, whose final answer then failed or whose
    /// judging was stopped, or that leaving the draft stopped after ([`keeps_critique`]), is kept, and a final answer whose judging was stopped too (tryout
    /// 8: the critique was paid for twice, and a new one could differ from the one on screen).
    pub fn for_case(
        draft: &crate::domain::draft::Draft,
        id: u32,
        tiny: bool,
        judge_temperature: f32,
        max_tokens: u32,
    ) -> Option<(u32, ReflectInput)> {
        use crate::domain::eval::run::Status;
        let d = draft;
        let cr = d.run_of(d.current)?.cases.get(&id)?;
        if cr.status != Status::Done {
            return None;
        }
        let spec = d.current_spec()?;
        let tiny_task = tiny.then(|| tiny_jobs::task_of(&d.idea.idea, spec));
        let input = Self::from_parts(
            spec,
            d.style,
            &d.suite,
            id,
            cr,
            tiny_task,
            judge_temperature,
            max_tokens,
        )?;
        Some((d.current, input))
    }

    /// What Reflexion on case `id`'s answer `cr` works from, given the version's `spec` and
    /// `style` and the `suite` (as [`for_case`](Self::for_case) reads them from a draft, and a
    /// result row reads them to show what Reflect may cost); `None` when the case is gone.
    /// `tiny_task`: the task told to the tiny built-in model, when it is the execution model.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        spec: &PromptSpec,
        style: RenderStyle,
        suite: &crate::domain::eval::Suite,
        id: u32,
        cr: &crate::domain::eval::run::CaseRun,
        tiny_task: Option<String>,
        judge_temperature: f32,
        max_tokens: u32,
    ) -> Option<ReflectInput> {
        use crate::domain::eval::run;
        let case = suite.case(id)?.clone();
        let kept_critique = cr.reflection.as_ref().and_then(|r| {
            (!r.critique.is_empty() && r.error.as_deref().is_some_and(keeps_critique))
                .then(|| r.critique.clone())
        });
        let kept_final = cr.reflection.as_ref().and_then(|r| {
            (r.error.as_deref() == Some(JUDGING_STOPPED) && !r.final_output.is_empty())
                .then(|| (r.final_output.clone(), r.final_stop.clone()))
        });
        let empty = run::CaseRun::default();
        Some(ReflectInput {
            // As checked: the case's variables filled in (final read).
            checks: suite
                .assertions_for(&case)
                .map(|a| a.with_vars(&case.vars))
                .collect(),
            rubrics: run::rubrics_to_judge(suite, &case, &empty, false),
            tiny_task,
            style,
            // A refusal's words are its answer (tryout 80: the critique was asked about an
            // empty draft).
            draft: match (&cr.refusal, cr.output.trim().is_empty()) {
                (Some(words), true) => words.clone(),
                _ => cr.output.clone(),
            },
            draft_stop: cr.finish_reason.clone(),
            draft_refusal: cr.refusal.clone(),
            judge_temperature,
            max_tokens,
            kept_used: cr.reflection.as_ref().and_then(|r| r.used.clone()),
            kept_over_cap: cr
                .reflection
                .as_ref()
                .map(|r| {
                    r.over_cap
                        .iter()
                        .filter(|n| {
                            let of = |what: &str| n.contains(&format!("for the {what},"));
                            kept_critique.is_some() && of(OVER_CAP_CRITIQUE)
                                || kept_final.is_some() && of(OVER_CAP_FINAL)
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            kept_model: kept_critique
                .as_ref()
                .and_then(|_| cr.reflection.as_ref()?.model.clone()),
            rated_down: cr.rating.as_ref().and_then(|r| r.feedback()),
            kept_critique,
            draft_call: {
                let o = cr.observed();
                (
                    o.latency_ms.map(|ms| ms as f64),
                    o.cost_usd,
                    o.cost_estimated,
                )
            },
            draft_judgements: cr.judgements.clone(),
            kept_final_call: cr
                .reflection
                .as_ref()
                .filter(|_| kept_final.is_some())
                .map_or((None, None, false), |r| {
                    (r.final_ms, r.final_cost, r.final_cost_estimated)
                }),
            kept_final,
            case,
            spec: spec.clone(),
        })
    }

    /// This input for a reflection written by `model` (the execution model chosen now, by
    /// label): a kept critique (and the final kept with it) written by another model is not
    /// kept, so one reflection's texts have one writer (session 48's note: a Retry that kept an
    /// earlier model's critique named the model chosen at the Retry as the writer of both); the
    /// critique is asked again, and the figure beside Retry counts it.
    pub fn on_model(mut self, model: &str) -> Self {
        if self.kept_model.as_deref().is_some_and(|m| m != model) {
            self.kept_critique = None;
            self.kept_final = None;
            self.kept_over_cap.clear();
            self.kept_model = None;
        }
        self
    }
}

impl ReflectInput {
    /// The critique's request: the tiny model's one-line worked critique, or the harsh critique
    /// ([`reflexion::critique_request`], told when the draft was cut off).
    fn critique_request(&self) -> ChatRequest {
        let draft_cut_off = Observed {
            finish_reason: self.draft_stop.clone(),
            ..Observed::default()
        }
        .cut_off();
        match &self.tiny_task {
            Some(task) => {
                tiny_jobs::critique_request(task, &self.case.shown_input(400), &self.draft)
            }
            None => {
                let mut req = reflexion::critique_request(
                    &self.spec,
                    self.style,
                    &self.case,
                    &self.checks,
                    &self.draft,
                    draft_cut_off,
                );
                if let (Some(said), Some(m)) = (&self.rated_down, req.messages.last_mut()) {
                    // A note with no stop of its own gets one before the next sentence.
                    let said = said.trim_end();
                    let stop = if said.ends_with(['.', '!', '?']) {
                        ""
                    } else {
                        "."
                    };
                    m.text = format!(
                        "{}\n\n## The person's rating of the draft answer\n{said}{stop} Count it as a failed check.",
                        m.text.trim_end()
                    );
                }
                req
            }
        }
    }

    /// The final answer's request, written from `critique`.
    fn final_request(&self, critique: &str) -> ChatRequest {
        if self.tiny_task.is_some() {
            tiny_jobs::final_request(
                &self.spec,
                self.style,
                &self.case,
                critique,
                self.max_tokens,
            )
        } else {
            reflexion::final_request(
                &self.spec,
                self.style,
                &self.case,
                &self.draft,
                critique,
                self.max_tokens,
            )
        }
    }

    /// The judge's request on `rubric` for the final answer `output`.
    fn judge_request(&self, rubric: &str, output: &str, cut_off: bool) -> ChatRequest {
        let prompt = self.spec.render(self.style);
        let subject = judge::Subject {
            rubric,
            prompt: &prompt,
            case: &self.case,
            output,
            cut_off,
        };
        judge::call(&subject, self.judge_temperature).request
    }

    /// The most each call of this reflection can use, worked out before any is made: (the role
    /// that answers it, (input, output) tokens by
    /// [`request_bound`](crate::domain::estimate::request_bound)). The critique as asked, its
    /// answer at its cap; the final answer's request with the critique at its longest
    /// ([`reflexion::CRITIQUE_READ_BOUND`]: it is clipped, [`reflexion::CRITIQUE_CHARS`]), its
    /// answer at the run's cap; each judge call with the final answer at the longest the judge
    /// is shown ([`JUDGE_OUTPUT_BOUND`](crate::domain::eval::run::JUDGE_OUTPUT_BOUND)). A kept
    /// critique or final answer is not asked again, so not counted; a critique that finds
    /// nothing skips the final answer, counted all the same. (The tiny model's critique is not
    /// clipped: it is the built-in local model's, which costs nothing.)
    pub fn bound(&self) -> Vec<(Role, (u64, u64))> {
        use crate::domain::estimate::request_bound;
        use crate::domain::eval::run::JUDGE_OUTPUT_BOUND;
        let mut calls = Vec::new();
        match (&self.kept_critique, &self.kept_final) {
            (Some(_), Some(_)) => {}
            (Some(critique), None) => {
                calls.push((
                    Role::Execution,
                    request_bound(&self.final_request(critique)),
                ));
            }
            (None, _) => {
                calls.push((Role::Execution, request_bound(&self.critique_request())));
                let (i, o) = request_bound(&self.final_request(""));
                calls.push((Role::Execution, (i + reflexion::CRITIQUE_READ_BOUND, o)));
            }
        }
        for rubric in &self.rubrics {
            let (i, o) = request_bound(&self.judge_request(rubric, "", true));
            calls.push((Role::Judge, (i + JUDGE_OUTPUT_BOUND, o)));
        }
        calls
    }
}

/// Which call of the work an [`Ask`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Critique,
    Final,
    /// The final answer judged on one rubric.
    Judge(String),
}

/// A call to make: the role whose model answers it, and the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub step: Step,
    pub role: Role,
    pub request: ChatRequest,
}

/// A call's outcome as the machine reads it: the text and stop reason, or what arrived and the
/// provider error's message.
pub type Outcome = Result<(String, Option<String>), (String, String)>;

/// Reflexion on one case.
#[derive(Debug, Clone)]
pub struct Reflect {
    input: ReflectInput,
    /// What is known so far (copied into the draft's result by the shell).
    pub reflection: Reflection,
    waiting: Option<Step>,
    judged: usize,
    /// The time of the call whose outcome comes next ([`Reflect::took`]).
    took_ms: Option<f64>,
    /// The output tokens the provider reported for the call whose outcome comes next
    /// ([`Reflect::reported`]).
    reported: Option<u32>,
    /// The output cap (`max_tokens`) of the call asked last.
    asked_cap: u32,
    /// The cost of the call whose outcome comes next ([`Reflect::cost`]).
    cost_in: Option<(Option<f64>, bool)>,
    /// Its reply was read no further past its cap ([`Reflect::read_no_further`]).
    read_no_further: bool,
}

impl Reflect {
    /// A new reflection: empty but for a kept critique.
    pub fn new(input: ReflectInput) -> Self {
        let (final_output, final_stop) = match (&input.kept_critique, &input.kept_final) {
            (Some(_), Some((text, stop))) => (text.clone(), stop.clone()),
            _ => (String::new(), None),
        };
        let (final_ms, final_cost, final_cost_estimated) = if input.kept_final.is_some() {
            input.kept_final_call
        } else {
            (None, None, false)
        };
        let reflection = Reflection {
            critique: input.kept_critique.clone().unwrap_or_default(),
            final_output,
            final_stop,
            final_ms,
            final_cost,
            final_cost_estimated,
            over_cap: input.kept_over_cap.clone(),
            used: input.kept_used.clone(),
            ..Reflection::default()
        };
        Self {
            input,
            reflection,
            waiting: None,
            judged: 0,
            took_ms: None,
            reported: None,
            asked_cap: 0,
            cost_in: None,
            read_no_further: false,
        }
    }

    /// The first call: the critique, or the final answer when the critique was kept.
    pub fn start(&mut self) -> Option<Ask> {
        if self.input.kept_critique.is_some() {
            if self.input.kept_final.is_some() {
                if self
                    .input
                    .kept_critique
                    .as_deref()
                    .is_some_and(reflexion::found_nothing)
                {
                    self.keep_draft_as_final();
                }
                return self.next_judge();
            }
            return self.after_critique();
        }
        let request = self.input.critique_request();
        self.ask(Step::Critique, Role::Execution, request)
    }

    /// Feeds the outcome of the call asked last; returns the next call, or `None` when the
    /// work is over: `reflection.done`, or `reflection.error` saying which call failed.
    /// The answering attempt of the call whose outcome [`Reflect::reply`] gets next took `ms`
    /// milliseconds: kept for the final answer ([`Reflection::final_ms`]).
    pub fn took(&mut self, ms: f64) {
        self.took_ms = Some(ms);
    }

    /// The call whose outcome [`Reflect::reply`] gets next cost `usd` at the model's list price
    /// (`None`: no list price), an estimate from the texts when `estimated`: kept for the final
    /// answer ([`Reflection::final_cost`]), which a `cost` check reads.
    pub fn cost(&mut self, usd: Option<f64>, estimated: bool) {
        self.cost_in = Some((usd, estimated));
    }

    /// The provider reported `output_tokens` for the call whose outcome [`Reflect::reply`] gets
    /// next: past that call's cap, the reflection says so ([`Reflection::over_cap`]).
    pub fn reported(&mut self, output_tokens: u32) {
        self.reported = Some(output_tokens);
    }

    /// Says a critique or final answer (`what`: [`OVER_CAP_CRITIQUE`], [`OVER_CAP_FINAL`]) the
    /// provider wrote past its cap (tryout 84: a final
    /// answer far longer than its cap was shown and judged with no mark).
    fn note_over_cap(&mut self, what: &str) {
        let cap = self.asked_cap;
        let cut = std::mem::take(&mut self.read_no_further);
        if let Some(n) = self.reported.take().filter(|n| cap > 0 && *n > cap) {
            // Tryout 112: "The provider sent 12,006 tokens" of a reply the page stopped reading.
            self.reflection.over_cap.push(if cut {
                format!(
                    "The provider wrote on for the {what}, past its {}-token cap (it did not stop the model): the page stopped reading it at {} bytes, counted as {}, a byte each, so Reflect may cost more than the figure shown before it.",
                    crate::domain::figures::grouped(u64::from(cap)),
                    crate::domain::figures::grouped(
                        crate::domain::provider::runaway_bytes(cap).unwrap_or_default() as u64
                    ),
                    crate::domain::figures::count(n as usize, "token", "tokens"),
                )
            } else {
                format!(
                    "The provider sent {} for the {what}, past its {}-token cap (it did not stop the model), so Reflect may cost more than the figure shown before it.",
                    crate::domain::figures::count(n as usize, "token", "tokens"),
                    crate::domain::figures::grouped(u64::from(cap))
                )
            });
        }
    }

    /// The page read the reply of the call whose outcome comes next no further past its cap
    /// ([`crate::domain::provider::Completion::cut_past_cap`]): its note says so.
    pub fn read_no_further(&mut self) {
        self.read_no_further = true;
    }

    pub fn reply(&mut self, outcome: Outcome) -> Option<Ask> {
        let took_ms = self.took_ms.take();
        let cost = self.cost_in.take();
        match self.waiting.take()? {
            Step::Critique => match outcome {
                Ok((text, _)) => {
                    self.note_over_cap(OVER_CAP_CRITIQUE);
                    self.reflection.critique = if self.input.tiny_task.is_some() {
                        tiny_jobs::read_critique(&text)
                    } else {
                        text
                    };
                    if let Some(task) = &self.input.tiny_task {
                        let problems = tiny_jobs::critique_problems(
                            task,
                            &self.input.case.user_message(),
                            &self.input.draft,
                            &self.reflection.critique,
                        );
                        if let Some(p) = problems.first() {
                            self.reflection.error = Some(format!(
                                "The local model's critique is not usable ({p}), so no final answer was asked. A model with an API key critiques far better."
                            ));
                            return None;
                        }
                    }
                    self.after_critique()
                }
                Err((partial, message)) => {
                    self.reflection.error = Some(format!("The critique failed: {message}"));
                    self.reflection.critique = partial;
                    None
                }
            },
            Step::Final => match outcome {
                Ok((text, stop)) => {
                    self.note_over_cap(OVER_CAP_FINAL);
                    self.reflection.final_partial = false;
                    self.reflection.final_output = text;
                    self.reflection.final_stop = stop;
                    self.reflection.final_ms = took_ms;
                    (
                        self.reflection.final_cost,
                        self.reflection.final_cost_estimated,
                    ) = cost.unwrap_or((None, false));
                    self.next_judge()
                }
                Err((partial, message)) => {
                    self.reflection.error = Some(format!("{FINAL_FAILED}{message}"));
                    self.reflection.final_partial = true;
                    self.reflection.final_output = partial;
                    None
                }
            },
            Step::Judge(rubric) => {
                let verdict = match outcome {
                    Ok((text, _)) => judge::verdict(Ok(&text), &rubric),
                    Err((raw, message)) => judge::verdict(Err((raw, &message)), &rubric),
                };
                self.reflection.judgements.insert(rubric, verdict);
                self.next_judge()
            }
        }
    }

    /// The person stopped the work between two calls (the call under way ended first and was
    /// fed to [`Reflect::reply`]): what comes next ends now, said. A stopped final answer reads
    /// as failed, so Retry asks only for the final again; stopped judging reads as such
    /// ([`JUDGING_STOPPED`]: no verdict is kept, Retry only judges the final).
    pub fn stop(&mut self) {
        match self.waiting.take() {
            None => {}
            Some(Step::Critique) => {
                self.reflection.error = Some(CRITIQUE_STOPPED.to_owned());
            }
            Some(Step::Final) => {
                self.reflection.error = Some(FINAL_STOPPED.to_owned());
                self.reflection.final_partial = true;
            }
            Some(Step::Judge(_)) => {
                // Not the judge's failure (tryout 13: "Judge error" for the person's Stop).
                self.reflection.judgements.clear();
                self.reflection.error = Some(JUDGING_STOPPED.to_owned());
            }
        }
    }

    /// The person stopped the call under way (`partial`: what of it had arrived): said as
    /// [`Self::stop`] says it, not as a failure, keeping that part (a critique or final answer
    /// cut short).
    pub fn stopped_with(&mut self, partial: String) {
        match self.waiting.clone() {
            Some(Step::Critique) => self.reflection.critique = partial,
            Some(Step::Final) => self.reflection.final_output = partial,
            _ => {}
        }
        self.stop();
    }

    /// The final answer's call, or (a critique that found nothing) the draft kept as the final.
    fn after_critique(&mut self) -> Option<Ask> {
        let i = &self.input;
        // Tryout 111: an empty critique was read as "nothing to fix" and the draft shown as the
        // final answer, written by the model. The model wrote nothing: the critique failed.
        if self.reflection.critique.trim().is_empty() {
            self.reflection.error = Some(EMPTY_CRITIQUE.to_owned());
            return None;
        }
        if reflexion::found_nothing(&self.reflection.critique) {
            self.keep_draft_as_final();
            return self.next_judge();
        }
        let request = i.final_request(&self.reflection.critique);
        self.ask(Step::Final, Role::Execution, request)
    }

    /// A critique that found nothing to fix: the final answer is the draft as it was, with its
    /// call's figures and the judge's verdicts on it ([`Reflection::final_is_draft`]); the
    /// verdicts it has need no call, a rubric it has none for is judged.
    fn keep_draft_as_final(&mut self) {
        let i = &self.input;
        let r = &mut self.reflection;
        r.final_output = i.draft.clone();
        r.final_stop = i.draft_stop.clone();
        (r.final_ms, r.final_cost, r.final_cost_estimated) = i.draft_call;
        r.final_is_draft = true;
        r.final_refusal = i.draft_refusal.clone();
        r.judgements = i
            .rubrics
            .iter()
            .filter_map(|rubric| {
                i.draft_judgements
                    .get(rubric)
                    .map(|j| (rubric.clone(), j.clone()))
            })
            .collect();
        self.judged = 0;
    }

    /// The judge call on the next rubric not judged yet, or done.
    fn next_judge(&mut self) -> Option<Ask> {
        while self.input.rubrics.get(self.judged).is_some_and(|r| {
            self.reflection.final_is_draft
                && (self.reflection.judgements.get(r).is_some()
                    || self.reflection.final_refusal.is_some())
        }) {
            self.judged += 1;
        }
        let Some(rubric) = self.input.rubrics.get(self.judged).cloned() else {
            self.reflection.done = true;
            return None;
        };
        self.judged += 1;
        let cut_off = self.reflection.final_observed().cut_off();
        let request = self
            .input
            .judge_request(&rubric, &self.reflection.final_output, cut_off);
        self.ask(Step::Judge(rubric), Role::Judge, request)
    }

    fn ask(&mut self, step: Step, role: Role, request: ChatRequest) -> Option<Ask> {
        self.waiting = Some(step.clone());
        self.asked_cap = request.max_tokens;
        self.reported = None;
        Some(Ask {
            step,
            role,
            request,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::eval::judge::Judgement;

    fn input() -> ReflectInput {
        let spec = PromptSpec {
            persona: "You are a meticulous meeting analyst.".into(),
            context: "Meeting notes arrive as the user's message.".into(),
            steps: vec!["List every commitment with its owner.".into()],
            format: "A Markdown list, owner in bold.".into(),
            ..PromptSpec::default()
        };
        ReflectInput {
            spec,
            style: RenderStyle::default(),
            case: TestCase {
                id: 1,
                input: "Bob will send the deck by Friday.".into(),
                ..TestCase::default()
            },
            checks: Vec::new(),
            draft: "Bob sends something.".into(),
            draft_stop: Some("stop".into()),
            rubrics: vec!["Names the owner.".into(), "Gives the deadline.".into()],
            tiny_task: None,
            judge_temperature: 0.0,
            max_tokens: 1500,
            kept_critique: None,
            kept_final: None,
            kept_final_call: (None, None, false),
            draft_call: (None, None, false),
            draft_refusal: None,
            draft_judgements: Default::default(),
            kept_over_cap: Vec::new(),
            kept_used: None,
            kept_model: None,
            rated_down: None,
        }
    }

    /// The figure shown before Reflect is pressed holds whatever the model writes: a critique
    /// and a final answer far past their caps, in characters of 4 bytes, are each read by a
    /// later call within the bound worked out before the first call; a kept critique is not
    /// counted again.
    #[test]
    fn the_bound_holds_for_the_longest_critique_and_final_answer() {
        use crate::domain::estimate::request_bound;
        let wide = |n: usize| "\u{1D538}".repeat(n); // 𝔸: 4 bytes in UTF-8
        for cut in [None, Some("length")] {
            let mut i = input();
            i.draft_stop = cut.map(str::to_owned);
            let bound = i.bound();
            assert_eq!(bound.len(), 4, "{bound:?}");
            let mut m = Reflect::new(i.clone());
            let mut asked = vec![m.start().expect("the critique")];
            while let Some(next) = m.reply(Ok((wide(20_000), cut.map(str::to_owned)))) {
                asked.push(next);
            }
            assert_eq!(asked.len(), 4);
            for (ask, (role, (input, output))) in asked.iter().zip(&bound) {
                let (used_in, used_out) = request_bound(&ask.request);
                assert_eq!(ask.role, *role);
                assert!(used_in <= *input, "{:?}: {used_in} > {input}", ask.step);
                assert!(used_out <= *output, "{:?}", ask.step);
            }
        }
        // A kept critique: the final answer and the judge calls only, the critique as it is.
        let mut i = input();
        i.kept_critique = Some(wide(20_000));
        let bound = i.bound();
        assert_eq!(bound.len(), 3);
        let mut m = Reflect::new(i.clone());
        let first = m.start().expect("the final answer");
        assert_eq!(first.step, Step::Final);
        assert!(request_bound(&first.request).0 <= bound[0].1.0);
        // A kept final answer whose judging stopped: the judge calls only.
        i.kept_final = Some(("done".into(), None));
        assert_eq!(i.bound().len(), 2);
    }

    /// What Reflexion on a case works from is read from the current version's finished answer;
    /// a retry after the final answer failed keeps the critique, one after judging stopped keeps
    /// the final answer too; a case not answered has nothing to reflect on.
    #[test]
    fn reflexion_starts_from_a_finished_answer_and_keeps_what_was_paid_for() {
        use crate::domain::eval::run::{CaseRun, Run, Status};
        let mut d = crate::domain::wire::tests::sample_draft();
        let id = d.suite.cases[0].id;
        let done = CaseRun {
            status: Status::Done,
            output: "Bob sends something.".into(),
            finish_reason: Some("length".into()),
            ..CaseRun::default()
        };
        let mut cases = crate::domain::sorted::SortedMap::new();
        cases.insert(id, done.clone());
        d.put_run(Run {
            version: d.current,
            cases,
            ..Run::default()
        });
        let (version, input) =
            ReflectInput::for_case(&d, id, false, 0.2, 1500).expect("a finished answer");
        assert_eq!(version, d.current);
        assert_eq!(
            (input.draft.as_str(), input.draft_stop.as_deref()),
            ("Bob sends something.", Some("length"))
        );
        assert_eq!(input.case.id, id);
        assert_eq!((input.judge_temperature, input.max_tokens), (0.2, 1500));
        assert_eq!((input.kept_critique, input.kept_final), (None, None));
        assert!(input.tiny_task.is_none());
        assert!(
            ReflectInput::for_case(&d, id, true, 0.2, 1500)
                .unwrap()
                .1
                .tiny_task
                .is_some()
        );
        // Each written past its cap, as the notes say it.
        let critique_note = "The provider sent 900 tokens for the critique, past its 700-token cap (it did not stop the model), so Reflect may cost more than the figure shown before it.";
        let final_note = "The provider sent 1,900 tokens for the final answer, past its 1,500-token cap (it did not stop the model), so Reflect may cost more than the figure shown before it.";
        let with = |error: &str| {
            let mut d = d.clone();
            let run = d.runs.iter_mut().find(|r| r.version == d.current).unwrap();
            run.cases.get_mut(&id).unwrap().reflection = Some(Reflection {
                critique: "It omits the deadline.".into(),
                final_output: "- **Bob**: the deck, Friday".into(),
                error: Some(error.into()),
                over_cap: vec![critique_note.into(), final_note.into()],
                used: Some(crate::domain::eval::run::ReflectUsed {
                    calls: 2,
                    input_tokens: 900,
                    output_tokens: 1_000,
                    cost_usd: 0.001,
                    ..Default::default()
                }),
                model: Some("OpenAI gpt-4o-mini".into()),
                ..Reflection::default()
            });
            ReflectInput::for_case(&d, id, false, 0.0, 1500).unwrap().1
        };
        let failed = with(&format!("{FINAL_FAILED}Rate limited"));
        assert_eq!(
            failed.kept_critique.as_deref(),
            Some("It omits the deadline.")
        );
        // The kept critique's writer, for `on_model`.
        assert_eq!(failed.kept_model.as_deref(), Some("OpenAI gpt-4o-mini"));
        assert_eq!(failed.kept_final, None);
        // Review: the kept critique's note stays with it; the final asked again has its own.
        assert_eq!(failed.kept_over_cap, [critique_note]);
        assert_eq!(
            Reflect::new(failed.clone()).reflection.over_cap,
            [critique_note]
        );
        assert_eq!(
            with(JUDGING_STOPPED).kept_over_cap,
            [critique_note, final_note]
        );
        assert!(with("The critique failed: 500").kept_over_cap.is_empty());
        // What the earlier calls spent goes on counting, whatever is kept (tryout 93).
        for kept in [failed.clone(), with("The critique failed: 500")] {
            let used = Reflect::new(kept).reflection.used.expect("kept");
            assert_eq!((used.calls, used.input_tokens), (2, 900));
        }
        let stopped = with(JUDGING_STOPPED);
        assert_eq!(
            stopped.kept_final,
            Some(("- **Bob**: the deck, Friday".into(), None))
        );
        // A failed critique is asked again.
        assert_eq!(with("The critique failed: 500").kept_critique, None);
        // Stopped by leaving the draft: after its critique, that critique is kept (tryout 68:
        // a reload while the final answer was written made Retry pay for it twice); during it,
        // Retry reflects again.
        use crate::domain::draft::Leaving;
        for why in [Leaving::Reload, Leaving::Switch, Leaving::Delete] {
            let after = with(left_note(why, true));
            assert_eq!(
                after.kept_critique.as_deref(),
                Some("It omits the deadline.")
            );
            assert_eq!(after.kept_final, None);
            assert_eq!(with(left_note(why, false)).kept_critique, None);
        }
        assert!(
            with(STOPPED_BEFORE_COPY_AFTER_CRITIQUE)
                .kept_critique
                .is_some()
        );
        assert!(with(STOPPED_BEFORE_COPY).kept_critique.is_none());
        // Tryout 80: a refusal was critiqued as an empty draft; its words are the draft.
        let mut refused = d.clone();
        {
            let c = refused.runs[0].cases.get_mut(&id).unwrap();
            c.output = String::new();
            c.refusal = Some("I can't help with that.".into());
        }
        assert_eq!(
            ReflectInput::for_case(&refused, id, false, 0.0, 1500)
                .unwrap()
                .1
                .draft,
            "I can't help with that."
        );
        // Not a finished answer, or no such case: nothing to reflect on.
        let mut queued = d.clone();
        queued.runs[0].cases.get_mut(&id).unwrap().status = Status::Queued;
        assert!(ReflectInput::for_case(&queued, id, false, 0.0, 1500).is_none());
        assert!(ReflectInput::for_case(&d, 9999, false, 0.0, 1500).is_none());
    }

    /// Everything a request sends, as text.
    fn sent(r: &ChatRequest) -> String {
        let mut t = r.system.clone().unwrap_or_default();
        for m in &r.messages {
            t.push('\n');
            t.push_str(&m.text);
        }
        t
    }

    fn ok(text: &str) -> Outcome {
        Ok((text.to_owned(), Some("stop".to_owned())))
    }

    const GOOD: &str = r#"{"reasoning":"fine answer","score":9}"#;

    // Tryout 84: a final answer the provider wrote far past its cap was shown and judged with no
    // mark. A critique or final past its call's cap (as the provider reported) is said; one
    // within it, or with no usage reported, is not.
    #[test]
    fn a_critique_or_final_past_its_cap_is_said() {
        let mut m = Reflect::new(input());
        let a = m.start().expect("the critique");
        let critique_cap = a.request.max_tokens;
        m.reported(critique_cap);
        let a = m.reply(ok("It omits the deadline.")).expect("the final");
        assert!(m.reflection.over_cap.is_empty(), "at its cap is within it");
        assert_eq!(a.request.max_tokens, 1500);
        m.reported(9_000);
        m.reply(ok("A very long final.")).expect("a judge call");
        assert_eq!(
            m.reflection.over_cap,
            [
                "The provider sent 9,000 tokens for the final answer, past its 1,500-token cap (it did not stop the model), so Reflect may cost more than the figure shown before it."
            ]
        );
        let mut m = Reflect::new(input());
        m.start();
        m.reported(critique_cap + 1);
        m.reply(ok("It omits the deadline.")).expect("the final");
        assert!(m.reflection.over_cap[0].contains("for the critique, past its"));
        // No usage reported for the final: nothing said of it.
        m.reply(ok("Short final.")).expect("a judge call");
        assert_eq!(m.reflection.over_cap.len(), 1);
        // Tryout 112: a critique the page read no further past its cap is not said to be what
        // the provider sent.
        let mut m = Reflect::new(input());
        m.start();
        m.reported(5_620);
        m.read_no_further();
        m.reply(ok("It omits the deadline.")).expect("the final");
        assert!(
            m.reflection.over_cap[0].contains(
                "for the critique, past its 700-token cap (it did not stop the model): the page stopped reading it at 5,600 bytes, counted as 5,620 tokens"
            ),
            "{:?}",
            m.reflection.over_cap
        );
    }

    #[test]
    fn a_reflection_critiques_rewrites_and_judges_the_final_on_each_rubric() {
        let mut m = Reflect::new(input());
        let a = m.start().expect("the critique");
        assert_eq!((a.step.clone(), a.role), (Step::Critique, Role::Execution));
        assert!(sent(&a.request).contains("Bob sends something."));
        m.took(999.0);
        let a = m.reply(ok("It omits the deadline.")).expect("the final");
        assert_eq!((a.step.clone(), a.role), (Step::Final, Role::Execution));
        assert!(sent(&a.request).contains("It omits the deadline."));
        assert_eq!(a.request.max_tokens, 1500);
        // The final stops at the token limit: judged as cut off. Its call's time is kept, for a
        // latency check on it (tryout 79: "not measured"); the critique's is not the final's.
        // So is its cost, for a cost check (tryout 111: "no list price for this model").
        m.took(2_400.4);
        m.cost(Some(0.000974), false);
        let a = m
            .reply(Ok((
                "- **Bob**: send the deck (Fri".into(),
                Some("length".into()),
            )))
            .expect("the first judge call");
        assert_eq!(a.step, Step::Judge("Names the owner.".into()));
        assert_eq!(a.role, Role::Judge);
        assert!(sent(&a.request).contains(judge::CUT_OFF_NOTE));
        let a = m.reply(ok(GOOD)).expect("the second judge call");
        assert_eq!(a.step, Step::Judge("Gives the deadline.".into()));
        assert!(
            m.reply(Err(("{\"reas".into(), "Rate limited".into())))
                .is_none()
        );
        let r = &m.reflection;
        assert!(r.done && r.error.is_none());
        assert_eq!(r.critique, "It omits the deadline.");
        assert_eq!(r.final_stop.as_deref(), Some("length"));
        assert_eq!(r.final_ms, Some(2_400.4));
        assert_eq!(r.final_observed().latency_ms, Some(2_400));
        assert_eq!(
            (
                r.final_observed().cost_usd,
                r.final_observed().cost_estimated
            ),
            (Some(0.000974), false)
        );
        let costs_at_most = crate::domain::eval::check(
            &Assertion::new(crate::domain::eval::Check::Cost { max_usd: 0.0001 }),
            &r.final_output,
            &r.final_observed(),
            None,
            None,
        );
        assert!(!costs_at_most.passed(), "{costs_at_most:?}");
        assert!(matches!(
            r.judgements["Names the owner."],
            Judgement::Scored { .. }
        ));
        match &r.judgements["Gives the deadline."] {
            Judgement::Unreadable { raw, error } => {
                assert_eq!(raw, "{\"reas");
                assert_eq!(error, "The judge call failed: Rate limited");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            m.reply(ok(GOOD)).is_none(),
            "nothing is asked after the end"
        );
    }

    #[test]
    fn a_failed_critique_keeps_what_arrived_and_asks_nothing_more() {
        let mut m = Reflect::new(input());
        m.start();
        assert!(
            m.reply(Err(("It omi".into(), "The provider stopped".into())))
                .is_none()
        );
        let r = &m.reflection;
        assert_eq!(
            r.error.as_deref(),
            Some("The critique failed: The provider stopped")
        );
        assert_eq!(r.critique, "It omi");
        assert!(!r.done && r.final_output.is_empty());
    }

    #[test]
    fn a_failed_final_is_named_and_a_retry_asks_only_for_the_final_again() {
        let mut m = Reflect::new(input());
        m.start();
        m.reply(ok("It omits the deadline."));
        assert!(
            m.reply(Err(("- **Bob**".into(), "Network error".into())))
                .is_none()
        );
        assert_eq!(
            m.reflection.error.as_deref(),
            Some("The final answer failed: Network error")
        );
        assert_eq!(m.reflection.final_output, "- **Bob**");
        // The retry: the critique is kept, the first call is the final.
        let mut again = Reflect::new(ReflectInput {
            kept_critique: Some(m.reflection.critique.clone()),
            ..input()
        });
        assert_eq!(again.reflection.critique, "It omits the deadline.");
        let a = again.start().expect("the final");
        assert_eq!(a.step, Step::Final);
        // Session 48's note: a critique kept from another model is not kept on a Retry with the
        // model chosen now (one reflection, one writer); the same model's is.
        let kept = || ReflectInput {
            kept_critique: Some("It omits the deadline.".into()),
            kept_final: Some(("- **Bob**".into(), None)),
            kept_over_cap: vec!["note".into()],
            kept_model: Some("OpenAI gpt-4o-mini".into()),
            ..input()
        };
        let same = kept().on_model("OpenAI gpt-4o-mini");
        assert_eq!(
            same.kept_critique.as_deref(),
            Some("It omits the deadline.")
        );
        assert!(same.kept_final.is_some());
        let other = kept().on_model("OpenAI gpt-4o");
        assert_eq!(
            (other.kept_critique, other.kept_final, other.kept_over_cap),
            (None, None, Vec::<String>::new())
        );
        let mut fresh = Reflect::new(kept().on_model("OpenAI gpt-4o"));
        assert_eq!(fresh.reflection.critique, "");
        assert_eq!(fresh.start().expect("the critique").step, Step::Critique);
        // Older records name no model: kept as before.
        let unnamed = ReflectInput {
            kept_model: None,
            ..kept()
        }
        .on_model("OpenAI gpt-4o");
        assert!(unnamed.kept_critique.is_some());
    }

    /// Tryout 100: a thumbs-down with a note counted in the page's score of the draft, and none
    /// of Reflexion's requests said it. The critique is told it as a failed check; an answer
    /// not rated down tells nothing.
    #[test]
    fn the_persons_thumbs_down_is_told_to_the_critique() {
        use crate::domain::eval::rating::{Rating, Thumb};
        let critique = |input: ReflectInput| {
            let a = Reflect::new(input).start().expect("the critique");
            assert_eq!(a.step, Step::Critique);
            a.request.messages.last().unwrap().text.clone()
        };
        let down = Rating::new(Thumb::Down, "Carla is invented.").feedback();
        let told = critique(ReflectInput {
            rated_down: down,
            ..input()
        });
        assert!(
            told.ends_with("## The person's rating of the draft answer\nThe person rated this answer down: Carla is invented. Count it as a failed check."),
            "{told}"
        );
        assert!(!critique(input()).contains("rating"));
        // A note with no stop of its own reads as a sentence too.
        let told = critique(ReflectInput {
            rated_down: Rating::new(Thumb::Down, "Carla is invented").feedback(),
            ..input()
        });
        assert!(
            told.ends_with("down: Carla is invented. Count it as a failed check."),
            "{told}"
        );
        assert_eq!(Rating::new(Thumb::Up, "fine").feedback(), None);
    }

    #[test]
    fn a_critique_that_finds_nothing_keeps_the_draft_as_the_final() {
        let mut m = Reflect::new(ReflectInput {
            rubrics: vec!["Names the owner.".into()],
            ..input()
        });
        m.start();
        let a = m.reply(ok("No problems found.")).expect("the judge call");
        assert_eq!(a.step, Step::Judge("Names the owner.".into()));
        assert_eq!(m.reflection.final_output, "Bob sends something.");
        assert!(m.reflection.final_is_draft);
        assert!(m.reply(ok(GOOD)).is_none());
        assert!(m.reflection.done);
        // Tryout 111: the draft kept as the final keeps its figures and verdicts (a copy scored
        // 100 against the draft's 82: its cost check unmeasured, its judge asked again).
        let verdict = judge::verdict(Ok(GOOD), "Names the owner.");
        let mut m = Reflect::new(ReflectInput {
            rubrics: vec!["Names the owner.".into(), "Gives the deadline.".into()],
            draft_call: (Some(1_200.0), Some(0.000974), false),
            draft_judgements: [("Names the owner.".to_owned(), verdict.clone())]
                .into_iter()
                .collect(),
            ..input()
        });
        m.start();
        let a = m
            .reply(ok("No problems found."))
            .expect("a judge call for the rubric the draft has no verdict on");
        assert_eq!(a.step, Step::Judge("Gives the deadline.".into()));
        assert!(m.reply(ok(GOOD)).is_none());
        let r = &m.reflection;
        assert!(r.done && r.final_is_draft);
        assert_eq!(r.judgements["Names the owner."], verdict);
        let o = r.final_observed();
        assert_eq!((o.latency_ms, o.cost_usd), (Some(1_200), Some(0.000974)));
        // A refused draft kept so is still a refusal: scored as one, no judge asked (the
        // review: it was judged, and scored, where the draft was not).
        let mut m = Reflect::new(ReflectInput {
            rubrics: vec!["Names the owner.".into()],
            draft: "I can't help with that.".into(),
            draft_refusal: Some("I can't help with that.".into()),
            ..input()
        });
        m.start();
        assert!(m.reply(ok("No problems found.")).is_none(), "no judge call");
        let r = &m.reflection;
        assert!(r.done && r.final_is_draft);
        assert_eq!(
            r.final_observed().refusal.as_deref(),
            Some("I can't help with that.")
        );
    }

    // Tryout 111: an empty critique read as "nothing to fix", the draft shown as a final the
    // model wrote. The critique failed: said, with no final and no judge call.
    #[test]
    fn an_empty_critique_is_a_failed_critique() {
        let mut m = Reflect::new(input());
        m.start();
        assert!(m.reply(ok("  \n")).is_none());
        let r = &m.reflection;
        assert_eq!(r.error.as_deref(), Some(EMPTY_CRITIQUE));
        assert!(r.final_output.is_empty() && !r.done && !r.final_is_draft);
    }

    #[test]
    fn a_stop_between_calls_ends_the_work_and_says_so() {
        // Stopped while the first of two judge calls was answered: the judging reads as stopped
        // (not as the judge's failure), nothing more is asked (review: it read "Reflecting…"
        // for ever; tryout 13: "Judge error"), and a retry only judges the final.
        let mut m = Reflect::new(input());
        m.start();
        m.reply(ok("It omits the deadline."));
        m.reply(ok("- **Bob**: send the deck by Friday"));
        let next = m.reply(Err((String::new(), "You stopped the request.".into())));
        assert_eq!(
            next.map(|a| a.step),
            Some(Step::Judge("Gives the deadline.".into()))
        );
        m.stop();
        assert!(!m.reflection.done && m.reflection.judgements.is_empty());
        assert_eq!(m.reflection.error.as_deref(), Some(JUDGING_STOPPED));
        assert!(m.reply(ok(GOOD)).is_none(), "nothing more is asked");
        let mut again = Reflect::new(ReflectInput {
            kept_critique: Some(m.reflection.critique.clone()),
            kept_final: Some((
                m.reflection.final_output.clone(),
                m.reflection.final_stop.clone(),
            )),
            ..input()
        });
        assert_eq!(
            again.reflection.final_output,
            "- **Bob**: send the deck by Friday"
        );
        assert_eq!(
            again.start().map(|a| a.step),
            Some(Step::Judge("Names the owner.".into()))
        );
        assert_eq!(
            again.reply(ok(GOOD)).map(|a| a.step),
            Some(Step::Judge("Gives the deadline.".into()))
        );
        assert!(again.reply(ok(GOOD)).is_none());
        assert!(again.reflection.done && again.reflection.judgements.len() == 2);
        // Stopped as the critique came: the final reads as failed, so Retry keeps the critique.
        let mut m = Reflect::new(input());
        m.start();
        assert_eq!(
            m.reply(ok("It omits the deadline.")).map(|a| a.step),
            Some(Step::Final)
        );
        m.stop();
        assert!(!m.reflection.done);
        assert_eq!(m.reflection.error.as_deref(), Some(FINAL_STOPPED));
        assert!(keeps_critique(FINAL_STOPPED));
        assert_eq!(m.reflection.critique, "It omits the deadline.");
    }

    #[test]
    fn without_rubrics_the_work_ends_with_the_final() {
        let mut m = Reflect::new(ReflectInput {
            rubrics: Vec::new(),
            ..input()
        });
        m.start();
        m.reply(ok("It omits the deadline."));
        assert!(m.reply(ok("- **Bob**: send the deck by Friday")).is_none());
        assert!(m.reflection.done);
        assert!(m.reflection.judgements.is_empty());
    }

    #[test]
    fn the_tiny_models_unusable_critique_asks_for_no_final() {
        let mut m = Reflect::new(ReflectInput {
            tiny_task: Some("pull action items out of meeting notes".into()),
            ..input()
        });
        let a = m.start().expect("the critique");
        assert_eq!(a.step, Step::Critique);
        assert!(m.reply(ok("Ok.")).is_none());
        let e = m.reflection.error.clone().unwrap_or_default();
        assert!(
            e.starts_with("The local model's critique is not usable (") && e.contains("too short"),
            "{e}"
        );
        assert!(m.reflection.final_output.is_empty() && !m.reflection.done);
    }
}
