//! The generator hook that fills the draft: generate from the idea, rewrite one section, adapt
//! for a model family, repair a broken reply, or read a reply pasted in manual mode. Replies are
//! read part by part (`domain::meta::reply`); a failure keeps what arrived, its attempt number,
//! and lasts only while the prompt it was about is shown.
use leptos::prelude::*;

use crate::domain::attempt::Attempt;
use crate::domain::draft::{Draft, Leaving, Origin};
use crate::domain::estimate::{SendCheck, send_check};
use crate::domain::meta::generate::{Next, Tries};
use crate::domain::meta::tiny::TinyDraft;
use crate::domain::meta::{self, ModelFamily, PasteProblem, reply};
use crate::domain::provider::{
    ApiKey, ChatRequest, ProviderConfig, ProviderError, Role, StopReason,
};
use crate::domain::spec::{PromptSpec, Section};
use crate::net::chat::CallOptions;
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;
use crate::state::settings::SettingsHandle;

pub use crate::domain::meta::generate::{GenError, Job};

/// A failed job as the page shows it: what went wrong, what arrived, which attempt it was.
#[derive(Debug, Clone, PartialEq)]
pub struct GenFailure {
    pub error: GenError,
    /// The job that failed (Manual mode offers its request).
    pub job: Job,
    /// The reply as it arrived (shown as text, folded).
    pub raw: String,
    /// Which try failed (1 for a first; Retry and "Fix with the model" count up), and whether
    /// the one before failed for the same cause (only then is it "failed again").
    pub attempt: Attempt,
    /// The cause of the try before, in words (`attempt::call_words`, `attempt::reply_words`),
    /// when it failed too: a different cause is named next to this one.
    pub before: Option<String>,
    /// The draft when it failed (see [`stamp`]): once the draft has changed, the message is gone.
    at: (usize, u32, u64),
    /// The reply was read no further past its output cap
    /// ([`crate::domain::provider::Completion::cut_past_cap`]): the provider did not keep to it,
    /// so its cut is the page's, not the model's length limit (tryout 112).
    pub read_no_further: bool,
}

/// Which prompt a draft shows: a message about it stays only while this is unchanged.
fn stamp(d: &Draft) -> (usize, u32, u64) {
    (
        d.versions.len(),
        d.current,
        d.versions.last().map_or(0, |v| v.created_ms.to_bits()),
    )
}

/// The generator: live text while a job streams, its job, error and controls.
#[derive(Clone, Copy)]
pub struct Generator {
    /// The streamed meta call: text as it arrives, running, retry notes.
    pub call: ChatCall,
    pub job: RwSignal<Option<Job>>,
    error: RwSignal<Option<GenFailure>>,
    /// Whether Manual mode is open, and the job whose request it shows.
    pub manual: RwSignal<bool>,
    pub manual_job: RwSignal<Job>,
    /// The reply pasted into Manual mode's box, not yet used.
    pub manual_reply: RwSignal<String>,
    /// What each draft another draft was opened from had here: Manual mode as it was left
    /// (the job it showed, the reply pasted, not yet used; helper-54: a pasted reply was lost
    /// at a switch) and the note about a job the switch stopped. Back when that draft opens; at
    /// most [`PARKED`] drafts.
    parked: StoredValue<Vec<Parked>>,
    /// The open draft's id, once the drafts are loaded ([`Generator::follow_drafts`]).
    open_id: StoredValue<Option<Signal<String>>>,
    /// The tries of the current job (`domain::meta::generate::Tries`): which try it is, the
    /// cause of the last failure, the last request and reply for Retry and the fix.
    tries: StoredValue<Tries>,
    /// A Generate on the tiny built-in model, part by part (`meta::tiny`), while it runs.
    tiny: RwSignal<Option<TinyDraft>>,
    /// A job held back because its request is large (it waits for [`Generator::send_large`])
    /// or too large to send ([`SendCheck::TooLarge`]); nothing has been sent.
    pub large: RwSignal<Option<(Job, SendCheck)>>,
    /// What a generation cut short by a reload of this tab had received (read from
    /// `sessionStorage` when the page starts), until [`Generator::recover_interrupted`] uses it.
    in_flight_before: StoredValue<Option<String>>,
    /// The note about a generation a reload interrupted, shown until dismissed.
    pub interrupted: RwSignal<Option<String>>,
    /// A job whose reply read whole and gave the prompt of the current version (`Draft::commit`
    /// makes no version of it): that version's number and the draft's [`stamp`] then; said
    /// while the draft still shows it (tryout 100: a Retry's reply the same as the prompt
    /// closed the error box and said nothing).
    unchanged: RwSignal<Option<(u32, (usize, u32, u64))>>,
    /// A section rewrite a reload cut off, and the instruction typed for it: its section's
    /// Rewrite box takes it back (and sets this to `None`).
    pub rewrite_back: RwSignal<Option<(Section, String)>>,
    /// The handles its jobs use, kept from when it was provided: a job may start where there is
    /// no reactive owner to look them up (a window key listener: Alt+G once panicked there).
    drafts: DraftHandle,
    settings: SettingsHandle,
    /// Draft switches seen: a job's end writes nothing once another draft has opened
    /// ([`Generator::leave_draft`] kept what it had for its own draft).
    epoch: Epoch,
    /// The meta model the job under way was sent to (its version is marked as written by it).
    sent_with: StoredValue<Option<ProviderConfig>>,
}

