//! The draft being worked on, shared through context (saved by `state::library`), and the
//! generator hook that fills it: generate from the idea, rewrite one section, adapt for a
//! model family, repair a broken reply, or read a reply pasted in manual mode.
use leptos::prelude::*;

use crate::domain::draft::{Draft, Origin};
use crate::domain::meta::tiny::TinyDraft;
use crate::domain::meta::{self, ModelFamily, SpecError};
use crate::domain::provider::{ApiKey, ChatRequest, Message, ProviderConfig, ProviderError, Role};
use crate::domain::spec::{PromptSpec, Section};
use crate::domain::structured;
use crate::net::chat::CallOptions;
use crate::state::call::ChatCall;
use crate::state::settings::SettingsHandle;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current draft. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct DraftHandle {
    pub draft: RwSignal<Draft>,
}

impl DraftHandle {
    /// The draft in memory; `state::library` loads and saves it.
    pub fn provide() -> Self {
        let h = Self {
            draft: RwSignal::new(Draft::default()),
        };
        provide_context(h);
        h
    }

    pub fn expect() -> Self {
        expect_context()
    }

    pub fn commit(self, spec: PromptSpec, origin: Origin) {
        self.draft.update(|d| {
            d.commit(spec, origin, now_ms());
        });
    }

    /// A section edited by hand (a new version when the text changed).
    pub fn edit_section(self, section: Section, text: &str) {
        let Some(mut spec) = self.draft.with_untracked(|d| d.current_spec().cloned()) else {
            return;
        };
        spec.set_section_text(section, text);
        self.commit(spec, Origin::Edited { section });
    }
}

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

/// Why the last job did not produce a full prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum GenError {
    /// The call failed (the provider's typed error).
    Call(ProviderError),
    /// The reply arrived but could not be used; says what is missing.
    Reply(String),
}

/// The generator: live text while a job streams, its job, error and controls.
#[derive(Clone, Copy)]
pub struct Generator {
    /// The streamed meta call: text as it arrives, running, retry notes.
    pub call: ChatCall,
    pub job: RwSignal<Option<Job>>,
    pub error: RwSignal<Option<GenError>>,
    /// The last request and reply, for Retry and "fix with the model".
    last: StoredValue<Option<(ChatRequest, String)>>,
    /// A Generate on the tiny built-in model, part by part (`meta::tiny`), while it runs.
    tiny: RwSignal<Option<TinyDraft>>,
}

