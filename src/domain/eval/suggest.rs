//! Suggested test cases with their review, as a pure machine (issue #14): the meta model writes
//! N cases (`synth::request`), near-duplicates are marked, the model reviews them for realism
//! (`synth::review_request`), and the proposals wait for the person. On the tiny built-in model
//! the cases are asked one line per call (`meta::tiny_jobs::TinyCases`) and not reviewed. The
//! machine says each call (`SuggestAsk`) and reads each reply; the shell (`state::cases`) makes
//! the calls through the engine and shows the machine's fields. No IO; tested natively.
use crate::domain::eval::TestCase;
use crate::domain::eval::synth::{self, Proposal};
use crate::domain::meta::tiny_jobs::TinyCases;
use crate::domain::provider::{ChatRequest, ErrorKind, ProviderError};

/// Where a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Idle,
    Writing,
    Reviewing,
    /// Proposals ready for the person.
    Review,
}

/// Which call a [`SuggestAsk`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestStep {
    /// The cases, in one reply.
    Write,
    /// The realism review of the proposals.
    Review,
    /// One case on the tiny model.
    TinyCase,
}

/// A call to make with the meta model.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestAsk {
    pub step: SuggestStep,
    pub request: ChatRequest,
}

/// A suggestion of cases, from the request to the proposals offered.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggest {
    pub stage: Stage,
    /// The proposals offered (near-duplicates and unrealistic ones marked).
    pub proposals: Vec<Proposal>,
    /// A reply that could not be used (plain words and the next step).
    pub error: Option<String>,
    /// A failed call (the provider's typed error).
    pub call_error: Option<ProviderError>,
    /// The review could not be done (the proposals are still offered).
    pub review_note: Option<String>,
    /// What the model sent when nothing of it could be used (shown folded, as text).
    pub raw: Option<String>,
    /// Suggestions of the reply that were left out, each with why.
    pub left_out: Vec<String>,
    /// The tiny model's cases read so far (for its progress line).
    pub tiny: Option<TinyCases>,
    prompt: String,
    /// The prompt's variables (names without braces): a proposal whose variables do not fit
    /// them is marked ([`synth::variables_note`]).
    variables: Vec<String>,
    request: ChatRequest,
    existing: Vec<TestCase>,
    waiting: Option<SuggestStep>,
}

impl Suggest {
    /// `n` cases for the rendered `prompt` (its `variables` each get a value); `existing`: the
    /// suite's cases (near-duplicates of them are marked); `tiny_task`: `Some(task)` on the tiny
    /// built-in model.
    pub fn new(
        prompt: &str,
        variables: &[String],
        n: u32,
        existing: Vec<TestCase>,
        tiny_task: Option<&str>,
    ) -> Self {
        let conversations = existing.iter().filter(|c| c.is_conversation()).count();
        Self {
            stage: Stage::Idle,
            proposals: Vec::new(),
            error: None,
            call_error: None,
            review_note: None,
            raw: None,
            left_out: Vec::new(),
            tiny: tiny_task.map(|t| TinyCases::new(t, variables, n)),
            prompt: prompt.to_owned(),
            variables: variables.to_vec(),
            request: synth::request(prompt, variables, n, conversations),
            existing,
            waiting: None,
        }
    }

    /// An offer kept across a reload (`wire::OfferV1`): `proposals` waiting for the person
    /// (`Stage::Review`) with the notes shown with them; it asks nothing more.
    pub fn offered(
        proposals: Vec<Proposal>,
        review_note: Option<String>,
        left_out: Vec<String>,
    ) -> Self {
        Self {
            stage: Stage::Review,
            proposals,
            error: None,
            call_error: None,
            review_note,
            raw: None,
            left_out,
            tiny: None,
            prompt: String::new(),
            variables: Vec::new(),
            // Never sent: an offer kept asks nothing more.
            request: synth::request("", &[], 0, 0),
            existing: Vec::new(),
            waiting: None,
        }
    }