/// The most drafts whose Manual mode and note [`Generator`] keeps aside at once (the oldest
/// goes).
const PARKED: usize = 8;

/// What a draft left behind in the [`Generator`] when another draft opened.
struct Parked {
    /// The draft's id.
    id: String,
    /// Manual mode, when it was open or held a reply: its job and the reply pasted.
    manual: Option<(Job, String)>,
    /// What the page says about the job the switch stopped
    /// (`meta::generate::left_for_another_draft`).
    note: Option<String>,
}

/// Where Manual mode keeps a reply pasted for a new prompt and not used yet: this tab's
/// `sessionStorage`. JSON: `[draft id, reply]`.
const MANUAL_KEY: &str = "pw-manual-reply";

/// Where a running whole-prompt generation keeps what it has received so far: this tab's
/// `sessionStorage` (it survives a reload, not a closed tab). JSON: `{"draft": id, "model",
/// "text"}`, and `"family"` (`ModelFamily::as_str`) for an adaptation; removed when the
/// generation ends. A running section rewrite keeps only `{"draft": id, "rewrite": section}`
/// (`Section::as_str`) and `"instruction"`.
const IN_FLIGHT_KEY: &str = "pw-generation-in-flight";

/// A prompt as the JSON a reply holds (`reply::spec_from_value` reads it back).
fn spec_json(spec: &PromptSpec) -> String {
    serde_json::json!({
        "persona": spec.persona,
        "context": spec.context,
        "steps": spec.steps,
        "format": spec.format,
        "json_schema": spec.json_schema,
        "examples": spec.examples.iter().map(|e| serde_json::json!({"input": e.input, "output": e.output})).collect::<Vec<_>>(),
    })
    .to_string()
}

impl Generator {
    pub fn provide() -> Self {
        let g = Self {
            call: ChatCall::new(),
            job: RwSignal::new(None),
            error: RwSignal::new(None),
            manual: RwSignal::new(false),
            manual_job: RwSignal::new(Job::Generate),
            manual_reply: RwSignal::new(String::new()),
            parked: StoredValue::new(Vec::new()),
            open_id: StoredValue::new(None),
            tries: StoredValue::new(Tries::default()),
            tiny: RwSignal::new(None),
            large: RwSignal::new(None),
            in_flight_before: StoredValue::new(crate::net::session::load(IN_FLIGHT_KEY)),
            interrupted: RwSignal::new(None),
            unchanged: RwSignal::new(None),
            rewrite_back: RwSignal::new(None),
            drafts: DraftHandle::expect(),
            settings: SettingsHandle::expect(),
            epoch: Epoch::new(),
            sent_with: StoredValue::new(None),
        };
        provide_context(g);
        g.drafts.on_switching(move || g.leave_draft());
        // While a whole-prompt generation runs, what it has received is kept for this tab, so
        // that a reload can say it was interrupted and keep what arrived. A page that is going
        // away keeps it: its call ends (aborted) as the page unloads, and what that end commits
        // would not be saved in time.
        let leaving = StoredValue::new(false);
        crate::net::on_leave(move || leaving.set_value(true));
        // The page stayed after all (the back-forward cache, a navigation that became a
        // download): the record of a job that has ended goes, else the next reload would name
        // a rewrite or a generation that finished (helper-61).
        crate::net::on_return(move || {
            leaving.set_value(false);
            let busy = g.call.running.get_untracked() || g.tiny.with_untracked(Option::is_some);
            if !busy {
                crate::net::session::remove(IN_FLIGHT_KEY);
            }
        });
        crate::state::reactive::effect(move |_| {
            let job = g.job.get();
            let whole = matches!(job, Some(Job::Generate | Job::Adapt { .. }));
            let tiny = g.tiny.with(Option::is_some);
            let running = g.call.running.get();
            let draft = || {
                use_context::<crate::state::library::Library>()
                    .map(|l| l.current_id.get_untracked())
                    .unwrap_or_default()
            };
            // A section rewrite keeps nothing of a reply cut short (as its Stop), only that it
            // ran: the reload names it (helper-58: it vanished without a word).
            if let (
                Some(Job::Rewrite {
                    section,
                    instruction,
                }),
                true,
            ) = (&job, running)
            {
                let kept = serde_json::json!({"draft": draft(), "rewrite": section.as_str(), "instruction": instruction});
                crate::net::session::save(IN_FLIGHT_KEY, &kept.to_string());
                return;
            }
            if !(whole && (running || tiny)) {
                if !leaving.get_value() {
                    crate::net::session::remove(IN_FLIGHT_KEY);
                }
                return;
            }
            let text = if tiny {
                spec_json(&g.live_spec())
            } else {
                g.call.text.get()
            };
            let draft = draft();
            let model = g
                .settings
                .roles
                .with_untracked(|r| r.get(Role::Meta).model.clone());
            let mut kept = serde_json::json!({"draft": draft, "model": model, "text": text});
            if let Some(Job::Adapt { family }) = job {
                kept["family"] = family.as_str().into();
            }
            if tiny {
                kept["unfinished"] = true.into();
            }
            crate::net::session::save(IN_FLIGHT_KEY, &kept.to_string());
        });
        g
    }

