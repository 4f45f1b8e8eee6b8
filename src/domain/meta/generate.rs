//! The tries of one meta job (Generate, rewrite a section, adapt to a model family) as a pure
//! machine: which request goes out, which try it is, what a failure is called ("Failed again"
//! only for the same cause, `domain::attempt`), and *Fix with the model*, which sends the
//! unusable reply back with what is wrong (`structured::repair_message`). The shell
//! (`state::generator::Generator`) makes the call, reads the reply into the draft and hands the
//! outcome here. No IO; tested natively.

use crate::domain::attempt::{self, Attempt};
use crate::domain::draft::{Draft, Leaving, Origin};
use crate::domain::meta::{self, ModelFamily, ReplyCause, reply};
use crate::domain::provider::{ChatRequest, Message, ProviderError};
use crate::domain::spec::{PromptSpec, Section};
use crate::domain::structured;

/// What the generator is doing or did.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Generate,
    Rewrite {
        section: Section,
        instruction: String,
    },
    Adapt {
        family: ModelFamily,
    },
}

impl Job {
    /// The request this job sends (the current idea or prompt), for a call or for manual mode;
    /// `None` when there is no prompt to rewrite or adapt.
    pub fn request(&self, draft: &Draft) -> Option<ChatRequest> {
        match self {
            Self::Generate => Some(meta::generate_request(&draft.idea)),
            _ => self.request_on(draft.current_spec()?),
        }
    }

    /// The request a rewrite or an adaptation of `spec` sends; `None` for Generate (it reads
    /// the idea, not a prompt).
    pub fn request_on(&self, spec: &PromptSpec) -> Option<ChatRequest> {
        match self {
            Self::Generate => None,
            Self::Rewrite {
                section,
                instruction,
            } => Some(meta::section_request(spec, *section, instruction)),
            Self::Adapt { family } => Some(meta::adapt_request(spec, *family)),
        }
    }
}

/// Why the last job did not give a complete result.
#[derive(Debug, Clone, PartialEq)]
pub enum GenError {
    /// The call failed (the provider's typed error); what had arrived may have been kept.
    Call(ProviderError),
    /// The reply arrived but nothing of it could be used; the likeliest cause.
    Reply(ReplyCause),
    /// The reply stopped at the output token limit; the parts that arrived were kept.
    CutOff,
    /// The reply's JSON breaks part-way (a syntax error): the parts before the break were kept;
    /// the message names where (`reply::Break::message`).
    Broken(String),
    /// The reply's JSON has a mistake the tolerant reader read past: everything was read, but
    /// the section there may be wrong; the message names it (`reply::Break::message`). `marked`:
    /// the section is marked on the version (a guess); `false` when the mistake was mended
    /// cleanly (`reply::Break::mended`) and no section is marked.
    Misread { message: String, marked: bool },
}

impl GenError {
    /// The failure a reply's JSON mistake is shown as: [`Self::Misread`] when the reader read
    /// past it (the section there marked unless the mistake was mended cleanly), else
    /// [`Self::Broken`] (read up to the break).
    pub fn from_break(b: &crate::domain::meta::reply::Break) -> Self {
        if b.read_past {
            Self::Misread {
                message: b.message(),
                marked: !b.mended,
            }
        } else {
            Self::Broken(b.message())
        }
    }

    /// The cause's key for telling repeated failures apart (`attempt::call_key`,
    /// `attempt::reply_key`) and its words, past tense.
    pub fn cause(&self) -> (String, String) {
        match self {
            Self::Call(e) => (attempt::call_key(e), attempt::call_words(e)),
            Self::Reply(c) => (attempt::reply_key(c), attempt::reply_words(c).to_owned()),
            // Its length limit, or the page's read limit past a cap the provider did not keep
            // to (the review: the next failure named the model's limit for the page's cut).
            Self::CutOff => (
                "cut off".to_owned(),
                "the reply was cut off at a length limit".to_owned(),
            ),
            Self::Broken(_) => (
                "broken part-way".to_owned(),
                "the reply's JSON broke part-way".to_owned(),
            ),
            Self::Misread { .. } => (
                "misread".to_owned(),
                "the reply's JSON had a mistake".to_owned(),
            ),
        }
    }
}