    /// The first call.
    pub fn start(&mut self) -> Option<SuggestAsk> {
        self.stage = Stage::Writing;
        if self.tiny.is_some() {
            return self.tiny_next();
        }
        let request = self.request.clone();
        self.ask(SuggestStep::Write, request)
    }

    /// Feeds the outcome of the call asked last (its text, or the provider's error with what
    /// arrived before it); returns
    /// the next call, or `None` when the proposals are offered (`Stage::Review`) or nothing is
    /// (`Stage::Idle`, with `error` or `call_error` saying why).
    pub fn reply(
        &mut self,
        outcome: Result<String, (ProviderError, String)>,
    ) -> Option<SuggestAsk> {
        match self.waiting.take()? {
            SuggestStep::Write => {
                let text = match outcome {
                    Ok(text) => text,
                    Err((e, partial)) => {
                        // Stopped or failed part-way: the cases that arrived whole are offered,
                        // unreviewed (tryout 13: Stop threw them away and said "What arrived
                        // is kept").
                        let why = if e.kind == ErrorKind::Aborted {
                            "You stopped the suggestion"
                        } else {
                            "The suggestion failed"
                        };
                        self.call_error = Some(e);
                        self.offer_arrived(&partial, why);
                        return None;
                    }
                };
                match synth::parse(&text, &self.existing) {
                    Ok(got) if !got.proposals.is_empty() => {
                        self.left_out = got.left_out;
                        self.proposals = got.proposals;
                        self.mark_variables();
                        // The model reviews its own cases for realism.
                        self.stage = Stage::Reviewing;
                        let review = synth::review_request(&self.prompt, &self.proposals);
                        self.ask(SuggestStep::Review, review)
                    }
                    Ok(got) => {
                        self.raw = Some(text);
                        self.error = Some(format!(
                            "The model proposed no usable cases. {} Try again, or pick a stronger model for writing prompts in Settings.",
                            got.left_out.join(" ")
                        ));
                        self.stage = Stage::Idle;
                        None
                    }
                    Err(cause) => {
                        self.raw = Some(text);
                        self.error = Some(format!(
                            "{} {}",
                            cause.message(),
                            cause.advice_without_manual_mode()
                        ));
                        self.stage = Stage::Idle;
                        None
                    }
                }
            }
            SuggestStep::Review => {
                match outcome.map_err(|(e, _)| e) {
                    Ok(text) => {
                        let mut marked = self.proposals.clone();
                        match synth::apply_review(&text, &mut marked) {
                            Ok((_, unjudged)) => {
                                self.proposals = marked;
                                self.review_note = match unjudged.len() {
                                    0 => None,
                                    n if n == self.proposals.len() => Some(
                                        "The realism review could not be read: it gave no verdict (realistic or not) on any case. Judge the cases yourself."
                                            .to_owned(),
                                    ),
                                    _ => Some(format!(
                                        "The realism review gave no verdict on {}; judge {} yourself.",
                                        crate::domain::figures::and_list(
                                            &unjudged
                                                .iter()
                                                .map(|n| format!("case {n}"))
                                                .collect::<Vec<_>>()
                                        ),
                                        if unjudged.len() == 1 { "it" } else { "them" }
                                    )),
                                };
                            }
                            Err(cause) => {
                                self.review_note = Some(format!(
                                    "The realism review could not be read: {} Judge the cases yourself.",
                                    cause.message()
                                ))
                            }
                        }
                    }
                    Err(e) => {
                        self.review_note = Some(format!(
                            "The realism review failed ({}); judge the cases yourself.",
                            e.title()
                        ))
                    }
                }
                self.stage = Stage::Review;
                None
            }
            SuggestStep::TinyCase => match outcome.map_err(|(e, _)| e) {
                Ok(text) => {
                    if let Some(t) = &mut self.tiny {
                        t.accept(&text);
                    }
                    self.tiny_next()
                }
                Err(e) => {
                    // Stop offers what was read without an error; a failure says what happened.
                    if e.kind != ErrorKind::Aborted {
                        self.call_error = Some(e);
                    }
                    self.tiny_offer();
                    None
                }
            },
        }
    }

