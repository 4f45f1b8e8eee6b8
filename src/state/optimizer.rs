//! Drives the domain's optimization loop: performs its effects (model calls, at most N at once),
//! feeds the replies back, keeps its state in the draft (so it is saved, and continues after a
//! reload of the tab that ran it, saying so), and turns an accepted candidate into a new version.
//! A loop this tab did not run (a copy, an import, another tab's) is paused when its draft opens:
//! nothing is spent without a click. Also Reflexion on one case's output and "Critique this prompt".
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::domain::draft::{Leaving, Origin};
use crate::domain::estimate::call_cost;
use crate::domain::eval::Observed;
use crate::domain::eval::run::{self, Reflection, Status};
use crate::domain::meta::tiny_jobs;
use crate::domain::optimize::reflect;
use crate::domain::optimize::reflexion::{self, Critique, CritiqueFailure};
use crate::domain::optimize::settings as loop_settings;
use crate::domain::optimize::{
    self as opt, Budget, Config, Ctx, Event, Optimizer, Reply, SendGate, Work, project,
};
use crate::domain::provider::{ChatRequest, ErrorKind, ProviderConfig, Role};
use crate::net::chat::Abort;
use crate::net::session;
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;
use crate::state::engine::{self, Engine, Place};
use crate::state::library::Library;
use crate::state::settings::SettingsHandle;

/// The tab remembers (in `sessionStorage`, which survives a reload of this tab only) the drafts
/// whose loop it started or resumed: only those continue by themselves when they open.
const LOOPS_HERE_KEY: &str = "pw.loops-in-this-tab";

/// Where the loop's settings are kept between visits (`localStorage`; see
/// [`crate::domain::optimize::settings`]).
const LOOP_SETTINGS_KEY: &str = "pw.loop-settings";

/// The note when a loop this tab ran continues after a reload (shown while it runs).
pub const CONTINUING: &str = "Continuing the optimization where it was.";

/// What cut the loop's calls off when its draft was left: "The reload" (`None`: this page did
/// not leave it), "Opening another draft" when this page left it for another (tryout 54: a
/// switch was blamed on a reload), "Deleting this draft" when it was deleted and Undo brought it
/// back (helper-56).
fn cut_by(left: Option<Leaving>) -> &'static str {
    match left {
        None | Some(Leaving::Reload) => "The reload",
        Some(Leaving::Switch) => "Opening another draft",
        Some(Leaving::Delete) => "Deleting this draft",
    }
}

/// What leaving the draft cut off (`by`: [`cut_by`]), said before the loop goes on: " The reload
/// cut off 2 calls: they are counted as used (they may still be billed) and sent again{when}."
/// (with a leading space; empty for none). Charged in full: they went out, so they may be
/// billed.
fn cut_off_sentence(by: &str, cut_off: u32, when: &str) -> String {
    match cut_off {
        0 => String::new(),
        1 => format!(
            " {by} cut off 1 call: it is counted as used (it may still be billed) and sent again{when}."
        ),
        n => format!(
            " {by} cut off {n} calls: they are counted as used (they may still be billed) and sent again{when}."
        ),
    }
}

/// [`CONTINUING`], and the `cut_off` calls leaving the draft cut off ([`cut_off_sentence`]),
/// e.g. "Continuing the optimization where it was. The reload cut off 2 calls: they are counted
/// as used (they may still be billed) and sent again."
pub fn continuing_note(by: &str, cut_off: u32) -> String {
    format!("{CONTINUING}{}", cut_off_sentence(by, cut_off, ""))
}

/// The note when a loop this tab ran waits for a key a reload forgot, with the `cut_off` calls
/// leaving the draft cut off ([`cut_off_sentence`]) and `keys`, what is missing
/// ([`SettingsHandle::missing_keys`]).
pub fn held_for_key(by: &str, cut_off: u32, keys: &str) -> String {
    format!(
        "The optimization was interrupted.{} {keys}",
        cut_off_sentence(by, cut_off, " when the loop goes on")
    )
}

/// How the answer to a Resume pressed without a key begins; the page drops it once the keys are
/// back ([`OptimizerHandle::keys_missing_now`]).
pub const NOT_RESUMED: &str = "Not resumed. ";

/// This tab's `sessionStorage`: the loop's calls that were never sent when the page went away
/// or another draft opened, by draft: `{"<draft id>": [[spent calls, reserved calls], [Work,
/// …]]}`. Only calls whose batch was saved before they were queued are noted (the draft kept
/// holds their reservations) and only after they left the engine's queue unsent, and nothing
/// is queued after that while the page goes away: none of them went out. When that draft's loop
/// is next loaded in this tab, with the same counts of calls spent and reserved as when they
/// were noted (no other tab or later run of it has charged or issued anything since), they are
/// released ([`take_noted_unsent`]), not charged as cut off; otherwise they are charged, as
/// before (an over-count, never an under-count).
const UNSENT_KEY: &str = "pw.loop-unsent";

type Noted = std::collections::BTreeMap<String, ((u32, u32), Vec<Work>)>;

