//! "Improve the rubric" as a pure machine ([`Improve`]): one meta call writes a new rubric from
//! the disagreements ([`improve_request`], read by [`read_rubric`]), then the judge grades every
//! rated answer with it, one call after another ([`rejudge_calls`]), and the agreement before and
//! after is offered ([`Agreement::with_new_verdicts`]). The shell (`state::rubric`) makes the
//! calls it asks for and shows [`Improvement`]; no IO here, tested natively.
use super::Suite;
use super::agreement::{
    Agreement, NewRubric, RubricFailure, improve_request, read_rubric, rejudge_calls,
};
use super::judge::{self, Judgement};
use crate::domain::provider::{ChatRequest, ProviderError, Role};

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

/// A call the machine asks for: the meta model's (the new rubric) or the judge's (one rated
/// answer graded with it).
#[derive(Debug, Clone, PartialEq)]
pub struct ImproveAsk {
    pub role: Role,
    pub request: ChatRequest,
}

/// What a call came to: its whole text and whether it was cut off at the token limit, or the
/// provider's error with the text that arrived before it.
pub type Outcome = Result<(String, bool), (ProviderError, String)>;

/// The machine: [`Improve::start`] asks for the rubric, each [`Improve::reply`] takes the outcome
/// of the call asked last and asks for the next, until the phase is `Ready` or `Failed`, or the
/// meta call failed ([`Improve::call_failed`]: the call's own error is what the person sees).
#[derive(Debug, Clone)]
pub struct Improve {
    pub shown: Improvement,
    suite: Suite,
    /// The prompt of the version that answered (the judge is shown it).
    prompt: String,
    judge_temperature: f32,
    /// The judge calls for the new rubric, in the order of `before.pairs` (`None`: its case is
    /// gone), once the rubric is read.
    calls: Vec<Option<judge::Call>>,
    verdicts: Vec<Judgement>,
    waiting: Option<Step>,
    call_failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Write,
    Judge,
}

impl Improve {
    /// An improvement of `before`'s rubric from version `version`'s rated answers; `suite` and
    /// `prompt` (that version's, rendered) as they are when it starts; `judge_temperature`: the
    /// judge role's setting ([`judge::call`] caps it).
    pub fn new(
        version: u32,
        before: Agreement,
        suite: Suite,
        prompt: String,
        judge_temperature: f32,
    ) -> Self {
        Self {
            shown: Improvement {
                version,
                before,
                phase: Phase::Writing,
            },
            suite,
            prompt,
            judge_temperature,
            calls: Vec::new(),
            verdicts: Vec::new(),
            waiting: None,
            call_failed: false,
        }
    }

    /// The first call: the meta model writes the new rubric.
    pub fn start(&mut self) -> Option<ImproveAsk> {
        self.shown.phase = Phase::Writing;
        self.waiting = Some(Step::Write);
        Some(ImproveAsk {
            role: Role::Meta,
            request: improve_request(&self.shown.before),
        })
    }

    /// The suite and prompt as they are when the new rubric arrives (the judge calls are made
    /// from them: a case deleted meanwhile is "The case was deleted.", as it was when the
    /// shell read them then). Call before [`Improve::reply`] to the meta call.
    pub fn use_suite(&mut self, suite: Suite, prompt: String) {
        self.suite = suite;
        self.prompt = prompt;
    }

    /// Whether the meta call failed (nothing to show but its error, with Retry).
    pub fn call_failed(&self) -> bool {
        self.call_failed
    }

    /// Takes the outcome of the call asked last; returns the next call, or `None` when the
    /// phase is `Ready` or `Failed` or the meta call failed.
    pub fn reply(&mut self, outcome: Outcome) -> Option<ImproveAsk> {
        match self.waiting.take()? {
            Step::Write => {
                let (text, cut) = match outcome {
                    Ok(done) => done,
                    Err(_) => {
                        self.call_failed = true;
                        return None;
                    }
                };
                match read_rubric(&text, &self.shown.before.rubric, cut) {
                    Ok(new) => {
                        self.calls = rejudge_calls(
                            &self.suite,
                            &self.shown.before,
                            &new.rubric,
                            &self.prompt,
                            self.judge_temperature,
                        );
                        self.shown.phase = Phase::Judging { new, done: 0 };
                        self.next_judge()
                    }
                    Err(f) => {
                        self.shown.phase = Phase::Failed {
                            message: match f {
                                RubricFailure::Unread(_) => {
                                    format!("The new rubric could not be read. {}", f.message())
                                }
                                RubricFailure::Unchanged => f.message(),
                            },
                            raw: text,
                        };
                        None
                    }
                }
            }
            Step::Judge => {
                let Phase::Judging { new, .. } = &self.shown.phase else {
                    return None;
                };
                let j = match outcome {
                    Ok((text, _)) => judge::verdict(Ok(&text), &new.rubric),
                    Err((e, partial)) => judge::verdict(Err((partial, &e.message())), &new.rubric),
                };
                self.verdicts.push(j);
                self.next_judge()
            }
        }
    }

    /// The next judge call; answers whose case is gone are counted unread without one; once
    /// every answer has its verdict, the agreement after is offered (`Ready`).
    fn next_judge(&mut self) -> Option<ImproveAsk> {
        let Phase::Judging { new, .. } = &self.shown.phase else {
            return None;
        };
        let new = new.clone();
        while let Some(slot) = self.calls.get(self.verdicts.len()) {
            match slot {
                Some(call) => {
                    let request = call.request.clone();
                    self.shown.phase = Phase::Judging {
                        new,
                        done: self.verdicts.len(),
                    };
                    self.waiting = Some(Step::Judge);
                    return Some(ImproveAsk {
                        role: Role::Judge,
                        request,
                    });
                }
                None => self.verdicts.push(Judgement::Unreadable {
                    raw: String::new(),
                    error: "The case was deleted.".into(),
                }),
            }
        }
        let verdicts = std::mem::take(&mut self.verdicts);
        let (after, unread) = self.shown.before.with_new_verdicts(&new.rubric, &verdicts);
        self.shown.phase = Phase::Ready {
            new,
            verdicts,
            after,
            unread,
        };
        None
    }
}