    /// The person's Stop: a review under way is skipped (the proposals are offered now);
    /// otherwise nothing is offered, except on the tiny model, whose stopped call offers what
    /// was read when its reply comes.
    pub fn stop(&mut self) {
        self.stage = if self.stage == Stage::Reviewing {
            Stage::Review
        } else {
            Stage::Idle
        };
    }

    /// Whether a proposal is ticked to be kept when first offered: not a near-duplicate, not
    /// flagged unrealistic, and with variables that fit the prompt's.
    pub fn kept_at_first(p: &Proposal) -> bool {
        p.duplicate_of.is_none() && p.unrealistic.is_none() && p.vars_note.is_none()
    }

    /// The tiny model's next case, or its cases offered when every one is read.
    fn tiny_next(&mut self) -> Option<SuggestAsk> {
        match self.tiny.as_ref().and_then(TinyCases::request) {
            Some(request) => self.ask(SuggestStep::TinyCase, request),
            None => {
                self.tiny_offer();
                None
            }
        }
    }

    /// The cases that arrived whole in `partial` (a reply cut off while the cases were written),
    /// offered unreviewed with a note that starts with `why` ("You stopped the suggestion");
    /// nothing is offered when none arrived whole.
    fn offer_arrived(&mut self, partial: &str, why: &str) {
        self.stage = Stage::Idle;
        if let Ok(got) = synth::parse(partial, &self.existing)
            && !got.proposals.is_empty()
        {
            self.left_out = got.left_out;
            self.proposals = got.proposals;
            self.mark_variables();
            self.review_note = Some(format!(
                "{why} before all the cases were written: the {} that arrived whole {} offered, without the realism review: judge each yourself.",
                crate::domain::figures::count(self.proposals.len(), "case", "cases"),
                if self.proposals.len() == 1 {
                    "is"
                } else {
                    "are"
                },
            ));
            self.stage = Stage::Review;
        }
    }

    /// Its draft was left while this ran (`why`: another draft opened, it was deleted and may
    /// come back with Undo, or the page went away and the offer is kept for the reload), and its
    /// call under way stopped (`partial`: what had arrived of it): what a Stop would offer is
    /// offered, said as such, for when its draft opens again. Helper-53: the suggestions went on
    /// in the draft opened meanwhile.
    pub fn left_for_another_draft(&mut self, partial: &str, why: crate::domain::draft::Leaving) {
        let why = why.what();
        match self.waiting.take() {
            Some(SuggestStep::Write) => self.offer_arrived(partial, why),
            Some(SuggestStep::Review) => {
                self.review_note = Some(format!(
                    "{why} before the realism review ended: judge the cases yourself."
                ));
                self.stage = Stage::Review;
            }
            Some(SuggestStep::TinyCase) => self.tiny_offer(),
            None => {}
        }
    }

    /// Offers the tiny model's usable cases, names the ones left out, and says there is no
    /// realism review.
    fn tiny_offer(&mut self) {
        let Some(got) = self.tiny.take().map(|t| t.suggested(&self.existing)) else {
            self.stage = Stage::Idle;
            return;
        };
        self.left_out = got.left_out;
        if got.proposals.is_empty() {
            self.error = Some(
                "The local model wrote no usable cases. A model with an API key writes far better ones: choose one for writing prompts in Settings.".into(),
            );
            self.stage = Stage::Idle;
            return;
        }
        self.review_note = Some(
            "The local model is too small to check its cases for realism: judge each yourself."
                .into(),
        );
        self.proposals = got.proposals;
        self.mark_variables();
        self.stage = Stage::Review;
    }

    /// Marks the proposals whose variables do not fit the prompt's.
    fn mark_variables(&mut self) {
        for p in &mut self.proposals {
            p.vars_note = synth::variables_note(&p.case, &self.variables);
        }
    }