fn noted_unsent() -> Noted {
    session::load(UNSENT_KEY)
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// The counts a note is tied to: calls spent and calls reserved in the loop's state.
fn loop_counts(o: &Optimizer) -> (u32, u32) {
    (o.spent.calls, o.reserved.calls)
}

fn note_unsent(draft: &str, counts: (u32, u32), works: &[Work]) {
    let mut all = noted_unsent();
    all.insert(draft.to_owned(), (counts, works.to_vec()));
    session::save(UNSENT_KEY, &serde_json::to_string(&all).unwrap_or_default());
}

/// The calls noted as never sent for `draft` ([`UNSENT_KEY`]) with the counts they are tied
/// to, forgotten as they are read.
fn take_noted_unsent(draft: &str) -> Option<((u32, u32), Vec<Work>)> {
    let mut all = noted_unsent();
    let noted = all.remove(draft);
    if all.is_empty() {
        session::remove(UNSENT_KEY);
    } else {
        session::save(UNSENT_KEY, &serde_json::to_string(&all).unwrap_or_default());
    }
    noted
}

fn loop_runs_here(id: &str) -> bool {
    session::load(LOOPS_HERE_KEY).is_some_and(|v| v.split(' ').any(|x| x == id))
}

fn mark_loop_here(id: &str) {
    let mut ids: Vec<String> = session::load(LOOPS_HERE_KEY)
        .unwrap_or_default()
        .split(' ')
        .filter(|x| !x.is_empty() && *x != id)
        .map(str::to_owned)
        .collect();
    ids.push(id.to_owned());
    // A few are plenty: only the drafts opened in this tab lately matter.
    let from = ids.len().saturating_sub(20);
    session::save(LOOPS_HERE_KEY, &ids[from..].join(" "));
}

/// How the current draft's unfinished loop was found when the draft opened.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// It continued by itself (this tab ran it before a reload): it spends until paused.
    Continuing,
    /// It is paused and waits for the person (why, in plain words).
    Held(String),
    /// It is paused because a key it needs is not in this tab; `cut_off` calls were cut off by
    /// the reload. Its words follow Settings ([`OptimizerHandle::held_for_key_now`]; helper 50:
    /// they named the keys as they were at the reload until Resume was pressed).
    HeldForKey { cut_off: u32 },
}

/// The loop's controls. `Copy`.
#[derive(Clone, Copy)]
pub struct OptimizerHandle {
    /// A note for the person (e.g. why the loop waits after a reload).
    pub note: RwSignal<Option<String>>,
    /// How the current draft's unfinished loop was found when it opened (for the notice at the
    /// top of the page); `None` once the person starts, pauses, resumes or cancels.
    pub arrival: RwSignal<Option<Arrival>>,
    /// Calls running now.
    pub busy: RwSignal<usize>,
    /// Calls asked for; each leaves only once the state reserving it is saved.
    queue: StoredValue<Rc<RefCell<SendGate<(Work, Role, ChatRequest)>>>, LocalStorage>,
    /// Work handed to the engine's queue, not started yet.
    waiting: StoredValue<Rc<RefCell<Vec<Work>>>, LocalStorage>,
    /// Work whose call is under way.
    running: StoredValue<Rc<RefCell<Vec<Work>>>, LocalStorage>,
    /// The draft the loop belongs to (calls of another draft's loop are dropped).
    draft_id: StoredValue<String>,
    /// The page is going away: nothing new is queued or sent (the calls noted as never sent
    /// must stay so); [`crate::net::on_return`] ends it.
    leaving: StoredValue<bool>,
    /// The loop's counts (`loop_counts`) after its last step: what a note taken as another
    /// draft opens is tied to (the state in memory is the new draft's by then).
    last_counts: StoredValue<Option<(u32, u32)>>,
    /// The drafts this page left for another (their loops' calls were cut off by that, not by
    /// a reload), and what cut the open draft's loop off ([`cut_by`]).
    left_here: StoredValue<Vec<(String, Leaving)>>,
    /// Why the open draft was last left ([`DraftHandle::leaving`], read as it is left: the
    /// draft's id changes after the delete that set it is over).
    last_leaving: StoredValue<Leaving>,
    cut_by: StoredValue<&'static str>,
    drafts: DraftHandle,
    settings: SettingsHandle,
    library: Library,
    engine: Engine,
}