/// What to do next, asked of [`Tries::retry`] or [`Tries::repair`].
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Send this request for this job (through the meta model).
    Send(Job, ChatRequest),
    /// Start the tiny model's part-by-part Generate again (it keeps no single request).
    Tiny,
}

/// The tries of the current meta job: the job, which try this is (1 for a fresh job; each
/// Retry or fix counts one up), the cause of the last failure, and the last request with the
/// reply it got (for Retry and *Fix with the model*).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tries {
    job: Option<Job>,
    attempt: u32,
    /// The cause of the last try's failure (key and words); `None` after a success.
    last_cause: Option<(String, String)>,
    last: Option<(ChatRequest, String)>,
}

impl Tries {
    /// The job of the current or last try.
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }

    /// A fresh job: its first try sends `req`.
    pub fn fresh(&mut self, job: Job, req: ChatRequest) -> Next {
        self.attempt = 1;
        self.last = None;
        Next::Send(job, req)
    }

    /// A fresh Generate on the tiny model (several calls, no single request to keep).
    pub fn fresh_tiny(&mut self) {
        self.attempt = 1;
        self.job = Some(Job::Generate);
        self.last = None;
    }

    /// The try of `job` goes out.
    pub fn sending(&mut self, job: Job) {
        self.job = Some(job);
    }

    /// The try's reply came back (whole, cut off or broken off by a failure): kept for Retry
    /// and the fix.
    pub fn replied(&mut self, sent: ChatRequest, text: String) {
        self.last = Some((sent, text));
    }

    /// The try was read into the draft completely: the next failure is a first one.
    pub fn succeeded(&mut self) {
        self.last_cause = None;
    }

    /// The try failed with `error`: which attempt it was, whether the one before failed for the
    /// same cause, and the words of the cause before when it failed too.
    pub fn failed(&mut self, error: &GenError) -> (Attempt, Option<String>) {
        let (key, words) = error.cause();
        let before = self.last_cause.replace((key.clone(), words));
        let attempt = Attempt::of(self.attempt, before.as_ref().map(|(k, _)| k.as_str()), &key);
        (
            attempt,
            before.filter(|_| attempt.after_failure).map(|(_, w)| w),
        )
    }

    /// Whether Retry sends `now` (the job's request built from the draft at the press) as a
    /// fresh try rather than the last request again: the idea or the prompt it reads changed
    /// since the last try (session 48's note: Retry sent the idea it had failed with, after the
    /// person corrected it). `false` with no request kept (nothing sent yet, or the tiny model).
    pub fn retry_sends_anew(&self, now: Option<&ChatRequest>) -> bool {
        matches!((&self.last, now), (Some((last, _)), Some(now)) if last != now)
    }

    /// Retry: the last request again (a tiny Generate starts over), one try more; `None` when
    /// there is nothing to retry.
    pub fn retry(&mut self) -> Option<Next> {
        let job = self.job.clone()?;
        let next = match &self.last {
            None if job == Job::Generate => Next::Tiny,
            None => return None,
            Some((req, _)) => Next::Send(job, req.clone()),
        };
        self.attempt += 1;
        Some(next)
    }

    /// *Fix with the model*: the last request with the unusable reply and a message saying
    /// what is wrong with it, one try more. A reply that is empty or reads fine is not sent
    /// back: that is a [`Tries::retry`]. `None` when there is nothing to fix (no request kept,
    /// or a request that asked for no JSON).
    pub fn repair(&mut self) -> Option<Next> {
        let (req, reply) = self.last.clone()?;
        let job = self.job.clone()?;
        let schema = req.schema.clone()?;
        let problem = match &job {
            Job::Rewrite { section, .. } => {
                reply::read_section(&PromptSpec::default(), *section, &reply, false)
                    .err()
                    .map(|c| c.as_structured())
            }
            _ => meta::spec_from_reply(&reply).err().map(|e| e.error()),
        };
        let Some(problem) = problem.filter(|_| !reply.trim().is_empty()) else {
            return self.retry();
        };
        let mut fixed = req;
        fixed.messages.push(Message::assistant(reply));
        fixed
            .messages
            .push(Message::user(structured::repair_message(
                &problem,
                &schema.schema,
            )));
        self.attempt += 1;
        Some(Next::Send(job, fixed))
    }
}