    fn ask(&mut self, step: SuggestStep, request: ChatRequest) -> Option<SuggestAsk> {
        self.waiting = Some(step);
        Some(SuggestAsk { step, request })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provider::ProviderKind;

    const PROMPT: &str = "You pull action items out of meeting notes.";

    fn cases_reply() -> String {
        serde_json::json!({"cases": [
            {"kind": "typical", "description": "plain notes", "input": "Dev will fix the login bug by Monday.", "vars": [], "expected": "one item for Dev"},
            {"kind": "typical", "description": "same again", "input": "Dev will fix the login bug by Monday!", "vars": [], "expected": ""},
            {"kind": "adversarial", "description": "nonsense", "input": "Purple the meeting sideways.", "vars": [], "expected": ""}
        ]})
        .to_string()
    }

    fn error(kind: ErrorKind) -> ProviderError {
        ProviderError::new(
            kind,
            ProviderKind::OpenAi,
            "api.openai.com",
            Some(500),
            "boom",
        )
    }

    #[test]
    fn cases_are_written_reviewed_and_offered_with_duplicates_and_unrealistic_ones_marked() {
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        let a = m.start().expect("the cases");
        assert_eq!((a.step, m.stage), (SuggestStep::Write, Stage::Writing));
        let a = m.reply(Ok(cases_reply())).expect("the review");
        assert_eq!((a.step, m.stage), (SuggestStep::Review, Stage::Reviewing));
        assert_eq!(m.proposals.len(), 3);
        let review = r#"{"reviews":[{"case":1,"realistic":true,"reason":""},{"case":2,"realistic":true,"reason":""},{"case":3,"realistic":false,"reason":"not a meeting note"}]}"#;
        assert!(m.reply(Ok(review.into())).is_none());
        assert_eq!(m.stage, Stage::Review);
        let kept: Vec<bool> = m.proposals.iter().map(Suggest::kept_at_first).collect();
        assert_eq!(kept, vec![true, false, false], "{:?}", m.proposals);
        assert!(m.review_note.is_none() && m.error.is_none());
    }

    #[test]
    fn a_failed_or_unreadable_review_still_offers_the_cases() {
        for (outcome, note) in [
            (
                Err((error(ErrorKind::Server), String::new())),
                "The realism review failed (",
            ),
            (
                Ok("no json here".to_owned()),
                "The realism review could not be read: ",
            ),
        ] {
            let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
            m.start();
            m.reply(Ok(cases_reply()));
            assert!(m.reply(outcome).is_none());
            assert_eq!(m.stage, Stage::Review);
            assert_eq!(m.proposals.len(), 3);
            let got = m.review_note.clone().unwrap_or_default();
            assert!(got.starts_with(note), "{got}");
        }
    }

    #[test]
    fn a_failed_call_or_a_reply_with_no_usable_case_offers_nothing_and_says_why() {
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        assert!(
            m.reply(Err((error(ErrorKind::RateLimited), String::new())))
                .is_none()
        );
        assert_eq!(m.stage, Stage::Idle);
        assert_eq!(
            m.call_error.as_ref().map(|e| e.kind.clone()),
            Some(ErrorKind::RateLimited)
        );

        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        assert!(m.reply(Ok("Sure! Here are some cases.".into())).is_none());
        assert_eq!(m.stage, Stage::Idle);
        assert!(m.error.is_some() && m.proposals.is_empty());
        assert_eq!(m.raw.as_deref(), Some("Sure! Here are some cases."));
    }

    #[test]
    fn opening_another_draft_offers_what_arrived_and_says_why() {
        let reply = cases_reply();
        let cut = &reply[..reply.find("same again").unwrap() + 40];
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        assert!(m.start().is_some());
        m.left_for_another_draft(cut, crate::domain::draft::Leaving::Switch);
        assert_eq!(m.stage, Stage::Review);
        assert_eq!(m.proposals.len(), 1);
        assert_eq!(
            m.review_note.as_deref(),
            Some(
                "Another draft was opened before all the cases were written: the 1 case that arrived whole is offered, without the realism review: judge each yourself."
            )
        );
        assert_eq!(m.call_error, None);
        // During the review: the cases are offered unreviewed.
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        assert!(m.reply(Ok(cases_reply())).is_some());
        m.left_for_another_draft("", crate::domain::draft::Leaving::Switch);
        assert_eq!(m.stage, Stage::Review);
        assert!(!m.proposals.is_empty());
        assert!(
            m.review_note.as_deref().is_some_and(
                |n| n.starts_with("Another draft was opened before the realism review ended")
            ),
            "{:?}",
            m.review_note
        );
        // Its draft deleted (and brought back with Undo): said so (helper-56).
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        assert!(m.reply(Ok(cases_reply())).is_some());
        m.left_for_another_draft("", crate::domain::draft::Leaving::Delete);
        assert!(
            m.review_note.as_deref().is_some_and(
                |n| n.starts_with("This draft was deleted before the realism review ended")
            ),
            "{:?}",
            m.review_note
        );
        // Nothing arrived whole: nothing is offered.
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        m.left_for_another_draft(
            "{\"cases\": [{\"kind\": \"typ",
            crate::domain::draft::Leaving::Delete,
        );
        assert_eq!(m.stage, Stage::Idle);
        assert!(m.proposals.is_empty());
    }

    #[test]
    fn a_stop_while_the_cases_are_written_offers_those_that_arrived_whole() {
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        let whole = cases_reply();
        // Cut inside the third case.
        let partial = &whole[..whole.find("nonsense").expect("third case")];
        m.stop();
        assert!(
            m.reply(Err((error(ErrorKind::Aborted), partial.to_owned())))
                .is_none()
        );
        assert_eq!(m.stage, Stage::Review);
        assert_eq!(m.proposals.len(), 2);
        assert_eq!(
            m.review_note.as_deref(),
            Some(
                "You stopped the suggestion before all the cases were written: the 2 cases that arrived whole are offered, without the realism review: judge each yourself."
            )
        );
        // Nothing whole yet: nothing offered, the stop is said.
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        m.stop();
        assert!(
            m.reply(Err((
                error(ErrorKind::Aborted),
                "{\"cases\": [{\"kind\"".into()
            )))
            .is_none()
        );
        assert_eq!(m.stage, Stage::Idle);
        assert!(m.proposals.is_empty() && m.call_error.is_some());
    }

    #[test]
    fn stop_during_the_review_offers_the_cases_and_the_late_reply_is_noted() {
        let mut m = Suggest::new(PROMPT, &[], 3, Vec::new(), None);
        m.start();
        m.reply(Ok(cases_reply()));
        m.stop();
        assert_eq!(m.stage, Stage::Review);
        // The stopped review call ends as stopped: the cases stay offered.
        assert!(
            m.reply(Err((error(ErrorKind::Aborted), String::new())))
                .is_none()
        );
        assert_eq!((m.stage, m.proposals.len()), (Stage::Review, 3));
    }

    #[test]
    fn the_tiny_model_is_asked_one_case_per_call_and_a_stop_offers_what_was_read() {
        let mut m = Suggest::new(
            PROMPT,
            &[],
            3,
            Vec::new(),
            Some("pull action items out of meeting notes"),
        );
        let a = m.start().expect("the first case");
        assert_eq!(a.step, SuggestStep::TinyCase);
        let a = m
            .reply(Ok(
                "Meeting notes: Bob will send the action items to the team by Friday.".into(),
            ))
            .expect("the second case");
        assert_eq!(a.step, SuggestStep::TinyCase);
        assert_eq!(
            m.tiny.as_ref().map(TinyCases::progress).map(|p| p.0),
            Some(1)
        );
        m.stop();
        // The stopped call: no error, the case read is offered, no review.
        assert!(
            m.reply(Err((error(ErrorKind::Aborted), String::new())))
                .is_none()
        );
        assert!(m.call_error.is_none());
        assert_eq!(m.stage, Stage::Review, "{:?} {:?}", m.error, m.left_out);
        assert_eq!(m.proposals.len(), 1);
        assert!(
            m.review_note
                .as_deref()
                .is_some_and(|n| n.contains("too small"))
        );
    }
}