impl OptimizerHandle {
    pub fn provide() -> Self {
        let h = Self {
            note: RwSignal::new(None),
            arrival: RwSignal::new(None),
            busy: RwSignal::new(0),
            queue: StoredValue::new_local(Rc::default()),
            waiting: StoredValue::new_local(Rc::default()),
            running: StoredValue::new_local(Rc::default()),
            draft_id: StoredValue::new(String::new()),
            leaving: StoredValue::new(false),
            last_counts: StoredValue::new(None),
            left_here: StoredValue::new(Vec::new()),
            cut_by: StoredValue::new(cut_by(None)),
            last_leaving: StoredValue::new(Leaving::Switch),
            drafts: DraftHandle::expect(),
            settings: SettingsHandle::expect(),
            library: Library::expect(),
            engine: Engine::expect(),
        };
        provide_context(h);
        // When a draft opens (also after a reload) with a loop that was running: continue it if
        // this tab ran it and its models can be called, and say so at the top of the page;
        // otherwise pause it and say what is needed. A paused loop is pointed out with Resume.
        let lib = h.library;
        // The page goes away: the loop's calls still waiting for a place leave the queue unsent
        // and are noted (`UNSENT_KEY`): the draft kept holds their reservations, and the next
        // load releases them instead of charging them as cut off by the reload, and saying so.
        h.drafts.on_leaving(move || {
            let id = lib.current_id.get_untracked();
            if h.draft_id.get_value() == id {
                // Nothing is queued or sent from here on (`perform`, `pump`).
                h.leaving.set_value(true);
                h.note_left(&id);
            }
        });
        // The page stayed (back from the back-forward cache, or used after a leave that did not
        // unload): the note is dropped, and a loop still running goes on; its calls cut off or
        // left unsent are charged and issued again as after a reload (`Event::Resume`).
        crate::net::on_return(move || {
            if !h.leaving.get_value() {
                return;
            }
            h.leaving.set_value(false);
            let id = lib.current_id.get_untracked();
            if h.draft_id.get_value() != id {
                return;
            }
            take_noted_unsent(&id);
            let going = h.drafts.draft.with_untracked(|d| {
                d.loop_running() && d.optimizer.as_ref().is_some_and(|o| !o.paused)
            });
            if going {
                let running = h.running.get_value().borrow().clone();
                h.event(Event::Resume { running });
            }
        });
        h.drafts
            .on_switching(move || h.last_leaving.set_value(h.drafts.leaving()));
        Effect::new(move |prev: Option<String>| {
            let id = lib.current_id.get();
            if prev.as_ref() != Some(&id) && !id.is_empty() {
                // Another draft opened: the loop's draft was kept with the reservations of its
                // calls still waiting for a place; they were never sent, so they are noted and
                // released when it opens again in this tab (the calls in flight stay charged).
                // (The state in memory is already this draft's: only the note is written.)
                let (saved, _) = h.take_unsent_apart();
                if let Some(old) = prev
                    .clone()
                    .filter(|old| !old.is_empty() && !saved.is_empty())
                {
                    if let Some(counts) = h.last_counts.get_value() {
                        note_unsent(&old, counts, &saved);
                    }
                }
                h.stop_calls();
                // This draft's loop calls noted as never sent (a reload, another draft opened)
                // are released first: only for a loop this tab ran, and only while its state
                // is the one they were noted with (no other tab charged or issued anything).
                if let Some(old) = prev.as_ref().filter(|old| !old.is_empty()) {
                    let why = h.last_leaving.get_value();
                    h.left_here.update_value(|l| {
                        l.retain(|(x, _)| x != old);
                        l.push((old.clone(), why));
                    });
                }
                let by = cut_by(
                    h.left_here
                        .with_value(|l| l.iter().find(|(x, _)| *x == id).map(|(_, why)| *why)),
                );
                h.cut_by.set_value(by);
                let noted = take_noted_unsent(&id);
                let counts = h
                    .drafts
                    .draft
                    .with_untracked(|d| d.optimizer.as_ref().map(loop_counts));
                if let Some((at, works)) = noted
                    && loop_runs_here(&id)
                    && counts == Some(at)
                {
                    h.event(Event::Unsent { works });
                }
                h.note.set(None);
                let (running, paused, lost) = h.drafts.draft.with_untracked(|d| {
                    let unfinished = d.optimizer.as_ref().is_some_and(|o| o.stop.is_none());
                    let in_flight = d
                        .optimizer
                        .as_ref()
                        .is_some_and(|o| !o.in_flight.is_empty());
                    (d.loop_running(), unfinished && !d.loop_running(), in_flight)
                });
                let continues = running && loop_runs_here(&id) && h.keys_ready();
                // Nothing of this page runs the opened draft's calls (a reload, another draft
                // opened in between): the calls it has in flight are lost, charged now so that
                // the page counts them as used (they went out, so they may be billed). A loop
                // that continues by itself charges them as it resumes.
                let spent = || {
                    h.drafts
                        .draft
                        .with_untracked(|d| d.optimizer.as_ref().map_or(0, |o| o.spent.calls))
                };
                let before_lost = spent();
                if lost && !continues {
                    h.event(Event::Lost);
                }
                let cut_off = spent().saturating_sub(before_lost);
                // A loop that stopped to wait says why, as its panel does (tryout 17, 6: a loop
                // waiting for candidates read only "paused" after a reload).
                let stalled = h
                    .drafts
                    .draft
                    .with_untracked(|d| d.optimizer.as_ref().and_then(|o| o.stalled()));
                // The calls a paused loop still had under way, cut off by leaving the draft, are
                // said too (helper-58: charged with no word, 2 -> 3 calls used).
                let cut = cut_off_sentence(by, cut_off, " when the loop goes on");
                h.arrival.set(paused.then(|| {
                    Arrival::Held(match stalled {
                        Some(round) => format!(
                            "This draft's optimization loop waits: in round {round} the meta model gave no candidate to try. Nothing is spent until you press Retry in Improve.{cut}"
                        ),
                        None => format!("This draft's optimization loop is paused: nothing is spent until you resume it.{cut}"),
                    })
                }));
                if running {
                    h.draft_id.set_value(id.clone());
                    let hold = if !loop_runs_here(&id) {
                        Some(Arrival::Held(
                            "This draft came with an optimization loop in progress (a copy, an import, or another tab's). It is paused here: nothing is spent until you resume it.".to_owned(),
                        ))
                    } else if h.keys_note().is_some() {
                        // Session 21's tryout: the count the reload cut off was said only
                        // after Resume. Its words follow Settings (`Arrival::HeldForKey`).
                        Some(Arrival::HeldForKey { cut_off })
                    } else {
                        None
                    };
                    match hold {
                        None => {
                            let before = spent();
                            h.arrival.set(Some(Arrival::Continuing));
                            h.event(Event::Resume {
                                running: Vec::new(),
                            });
                            // Tryout 17, 5: the count went from 11 to 13 of 36 and the note
                            // said only that the loop went on.
                            h.note
                                .set(Some(continuing_note(by, spent().saturating_sub(before))));
                            // The calls the reload cut off were charged, and doing them again
                            // does not fit the budget: the loop waits for the person's approval.
                            let waits = h.drafts.draft.with_untracked(|d| {
                                d.optimizer
                                    .as_ref()
                                    .is_some_and(|o| o.stop.is_none() && o.paused)
                            });
                            if waits {
                                let why = format!(
                                    "{by} cut off calls the optimization had sent: they are counted as used (they may still be billed), and doing them again does not fit the budget you approved."
                                );
                                h.note.set(None);
                                h.arrival.set(Some(Arrival::Held(why.into())));
                            }
                        }
                        Some(held) => {
                            h.drafts.update(|d| {
                                d.pause_loop();
                            });
                            // A key's hold is said from the arrival, in words that follow
                            // Settings; the other in the loop's note too.
                            h.note.set(match &held {
                                Arrival::Held(why) => Some(why.clone()),
                                _ => None,
                            });
                            h.arrival.set(Some(held));
                        }
                    }
                }
            }
            id
        });
        h
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The loop's settings chosen last time in this browser, and a sentence for each one that
    /// could not be used (its default is used); the defaults when none were kept.
    pub fn kept_settings(self) -> (Config, Vec<String>) {
        crate::net::settings::load(LOOP_SETTINGS_KEY)
            .map(|t| loop_settings::read(&t))
            .unwrap_or_default()
    }

    /// The models to optimize for and the selection chosen last time in this browser
    /// (`grid::model_key`s; see [`loop_settings::read_models`]).
    pub fn kept_models(self) -> (Vec<String>, crate::domain::optimize::Selection) {
        crate::net::settings::load(LOOP_SETTINGS_KEY)
            .map(|t| loop_settings::read_models(&t))
            .unwrap_or_default()
    }

    /// Keeps the loop's settings as chosen now, for the next visit.
    pub fn keep_settings(self, config: &Config) {
        crate::net::settings::save(LOOP_SETTINGS_KEY, &loop_settings::write(config));
    }

    /// Whether every role has the key it needs: none missing by
    /// [`SettingsHandle::key_missing`] (a provider that may go without a key needs the one it
    /// had in this tab before a reload forgot it; a loop that went on without it would spend its
    /// budget on refused calls).
    fn keys_ready(self) -> bool {
        self.keys_note().is_none()
    }

    /// What to say while a key the loop needs is missing ([`SettingsHandle::missing_keys`],
    /// worded for Resume), naming each job's provider and host; `None` when none is.
    fn keys_note(self) -> Option<String> {
        untrack(|| self.settings.missing_keys(&self.loop_configs(), true))
    }

    /// Whether the loop waits for a key a reload forgot, for a server that may need none
    /// (tracked): the page offers `GO_ON_WITHOUT_KEY` ([`Self::resume_without_keys`]).
    pub fn keys_forgotten_now(self) -> bool {
        self.settings.forgotten_keys(&self.loop_configs())
    }

    /// The person goes on without the keys a reload forgot (servers that may need none): they
    /// stop counting as missing, and the loop resumes (still held for a key a provider needs).
    pub fn resume_without_keys(self) {
        self.settings
            .going_without_keys(&untrack(|| self.loop_configs()));
        self.resume();
    }

    /// Whether a key the loop needs is missing in this tab now (tracked).
    pub fn keys_missing_now(self) -> bool {
        self.settings
            .missing_keys(&self.loop_configs(), true)
            .is_some()
    }

    /// What a loop held for a key says now, following Settings (tracked): the keys still
    /// missing, or that they are back and Resume goes on.
    pub fn held_for_key_now(self, cut_off: u32) -> String {
        match self.settings.missing_keys(&self.loop_configs(), true) {
            Some(keys) => held_for_key(self.cut_by.get_value(), cut_off, &keys),
            None => format!(
                "The optimization was interrupted.{} The keys it needs are in this tab now: press Resume to go on.",
                cut_off_sentence(self.cut_by.get_value(), cut_off, " when the loop goes on")
            ),
        }
    }

    /// What the loop in the draft calls: the meta and execution models, the judge only when a
    /// case has a judge check (tryout 47: Resume waited for a judge key the loop never uses),
    /// then the other execution models it scores on ([`Config::also_on`]).
    fn loop_configs(self) -> Vec<ProviderConfig> {
        let judged = self
            .drafts
            .draft
            .with_untracked(|d| d.suite.has_judge_checks());
        let mut out: Vec<ProviderConfig> = Role::ALL
            .iter()
            .filter(|r| judged || **r != Role::Judge)
            .map(|r| self.settings.roles.with(|x| x.get(*r).clone()))
            .collect();
        self.drafts.draft.with_untracked(|d| {
            if let Some(o) = &d.optimizer {
                out.extend(o.config.also_on.iter().cloned());
            }
        });
        out
    }

    /// The settings a loop started now would run with: the execution model's temperature, the
    /// draft's render style. The projection and the loop both use this, so what is shown before
    /// Start is computed from the requests that will be sent.
    fn effective(self, config: Config) -> Config {
        let style = self.drafts.draft.with(|d| d.style);
        self.effective_with(config, style)
    }

    /// [`Self::effective`] with the draft's render style given (so a caller that tracks only
    /// some of the draft does not track all of it).
    fn effective_with(self, mut config: Config, style: crate::domain::spec::RenderStyle) -> Config {
        let exec = self.settings.roles.with(|r| r.get(Role::Execution).clone());
        config.exec_temperature = exec.temperature;
        config.exec_label = crate::domain::eval::grid::model_label(&exec);
        // The loop's judge calls are `judge::call` with this setting, like runs and Reflexion.
        config.judge_temperature = self.settings.roles.with(|r| r.get(Role::Judge).temperature);
        config.style = style;
        // The loop's answers get the room a run's answers get: a candidate's answer is scored as
        // a run would score it (an answer cut off at 800 in the loop but not in a run scored
        // differently in each).
        config.exec_max_tokens = crate::state::runner::MAX_OUTPUT_TOKENS;
        // The jobs' list prices (per token), so the loop never spends more money than the
        // approved budget costs; `None` when one has no list price here.
        // The other execution models are priced in their own slots (`optimize::slot`).
        config.also_on.truncate(opt::MAX_OTHER_MODELS);
        config.prices = self.settings.roles.with(|r| {
            let mut p = opt::Prices::default();
            let priced = Role::ALL
                .iter()
                .map(|role| (opt::slot(*role, 0), r.get(*role).clone()))
                .chain(
                    config
                        .also_on
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (opt::slot(Role::Execution, i as u32 + 1), c.clone())),
                );
            for (slot, cfg) in priced {
                p.input[slot] = call_cost(&cfg, 1_000_000, 0)? / 1e6;
                p.output[slot] = call_cost(&cfg, 0, 1_000_000)? / 1e6;
            }
            Some(p)
        });
        // The tiny built-in model proposes new rules, not whole prompts (`meta::tiny_jobs`).
        config.tiny_task = self
            .settings
            .roles
            .with(|r| r.get(Role::Meta).kind.is_tiny())
            .then(|| {
                self.drafts.draft.with(|d| {
                    let spec = d.current_spec().cloned().unwrap_or_default();
                    tiny_jobs::task_of(&d.idea.idea, &spec)
                })
            });
        config
    }