/// What a finished, failed or cut-off reply to a job leaves: the reading to commit as a version
/// with its origin (none when nothing of it can be used), and what went wrong.
#[derive(Debug)]
pub struct Finished {
    pub keep: Option<(reply::Reading, Origin)>,
    pub error: Option<GenError>,
}

/// Turns a finished, failed or cut-off reply to `job` (from `model`; `current`: the version a
/// rewrite changes) into what to keep and what went wrong. Whatever arrived and reads is kept:
/// a whole-prompt reply that failed or was cut off becomes a version marked incomplete
/// (`Origin::Partial`), one that finished with gaps a normal version whose gaps the page names;
/// a rewrite is kept only from a call that did not fail. A reply that cannot be read keeps
/// nothing and names its likeliest cause (or the call's error when the call failed).
pub fn finish(
    job: &Job,
    text: &str,
    model: &str,
    call_error: Option<ProviderError>,
    cut_off: bool,
    current: Option<&PromptSpec>,
) -> Finished {
    // Nothing of the reply is kept: a failed call says the part that arrived is not used, not
    // "What arrived is kept" (tryout 100: 18 characters of a Generate cut off, nothing read,
    // and the page said they were kept).
    let failed = |cause: ReplyCause, call_error: Option<ProviderError>| Finished {
        keep: None,
        error: Some(call_error.map_or(GenError::Reply(cause), |e| {
            GenError::Call(e.with_partial_dropped())
        })),
    };
    match job {
        Job::Generate | Job::Adapt { .. } => match reply::read_spec(text, cut_off) {
            Ok(reading) => {
                // A whole JSON that ended just at the length limit lost nothing (tryout 47: all
                // five sections, "Incomplete", and nothing named as missing).
                let cut_off = cut_off && !reading.whole();
                // A reply that ends inside a section was cut off, whatever the call reported.
                // A mistake read past (`Break::read_past`) left nothing out: the version is whole,
                // and the mistake is named with its section.
                let read_past = reading.broken.as_ref().is_some_and(|b| b.read_past);
                let complete = call_error.is_none()
                    && !cut_off
                    && !reading.open_at_end
                    && (read_past || (reading.cut.is_none() && reading.broken.is_none()));
                let broken = reading.broken.as_ref().map(GenError::from_break);
                let origin = match job {
                    _ if !complete => Origin::Partial {
                        model: model.to_owned(),
                        adapting: match job {
                            Job::Adapt { family } => Some(*family),
                            _ => None,
                        },
                    },
                    Job::Adapt { family } => Origin::Adapted {
                        family: *family,
                        model: model.to_owned(),
                    },
                    _ => Origin::Generated {
                        model: model.to_owned(),
                    },
                };
                // A reply that ends inside a section without a length stop is marked by its gap
                // and the version's "incomplete" notice, not blamed on the length limit.
                Finished {
                    keep: Some((reading, origin)),
                    error: match call_error {
                        Some(e) => Some(GenError::Call(e)),
                        None if cut_off => Some(GenError::CutOff),
                        None => broken,
                    },
                }
            }
            Err(cause) => failed(cause, call_error),
        },
        Job::Rewrite {
            section,
            instruction,
        } => {
            let Some(spec) = current else {
                return Finished {
                    keep: None,
                    error: None,
                };
            };
            match reply::read_section(spec, *section, text, cut_off) {
                Ok(next) if call_error.is_none() => {
                    let broken = next.broken.as_ref().map(GenError::from_break);
                    let origin = Origin::Rewritten {
                        section: *section,
                        instruction: instruction.clone(),
                        model: model.to_owned(),
                    };
                    Finished {
                        keep: Some((next, origin)),
                        error: if cut_off {
                            Some(GenError::CutOff)
                        } else {
                            broken
                        },
                    }
                }
                Ok(_) => Finished {
                    keep: None,
                    error: call_error.map(|e| GenError::Call(e.with_partial_dropped())),
                },
                Err(cause) => failed(cause, call_error),
            }
        }
    }
}