    /// After a reload: when a generation was running in this tab as it reloaded, says so, and
    /// keeps what had arrived as a version of the draft it was for (when that draft is
    /// `draft_id`, the one open): incomplete, unless the whole reply had arrived
    /// ([`meta::generate::reload_kept`]). A section rewrite that was running is named (in its own
    /// draft, when that opens): nothing of its reply is kept, and in the open draft its
    /// instruction goes back to the section's Rewrite box ([`Self::rewrite_back`]). Call once,
    /// when the drafts have loaded.
    pub fn recover_interrupted(self, draft_id: &str) {
        let Some(kept) = self
            .in_flight_before
            .try_update_value(Option::take)
            .flatten()
        else {
            return;
        };
        let v: serde_json::Value = serde_json::from_str(&kept).unwrap_or_default();
        let field = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let same_draft = field("draft") == draft_id;
        if let Some(section) = v["rewrite"].as_str().and_then(Section::parse) {
            let note = meta::generate::left_for_another_draft(
                Some(&Job::Rewrite {
                    section,
                    instruction: String::new(),
                }),
                false,
                Leaving::Reload,
            );
            let id = field("draft");
            if same_draft {
                self.interrupted.set(note);
                // Its instruction is back in its section's Rewrite box (helper-60: lost).
                self.rewrite_back.set(Some((section, field("instruction"))));
            } else if !id.is_empty() {
                // Said in its own draft, when that opens (beside a Manual-mode reply kept
                // aside for it, if any).
                self.parked.update_value(|p| {
                    if let Some(x) = p.iter_mut().find(|x| x.id == id) {
                        x.note = note;
                        return;
                    }
                    p.push(Parked {
                        id,
                        manual: None,
                        note,
                    });
                    let over = p.len().saturating_sub(PARKED);
                    p.drain(..over);
                });
            }
            return;
        }
        // An adaptation names its family (helper-56: a stopped adaptation read "generation").
        let job = match v["family"].as_str().map(meta::ModelFamily::parse) {
            Some(family) => Job::Adapt { family },
            None => Job::Generate,
        };
        let note = if same_draft {
            let (kept, note) = meta::generate::reload_kept(
                &job,
                &field("text"),
                &field("model"),
                v["unfinished"] == true,
            );
            if let Some((reading, origin)) = kept {
                commit_kept(reading, origin, self.drafts);
            }
            note
        } else {
            let (what, again) = match job {
                Job::Adapt { .. } => ("An adaptation", "Adapt again"),
                _ => ("A generation", "Generate again"),
            };
            format!(
                "{what} was interrupted by the reload; what had arrived could not be kept. {again} when you are ready."
            )
        };
        self.interrupted.set(Some(note));
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The last failure, while the prompt it was about is still the one shown: a later
    /// generation, paste, edit or version change makes it go.
    pub fn failure(self) -> Option<GenFailure> {
        let f = self.error.get()?;
        let now = self.drafts.draft.with(stamp);
        (f.at == now).then_some(f)
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

    /// Another draft is about to open (`DraftHandle::before_switching`): the job under way ends
    /// here, for the draft it was started for, which is still the open one. A whole-prompt
    /// generation keeps what arrived and reads as an incomplete version of this draft (as Stop
    /// and a reload keep it); a section rewrite keeps nothing (as its Stop). The failure shown
    /// (with its Retry), a request held for a yes and a reload's note belong to this draft and
    /// go; Manual mode, with any reply pasted in it, and a note saying what the switch stopped
    /// and kept (`meta::generate::left_for_another_draft`) are kept aside for this draft and
    /// come back when it opens again ([`Generator::follow_drafts`]). Helper-53: the reply landed in
    /// whichever draft was open when it ended.
    fn leave_draft(self) {
        self.epoch.advance();
        let running = self.call.running.get_untracked();
        let text = self.call.text.get_untracked();
        // The tiny model's draft as read so far (with the part under way).
        let tiny = self
            .tiny
            .with_untracked(|d| d.as_ref().map(|d| d.live(&text)));
        let versions = || self.drafts.draft.with_untracked(|d| d.versions.len());
        let before = versions();
        let stopped_job = (running || tiny.is_some())
            .then(|| self.job.get_untracked())
            .flatten();
        if let (true, Some(cfg)) = (running || tiny.is_some(), self.sent_with.get_value()) {
            let model = cfg.model.clone();
            match (tiny, self.job.get_untracked()) {
                (Some(spec), _) => {
                    if spec != PromptSpec::default() {
                        self.drafts.commit(
                            spec,
                            Origin::Partial {
                                model,
                                adapting: None,
                            },
                        );
                    }
                }
                (None, Some(job @ (Job::Generate | Job::Adapt { .. })))
                    if !text.trim().is_empty() =>
                {
                    let stopped = ProviderError::new(
                        crate::domain::provider::ErrorKind::Aborted,
                        cfg.kind,
                        &cfg.host(),
                        None,
                        "",
                    );
                    let _ = finish(&job, &text, &model, Some(stopped), false, self.drafts);
                }
                _ => {}
            }
        }
        self.call.forget();
        self.tiny.set(None);
        self.job.set(None);
        self.error.set(None);
        self.large.set(None);
        // Manual mode, open with a reply pasted or not, and a note about the job stopped here
        // wait for this draft to open again.
        let id = self
            .open_id
            .get_value()
            .map(|id| id.get_untracked())
            .unwrap_or_default();
        let reply = self.manual_reply.get_untracked();
        let manual = (self.manual.get_untracked() || !reply.is_empty())
            .then(|| (self.manual_job.get_untracked(), reply));
        let note = meta::generate::left_for_another_draft(
            stopped_job.as_ref(),
            versions() > before,
            self.drafts.leaving(),
        );
        if !id.is_empty() && (manual.is_some() || note.is_some()) {
            self.parked.update_value(|p| {
                p.retain(|x| x.id != id);
                p.push(Parked { id, manual, note });
                let over = p.len().saturating_sub(PARKED);
                p.drain(..over);
            });
        }
        self.manual_reply.set(String::new());
        self.manual.set(false);
        self.interrupted.set(None);
        self.tries.set_value(Tries::default());
        self.sent_with.set_value(None);
    }

    /// While Generate runs on the tiny built-in model: the section being written, what part of it
    /// in words ("the Persona", "example 2"), and `(parts read, parts in all)` (seven parts: four
    /// sections, then three examples one by one).
    pub fn tiny_progress(self) -> Option<(Section, String, (usize, usize))> {
        use meta::tiny::Part;
        self.tiny.with(|d| {
            let d = d.as_ref()?;
            let (section, what) = match d.part()? {
                Part::Persona => (Section::Persona, "the Persona".to_owned()),
                Part::Context => (Section::Context, "the Context".to_owned()),
                Part::Steps => (Section::Steps, "the Steps".to_owned()),
                Part::Format => (Section::Format, "the Format".to_owned()),
                Part::Example(i) => (Section::Examples, format!("example {}", i + 1)),
            };
            let what = if d.retries() > 0 {
                format!("{what} again (the last try was not usable)")
            } else {
                what
            };
            Some((section, what, d.progress()))
        })
    }

    /// Follows which draft is open (`id`, the library's): Manual mode as it was left in a draft
    /// (its job and the reply pasted) and the note about a job another draft's opening stopped
    /// there ([`Generator::leave_draft`]) come back when that draft opens again; a reply pasted
    /// for a new prompt also comes back after a reload ([`MANUAL_KEY`]).
    pub fn follow_drafts(self, id: Signal<String>) {
        self.open_id.set_value(Some(id));
        // A reply pasted for a new prompt and not used yet survives a reload of this tab
        // (helper-56: it was lost): kept in `sessionStorage` while Manual mode holds it, and
        // offered again in its draft once the drafts have loaded.
        if let Some((draft, reply)) = crate::net::session::load(MANUAL_KEY)
            .and_then(|t| serde_json::from_str::<(String, String)>(&t).ok())
        {
            self.parked.update_value(|p| {
                p.push(Parked {
                    id: draft,
                    manual: Some((Job::Generate, reply)),
                    note: None,
                })
            });
        }
        crate::state::reactive::effect(move |_| {
            let keep = self.manual.get()
                && self.manual_job.with(|j| *j == Job::Generate)
                && self.manual_reply.with(|r| !r.is_empty());
            let draft = id.get_untracked();
            if keep && !draft.is_empty() {
                let text = self
                    .manual_reply
                    .with(|r| serde_json::to_string(&(&draft, r)));
                if let Ok(text) = text {
                    crate::net::session::save(MANUAL_KEY, &text);
                }
            } else if !draft.is_empty() {
                crate::net::session::remove(MANUAL_KEY);
            }
        });
        crate::state::reactive::effect(move |before: Option<String>| {
            let now = id.get();
            if before.as_deref() != Some(now.as_str()) {
                let mine = self.parked.try_update_value(|p| {
                    let at = p.iter().position(|x| x.id == now)?;
                    Some(p.remove(at))
                });
                if let Some(Some(Parked { manual, note, .. })) = mine {
                    if let Some((job, reply)) = manual {
                        self.manual_job.set(job);
                        self.manual_reply.set(reply);
                        self.manual.set(true);
                    }
                    if note.is_some() {
                        self.interrupted.set(note);
                    }
                }
            }
            now
        });
    }

    /// Opens Manual mode with the request of `job`.
    pub fn open_manual(self, job: Job) {
        self.manual_job.set(job);
        self.manual.set(true);
    }

    /// Generates a prompt from the draft's idea.
    pub fn generate(self) {
        self.generate_checked(false);
    }

    /// What a Generate shortcut pressed while a call of the meta model is under way says: it
    /// starts nothing (see [`Generator::generate`]).
    pub const BUSY: &'static str =
        "A call to the model that writes prompts is under way: wait for it, or Stop it, first.";

    /// Whether `job`'s request may go now: a large one waits for a confirmation (unless
    /// `confirmed`), a too large one never goes; either is held in [`Generator::large`] for the
    /// page to show. Computed from the request the job sends, with the meta model's price.
    fn may_send(self, job: &Job, confirmed: bool) -> bool {
        let Some(req) = self.drafts.draft.with_untracked(|d| job.request(d)) else {
            return true;
        };
        let cfg = self.call.role(Role::Meta).0;
        let check = send_check(&req, &cfg);
        let go = match check {
            SendCheck::Fine => true,
            SendCheck::Confirm(_) => confirmed,
            SendCheck::TooLarge(_) => false,
        };
        self.large.set((!go).then(|| (job.clone(), check)));
        go
    }

    /// Sends the large request held in [`Generator::large`] after the person confirmed it.
    pub fn send_large(self) {
        let Some((job, SendCheck::Confirm(_))) = self.large.get_untracked() else {
            return;
        };
        self.large.set(None);
        match job {
            Job::Generate => self.generate_checked(true),
            job => self.fresh_checked(job, true),
        }
    }

    fn generate_checked(self, confirmed: bool) {
        // A generation under way is not replaced by another: a shortcut pressed again (Alt+G,
        // Ctrl+Enter; the button is off meanwhile) would stop the call, which may be billed,
        // and pay for a second (tryout 103: two calls, "You stopped the request").
        if self.call.running.get_untracked() {
            return;
        }
        // Text typed in a section just before the press goes in first, as its own version
        // (tryout 94: its save landed after the call failed, and the failure, shown only while
        // the prompt it was about is the one shown, went with no word).
        self.drafts.flush_typing();
        let input = self.drafts.draft.with_untracked(|d| d.idea.clone());
        if meta::check_idea(&input.idea).is_err() {
            return;
        }
        if !self.may_send(&Job::Generate, confirmed) {
            return;
        }
        if self.call.role(Role::Meta).0.kind.is_tiny() {
            self.tries.update_value(Tries::fresh_tiny);
            self.run_tiny(TinyDraft::new(&input));
            return;
        }
        // Checked above.
        self.fresh_checked(Job::Generate, true);
    }

    /// Generate on the tiny built-in model: one short plain completion per part, the sections
    /// filling in as they arrive; Stop or a failure keeps what arrived as an incomplete version.
    fn run_tiny(self, draft: TinyDraft) {
        let (cfg, key, opts) = self.call.role(Role::Meta);
        self.sent_with.set_value(Some(cfg.clone()));
        self.job.set(Some(Job::Generate));
        self.tries.update_value(|t| t.sending(Job::Generate));
        self.error.set(None);
        self.interrupted.set(None);
        self.tiny.set(Some(draft));
        self.tiny_next(cfg, key, opts, self.drafts);
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
        // A part asked again is sampled (`TinyDraft::request`); the person's temperature otherwise.
        req.temperature = req.temperature.max(cfg.temperature);
        let (next_cfg, next_key) = (cfg.clone(), key.clone());
        let epoch = self.epoch.now();
        self.call.start_then(cfg, key, req, opts, move |result| {
            if !self.epoch.still(epoch) {
                return;
            }
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
                        .with_untracked(|d| d.as_ref().map(|d| d.live(&text)))
                        .filter(|s| *s != PromptSpec::default());
                    // Said "kept" only when a part was (tryout 100's kind of fault).
                    let error = if kept.is_some() {
                        f.error
                    } else {
                        f.error.with_partial_dropped()
                    };
                    if let Some(spec) = kept {
                        drafts.commit(
                            spec,
                            Origin::Partial {
                                model,
                                adapting: None,
                            },
                        );
                    }
                    self.tiny.set(None);
                    let error = GenError::Call(error);
                    let (attempt, before) = self
                        .tries
                        .try_update_value(|t| t.failed(&error))
                        .unwrap_or((Attempt::of(1, None, ""), None));
                    self.error.try_set(Some(GenFailure {
                        attempt,
                        before,
                        error,
                        job: Job::Generate,
                        raw: text,
                        at: drafts.draft.with_untracked(stamp),
                        read_no_further: false,
                    }));
                }
            }
        });
    }