    /// The configuration and projected budget for the current draft.
    /// The projected budget of a loop with `config` on `spec` and `suite` (the draft's parts
    /// the projection reads, given by a caller that tracks only them: the projection is not
    /// worked out again when results or anything else in the draft change).
    pub fn projection_of(
        self,
        config: &Config,
        style: crate::domain::spec::RenderStyle,
        spec: &crate::domain::spec::PromptSpec,
        suite: &crate::domain::eval::Suite,
    ) -> Budget {
        project(&self.effective_with(config.clone(), style), spec, suite)
    }

    pub fn projection(self, config: &Config) -> Option<Budget> {
        let config = self.effective(config.clone());
        self.drafts.draft.with(|d| {
            let spec = d.current_spec()?;
            Some(project(&config, spec, &d.suite))
        })
    }

    /// Starts a new loop on the current version with the approved budget.
    pub fn start(self, config: Config) {
        let config = untrack(|| self.effective(config));
        let created = self.drafts.draft.with_untracked(|d| {
            let spec = d.current_spec()?.clone();
            let limit = project(&config, &spec, &d.suite);
            let mut o = Optimizer::new(config, spec, d.current, &d.suite, limit);
            // Reflexion critiques of this version's answers become feedback for the proposals.
            if let Some(run) = d.run_of(d.current) {
                for (id, c) in &run.cases {
                    if let Some(r) = c
                        .reflection
                        .as_ref()
                        .filter(|r| !r.critique.trim().is_empty())
                    {
                        o.critiques.insert(*id, r.critique.clone());
                    }
                    // The person's thumbs-down on this version's answers: their notes too.
                    if let Some(rating) = c.rating.as_ref().filter(|r| r.is_down())
                        && c.status == run::Status::Done
                    {
                        o.rated.insert(
                            *id,
                            crate::domain::optimize::RatedAnswer {
                                output: c.output.clone(),
                                rating: rating.clone(),
                            },
                        );
                    }
                }
            }
            Some(o)
        });
        let Some(o) = created else { return };
        self.stop_calls();
        self.note.set(None);
        self.arrival.set(None);
        let id = self.library.current_id.get_untracked();
        mark_loop_here(&id);
        self.draft_id.set_value(id);
        self.drafts.update(|d| d.optimizer = Some(o));
        // Started without the keys a reload forgot: Resume later does not wait for them.
        self.settings
            .going_without_keys(&untrack(|| self.loop_configs()));
        self.event(Event::Start);
    }