/// What a generation or an adaptation (`job`) cut off by a reload keeps of the reply read as
/// far as it went (`text`, from `model`), as [`finish`] keeps a reply that ended there without
/// an error: the reading to commit and its origin (`None` when nothing of the prompt had
/// arrived), and what the page says. `unfinished`: the job had more to ask (the tiny local
/// model's, asked part by part, whose `text` is the parts so far, always closed), so its version
/// is incomplete whatever `text` holds. Otherwise a reply whose JSON had closed is a whole
/// version like any other, "A generation was interrupted by the reload after its whole reply had arrived: the
/// prompt is kept whole." (tryout 104: it was marked incomplete, "What is missing is named
/// below", with nothing named); else the sections that arrived whole, the one cut off in the
/// middle and those that never came, e.g. "A generation was interrupted by the reload. What had
/// arrived is kept as an incomplete version: Persona, Context, Steps and Format whole, Examples
/// cut off." (tryout 103: every section that had begun was listed as arrived, then "the rest is
/// missing" when nothing was).
pub fn reload_kept(
    job: &Job,
    text: &str,
    model: &str,
    unfinished: bool,
) -> (Option<(reply::Reading, Origin)>, String) {
    use crate::domain::figures::and_list;
    let (what, again) = match job {
        Job::Adapt { .. } => ("An adaptation", "Adapt again"),
        _ => ("A generation", "Generate again"),
    };
    let Some((reading, mut origin)) = finish(job, text, model, None, false, None).keep else {
        return (
            None,
            format!(
                "{what} was interrupted by the reload before any part of the prompt had arrived: nothing was kept. {again} when you are ready."
            ),
        );
    };
    if unfinished {
        origin = Origin::Partial {
            model: model.to_owned(),
            adapting: match job {
                Job::Adapt { family } => Some(*family),
                _ => None,
            },
        };
    }
    if !matches!(origin, Origin::Partial { .. }) {
        let note = format!(
            "{what} was interrupted by the reload after its whole reply had arrived: the prompt is kept whole."
        );
        return (Some((reading, origin)), note);
    }
    let cut = reading.cut.filter(|s| reading.spec.has(*s));
    // A section with fewer parts than asked for (1 example of 3) is not whole (tryout 117: "…
    // and Examples whole" above "The reply has 1 example; 3 were asked for").
    let short: Vec<Section> = super::reply::gaps(&reading.spec)
        .into_iter()
        .filter_map(|g| match g {
            super::reply::Gap::TooFew { section, .. } => Some(section),
            _ => None,
        })
        .filter(|s| Some(*s) != cut)
        .collect();
    let whole: Vec<&str> = Section::ALL
        .into_iter()
        .filter(|s| reading.spec.has(*s) && Some(*s) != cut && !short.contains(s))
        .map(Section::title)
        .collect();
    let missing: Vec<&str> = Section::ALL
        .into_iter()
        .filter(|s| !reading.spec.has(*s))
        .map(Section::title)
        .collect();
    let mut parts = Vec::new();
    if !whole.is_empty() {
        parts.push(format!("{} whole", and_list(&whole)));
    }
    if !short.is_empty() {
        let titles: Vec<&str> = short.iter().map(|s| s.title()).collect();
        parts.push(format!(
            "{} in part (fewer than asked for)",
            and_list(&titles)
        ));
    }
    if let Some(s) = cut {
        parts.push(format!("{} cut off", s.title()));
    }
    let mut note = format!(
        "{what} was interrupted by the reload. What had arrived is kept as an incomplete version: {}",
        parts.join(", ")
    );
    if !missing.is_empty() {
        note.push_str(&format!("; {} never arrived", and_list(&missing)));
    }
    note.push('.');
    (Some((reading, origin)), note)
}