    pub fn rewrite(self, section: Section, instruction: String) {
        self.fresh(Job::Rewrite {
            section,
            instruction,
        });
    }

    pub fn adapt(self, family: ModelFamily) {
        self.fresh(Job::Adapt { family });
    }

    fn fresh(self, job: Job) {
        self.fresh_checked(job, false);
    }

    fn fresh_checked(self, job: Job, confirmed: bool) {
        // A rewrite or adaptation reads the prompt with what was just typed in (see
        // `generate_checked`).
        self.drafts.flush_typing();
        if !self.may_send(&job, confirmed) {
            return;
        }
        let Some(req) = self.drafts.draft.with_untracked(|d| job.request(d)) else {
            return;
        };
        let next = self.tries.try_update_value(|t| t.fresh(job, req));
        self.go(next);
    }

    /// Does what the tries machine says comes next.
    fn go(self, next: Option<Next>) {
        self.drafts.flush_typing();
        match next {
            Some(Next::Send(job, req)) => self.run(job, req),
            Some(Next::Tiny) => {
                let input = self.drafts.draft.with_untracked(|d| d.idea.clone());
                self.run_tiny(TinyDraft::new(&input));
            }
            None => {}
        }
    }

    /// The request Retry (`repair` false) or *Fix with the model* (`repair` true) would send
    /// now, for the figure beside the button (its bound,
    /// [`request_bound`](crate::domain::estimate::request_bound), or that it is too large to go); `None` when it would send nothing, or no single
    /// request (the tiny model's Generate starts over part by part, on the built-in model,
    /// which costs nothing). Read untracked: the failure it is shown under is drawn anew with
    /// each try.
    pub fn again_request(self, repair: bool) -> Option<ChatRequest> {
        let mut t = self.tries.get_value();
        if !repair {
            // Read tracked: an idea edited under the failure changes what Retry sends.
            let now = t.job().and_then(|job| self.request_now(job, true));
            if t.retry_sends_anew(now.as_ref()) {
                return now;
            }
        }
        let next = if repair { t.repair() } else { t.retry() };
        match next? {
            Next::Send(_, req) => Some(req),
            Next::Tiny => None,
        }
    }