    /// Drops the calls queued but not sent yet (held for the save, or waiting in the engine's
    /// queue), releasing their reservations.
    fn drop_unsent(self) {
        let works = self.take_unsent();
        if !works.is_empty() {
            self.event(Event::Unsent { works });
        }
    }

    /// Takes the loop's calls not sent yet out of the engine's queue and out of the batch held
    /// for the save; gives their works (the machine still holds their reservations).
    fn take_unsent(self) -> Vec<Work> {
        let (mut works, held) = self.take_unsent_apart();
        works.extend(held);
        works
    }

    /// [`Self::take_unsent`], apart: the calls whose batch was saved (they waited in the
    /// engine's queue), then those held for a save not done yet.
    fn take_unsent_apart(self) -> (Vec<Work>, Vec<Work>) {
        self.engine.unqueue(&engine::Job::Loop);
        let saved: Vec<Work> = self.waiting.get_value().borrow_mut().drain(..).collect();
        let held = self
            .queue
            .get_value()
            .borrow_mut()
            .drain()
            .into_iter()
            .map(|(w, _, _)| w)
            .collect();
        (saved, held)
    }

    /// The loop's draft is left (the page goes away, another draft opens): its calls not sent
    /// leave the queue; those whose batch was saved are noted for `draft` ([`UNSENT_KEY`]) with
    /// the counts of the state holding them, all are released in memory.
    fn note_left(self, draft: &str) {
        let (saved, held) = self.take_unsent_apart();
        if !saved.is_empty() {
            let counts = self
                .drafts
                .draft
                .with_untracked(|d| d.optimizer.as_ref().map(loop_counts));
            if let Some(counts) = counts {
                note_unsent(draft, counts, &saved);
            }
        }
        let mut works = saved;
        works.extend(held);
        if !works.is_empty() {
            self.event(Event::Unsent { works });
        }
    }

    pub fn pause(self) {
        self.arrival.set(None);
        self.event(Event::Pause);
        // Calls not started yet are dropped (issued again on resume); running ones finish.
        self.drop_unsent();
        self.note.set(Some(
            "Paused: calls already running finish; nothing new starts until you resume.".into(),
        ));
    }

    pub fn resume(self) {
        // Tryout 47: "every call would be refused and still count against the budget" for a
        // judge key the loop never used (a refused call is not charged).
        if let Some(why) = self.keys_note() {
            // Said as the answer to this press (tryout 50: the same text again read as nothing).
            self.note.set(Some(format!("{NOT_RESUMED}{why}")));
            return;
        }
        self.note.set(None);
        self.arrival.set(None);
        let id = self.library.current_id.get_untracked();
        mark_loop_here(&id);
        self.draft_id.set_value(id);
        let running = self.running.get_value().borrow().clone();
        self.event(Event::Resume { running });
    }

    pub fn cancel(self) {
        self.drop_unsent();
        self.event(Event::Cancel);
        self.stop_calls();
        self.note.set(None);
        self.arrival.set(None);
    }

    /// Drops the finished loop's evidence.
    pub fn clear(self) {
        self.cancel();
        self.drafts.update(|d| d.optimizer = None);
    }

    fn stop_calls(self) {
        self.queue.get_value().borrow_mut().drain();
        self.waiting.get_value().borrow_mut().clear();
        self.running.get_value().borrow_mut().clear();
        self.engine.cancel(&engine::Job::Loop);
    }

    /// Feeds an event to the machine in the draft and queues the calls it asks for.
    fn event(self, event: Event) {
        let mut effects = Vec::new();
        // The machine issues no more calls than the engine sends at once to a host.
        let at_once = self.engine.concurrency.get_untracked().clamp(1, 16);
        let mut counts = None;
        // The loop alone changes: the machine reads the suite while it changes itself.
        self.drafts.update_loop(|o, suite| {
            if let Some(o) = o {
                o.at_once = at_once;
                effects = o.step(&Ctx { suite }, event);
                counts = Some(loop_counts(o));
            }
        });
        if counts.is_some() {
            self.last_counts.set_value(counts);
        }
        self.perform(effects);
    }

