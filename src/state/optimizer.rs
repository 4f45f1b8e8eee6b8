//! Drives the domain's optimization loop: performs its effects (model calls, at most N at once),
//! feeds the replies back, keeps its state in the draft (so it is saved, and continues after a
//! reload of the tab that ran it, saying so), and turns an accepted candidate into a new version.
//! A loop this tab did not run (a copy, an import, another tab's) is paused when its draft opens:
//! nothing is spent without a click. What it reads from the draft and the settings is worked out
//! by `domain::optimize::setup`, and what it says by `domain::optimize::notes`.
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::domain::draft::{Draft, Leaving};
use crate::domain::estimate::call_cost;
use crate::domain::eval::Observed;
use crate::domain::meta::tiny_jobs;
use crate::domain::optimize::notes::{self, Arrival, NOT_RESUMED, continuing_note, cut_by};
use crate::domain::optimize::settings as loop_settings;
use crate::domain::optimize::setup;
use crate::domain::optimize::{
    self as opt, Budget, Config, Ctx, Event, Optimizer, Reply, SendGate, Work, project,
};
use crate::domain::provider::{ChatRequest, ErrorKind, ProviderConfig, Role};
use crate::net::chat::Abort;
use crate::net::session;
use crate::state::draft::DraftHandle;
use crate::state::engine::{self, Engine, Place};
use crate::state::library::{Library, LoopOrder};
use crate::state::settings::SettingsHandle;

/// The tab remembers (in `sessionStorage`, which survives a reload of this tab only) the drafts
/// whose loop it started or resumed: only those continue by themselves when they open.
const LOOPS_HERE_KEY: &str = "pw.loops-in-this-tab";

/// Where the loop's settings are kept between visits (`localStorage`; see
/// [`crate::domain::optimize::settings`]).
const LOOP_SETTINGS_KEY: &str = "pw.loop-settings";

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

type Noted = crate::domain::sorted::SortedMap<String, ((u32, u32), Vec<Work>)>;

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