    /// The request `job` would send now, as [`Generator::run`] sends it (with the meta model's
    /// temperature); the draft read `tracked` or not.
    fn request_now(self, job: &Job, tracked: bool) -> Option<ChatRequest> {
        let build = |d: &crate::domain::draft::Draft| job.request(d);
        let mut req = if tracked {
            self.drafts.draft.with(build)
        } else {
            self.drafts.draft.with_untracked(build)
        }?;
        req.temperature = self.call.role(Role::Meta).0.temperature;
        Some(req)
    }

    /// Runs the job again: the last request, or, when the idea or the prompt it reads was
    /// edited since ([`Tries::retry_sends_anew`]), the request as the draft builds it now, as a
    /// fresh try (a large one asks first, as a new press does). The tiny model's Generate starts
    /// over from the idea as it is.
    pub fn retry(self) {
        self.drafts.flush_typing();
        let job = self.tries.with_value(|t| t.job().cloned());
        if let Some(job) = job {
            let now = self.request_now(&job, false);
            if self.tries.with_value(|t| t.retry_sends_anew(now.as_ref())) {
                match job {
                    Job::Generate => self.generate_checked(false),
                    job => self.fresh_checked(job, false),
                }
                return;
            }
        }
        let next = self.tries.try_update_value(Tries::retry).flatten();
        self.go(next);
    }