    /// Sends the calls the machine asked for, after the state holding their reservations is
    /// saved: a reload then finds them and charges them (calls lost with a page are still billed).
    /// If the state cannot be saved, the loop pauses instead of spending uncounted money.
    fn perform(self, effects: Vec<opt::Effect>) {
        let calls: Vec<(Work, Role, ChatRequest)> = effects
            .into_iter()
            .filter_map(|e| match e {
                opt::Effect::Call {
                    work,
                    role,
                    request,
                } => Some((work, role, request)),
                opt::Effect::Finished(_) => None,
            })
            .collect();
        // The page is going away: the machine's new calls are not sent (they stay reserved in
        // its state, charged as cut off when the page stays, `on_return`).
        if self.leaving.get_value() {
            return;
        }
        if calls.is_empty() {
            self.pump();
            return;
        }
        // Queued now (a pause or cancel meanwhile drops them), sent only after the save: a slot
        // freed by another call before then must not send a call a reload could not find.
        let batch = self.queue.get_value().borrow_mut().push_batch(calls);
        // The draft this loop belongs to: when another draft opens before the save ends (a
        // copy, another draft from the list), opening it dropped this batch, and neither a
        // failed nor a good save may touch the draft now open.
        let owner = self.library.current_id.get_untracked();
        leptos::task::spawn_local(async move {
            let saved = self.library.save_now(false).await;
            if !self.library.is_open(&owner) {
                return;
            }
            if saved {
                self.queue.get_value().borrow_mut().mark_saved(batch);
                self.pump();
            } else {
                self.pause();
                self.note.set(Some(
                    "Paused: the loop's progress could not be saved in this browser, and calls it cannot count after a reload would not stay within the budget. Free some storage (or export your drafts), then press Resume."
                        .into(),
                ));
            }
        });
    }

    /// Hands the calls whose reservations are saved to the engine's queue: each starts as its
    /// host has room (the limits every job shares).
    fn pump(self) {
        if self.leaving.get_value() {
            return;
        }
        // A round's calls start together: one look at the engine's queue for all of them.
        self.engine.batch(|| self.hand_to_engine());
    }

    fn hand_to_engine(self) {
        loop {
            let next = self.queue.get_value().borrow_mut().next_ready();
            let Some((work, role, request)) = next else {
                return;
            };
            let (cfg, is_other) = self.model_for(&work, role);
            self.waiting.get_value().borrow_mut().push(work.clone());
            self.engine
                .enqueue(engine::Job::Loop, &cfg.host(), false, move |place| {
                    self.waiting.get_value().borrow_mut().retain(|w| *w != work);
                    self.running.get_value().borrow_mut().push(work.clone());
                    self.busy.update(|b| *b += 1);
                    let abort = self.engine.abort_for(engine::Job::Loop);
                    leptos::task::spawn_local(async move {
                        // A candidate's answers start together: in tasks of their own after the
                        // first few (see `engine::own_task`); a Cancel meanwhile is seen
                        // through `abort`.
                        engine::own_task().await;
                        self.call(work, (cfg, is_other), request, place, abort)
                            .await
                    });
                });
        }
    }

    /// The model a call of `work` in `role` goes to: an answer on another execution model goes
    /// to that model (`true`), with its own key.
    fn model_for(self, work: &Work, role: Role) -> (ProviderConfig, bool) {
        let other = (role == Role::Execution && work.model() > 0)
            .then(|| {
                self.drafts.draft.with_untracked(|d| {
                    let o = d.optimizer.as_ref()?;
                    o.config.also_on.get(work.model() as usize - 1).cloned()
                })
            })
            .flatten();
        match other {
            Some(cfg) => (cfg, true),
            None => (self.engine.role(role).0, false),
        }
    }

    async fn call(
        self,
        work: Work,
        (cfg, is_other): (ProviderConfig, bool),
        request: ChatRequest,
        place: Place,
        abort: Abort,
    ) {
        let (key, opts) = self.engine.for_model(&cfg);
        let started_for = self.draft_id.get_value();
        // Each retry the engine makes is a request sent again (`Optimizer::resent`).
        let resent = std::cell::Cell::new(0u32);
        let result = self
            .engine
            .send(&place, &abort, &cfg, key.as_ref(), &request, opts, |p| {
                if matches!(p, crate::net::chat::Progress::Retrying { .. }) {
                    resent.set(resent.get() + 1);
                }
            })
            .await;
        drop(place);
        self.engine.forget(&abort);
        self.running.get_value().borrow_mut().retain(|w| *w != work);
        self.busy.update(|b| *b = b.saturating_sub(1));
        self.pump();
        if abort.is_aborted() || !self.library.is_open(&started_for) {
            // Cancelled, or the person opened another draft: the reply is not this loop's.
            return;
        }
        if resent.get() > 0 {
            self.event(Event::Resent { n: resent.get() });
        }
        // A failure every call to this model would meet (a refused key, no credit, no such
        // model): the loop pauses instead of charging the rest of the budget to the same
        // refusal (tryout 17, 9: a run went on sending after a 401), and asks again on Resume.
        let stops = match &result {
            Err(f) if f.error.fails_every_call() => Some(format!(
                "Paused: {} on {}, and every call to it would fail the same way, so nothing more was sent. Fix that in Settings, then press Resume.",
                f.error.cause(),
                crate::domain::eval::grid::model_label(&cfg)
            )),
            _ => None,
        };
        let result = match result {
            Ok(done) => Ok(Reply {
                observed: Observed {
                    finish_reason: done.stop.as_ref().map(Observed::finish_reason_of),
                    // The answering attempt's own time (backoff waits are not the model's).
                    latency_ms: Some(done.attempt_ms.round() as u64),
                    cost_usd: call_cost(&cfg, done.usage.input_tokens, done.usage.output_tokens),
                    // A provider refusal becomes a typed outcome of the provider layer later.
                    refusal: None,
                    // A new answer is unrated.
                    rating: None,
                },
                text: done.text,
                input_tokens: done.usage.input_tokens,
                output_tokens: done.usage.output_tokens,
            }),
            Err(f) if f.error.kind == ErrorKind::Aborted => return,
            // The loop records a failed call as failed: the part that had arrived is not used,
            // and its message does not say it is kept.
            Err(f) if is_other => Err(format!(
                "{}: {}",
                crate::domain::eval::grid::model_label(&cfg),
                crate::domain::provider::ProviderError::for_comparison_model(
                    &loop_failure(f).message()
                )
            )),
            Err(f) => Err(loop_failure(f).message()),
        };
        if let Some(why) = stops {
            // Not the candidate's failure: the call is released (a refused call is not billed)
            // and asked again on Resume (tryout 18: the case counted as a loss, never answered).
            self.event(Event::Unsent { works: vec![work] });
            if self.drafts.draft.with_untracked(|d| d.loop_running()) {
                self.pause();
                self.note.set(Some(why));
            }
            return;
        }
        self.event(Event::Done { work, result });
        self.pump();
    }
}