/// Forgets that this tab runs draft `id`'s loop ([`mark_loop_here`]): it paused or ended here
/// (or another tab paused it from here). Another tab may resume it from then on, and this one
/// follows that tab's saves instead of claiming the loop (tryout 80: a tab whose loop another
/// tab paused and resumed still said it ran it, so it neither followed nor let go, and a reload
/// of a tab that had once resumed it took over a loop running elsewhere).
fn unmark_loop_here(id: &str) {
    let ids: Vec<String> = session::load(LOOPS_HERE_KEY)
        .unwrap_or_default()
        .split(' ')
        .filter(|x| !x.is_empty() && *x != id)
        .map(str::to_owned)
        .collect();
    session::save(LOOPS_HERE_KEY, &ids.join(" "));
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
    /// Calls waiting to be sent again after a failure that may pass (a rate limit, an
    /// overload), until `net::chat` says the wait is over (`Progress::Resending`): their work
    /// and their abort. A pause for a failure every call would meet stops them (tryout 90: a
    /// call waiting after a 429 went out 2 s after "Paused: the key was not accepted … so
    /// nothing more was sent").
    backoff: StoredValue<Rc<RefCell<Vec<(Work, Abort)>>>, LocalStorage>,
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
            backoff: StoredValue::new_local(Rc::default()),
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
        // The other tabs hear that this draft's loop goes on here (`Library::loop_elsewhere`).
        lib.say_while_busy(super::library::Busy::Loop, move || {
            let id = h.draft_id.try_get_value()?;
            let going = h.drafts.draft.try_with_untracked(Draft::loop_running)?;
            (going && lib.is_open(&id) && loop_runs_here(&id)).then_some(id)
        });
        // Another tab showing this loop asks it to pause or to end (`Library::ask_loop_tab`).
        lib.on_loop_order(move |id, order| {
            if h.draft_id.try_get_value().as_deref() != Some(id) || !lib.is_open(id) {
                return;
            }
            match order {
                LoopOrder::Pause => {
                    h.pause();
                    h.note.set(Some(notes::PAUSED_FROM_OTHER_TAB.to_owned()));
                }
                LoopOrder::Cancel => h.cancel(),
            }
        });
        // What this tab asked of the other tab's loop is answered once that loop no longer
        // goes on there (paused, cancelled, or that tab gone): the note goes with it.
        crate::state::reactive::effect(move |_| {
            if !lib.loop_elsewhere()
                && h.note.with_untracked(|n| {
                    n.as_deref()
                        .is_some_and(|n| n == notes::ASKED_TO_PAUSE || n == notes::ASKED_TO_CANCEL)
                })
            {
                h.note.set(None);
            }
        });
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
        crate::state::reactive::effect(move |prev: Option<String>| {
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
                // A loop running, not from this tab, may run in another tab: its calls are not
                // charged here unless none does (`hold_loop_from_elsewhere`).
                if lost && !continues && !(running && !loop_runs_here(&id)) {
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
                // said too.
                h.arrival.set(
                    paused.then(|| Arrival::Held(notes::paused_arrival(stalled, by, cut_off))),
                );
                if running && !loop_runs_here(&id) {
                    h.draft_id.set_value(id.clone());
                    h.hold_loop_from_elsewhere(id.clone());
                } else if running {
                    h.draft_id.set_value(id.clone());
                    let hold = if h.keys_note().is_some() {
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
                                h.note.set(None);
                                h.arrival
                                    .set(Some(Arrival::Held(notes::over_budget_after_cut(by))));
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

    /// The opened draft `id`'s loop is running, and not from this tab (another tab's, a copy, an
    /// import). While another tab says it runs it ([`Library::loop_elsewhere`], waited for a
    /// beat and a half after the draft opens), this tab writes nothing of it and says so (session
    /// 35: opening the draft in a second tab paused the loop, and the first tab followed that
    /// save). Otherwise, or once that tab stops saying so with the loop still running in the
    /// record (it went away), it is paused here, its calls in flight charged as lost (they went
    /// out, so they may be billed), and said ([`notes::CAME_RUNNING`]).
    fn hold_loop_from_elsewhere(self, id: String) {
        let lib = self.library;
        let running = move || {
            self.drafts
                .draft
                .try_with_untracked(Draft::loop_running)
                .unwrap_or(false)
        };
        leptos::task::spawn_local(async move {
            let mut waited = 0;
            while waited < super::library::RUN_BEAT_MS + 700 && !lib.loop_elsewhere_untracked() {
                crate::net::sleep(100).await;
                waited += 100;
                if !lib.is_open(&id) {
                    return;
                }
            }
            if lib.loop_elsewhere_untracked() {
                self.arrival.set(Some(Arrival::Elsewhere));
                self.note.set(Some(notes::LOOP_ELSEWHERE.to_owned()));
                while lib.loop_elsewhere_untracked() {
                    crate::net::sleep(500).await;
                    if !lib.is_open(&id) {
                        return;
                    }
                }
                self.note.update(|n| {
                    if n.as_deref() == Some(notes::LOOP_ELSEWHERE) {
                        *n = None;
                    }
                });
                // That tab's last save (a loop ended or paused) may still be on its way here.
                crate::net::sleep(1_500).await;
                if !lib.is_open(&id) || loop_runs_here(&id) {
                    return;
                }
                if !running() {
                    self.arrival.set(None);
                    return;
                }
            }
            if !running() || loop_runs_here(&id) {
                return;
            }
            let lost = self.drafts.draft.with_untracked(|d| {
                d.optimizer
                    .as_ref()
                    .is_some_and(|o| !o.in_flight.is_empty())
            });
            if lost {
                self.event(Event::Lost);
            }
            self.drafts.update(|d| {
                d.pause_loop();
            });
            self.note.set(Some(notes::CAME_RUNNING.to_owned()));
            self.arrival
                .set(Some(Arrival::Held(notes::CAME_RUNNING.to_owned())));
        });
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

    /// What the jobs the loop calls (writing prompts, running tests, and scoring when a case has
    /// a judge check) lack in Settings, in the words said under Start
    /// ([`crate::domain::provider::unset_note`]); `None` when each has an address and a model
    /// name (tracked).
    fn unset_now(self) -> Option<String> {
        let judged = self
            .drafts
            .draft
            .with_untracked(|d| d.suite.has_judge_checks());
        let roles: &[Role] = if judged {
            &[Role::Meta, Role::Execution, Role::Judge]
        } else {
            &[Role::Meta, Role::Execution]
        };
        let configs: Vec<(Role, ProviderConfig)> = roles
            .iter()
            .map(|r| (*r, self.settings.config(*r)))
            .collect();
        let jobs: Vec<(Role, &ProviderConfig)> = configs.iter().map(|(r, c)| (*r, c)).collect();
        crate::domain::provider::unset_note(&jobs)
    }

    /// Why the loop cannot go on with the models Settings name now
    /// ([`setup::models_changed`]), or `None` (untracked).
    fn models_note(self) -> Option<String> {
        let (config, judged) = self.drafts.draft.with_untracked(|d| {
            (
                d.optimizer.as_ref().map(|o| o.config.clone()),
                d.suite.has_judge_checks(),
            )
        });
        let config = config?;
        let compare = self.settings.compare.get_untracked();
        self.settings
            .roles
            .with_untracked(|r| setup::models_changed(&config, r, &compare, judged))
    }

    /// `note` as it reads with Settings as they are now (tracked): a note of a loop paused for
    /// models Settings changed ([`notes::MODELS_PAUSED`], [`notes::MODELS_STILL_PAUSED`]) names
    /// the models Settings name now, or says they are back ([`notes::MODELS_BACK`]); tryout 87:
    /// it kept the model of the moment it paused after Settings were set back. A Resume refused
    /// for a job with no address or model name ([`notes::UNSET_PAUSED`]) says what is still
    /// missing, or [`notes::UNSET_BACK`]. Any other note as it is.
    pub fn note_now(self, note: String) -> String {
        // A Resume refused for a job with no address or model name: what is still missing, or
        // that nothing is.
        if note.starts_with(notes::UNSET_PAUSED) {
            let why = self.unset_now();
            return format!(
                "{}{}",
                notes::UNSET_PAUSED,
                why.as_deref().unwrap_or(notes::UNSET_BACK)
            );
        }
        let Some(prefix) = [notes::MODELS_PAUSED, notes::MODELS_STILL_PAUSED]
            .into_iter()
            .find(|p| note.starts_with(p))
        else {
            return note;
        };
        let (config, judged) = self.drafts.draft.with_untracked(|d| {
            (
                d.optimizer.as_ref().map(|o| o.config.clone()),
                d.suite.has_judge_checks(),
            )
        });
        let Some(config) = config else {
            return note;
        };
        let compare = self.settings.compare.get();
        let why = self
            .settings
            .roles
            .with(|r| setup::models_changed(&config, r, &compare, judged));
        format!("{prefix}{}", why.as_deref().unwrap_or(notes::MODELS_BACK))
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
        let keys = self.settings.missing_keys(&self.loop_configs(), true);
        notes::held_for_key(self.cut_by.get_value(), cut_off, keys.as_deref())
    }

    /// What the loop in the draft calls: the meta and execution models, the judge only when a
    /// case has a judge check (tryout 47: Resume waited for a judge key the loop never uses),
    /// then the other execution models it scores on ([`Config::also_on`]).
    fn loop_configs(self) -> Vec<ProviderConfig> {
        let (judged, also_on) = self.drafts.draft.with_untracked(|d| {
            let also_on = d
                .optimizer
                .as_ref()
                .map(|o| o.config.also_on.clone())
                .unwrap_or_default();
            (d.suite.has_judge_checks(), also_on)
        });
        self.settings
            .roles
            .with(|r| setup::loop_models(r, judged, &also_on))
    }

    /// The settings a loop started now would run with: the execution model's temperature, the
    /// draft's render style. The projection and the loop both use this, so what is shown before
    /// Start is computed from the requests that will be sent.
    fn effective(self, config: Config) -> Config {
        let (style, judged) = self
            .drafts
            .draft
            .with(|d| (d.style, d.suite.has_judge_checks()));
        self.effective_with(config, style, judged)
    }

    /// [`Self::effective`] with the draft's render style and whether its suite has a judge check
    /// given (so a caller that tracks only some of the draft does not track all of it).
    fn effective_with(
        self,
        config: Config,
        style: crate::domain::spec::RenderStyle,
        judged: bool,
    ) -> Config {
        self.settings.roles.with(|roles| {
            setup::effective(
                config,
                roles,
                style,
                crate::state::runner::MAX_OUTPUT_TOKENS,
                judged,
                || {
                    self.drafts.draft.with(|d| {
                        let spec = d.current_spec().cloned().unwrap_or_default();
                        tiny_jobs::task_of(&d.idea.idea, &spec)
                    })
                },
            )
        })
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
        let judged = suite.has_judge_checks();
        project(
            &self.effective_with(config.clone(), style, judged),
            spec,
            suite,
        )
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
        if self.library.loop_elsewhere_untracked() {
            self.note
                .set(Some(notes::LOOP_ELSEWHERE_REFUSED.to_owned()));
            return;
        }
        // The loop starts from the prompt with what was typed within the editor's pause.
        self.drafts.flush_typing();
        let config = untrack(|| self.effective(config));
        let created = self
            .drafts
            .draft
            .with_untracked(|d| setup::new_loop(config, d));
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
        // The loop goes on in another tab: that tab pauses it (this one spends nothing of it).
        if self.library.loop_elsewhere_untracked() {
            self.library.ask_loop_tab(LoopOrder::Pause);
            self.note.set(Some(notes::ASKED_TO_PAUSE.to_owned()));
            return;
        }
        // The person (or another tab, for them) paused it here: this tab lets go of it.
        unmark_loop_here(&self.draft_id.get_value());
        self.hold();
    }

    /// Pauses the loop for a cause of its own (progress not saved, a provider's failure), the
    /// tab keeping it as its loop: these also happen as the page goes away (its calls fail as
    /// the connection closes), and the reload must still find the loop this tab's to continue
    /// (a full run, session 38: "Paused." instead of "Continuing the optimization").
    fn hold(self) {
        self.arrival.set(None);
        self.event(Event::Pause);
        // Calls not started yet are dropped (issued again on resume); running ones finish.
        self.drop_unsent();
        self.note.set(Some(notes::PAUSED.into()));
    }

    pub fn resume(self) {
        // Two tabs running one loop would each spend its budget (session 35).
        if self.library.loop_elsewhere_untracked() {
            self.note
                .set(Some(notes::LOOP_ELSEWHERE_REFUSED.to_owned()));
            return;
        }
        // A job the loop calls with no address or model name (session 46's notes: Start waited
        // for it, Resume sent a round whose calls all failed): refused, nothing sent.
        if let Some(why) = untrack(|| self.unset_now()) {
            self.note.set(Some(format!("{}{why}", notes::UNSET_PAUSED)));
            return;
        }
        // Tryout 47: "every call would be refused and still count against the budget" for a
        // judge key the loop never used (a refused call is not charged).
        if let Some(why) = self.keys_note() {
            // Said as the answer to this press (tryout 50: the same text again read as nothing).
            self.note.set(Some(format!("{NOT_RESUMED}{why}")));
            return;
        }
        // Settings name other models than the loop started with (session 42's review). Not
        // `NOT_RESUMED`, whose note is about keys and goes once they are back.
        if let Some(why) = self.models_note() {
            self.note
                .set(Some(format!("{}{why}", notes::MODELS_STILL_PAUSED)));
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
        if self.library.loop_elsewhere_untracked() {
            self.library.ask_loop_tab(LoopOrder::Cancel);
            self.note.set(Some(notes::ASKED_TO_CANCEL.to_owned()));
            return;
        }
        unmark_loop_here(&self.draft_id.get_value());
        self.drop_unsent();
        self.event(Event::Cancel);
        self.stop_calls();
        self.note.set(None);
        self.arrival.set(None);
    }

    /// Drops the finished loop's evidence.
    pub fn clear(self) {
        if self.library.loop_elsewhere_untracked() {
            return self.cancel();
        }
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
                self.hold();
                self.note.set(Some(notes::NOT_SAVED.into()));
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
        // Nothing goes to a model the loop did not start with (Settings changed while it ran,
        // or before a reload continued it): it pauses and says why; what runs finishes.
        let queued = !self.queue.get_value().borrow().is_empty();
        if queued && let Some(why) = self.models_note() {
            // Out of the queue first: the events below pump again, which must find it empty.
            self.drop_unsent();
            self.hold();
            self.note
                .set(Some(format!("{}{why}", notes::MODELS_PAUSED)));
            return;
        }
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
        // Each retry the engine makes is a request sent again (`Optimizer::resent`); one sent
        // again after it stalled at the provider may be billed (`Optimizer::resent_stalled`).
        let resent = std::cell::Cell::new((0u32, 0u32));
        // Set when this call, about to wait to be sent again, was stopped because the loop no
        // longer runs (a pause for a refused key that came first): released below.
        let stopped_in_wait = std::cell::Cell::new(false);
        let sent_at = js_sys::Date::now();
        let result = self
            .engine
            .send(
                &place,
                &abort,
                &cfg,
                key.as_ref(),
                &request,
                opts,
                |p| match p {
                    crate::net::chat::Progress::Retrying { reason, .. } => {
                        let (n, stalled) = resent.get();
                        resent.set((n + 1, stalled + u32::from(reason.ended_after_sending())));
                        // The loop paused meanwhile (its answer to another call came first):
                        // this call is not sent again either (tryout 90).
                        if !self.drafts.draft.with_untracked(|d| d.loop_running()) {
                            stopped_in_wait.set(true);
                            abort.abort();
                            return;
                        }
                        self.backoff
                            .get_value()
                            .borrow_mut()
                            .push((work.clone(), abort.clone()));
                    }
                    crate::net::chat::Progress::Resending => {
                        self.backoff
                            .get_value()
                            .borrow_mut()
                            .retain(|(w, _)| *w != work);
                    }
                    crate::net::chat::Progress::Event(_) => {}
                },
            )
            .await;
        self.backoff
            .get_value()
            .borrow_mut()
            .retain(|(w, _)| *w != work);
        drop(place);
        self.engine.forget(&abort);
        self.running.get_value().borrow_mut().retain(|w| *w != work);
        self.busy.update(|b| *b = b.saturating_sub(1));
        self.pump();
        if stopped_in_wait.get() && self.library.is_open(&started_for) {
            // Released uncharged (its attempt was answered at once, not billed) and asked
            // again on Resume, as the calls `stops` found waiting.
            self.event(Event::Unsent { works: vec![work] });
            return;
        }
        if abort.is_aborted() || !self.library.is_open(&started_for) {
            // Cancelled, or the person opened another draft: the reply is not this loop's.
            return;
        }
        let (n, stalled) = resent.get();
        if n > 0 {
            // A reply that came counts the stalled attempts' prompts in its own tokens (below);
            // a call that failed charges them here, on top of its reservation (session 38: they
            // were left out).
            // So does a reply with no usage: it is charged its whole reservation, which holds
            // none of them.
            let prompts = match &result {
                Err(f) if f.error.went_out_before > 0 => {
                    u64::from(crate::domain::eval::case_call::earlier_prompts(
                        crate::domain::estimate::request_tokens(&request),
                        f.error.went_out_before,
                    ))
                }
                Ok(done)
                    if done.went_out_before > 0
                        && done.usage.input_tokens + done.usage.output_tokens == 0 =>
                {
                    u64::from(crate::domain::eval::case_call::earlier_prompts(
                        crate::domain::estimate::request_tokens(&request),
                        done.went_out_before,
                    ))
                }
                _ => 0,
            };
            self.event(Event::Resent {
                n,
                stalled,
                work: work.clone(),
                prompts,
            });
        }
        // A failure every call to this model would meet (a refused key, no credit, no such
        // model): the loop pauses instead of charging the rest of the budget to the same
        // refusal (tryout 17, 9: a run went on sending after a 401), and asks again on Resume.
        let stops = match &result {
            Err(f) if f.error.fails_every_call() => Some(notes::paused_by_failure(
                &f.error.cause(),
                &crate::domain::eval::grid::model_label(&cfg),
                is_other,
                f.error.mended_without_changing_the_model(),
            )),
            _ => None,
        };
        // A failure of the provider or the connection, not of the prompt (a stall, an overload,
        // a cut stream…; `net::chat` has already retried it): the answer is not scored from it
        // (session 37, tryout 78: every case scored 0 and the meta model read the error as the
        // model's answer). The loop pauses and says so; a request that never reached the
        // provider is released uncharged, one that did stays under way, charged as lost and
        // asked again on Resume (`Event::Resume`).
        let provider_fault = match &result {
            Err(f)
                if matches!(work, Work::Exec { .. }) && f.error.says_nothing_of_the_request() =>
            {
                Some((
                    notes::paused_by_provider_fault(
                        &loop_failure(f.clone()).message(),
                        &crate::domain::eval::grid::model_label(&cfg),
                        f.error.went_out,
                    ),
                    f.error.went_out,
                ))
            }
            _ => None,
        };
        // What the reply used, as the provider reported it, with the prompts of attempts that
        // stalled at the provider and were sent again (they may be billed: session 37),
        // estimated; nothing when it reported no usage, so the loop charges the call's whole
        // reservation (a bound, said on the page: `Optimizer::charged_whole`). Its cost, for a
        // `cost` check, is the runs' figure ([`used_or_estimated`]), marked when estimated
        // (session 42: a reply with no usage read "It cost $0.000000" and passed).
        let read = crate::domain::estimate::request_tokens(&request);
        let (tokens, cost_tokens, cost_estimated) = match &result {
            Ok(done) => {
                let reported = (done.usage.input_tokens, done.usage.output_tokens);
                let (t, estimated) =
                    crate::domain::estimate::used_or_estimated(reported, read, &done.text);
                let earlier =
                    crate::domain::eval::case_call::earlier_prompts(read, done.went_out_before);
                let counted = (t.0.saturating_add(earlier), t.1);
                // A reply read no further past its cap is charged its bound (the length of
                // what it wrote, `cut_usage`), more than its reservation: the loop then stops.
                let charged = if estimated { (0, 0) } else { counted };
                (
                    charged,
                    counted,
                    estimated || earlier > 0 || done.cut_past_cap,
                )
            }
            Err(_) => ((0, 0), (0, 0), false),
        };
        let result = match result {
            Ok(done) => Ok(Reply {
                observed: Observed {
                    finish_reason: done.stop.as_ref().map(Observed::finish_reason_of),
                    // The answering attempt's own time (backoff waits are not the model's).
                    latency_ms: Some(done.attempt_ms.round() as u64),
                    cost_usd: call_cost(&cfg, cost_tokens.0, cost_tokens.1),
                    cost_estimated,
                    // A provider refusal becomes a typed outcome of the provider layer later.
                    refusal: None,
                    // A new answer is unrated.
                    rating: None,
                    // A judge's reply: whether the built-in tiny model gave it.
                    rough_judge: matches!(work, Work::Judge { .. }) && cfg.kind.is_tiny(),
                },
                text: done.text,
                input_tokens: tokens.0,
                output_tokens: tokens.1,
            }),
            Err(f) if f.error.kind == ErrorKind::Aborted => return,
            // A refusal is an answer of its own, scored as a run scores it: its words are
            // checked, its judge checks not measured (tryout 80: the loop scored it as a failed
            // call, 0 on every check, where Results passed the same answers). It carries no
            // usage: charged its whole reservation (earlier attempts' prompts with `Resent`),
            // its cost an estimate; its time is the whole wait.
            Err(f) if f.error.kind == ErrorKind::Refused && matches!(work, Work::Exec { .. }) => {
                let (mut t, _) =
                    crate::domain::estimate::used_or_estimated((0, 0), read, &f.partial);
                t.0 =
                    t.0.saturating_add(crate::domain::eval::case_call::earlier_prompts(
                        read,
                        f.error.went_out_before,
                    ));
                Ok(Reply {
                    observed: Observed {
                        finish_reason: Some("content_filter".into()),
                        latency_ms: Some((js_sys::Date::now() - sent_at).max(0.0).round() as u64),
                        cost_usd: call_cost(&cfg, t.0, t.1),
                        cost_estimated: true,
                        refusal: Some(f.error.detail.clone()),
                        rating: None,
                        rough_judge: false,
                    },
                    text: f.partial,
                    input_tokens: 0,
                    output_tokens: 0,
                })
            }
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
        if let Some((why, billed)) = provider_fault {
            // Released uncharged, or charged now as lost: the figures say what the note says.
            if billed {
                self.event(Event::Failed { work });
            } else {
                self.event(Event::Unsent { works: vec![work] });
            }
            if self.drafts.draft.with_untracked(|d| d.loop_running()) {
                self.hold();
                self.note.set(Some(why));
            }
            return;
        }
        if let Some(why) = stops {
            // Not the candidate's failure: the call is released (a refused call is not billed)
            // and asked again on Resume (tryout 18: the case counted as a loss, never answered).
            // So are the calls waiting to be sent again after a failure that may pass: they
            // would go out after the pause ("nothing more was sent"); their earlier attempts
            // were answered at once, not billed.
            let waiting: Vec<(Work, Abort)> =
                self.backoff.get_value().borrow_mut().drain(..).collect();
            let mut works = vec![work];
            for (w, a) in waiting {
                a.abort();
                works.push(w);
            }
            self.event(Event::Unsent { works });
            if self.drafts.draft.with_untracked(|d| d.loop_running()) {
                self.hold();
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

/// Makes a candidate the current version (the person accepted it; [`setup::accept`]).
pub fn accept(d: DraftHandle, cand: u32) {
    d.maybe_update(|x| setup::accept(x, cand, js_sys::Date::now()).is_some());
}