impl Generator {
    pub fn provide() -> Self {
        let g = Self {
            call: ChatCall::new(),
            job: RwSignal::new(None),
            error: RwSignal::new(None),
            last: StoredValue::new(None),
            tiny: RwSignal::new(None),
        };
        provide_context(g);
        g
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The sections of a generation as they stream in.
    pub fn live_spec(self) -> PromptSpec {
        let tiny = self
            .tiny
            .with(|d| d.as_ref().map(|d| self.call.text.with(|t| d.live(t))));
        tiny.unwrap_or_else(|| self.call.text.with(|t| meta::spec_from_partial(t)))
    }

    pub fn stop(self) {
        self.call.stop();
    }

    /// Generates a prompt from the draft's idea.
    pub fn generate(self) {
        let input = DraftHandle::expect()
            .draft
            .with_untracked(|d| d.idea.clone());
        if meta::check_idea(&input.idea).is_err() {
            return;
        }
        let settings = SettingsHandle::expect();
        if settings
            .roles
            .with_untracked(|r| r.get(Role::Meta).kind.is_tiny())
        {
            self.run_tiny(TinyDraft::new(&input));
            return;
        }
        self.run(Job::Generate, meta::generate_request(&input));
    }

    /// Generate on the tiny built-in model: one short plain completion per part, the sections
    /// filling in as they arrive; Stop or a failure keeps what arrived as an incomplete version.
    fn run_tiny(self, draft: TinyDraft) {
        let settings = SettingsHandle::expect();
        let cfg = settings.roles.with_untracked(|r| r.get(Role::Meta).clone());
        let key = settings.key(cfg.kind);
        self.job.set(Some(Job::Generate));
        self.error.set(None);
        self.last.set_value(None);
        self.tiny.set(Some(draft));
        self.tiny_next(cfg, key, settings.call_options(), DraftHandle::expect());
    }

    /// Asks for the next part, or commits the draft when every part is read. Runs from the
    /// previous call's end, outside any component: every handle comes as an argument.
    fn tiny_next(
        self,
        cfg: ProviderConfig,
        key: Option<ApiKey>,
        opts: CallOptions,
        drafts: DraftHandle,
    ) {
        let model = cfg.model.clone();
        let Some(mut req) = self
            .tiny
            .with_untracked(|d| d.as_ref().and_then(TinyDraft::request))
        else {
            if let Some(spec) = self
                .tiny
                .with_untracked(|d| d.as_ref().map(TinyDraft::spec))
            {
                drafts.commit(spec, Origin::Generated { model });
            }
            self.tiny.set(None);
            return;
        };
        req.temperature = cfg.temperature;
        let (next_cfg, next_key) = (cfg.clone(), key.clone());
        self.call.start_then(cfg, key, req, opts, move |result| {
            let text = self.call.text.get_untracked();
            match result {
                Ok(_) => {
                    self.tiny.update(|d| {
                        if let Some(d) = d {
                            d.accept(&text);
                        }
                    });
                    self.tiny_next(next_cfg, next_key, opts, drafts);
                }
                Err(f) => {
                    let kept = self
                        .tiny
                        .with_untracked(|d| d.as_ref().map(|d| d.live(&text)));
                    if let Some(spec) = kept.filter(|s| *s != PromptSpec::default()) {
                        drafts.commit(spec, Origin::Partial { model });
                    }
                    self.tiny.set(None);
                    self.error.try_set(Some(GenError::Call(f.error)));
                }
            }
        });
    }

    pub fn rewrite(self, section: Section, instruction: String) {
        let Some(spec) = DraftHandle::expect()
            .draft
            .with_untracked(|d| d.current_spec().cloned())
        else {
            return;
        };
        let req = meta::section_request(&spec, section, &instruction);
        self.run(
            Job::Rewrite {
                section,
                instruction,
            },
            req,
        );
    }

    pub fn adapt(self, family: ModelFamily) {
        let Some(spec) = DraftHandle::expect()
            .draft
            .with_untracked(|d| d.current_spec().cloned())
        else {
            return;
        };
        self.run(Job::Adapt { family }, meta::adapt_request(&spec, family));
    }

    /// Runs the last request again.
    pub fn retry(self) {
        if self.last.with_value(Option::is_none) && self.job.get_untracked() == Some(Job::Generate)
        {
            // The tiny model's Generate is several calls: start it again.
            self.generate();
            return;
        }
        if let (Some((req, _)), Some(job)) = (self.last.get_value(), self.job.get_untracked()) {
            self.run(job, req);
        }
    }

    /// Sends the broken reply back once with what is wrong, asking for a corrected one.
    pub fn repair(self) {
        let (Some((req, reply)), Some(job)) = (self.last.get_value(), self.job.get_untracked())
        else {
            return;
        };
        let Some(schema) = req.schema.clone() else {
            return;
        };
        let problem = match job {
            Job::Rewrite { section, .. } => {
                meta::apply_section_reply(&PromptSpec::default(), section, &reply).err()
            }
            _ => meta::spec_from_reply(&reply).err().map(|e| e.error),
        };
        let Some(problem) = problem else { return };
        let mut fixed = req.clone();
        fixed.messages.push(Message::assistant(reply));
        fixed
            .messages
            .push(Message::user(structured::repair_message(
                &problem,
                &schema.schema,
            )));
        self.run(job, fixed);
    }

    fn run(self, job: Job, req: ChatRequest) {
        let settings = SettingsHandle::expect();
        let drafts = DraftHandle::expect();
        let cfg = settings.roles.with_untracked(|r| r.get(Role::Meta).clone());
        let key = settings.key(cfg.kind);
        let mut req = req;
        req.temperature = cfg.temperature;
        self.tiny.set(None);
        self.job.set(Some(job.clone()));
        self.error.set(None);
        let model = cfg.model.clone();
        let sent = req.clone();
        self.call
            .start_then(cfg, key, req, settings.call_options(), move |result| {
                let text = self.call.text.get_untracked();
                self.last.set_value(Some((sent, text.clone())));
                let outcome = finish(&job, &text, &model, drafts);
                let error = match (result, outcome) {
                    (Err(f), _) => Some(GenError::Call(f.error)),
                    (Ok(_), Err(msg)) => Some(GenError::Reply(msg)),
                    (Ok(_), Ok(())) => None,
                };
                self.error.try_set(error);
            });
    }

    /// Reads a reply pasted in manual mode (same parsing as a streamed one).
    pub fn paste(self, text: &str) -> Result<(), String> {
        let drafts = DraftHandle::expect();
        match meta::spec_from_reply(text) {
            Ok(spec) => {
                drafts.commit(spec, Origin::Pasted);
                Ok(())
            }
            Err(e) => Err(e.message()),
        }
    }
}

/// Turns a finished (or cut-off) reply into a version; `Err` says what was wrong. Whatever
/// arrived is kept: an incomplete generation becomes a version marked incomplete.
fn finish(job: &Job, text: &str, model: &str, drafts: DraftHandle) -> Result<(), String> {
    match job {
        Job::Generate | Job::Adapt { .. } => match meta::spec_from_reply(text) {
            Ok(spec) => {
                let origin = match job {
                    Job::Adapt { family } => Origin::Adapted {
                        family: *family,
                        model: model.to_owned(),
                    },
                    _ => Origin::Generated {
                        model: model.to_owned(),
                    },
                };
                drafts.commit(spec, origin);
                Ok(())
            }
            Err(SpecError { partial, error }) => {
                let e = SpecError {
                    partial: partial.clone(),
                    error,
                };
                if partial != PromptSpec::default() {
                    drafts.commit(
                        partial,
                        Origin::Partial {
                            model: model.to_owned(),
                        },
                    );
                }
                Err(e.message())
            }
        },
        Job::Rewrite {
            section,
            instruction,
        } => {
            let Some(spec) = drafts.draft.with_untracked(|d| d.current_spec().cloned()) else {
                return Ok(());
            };
            match meta::apply_section_reply(&spec, *section, text) {
                Ok(next) => {
                    drafts.commit(
                        next,
                        Origin::Rewritten {
                            section: *section,
                            instruction: instruction.clone(),
                            model: model.to_owned(),
                        },
                    );
                    Ok(())
                }
                Err(e) => Err(format!(
                    "The rewritten {} could not be read: {e}.",
                    section.title()
                )),
            }
        }
    }
}