    /// Sends the unusable reply back once with what is wrong, asking for a corrected one (or,
    /// when no reply arrived, runs the request again): `Tries::repair`.
    pub fn repair(self) {
        let next = self.tries.try_update_value(Tries::repair).flatten();
        self.go(next);
    }

    fn run(self, job: Job, req: ChatRequest) {
        let drafts = self.drafts;
        let (cfg, key, opts) = self.call.role(Role::Meta);
        let mut req = req;
        req.temperature = cfg.temperature;
        self.tiny.set(None);
        self.job.set(Some(job.clone()));
        self.tries.update_value(|t| t.sending(job.clone()));
        self.error.set(None);
        self.interrupted.set(None);
        self.unchanged.set(None);
        let model = cfg.model.clone();
        let sent = req.clone();
        self.sent_with.set_value(Some(cfg.clone()));
        let epoch = self.epoch.now();
        self.call.start_then(cfg, key, req, opts, move |result| {
            if !self.epoch.still(epoch) {
                return;
            }
            let text = self.call.text.get_untracked();
            self.tries
                .try_update_value(|t| t.replied(sent, text.clone()));
            let read_no_further = matches!(&result, Ok(done) if done.cut_past_cap);
            let (call_error, cut_off) = match result {
                // A rewrite keeps nothing of a failed call (`meta::generate::finish`): its
                // message says so, not "What arrived is kept" (tryout 98).
                Err(f) if matches!(job, Job::Rewrite { .. }) => {
                    (Some(f.error.with_partial_dropped()), false)
                }
                Err(f) => (Some(f.error), false),
                Ok(done) => (None, done.stop == Some(StopReason::MaxTokens)),
            };
            let before = drafts.draft.with_untracked(stamp);
            let error = finish(&job, &text, &model, call_error, cut_off, drafts);
            let after = drafts.draft.with_untracked(stamp);
            if error.is_none() && after == before && after.1 > 0 {
                self.unchanged.try_set(Some((after.1, after)));
            }
            // A reply read over its JSON mistake became a version: no failed try for the next
            // one to name (tryout 112: "attempt 2 failed because the reply's JSON had a mistake").
            let used = matches!(error, Some(GenError::Misread { .. }));
            let failure = error.map(|error| {
                let (attempt, before) = if used {
                    (Attempt::of(1, None, ""), None)
                } else {
                    self.tries
                        .try_update_value(|t| t.failed(&error))
                        .unwrap_or((Attempt::of(1, None, ""), None))
                };
                GenFailure {
                    attempt,
                    before,
                    error,
                    job: job.clone(),
                    raw: text,
                    at: drafts.draft.with_untracked(stamp),
                    read_no_further,
                }
            });
            if failure.is_none() || used {
                self.tries.try_update_value(Tries::succeeded);
            }
            self.error.try_set(failure);
        });
    }