/// A failed loop call's error, saying truly what became of the text that had arrived (none, or
/// not used: the loop keeps no part of a failed call).
fn loop_failure(f: crate::domain::provider::Failure) -> crate::domain::provider::ProviderError {
    let nothing = f.partial.is_empty();
    f.error.with_nothing_arrived(nothing).with_partial_dropped()
}

/// Reflexion on the current run's outputs: draft -> critique -> final, the final scored like the draft.
#[derive(Clone, Copy)]
pub struct Reflector {
    /// Cases being reflected on.
    pub busy: RwSignal<Vec<u32>>,
    /// The reflections under way: (case id, version).
    under_way: StoredValue<Vec<(u32, u32)>>,
    /// Draft switches seen: a reflection writes nothing once another draft has opened.
    epoch: Epoch,
    /// The page is going away (`net::on_leave`, until `net::on_return`): a call that fails now
    /// was cut by the page, not by the provider.
    page_leaving: StoredValue<bool>,
    drafts: DraftHandle,
    engine: Engine,
}

impl Reflector {
    pub fn provide() -> Self {
        let r = Self {
            page_leaving: StoredValue::new(false),
            busy: RwSignal::new(Vec::new()),
            under_way: StoredValue::new(Vec::new()),
            epoch: Epoch::new(),
            drafts: DraftHandle::expect(),
            engine: Engine::expect(),
        };
        provide_context(r);
        r.drafts.on_switching(move || r.leave_draft());
        crate::net::on_leave(move || r.page_leaving.set_value(true));
        crate::net::on_return(move || r.page_leaving.set_value(false));
        r
    }

    /// Another draft is about to open: the reflections under way stop, and each says so in this
    /// draft (still the open one), with Retry. Helper-53: their critique and final answer went
    /// into the case with the same number in the draft opened while they ran.
    fn leave_draft(self) {
        self.epoch.advance();
        let why = self.drafts.leaving();
        self.engine
            .cancel_where(|j| matches!(j, engine::Job::Reflexion(_)));
        for (id, version) in self
            .under_way
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            self.update(version, id, |r| {
                if r.error.is_none() {
                    r.error = Some(reflect::left(why).to_owned());
                }
            });
        }
        self.busy.set(Vec::new());
    }

    pub fn expect() -> Self {
        expect_context()
    }

    fn update(self, version: u32, id: u32, f: impl FnOnce(&mut Reflection)) {
        self.drafts.update_runs(|rm| {
            if let Some(c) = rm
                .runs
                .iter_mut()
                .find(|r| r.version == version)
                .and_then(|r| r.cases.get_mut(&id))
            {
                f(c.reflection.get_or_insert_with(Reflection::default));
            }
        });
    }

    /// Stops a reflection under way (what arrived is kept).
    pub fn stop(self, id: u32) {
        self.engine.cancel(&engine::Job::Reflexion(id));
        self.busy.update(|b| b.retain(|x| *x != id));
    }

    /// Critiques the case's output in the current version's run, then writes and judges the final
    /// (`domain::optimize::reflect::Reflect` decides each call; the engine makes it, as
    /// `Job::Reflexion(id)`).
    pub fn reflect(self, id: u32) {
        if self.busy.with_untracked(|b| b.contains(&id)) {
            return;
        }
        let e = self.engine;
        let (exec, key, opts) = e.role(Role::Execution);
        let (judge_cfg, jkey, _) = e.role(Role::Judge);
        let Some((version, input)) = self.drafts.draft.with_untracked(|d| {
            let run = d.run_of(d.current)?;
            let cr = run.cases.get(&id)?;
            if cr.status != Status::Done {
                return None;
            }
            let case = d.suite.case(id)?.clone();
            let spec = d.current_spec()?.clone();
            // A critique that arrived whole, whose final answer then failed: Retry asks only
            // for the final again (tryout 8: the critique was paid for twice, and a new one
            // could differ from the one on screen).
            let kept_critique = cr.reflection.as_ref().and_then(|r| {
                (!r.critique.is_empty()
                    && r.error.as_deref().is_some_and(|e| {
                        e.starts_with(reflect::FINAL_FAILED) || e == reflect::JUDGING_STOPPED
                    }))
                .then(|| r.critique.clone())
            });
            // Its judging was stopped: the final answer is kept and only judged again.
            let kept_final = cr.reflection.as_ref().and_then(|r| {
                (r.error.as_deref() == Some(reflect::JUDGING_STOPPED) && !r.final_output.is_empty())
                    .then(|| (r.final_output.clone(), r.final_stop.clone()))
            });
            let empty = run::CaseRun::default();
            Some((
                d.current,
                reflect::ReflectInput {
                    checks: d.suite.assertions_for(&case).cloned().collect(),
                    rubrics: run::rubrics_to_judge(&d.suite, &case, &empty, false),
                    // The tiny built-in model gets one-line worked critiques and a final asked
                    // without the draft (`meta::tiny_jobs`): the long instructions make it loop.
                    tiny_task: exec
                        .kind
                        .is_tiny()
                        .then(|| tiny_jobs::task_of(&d.idea.idea, &spec)),
                    style: d.style,
                    draft: cr.output.clone(),
                    draft_stop: cr.finish_reason.clone(),
                    judge_temperature: judge_cfg.temperature,
                    max_tokens: crate::state::runner::MAX_OUTPUT_TOKENS,
                    kept_critique,
                    kept_final,
                    case,
                    spec,
                },
            ))
        }) else {
            return;
        };
        self.busy.update(|b| b.push(id));
        self.under_way.update_value(|u| u.push((id, version)));
        let epoch = self.epoch.now();
        let mut m = reflect::Reflect::new(input);
        let shown = m.reflection.clone();
        self.update(version, id, move |r| *r = shown);
        let work = engine::Job::Reflexion(id);
        // Stopped by `stop` (a cancel of the job): no further call starts. Watched from now, so
        // a Stop before the task runs counts too.
        let stopped = e.watch(work.clone());
        leptos::task::spawn_local(async move {
            let mut next = m.start();
            while let Some(ask) = next {
                if !self.epoch.still(epoch) {
                    return;
                }
                if stopped.is_aborted() {
                    // What was next ends now, said (not "Reflecting…" with nothing under way).
                    m.stop();
                    let now = m.reflection.clone();
                    self.update(version, id, move |r| *r = now);
                    self.under_way.update_value(|u| u.retain(|(x, _)| *x != id));
                    return;
                }
                let (cfg, key) = match ask.role {
                    Role::Judge => (&judge_cfg, jkey.as_ref()),
                    _ => (&exec, key.as_ref()),
                };
                let result = e
                    .call(
                        work.clone(),
                        cfg,
                        key,
                        &ask.request,
                        opts,
                        // The person asked for it: ahead of queued batch work.
                        true,
                        |_| {},
                    )
                    .await;
                // A call cut while the page goes away (aborted, the connection closed); a
                // provider's answered failure is its own (helper-59).
                let cut_by_the_page = self.page_leaving.get_value()
                    && result.as_ref().is_err_and(|f| f.error.cut_in_transit());
                let outcome = result
                    .map(|done| {
                        let stop = done.stop.as_ref().map(Observed::finish_reason_of);
                        (done.text, stop)
                    })
                    .map_err(|f| (f.partial, f.error.message()));
                if !self.epoch.still(epoch) {
                    return;
                }
                next = m.reply(outcome);
                let mut now = m.reflection.clone();
                if cut_by_the_page {
                    // What arrived is kept; the page's going away is named, not the provider.
                    now.error = Some(reflect::left(Leaving::Reload).to_owned());
                    next = None;
                }
                self.update(version, id, move |r| *r = now);
            }
            self.busy.update(|b| b.retain(|x| *x != id));
            self.under_way.update_value(|u| u.retain(|(x, _)| *x != id));
        });
    }
}