/// What the page says, back in a draft, about a job of `job` that leaving the draft stopped
/// (`None`: none was under way; `why`: another draft opened, or this one was deleted and came
/// back with Undo): whether what had arrived was `kept` as an incomplete version (a whole
/// prompt; a section rewrite keeps nothing, as its Stop does). Shown until dismissed
/// (helper-54: a rewrite, or a generation before any text arrived, ended without a word).
pub fn left_for_another_draft(job: Option<&Job>, kept: bool, why: Leaving) -> Option<String> {
    let when = why.when();
    let what = match job? {
        Job::Generate => "The generation".to_owned(),
        Job::Adapt { family } => format!("The adaptation for {}", family.label()),
        Job::Rewrite { section, .. } => {
            return Some(format!(
                "The rewrite of {} stopped {when}, before it was whole: nothing was changed. Rewrite it again when you are ready.",
                section.title()
            ));
        }
    };
    Some(if kept {
        format!(
            "{what} stopped {when}. What had arrived is kept as an incomplete version; the rest is missing."
        )
    } else {
        format!(
            "{what} stopped {when}, before any part of the prompt had arrived: nothing was kept. Ask again when you are ready."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::meta::IdeaInput;
    use crate::domain::provider::{ErrorKind, ProviderKind};

    // Tryout 103: a reload while Examples arrived listed all five sections as arrived, then
    // "the rest is missing". Tryout 104: a reload after the whole reply had arrived (its stream
    // not yet closed) marked the version incomplete, "What is missing is named below", and
    // nothing was.
    #[test]
    fn a_reload_names_what_arrived_whole_cut_off_and_never() {
        let text = whole_reply();
        let partial =
            |o: &Option<(reply::Reading, Origin)>| matches!(o, Some((_, Origin::Partial { .. })));
        let cut_at = text.find("\"examples\"").unwrap() + 40;
        let (kept, note) = reload_kept(&Job::Generate, &text[..cut_at], "m", false);
        assert!(partial(&kept));
        assert_eq!(
            note,
            "A generation was interrupted by the reload. What had arrived is kept as an incomplete version: Persona, Context, Steps and Format whole, Examples cut off."
        );
        let cut_at = text.find("\"steps\"").unwrap() + 14;
        let adapt = Job::Adapt {
            family: ModelFamily::Claude,
        };
        let (kept, note) = reload_kept(&adapt, &text[..cut_at], "m", false);
        assert!(partial(&kept));
        assert_eq!(
            note,
            "An adaptation was interrupted by the reload. What had arrived is kept as an incomplete version: Persona and Context whole, Steps cut off; Format and Examples never arrived."
        );
        // The whole reply: a version like any other, said whole.
        let (kept, note) = reload_kept(&Job::Generate, &text, "m", false);
        assert!(matches!(kept, Some((_, Origin::Generated { .. }))));
        assert_eq!(
            note,
            "A generation was interrupted by the reload after its whole reply had arrived: the prompt is kept whole."
        );
        let (kept, _) = reload_kept(&adapt, &text, "m", false);
        assert!(matches!(
            kept,
            Some((
                _,
                Origin::Adapted {
                    family: ModelFamily::Claude,
                    ..
                }
            ))
        ));
        // The JSON closed, the job not done (the tiny model's parts so far): incomplete.
        let (kept, note) = reload_kept(&Job::Generate, &text, "m", true);
        assert!(partial(&kept));
        assert!(note.contains("kept as an incomplete version"), "{note}");
        // Tryout 117: one example of three is not "Examples whole".
        let mut one: serde_json::Value = serde_json::from_str(&text).unwrap();
        one["examples"].as_array_mut().unwrap().truncate(1);
        let (_, note) = reload_kept(&Job::Generate, &one.to_string(), "m", true);
        assert_eq!(
            note,
            "A generation was interrupted by the reload. What had arrived is kept as an incomplete version: Persona, Context, Steps and Format whole, Examples in part (fewer than asked for)."
        );
        // Nothing of the prompt yet.
        let (kept, note) = reload_kept(&adapt, "{\"analy", "m", false);
        assert!(kept.is_none());
        assert_eq!(
            note,
            "An adaptation was interrupted by the reload before any part of the prompt had arrived: nothing was kept. Adapt again when you are ready."
        );
    }

    /// A whole reply to Generate, as the meta model writes it.
    fn whole_reply() -> String {
        serde_json::json!({
            "persona": "You are a meeting analyst.",
            "context": "Inputs are meeting notes.",
            "steps": ["Read the notes.", "List each action item."],
            "format": "A Markdown list.",
            "json_schema": "",
            "examples": [
                {"input": "Bob sends the deck.", "output": "- Bob: send the deck"},
                {"input": "We chatted.", "output": "No action items."},
                {"input": "(empty)", "output": "Paste the notes."}
            ]
        })
        .to_string()
    }

    // #14: how a reply becomes a version is decided here (the shell only commits it): every
    // job, finished, failed, cut off, broken and unreadable.
    #[test]
    fn a_reply_becomes_a_version_as_far_as_it_reads() {
        let whole = whole_reply();
        let stopped = ProviderError::new(ErrorKind::Aborted, ProviderKind::OpenAi, "h", None, "");
        let origin = |f: &Finished| f.keep.as_ref().map(|(_, o)| o.clone());
        // Whole: generated, nothing wrong; adapted likewise; at the length limit just after its
        // closing brace, still whole.
        let f = finish(&Job::Generate, &whole, "m", None, false, None);
        assert_eq!(origin(&f), Some(Origin::Generated { model: "m".into() }));
        assert!(f.error.is_none());
        let f = finish(
            &Job::Adapt {
                family: ModelFamily::Claude,
            },
            &whole,
            "m",
            None,
            true,
            None,
        );
        assert!(matches!(origin(&f), Some(Origin::Adapted { .. })));
        assert!(f.error.is_none(), "{:?}", f.error);
        // An adaptation cut off is kept as an incomplete adaptation, not a generation
        // (helper-56: "Incomplete: generation by …").
        let f = finish(
            &Job::Adapt {
                family: ModelFamily::Claude,
            },
            &whole[..whole.find("meeting notes").unwrap()],
            "m",
            None,
            true,
            None,
        );
        assert_eq!(
            origin(&f),
            Some(Origin::Partial {
                model: "m".into(),
                adapting: Some(ModelFamily::Claude)
            })
        );
        // Cut off inside the Context: kept as incomplete, said cut off.
        let cut = &whole[..whole.find("meeting notes").unwrap()];
        let f = finish(&Job::Generate, cut, "m", None, true, None);
        assert_eq!(
            origin(&f),
            Some(Origin::Partial {
                model: "m".into(),
                adapting: None
            })
        );
        assert!(matches!(f.error, Some(GenError::CutOff)));
        // Stopped part-way: incomplete, the call's error.
        let f = finish(&Job::Generate, cut, "m", Some(stopped.clone()), false, None);
        assert_eq!(
            origin(&f),
            Some(Origin::Partial {
                model: "m".into(),
                adapting: None
            })
        );
        assert!(matches!(&f.error, Some(GenError::Call(e)) if e.kind == ErrorKind::Aborted));
        let persona = f.keep.as_ref().map(|(r, _)| r.spec.persona.clone());
        assert_eq!(persona.as_deref(), Some("You are a meeting analyst."));
        // Not a prompt at all: nothing kept, the likeliest cause named.
        let f = finish(
            &Job::Generate,
            "I cannot help with that.",
            "m",
            None,
            false,
            None,
        );
        assert!(f.keep.is_none());
        assert!(matches!(f.error, Some(GenError::Reply(_))));
        // Tryout 100: a call cut off after a few characters, none of which read: nothing kept,
        // and its message says so (it said "What arrived is kept").
        let closed = ProviderError::new(ErrorKind::Truncated, ProviderKind::OpenAi, "h", None, "");
        assert!(closed.message().contains("What arrived is kept"));
        let f = finish(
            &Job::Generate,
            r#"{"pers"#,
            "m",
            Some(closed.clone()),
            false,
            None,
        );
        assert!(f.keep.is_none());
        let Some(GenError::Call(e)) = &f.error else {
            panic!("{:?}", f.error)
        };
        assert!(
            e.message()
                .contains("The part that had arrived is not used"),
            "{}",
            e.message()
        );
        // A part that reads is kept, and said so.
        let f = finish(&Job::Generate, cut, "m", Some(closed), false, None);
        assert!(f.keep.is_some());
        let Some(GenError::Call(e)) = &f.error else {
            panic!("{:?}", f.error)
        };
        assert!(
            e.message().contains("What arrived is kept"),
            "{}",
            e.message()
        );
        // A rewrite of one section: kept from a call that did not fail, onto the current version.
        let current = meta::reply::read_spec(&whole, false).unwrap().spec;
        let rewrite = Job::Rewrite {
            section: Section::Persona,
            instruction: "friendlier".into(),
        };
        let f = finish(
            &rewrite,
            r#"{"persona": "You are a friendly meeting analyst."}"#,
            "m",
            None,
            false,
            Some(&current),
        );
        assert!(matches!(
            origin(&f),
            Some(Origin::Rewritten {
                section: Section::Persona,
                ..
            })
        ));
        let (reading, _) = f.keep.unwrap();
        assert_eq!(reading.spec.persona, "You are a friendly meeting analyst.");
        assert_eq!(reading.spec.context, current.context);
        let f = finish(
            &rewrite,
            r#"{"persona": "You are a frien"#,
            "m",
            Some(stopped),
            false,
            Some(&current),
        );
        assert!(f.keep.is_none());
        assert!(matches!(f.error, Some(GenError::Call(_))));
        // No version to rewrite: nothing.
        let f = finish(&rewrite, "{}", "m", None, false, None);
        assert!(f.keep.is_none() && f.error.is_none());
    }

    fn draft() -> Draft {
        Draft {
            idea: IdeaInput {
                idea: "a bot that pulls action items out of meeting notes".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn sent(t: &mut Tries, next: Next) -> ChatRequest {
        let Next::Send(job, req) = next else {
            panic!("not a request: {next:?}")
        };
        t.sending(job);
        req
    }

    #[test]
    fn generate_with_a_broken_reply_is_fixed_by_the_model_and_counts_its_tries() {
        let d = draft();
        let mut t = Tries::default();
        let req = Job::Generate.request(&d).unwrap();
        let next = t.fresh(Job::Generate, req.clone());
        let first = sent(&mut t, next);
        assert_eq!(first, req);
        // The reply breaks part-way: a first failure, no "again".
        let broken = r#"{"persona": "You are a meeting analyst.", "context": "Notes arrive"#;
        t.replied(first.clone(), broken.into());
        let (a, before) = t.failed(&GenError::Broken("near Context".into()));
        assert_eq!((a.number, a.after_failure, before), (1, false, None));
        assert_eq!(a.prefix(), "");
        // Fix with the model: the same request, then the reply, then what is wrong with it.
        let next = t.repair().unwrap();
        let fixed = sent(&mut t, next);
        let n = first.messages.len();
        assert_eq!(fixed.messages.len(), n + 2);
        assert_eq!(fixed.messages[..n], first.messages[..]);
        assert_eq!(fixed.messages[n], Message::assistant(broken));
        assert!(
            fixed.messages[n + 1].text.contains("JSON"),
            "{}",
            fixed.messages[n + 1].text
        );
        assert_eq!(fixed.schema, first.schema, "the same schema is asked for");
        // It breaks again, the same way: "Failed again (attempt 2)".
        t.replied(fixed.clone(), broken.into());
        let (a, before) = t.failed(&GenError::Broken("near Context".into()));
        assert_eq!(a.prefix(), "Failed again (attempt 2): ");
        assert_eq!(before.as_deref(), Some("the reply's JSON broke part-way"));
        // Retry sends the last request (the fix) again; a provider error now is a new cause.
        let next = t.retry().unwrap();
        let again = sent(&mut t, next);
        assert_eq!(again, fixed);
        let e = ProviderError::new(
            ErrorKind::RateLimited,
            ProviderKind::OpenAi,
            "api.openai.com",
            Some(429),
            "slow down",
        );
        let (a, before) = t.failed(&GenError::Call(e));
        assert_eq!(a.prefix(), "Attempt 3 failed for a different reason: ");
        assert_eq!(before.as_deref(), Some("the reply's JSON broke part-way"));
        // A good reply: a failure after it is not "again", even on a later try.
        t.succeeded();
        t.retry().unwrap();
        let (a, before) = t.failed(&GenError::CutOff);
        assert_eq!((a.number, a.after_failure, before), (4, false, None));
        assert_eq!(a.prefix(), "");
        // A fresh job counts from 1.
        t.fresh(Job::Generate, req);
        assert_eq!(t.failed(&GenError::CutOff).0.number, 1);
    }

    #[test]
    fn a_fix_of_an_empty_or_readable_reply_is_a_retry_and_a_rewrite_is_read_as_one_section() {
        let d = draft();
        let mut t = Tries::default();
        let req = Job::Generate.request(&d).unwrap();
        t.fresh(Job::Generate, req.clone());
        t.sending(Job::Generate);
        // Nothing to fix before a reply.
        assert_eq!(t.clone().repair(), None);
        t.replied(req.clone(), "   ".into());
        assert_eq!(t.repair(), Some(Next::Send(Job::Generate, req.clone())));
        // The tiny model's Generate keeps no request: Retry starts it over; a fix has nothing.
        let mut tiny = Tries::default();
        tiny.fresh_tiny();
        assert_eq!(tiny.clone().repair(), None);
        assert_eq!(tiny.retry(), Some(Next::Tiny));
        // Nothing ever sent: nothing to retry.
        assert_eq!(Tries::default().retry(), None);
        // A rewrite's reply is read as its one section: a reply with the section fixes nothing.
        let mut spec = PromptSpec::default();
        spec.persona = "You are an analyst.".into();
        let mut with_prompt = draft();
        with_prompt.commit(
            spec,
            crate::domain::draft::Origin::Generated { model: "m".into() },
            1.0,
        );
        let job = Job::Rewrite {
            section: Section::Persona,
            instruction: "warmer".into(),
        };
        let req = job.request(&with_prompt).unwrap();
        let mut r = Tries::default();
        r.fresh(job.clone(), req.clone());
        r.sending(job.clone());
        r.replied(
            req.clone(),
            r#"{"persona": "You are a warm analyst."}"#.into(),
        );
        assert_eq!(
            r.clone().repair(),
            Some(Next::Send(job.clone(), req.clone()))
        );
        r.replied(req.clone(), "no json here".into());
        let Some(Next::Send(_, fixed)) = r.repair() else {
            panic!("no fix")
        };
        assert_eq!(fixed.messages.len(), req.messages.len() + 2);
    }

    #[test]
    fn a_job_stopped_by_another_draft_says_what_was_kept() {
        assert_eq!(left_for_another_draft(None, false, Leaving::Switch), None);
        assert_eq!(
            left_for_another_draft(Some(&Job::Generate), true, Leaving::Switch).as_deref(),
            Some(
                "The generation stopped when another draft was opened. What had arrived is kept as an incomplete version; the rest is missing."
            )
        );
        assert_eq!(
            left_for_another_draft(Some(&Job::Generate), false, Leaving::Switch).as_deref(),
            Some(
                "The generation stopped when another draft was opened, before any part of the prompt had arrived: nothing was kept. Ask again when you are ready."
            )
        );
        let adapt = Job::Adapt {
            family: crate::domain::meta::ModelFamily::Claude,
        };
        assert!(
            left_for_another_draft(Some(&adapt), true, Leaving::Switch)
                .unwrap()
                .starts_with("The adaptation for Anthropic Claude")
        );
        let rewrite = Job::Rewrite {
            section: Section::Steps,
            instruction: "shorter".into(),
        };
        assert_eq!(
            left_for_another_draft(Some(&rewrite), true, Leaving::Switch).as_deref(),
            Some(
                "The rewrite of Steps stopped when another draft was opened, before it was whole: nothing was changed. Rewrite it again when you are ready."
            )
        );
        // Helper-56: a draft deleted mid-job and brought back with Undo said another draft
        // had opened.
        assert_eq!(
            left_for_another_draft(Some(&Job::Generate), true, Leaving::Delete).as_deref(),
            Some(
                "The generation stopped when this draft was deleted. What had arrived is kept as an incomplete version; the rest is missing."
            )
        );
    }
}