    /// The number of the current version when the last job's reply gave its prompt again (no
    /// version was made), while the draft still shows it; tracked.
    pub fn unchanged(self) -> Option<u32> {
        let (n, at) = self.unchanged.get()?;
        (self.drafts.draft.with(stamp) == at).then_some(n)
    }

    /// Reads a reply pasted in manual mode for the job Manual mode shows (the same reading as a
    /// streamed reply): the sections that read come in as a version "pasted", and the gaps are
    /// then named above the sections. `Ok` holds the gaps that remain (those named there); `Err` why nothing could
    /// be used (an empty box is "nothing pasted", never an empty reply from a model). A pasted
    /// reply that ends inside a section counts that section among the gaps. The notes say how it
    /// was read (where its JSON breaks, one section taken from a whole prompt).
    pub fn paste(self, text: &str) -> Result<Pasted, PasteProblem> {
        let drafts = self.drafts;
        let job = self.manual_job.get_untracked();
        PasteProblem::check(text)?;
        let reading = match &job {
            Job::Rewrite { section, .. } => {
                let Some(current) = drafts.draft.with_untracked(|d| d.current_spec().cloned())
                else {
                    return Err(PasteProblem::NoPrompt);
                };
                reply::read_section(&current, *section, text, false).map_err(PasteProblem::Reply)?
            }
            _ => reply::read_spec(text, false).map_err(PasteProblem::Reply)?,
        };
        let notes = reading.notes();
        // A section's rewrite pasted is that section's change, not a whole prompt pasted
        // (tryout 91: after pasting only Context, the prompt read "Pasted by you").
        // An adaptation pasted is that adaptation, and takes its family's layout as one that
        // arrives does (tryout 98: it read "Pasted from another chat app", in Markdown headings).
        let adapted = match &job {
            Job::Adapt { family } => Some(*family),
            _ => None,
        };
        let origin = match job {
            Job::Rewrite {
                section,
                instruction,
            } => Origin::Rewritten {
                section,
                instruction,
                model: PASTED_REWRITE.to_owned(),
            },
            Job::Adapt { family } => Origin::Adapted {
                family,
                model: PASTED_REWRITE.to_owned(),
            },
            _ => Origin::Pasted,
        };
        let before = drafts
            .draft
            .with_untracked(|d| (d.current, d.versions.len()));
        drafts.commit_reply(reading, origin);
        if let Some(family) = adapted
            && drafts
                .draft
                .with_untracked(|d| (d.current, d.versions.len()))
                != before
        {
            drafts.update(|x| x.style = family.style());
        }
        let (gaps, after) = drafts
            .draft
            .with_untracked(|d| (d.open_gaps(), (d.current, d.versions.len())));
        // The same prompt as the current version's makes no version (`Draft::commit`): said,
        // not "your prompt is below" as if it were new (tryout 92: a second paste of one reply).
        let unchanged = (before == after && before.0 > 0).then_some(before.0);
        self.error.set(None);
        // A note on a generation a reload interrupted is about the versions before this one
        // (tryout 88: it stayed above the pasted reply).
        self.interrupted.set(None);
        Ok(Pasted {
            gaps,
            notes,
            unchanged,
        })
    }
}