/// "Critique this prompt": the weaknesses the meta model finds, each with a fix.
#[derive(Clone, Copy)]
pub struct Critic {
    pub call: ChatCall,
    pub weaknesses: RwSignal<Option<Result<Critique, CritiqueFailure>>>,
    /// Draft switches seen: a critique of a draft left behind is not shown in another.
    epoch: Epoch,
    drafts: DraftHandle,
}

impl Critic {
    pub fn provide() -> Self {
        let c = Self {
            call: ChatCall::new(),
            weaknesses: RwSignal::new(None),
            epoch: Epoch::new(),
            drafts: DraftHandle::expect(),
        };
        provide_context(c);
        // Another draft opens: the critique (and its fixes) was of this draft's prompt.
        c.drafts.on_switching(move || {
            c.epoch.advance();
            c.call.forget();
            c.weaknesses.set(None);
        });
        c
    }

    pub fn expect() -> Self {
        expect_context()
    }

    pub fn critique(self) {
        let Some(spec) = self
            .drafts
            .draft
            .with_untracked(|d| d.current_spec().cloned())
        else {
            return;
        };
        let (cfg, key, opts) = self.call.role(Role::Meta);
        // A failure right before this one makes this the next attempt.
        let before = match self.weaknesses.get_untracked() {
            Some(Err(before)) => Some(before),
            _ => None,
        };
        self.weaknesses.set(None);
        let epoch = self.epoch.now();
        self.call.start_then(
            cfg,
            key,
            reflexion::critique_prompt_request(&spec),
            opts,
            move |result| {
                if !self.epoch.still(epoch) {
                    return;
                }
                // The provider's error is shown by the call itself.
                match result {
                    Ok(done) => {
                        let read = reflexion::read_prompt_critique(&done.text, before.as_ref());
                        self.weaknesses.set(Some(read));
                    }
                    Err(_) => self.call.partial_not_used(),
                }
            },
        );
    }
}

/// Makes a candidate the current version (the person accepted it).
pub fn accept(d: DraftHandle, cand: u32) {
    d.update(|x| {
        let Some(o) = &x.optimizer else { return };
        let Some(c) = o.candidate(cand) else { return };
        let suite = x.suite.clone();
        let ctx = Ctx { suite: &suite };
        let score = |id: u32| {
            o.mean(&ctx, id, false)
                .map_or("?".to_owned(), |m| opt::shown_points(m).to_string())
        };
        // Its parent is the version the loop started from (its diff and "57 → 90 from version
        // 1" refer to it), not whichever version is current when it is accepted, nor the
        // candidate it came from (tryout 64: "85 → 100" was against a candidate, version 5 had 82).
        let from = o.from_version;
        let start = o
            .candidates
            .iter()
            .find(|c| c.mutation == opt::Mutation::Baseline)
            .map(|c| c.id);
        let what = format!(
            "round {}, {} (train score {} \u{2192} {} from version {from})",
            c.round,
            c.mutation.label().to_lowercase(),
            start.map_or("?".to_owned(), score),
            score(c.id)
        );
        let spec = c.spec.clone();
        x.commit_from(spec, Origin::Optimized { what }, from, js_sys::Date::now());
    });
}