/// Who rewrote a section, or adapted the prompt, by a reply pasted in Manual mode, as a version's
/// origin says it ("Context rewritten by a reply you pasted: …", "Adapted for Anthropic Claude by
/// a reply you pasted"): [`crate::domain::draft::PASTED_BY`].
pub const PASTED_REWRITE: &str = crate::domain::draft::PASTED_BY;

/// What a pasted reply gave: how many gaps remain, and notes on how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Pasted {
    /// The gaps named above the sections ([`Draft::open_gaps`](crate::domain::draft::Draft::open_gaps)).
    pub gaps: Vec<reply::Gap>,
    pub notes: Vec<String>,
    /// The reply gave the same prompt as the current version, this one: no version was made.
    pub unchanged: Option<u32>,
}

/// Commits what [`meta::generate::finish`] keeps of a reply to `job` and returns what went wrong.
fn finish(
    job: &Job,
    text: &str,
    model: &str,
    call_error: Option<ProviderError>,
    cut_off: bool,
    drafts: DraftHandle,
) -> Option<GenError> {
    let current = drafts.draft.with_untracked(|d| d.current_spec().cloned());
    let done = meta::generate::finish(job, text, model, call_error, cut_off, current.as_ref());
    if let Some((reading, origin)) = done.keep {
        commit_kept(reading, origin, drafts);
    }
    done.error
}

/// Commits a reply's `reading` as a version of `origin`. An adaptation takes its family's layout
/// with the version it gave (tryout 83: the layout switched at the click, and stayed switched
/// when the adaptation failed).
fn commit_kept(reading: reply::Reading, origin: Origin, drafts: DraftHandle) {
    let style = match &origin {
        Origin::Adapted { family, .. } => Some(family.style()),
        _ => None,
    };
    drafts.commit_reply(reading, origin);
    if let Some(style) = style {
        drafts.update(|x| x.style = style);
    }
}
