//! The person's drafts: a list kept in IndexedDB, the one being worked on, automatic saving
//! shortly after each change, conflicts with other tabs (detected, then the person chooses),
//! delete with undo, export and import, and a shared draft opened from a link (read-only until
//! saved). What was kept but could not be read (parts of a draft, whole records, parts of an
//! imported file or a link) is named in `damage`, shown in the drafts area. A copied, imported or
//! received draft's optimization loop arrives paused.
use crate::domain::sorted::{SortedMap, SortedSet};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::domain::autosave::Autosave;
use crate::domain::draft::{Draft, copy_name, fresh_name};
use crate::domain::share;
use crate::domain::wire::{self, ExportV1, Lost, parse_import};
use crate::net::settings as prefs;
use crate::net::store::{DraftStore, Listing, Record, Saved, StoreError};
use crate::state::draft::DraftHandle;

const CURRENT_KEY: &str = "pw.current-draft";
/// The start of the `localStorage` key (`sessionStorage` when that refuses it; one per draft,
/// [`unsaved_key`]) of the open draft as it was when
/// the tab went away with changes not yet in the database (a reload right after typing, a tab
/// closed while its last write had not landed): read back when the draft next opens at a load
/// ([`Library::take_unsaved`]). In `localStorage`, so a closed tab's is found by the next tab
/// (session 37: the calls a closed tab had sent after its last save read "not sent" there, and
/// Send would have sent them again).
const UNSAVED_KEY: &str = "pw.unsaved-draft";

/// Beside a kept copy: its tab knew of a newer revision another tab had saved (the question of
/// [`Library::conflict`] was up), so the copy must not go over it.
const UNSAVED_BEHIND_KEY: &str = "pw.unsaved-draft-behind";

/// Where the copy of draft `id` is kept: one key per draft (`pw.unsaved-draft:<id>`), so two
/// tabs that go away at once, each with changes of its own draft not yet in the database, each
/// keep theirs (one key for all, before session 43: the second tab's copy went over the
/// first's, and those changes were lost). Pages before that kept one copy at [`UNSAVED_KEY`]
/// itself, which is still read.
fn unsaved_key(id: &str) -> String {
    format!("{UNSAVED_KEY}:{id}")
}

fn behind_key(id: &str) -> String {
    format!("{UNSAVED_BEHIND_KEY}:{id}")
}

/// The copy at [`UNSAVED_KEY`] itself, kept by a page before session 43, if any: its draft's
/// id and its text.
fn legacy_unsaved() -> Option<(String, String)> {
    let text = crate::net::settings::load(UNSAVED_KEY)
        .or_else(|| crate::net::session::load(UNSAVED_KEY))?;
    Some((Record::from_json(&text)?.id, text))
}

/// The ids of the drafts whose copies are kept ([`unsaved_key`], and the older single copy),
/// in `localStorage` or this tab's `sessionStorage`; the copies stay.
fn kept_unsaved_ids() -> Vec<String> {
    let prefix = format!("{UNSAVED_KEY}:");
    let mut ids: Vec<String> = crate::net::settings::entries_with_prefix(&prefix)
        .into_iter()
        .chain(crate::net::session::entries_with_prefix(&prefix))
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .chain(legacy_unsaved().map(|(id, _)| id))
        .collect();
    crate::domain::order::sort(&mut ids);
    ids.dedup();
    ids
}

/// Forgets the copy kept for draft `id`, wherever it was kept (the older single copy too, when
/// it is that draft's).
fn forget_unsaved(id: &str) {
    let mut keys = vec![unsaved_key(id), behind_key(id)];
    if legacy_unsaved().is_some_and(|(kept, _)| kept == id) {
        keys.extend([UNSAVED_KEY.to_owned(), UNSAVED_BEHIND_KEY.to_owned()]);
    }
    for key in keys {
        crate::net::settings::remove(&key);
        crate::net::session::remove(&key);
    }
}
const CHANNEL: &str = "promptwright-drafts";
/// The word in a tab's message ("<id> deleted") that says the draft was deleted there.
const DELETED: &str = "deleted";
/// The word in a tab's message ("<id> run") that says a run of the draft goes on there: sent
/// every [`RUN_BEAT_MS`] while it does.
const RUN: &str = "run";
/// The word in a tab's message ("<id> loop") that says the draft's optimization loop goes on
/// there: sent every [`RUN_BEAT_MS`] while it does.
const LOOP: &str = "loop";
/// The word in a tab's message ("<id> ran") that says nothing of the draft goes on there any
/// more (its run and its loop ended, or it opened another draft).
const RAN: &str = "ran";
/// The word in a tab's message ("<id> who") that asks the others, as it opens draft `id`, what
/// goes on for it there: a tab running its cases or loop answers at once, not at its next beat.
const WHO: &str = "who";
/// The words of a tab's message ("<id> pause-loop", "<id> cancel-loop") that ask the tab
/// running draft `id`'s optimization loop to pause or cancel it: the person pressed Pause or
/// Cancel in a tab that shows that loop as it goes on elsewhere ([`Library::ask_loop_tab`]).
const PAUSE_LOOP: &str = "pause-loop";
const CANCEL_LOOP: &str = "cancel-loop";
/// How often a tab running a draft's cases or loop says so (ms).
pub const RUN_BEAT_MS: u32 = 2_000;
/// How long after its last "run" or "loop" message that job in another tab is taken to go on
/// (ms): past it, that tab is taken to be gone (a crash, a killed process) and its draft's
/// record reads as it left it.
const RUN_FRESH_MS: f64 = 5_000.0;

/// What "Keep both" puts after the name of the tab's own version when it becomes a draft of its
/// own (the other tab's version keeps the name).
pub const KEPT_COPY: &str = " (kept copy)";

/// What a tab can be doing with a draft that the other tabs must hear of: a run of its cases, or
/// its optimization loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Busy {
    Run,
    Loop,
}

/// Jobs of one kind going on in other tabs, as their messages tell: each draft's id and when its
/// last message came ([`js_sys::Date::now`], ms). Several drafts can each have one (tryout 75:
/// with one id kept, two tabs running two drafts made a third flip between "going on in another
/// tab" and "not sent" every second, and its Send started the run a second time).
#[derive(Clone, Copy)]
struct Elsewhere {
    ids: RwSignal<SortedMap<String, f64>>,
}

impl Elsewhere {
    fn new() -> Self {
        Self {
            ids: RwSignal::new(SortedMap::new()),
        }
    }

    /// Whether draft `id`'s job goes on in another tab. Tracked.
    fn has(self, id: &str) -> bool {
        self.ids.with(|m| m.contains_key(id))
    }

    /// A message about draft `id`: it goes on (`going`), or nothing of it goes on any more.
    fn heard(self, id: String, going: bool) {
        if !going {
            if self.ids.with_untracked(|m| m.contains_key(&id)) {
                self.ids.update(|m| {
                    m.remove(&id);
                });
            }
            return;
        }
        let now = js_sys::Date::now();
        if self.ids.with_untracked(|m| m.contains_key(&id)) {
            // Known: only its time changes (nothing to redraw).
            self.ids.update_untracked(|m| {
                m.insert(id.clone(), now);
            });
        } else {
            self.ids.update(|m| {
                m.insert(id.clone(), now);
            });
        }
        // No word for a while: that tab went away without one (a crash, a killed process).
        leptos::task::spawn_local(async move {
            crate::net::sleep(RUN_FRESH_MS as u32 + 100).await;
            let stale = self
                .ids
                .try_with_untracked(|m| {
                    m.get(&id)
                        .is_some_and(|at| js_sys::Date::now() - at >= RUN_FRESH_MS)
                })
                .unwrap_or(false);
            if stale {
                self.ids.update(|m| {
                    m.remove(&id);
                });
            }
        });
    }
}

/// Puts `meta` into `list` (newest first) in its place by time, over the line of the same
/// draft.
fn put_in_place(list: &mut Vec<DraftMeta>, meta: DraftMeta) {
    list.retain(|m| m.id != meta.id);
    let at = list
        .iter()
        .position(|m| m.updated_ms <= meta.updated_ms)
        .unwrap_or(list.len());
    list.insert(at, meta);
}

/// One line of the draft list.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftMeta {
    pub id: String,
    pub name: String,
    /// The name the draft was given, empty when it goes by its idea (`name` is then the idea's
    /// first words, ending in "…" when cut): Rename starts from it.
    pub own_name: String,
    pub updated_ms: f64,
    pub versions: usize,
    /// Its test cases: said in the list, so drafts with the same name can be told apart
    /// (tryout 89: three "Untitled prompt · 0 versions" lines).
    pub cases: usize,
}

impl DraftMeta {
    fn of(r: &Record) -> Self {
        Self {
            id: r.id.clone(),
            // A draft not yet named (no version made) goes by its idea's first words, so that
            // two of them are not both "Untitled prompt" (helper-54).
            name: r.draft.display_name(),
            own_name: if r.draft.name == "\u{2026}" {
                String::new()
            } else {
                r.draft.name.clone()
            },
            updated_ms: r.updated_ms,
            versions: r.draft.versions.len(),
            cases: r.draft.suite.cases.len(),
        }
    }
}

/// Whether drafts are being saved.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageStatus {
    Loading,
    Ready,
    /// Not saving; the message says why and what to do.
    Failing(String),
}

/// A shared draft opened from a link, or why the link could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum SharedView {
    Draft(Draft),
    Broken(String),
}

fn new_id() -> String {
    let r = (js_sys::Math::random() * 1e12) as u64;
    format!("d{:x}{:x}", js_sys::Date::now() as u64, r)
}

/// A stored draft read with something left out, as it was stored: offered for download beside
/// the message (tryout 95: the parts that did not read went with the next save, and nothing was
/// offered). The store keeps it at the draft's next save; later visits find it kept.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptCopy {
    /// The draft's key.
    pub id: String,
    /// The draft's name as the page shows it.
    pub name: String,
    /// The record and its parts as stored (`net::store::Record::as_stored`), or the copies kept.
    pub text: String,
    /// Whether a copy is kept in storage already (else it is kept at the draft's next save):
    /// only then can it be deleted.
    pub stored: bool,
}

/// The library handle. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct Library {
    pub list: RwSignal<Vec<DraftMeta>>,
    pub current_id: RwSignal<String>,
    pub status: RwSignal<StorageStatus>,
    /// Another tab's newer version of the current draft, while this tab has unsaved changes.
    pub conflict: RwSignal<Option<Draft>>,
    /// The last deleted draft, for Undo.
    pub deleted: RwSignal<Option<Record>, LocalStorage>,
    /// The delete opened a new empty draft in its place (it was the only one): Undo removes
    /// that empty draft again, and no other.
    replaced_by_empty: StoredValue<bool>,
    /// The open draft being deleted (`delete_now`): no save writes it back meanwhile (a running
    /// loop's autosave had put a deleted draft back between the delete and the list's read, so
    /// the delete reopened it and did not take).
    deleting: StoredValue<Option<String>>,
    /// The last deleted draft was the open one: Undo opens it again; another one comes back
    /// into the list only (tryout 62: Undo of another draft's delete left the open draft,
    /// cutting off the run under way in it).
    deleted_was_open: StoredValue<bool>,
    pub shared: RwSignal<Option<SharedView>>,
    /// Whether the current draft has changes not yet written.
    pub pending: RwSignal<bool>,
    /// What was kept but could not be read, in plain words (cleared when the person dismisses it).
    pub damage: RwSignal<Vec<String>>,
    /// Stored drafts that could not be read at all, as stored: (what to call the file, its
    /// text), offered for download next to the message (nothing of them is lost).
    pub unreadable_raw: RwSignal<Vec<(String, String)>>,
    /// Drafts read with something left out, as stored ([`KeptCopy`]), one per draft.
    pub kept_copies: RwSignal<Vec<KeptCopy>>,
    /// The open draft's save failed on a full storage while a copy of it as it was stored
    /// waited to be kept with it (`net::store::DraftStore::copy_waiting`): its key and the
    /// copy's size in KB. The "Not saved" notice offers the copy's download and
    /// [`Library::save_without_copy`] (session 47's notes: the message did not say the copy was
    /// the cause, and every later save failed the same way).
    pub copy_blocks: RwSignal<Option<(String, usize)>>,
    /// Results on the execution model that were stored and could not be read (`Lost::Result`):
    /// (draft id, version, case id). Their rows say so, not "not run" (tryout 96).
    pub unreadable_results: RwSignal<Vec<(String, u32, u32)>>,
    /// Every message shown in `damage` since the page opened (each is shown once).
    reported: StoredValue<SortedSet<String>>,
    drafts: DraftHandle,
    store: StoredValue<Option<Rc<DraftStore>>, LocalStorage>,
    base_rev: StoredValue<Option<u64>>,
    /// The draft as last saved (or loaded), to tell unsaved changes apart.
    last_saved: StoredValue<Draft>,
    /// When changes are saved (`domain::autosave`: the decision; the waiting is here).
    autosave: StoredValue<Autosave>,
    /// A save is under way; another was asked for meanwhile.
    saving: StoredValue<bool>,
    save_again: StoredValue<bool>,
    /// Saves started so far, the latest finished and the latest that succeeded (by start number):
    /// a caller of `save_now` knows whether a save that began after its call has stored its state.
    saves_started: StoredValue<u64>,
    save_done: StoredValue<u64>,
    save_ok: StoredValue<u64>,
    channel: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
    /// Reads of the list started so far (`refresh_list`).
    list_asked: StoredValue<u64>,
    /// The lines this tab saved ([`Self::list_saved`]) since the latest read of the list
    /// began: newer than what that read finds, they are put over it.
    saved_while_listing: StoredValue<Vec<DraftMeta>>,
    /// The name of the draft that would have opened, when what was typed before the drafts
    /// opened became a draft of its own instead (set once, at the start).
    pub typed_apart: RwSignal<Option<String>>,
    /// What to say of a tab's unsaved changes kept as a draft of their own beside another tab's
    /// later save ([`Self::keep_as_copy`]): said once, as news (tryout 87: it stood among the
    /// notices of data left out, headed so, for good).
    pub kept_apart: RwSignal<Option<String>>,
    /// The open draft was deleted in another tab (its message, or a save that found no record,
    /// `Saved::Gone`): nothing is saved until the person keeps it ([`Self::keep_deleted`]) or
    /// lets it go ([`Self::let_deleted_go`]). Written back unasked, it came back to life in the
    /// tab that deleted it.
    pub gone: RwSignal<bool>,
    /// The draft a run goes on for in another tab of this browser, by that tab's "run" messages
    /// ([`RUN_BEAT_MS`]): this tab shows that run's progress as that tab saves it, and runs
    /// nothing of that draft itself meanwhile ([`Self::run_elsewhere`]). Tryout 73: a run under
    /// way in one tab read as done, with its score, in the other, which could then save the part
    /// done as the whole run.
    run_elsewhere: Elsewhere,
    /// The draft whose optimization loop goes on in another tab, by its "loop" messages
    /// ([`Self::loop_elsewhere`]): this tab neither pauses nor resumes it (session 35: opening the
    /// draft in a second tab paused the loop there, and the first tab followed that save).
    loop_elsewhere: Elsewhere,
    /// What this tab does with a draft, for its messages to the other tabs
    /// ([`Self::say_while_busy`]): each gives the id of the draft it works on, if any.
    busy_here: StoredValue<Vec<(Busy, BusyWith)>, LocalStorage>,
    /// What each save writes in place of the open draft, when a job of this tab says
    /// ([`Self::keep_as`]).
    kept_as: StoredValue<Vec<KeptAs>, LocalStorage>,
    /// What this tab does when another tab asks it to pause or cancel the loop it runs on a
    /// draft ([`Self::on_loop_order`]); given the draft's id.
    loop_orders: StoredValue<Option<LoopOrders>, LocalStorage>,
}

/// [`Library::on_loop_order`]'s handler: the draft's id and what is asked.
type LoopOrders = Rc<dyn Fn(&str, LoopOrder)>;

/// What another tab asks of the optimization loop this tab runs ([`Library::ask_loop_tab`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopOrder {
    Pause,
    Cancel,
}

/// The form a save writes the open draft in, when it is not the draft as it is
/// ([`Library::keep_as`]).
type KeptAs = Rc<dyn Fn(&Draft) -> Option<Draft>>;

/// Which draft (its id) a job of this tab works on now, if any ([`Library::say_while_busy`]).
type BusyWith = Rc<dyn Fn() -> Option<String>>;

impl Library {
    /// Whether the draft `id` is still the one open: the one stale-draft check every job makes
    /// before it writes what a call brought back (another draft opened meanwhile: the reply
    /// is not for the draft on screen). Untracked.
    pub fn is_open(self, id: &str) -> bool {
        self.current_id.with_untracked(|c| c == id)
    }

    pub fn provide(drafts: DraftHandle) -> Self {
        let lib = Self {
            list: RwSignal::new(Vec::new()),
            current_id: RwSignal::new(String::new()),
            status: RwSignal::new(StorageStatus::Loading),
            conflict: RwSignal::new(None),
            deleted: RwSignal::new_local(None),
            replaced_by_empty: StoredValue::new(false),
            deleting: StoredValue::new(None),
            deleted_was_open: StoredValue::new(false),
            shared: RwSignal::new(None),
            pending: RwSignal::new(false),
            damage: RwSignal::new(Vec::new()),
            unreadable_raw: RwSignal::new(Vec::new()),
            kept_copies: RwSignal::new(Vec::new()),
            copy_blocks: RwSignal::new(None),
            unreadable_results: RwSignal::new(Vec::new()),
            reported: StoredValue::new(SortedSet::new()),
            drafts,
            store: StoredValue::new_local(None),
            base_rev: StoredValue::new(None),
            last_saved: StoredValue::new(Draft::default()),
            autosave: StoredValue::new(Autosave::default()),
            saving: StoredValue::new(false),
            save_again: StoredValue::new(false),
            saves_started: StoredValue::new(0),
            save_done: StoredValue::new(0),
            save_ok: StoredValue::new(0),
            channel: StoredValue::new_local(None),
            list_asked: StoredValue::new(0),
            saved_while_listing: StoredValue::new(Vec::new()),
            typed_apart: RwSignal::new(None),
            kept_apart: RwSignal::new(None),
            gone: RwSignal::new(false),
            run_elsewhere: Elsewhere::new(),
            loop_elsewhere: Elsewhere::new(),
            busy_here: StoredValue::new_local(Vec::new()),
            kept_as: StoredValue::new_local(Vec::new()),
            loop_orders: StoredValue::new_local(None),
        };
        provide_context(lib);
        lib.open_link_from_url();
        lib.listen_for_links();
        lib.flush_when_hidden();
        lib.beat();
        // A run or loop going on in another tab is over (it said so, or went quiet: closed,
        // crashed): this tab reads the draft as stored now. A closing tab's last save can land
        // without its message (tryout 76: the tab that took the run over met a conflict with
        // it, "Both tabs changed it", and its answers waited on the person's choice).
        crate::state::reactive::effect(move |was: Option<bool>| {
            let now = lib.run_elsewhere() || lib.loop_elsewhere();
            if was == Some(true) && !now {
                let id = lib.current_id.get_untracked();
                leptos::task::spawn_local(async move {
                    crate::net::sleep(300).await;
                    // Nothing of this tab's own to keep: no change, no job on the draft.
                    let free = || {
                        lib.is_open(&id)
                            && !lib.busy_here_on(&id, None)
                            && !lib.pending.get_untracked()
                            && !lib.unsaved_here()
                    };
                    if !free() {
                        return;
                    }
                    // Asked again after the read: a run started here meanwhile keeps its state.
                    if let Some(r) = lib.fetch(&id).await
                        && Some(r.rev) > lib.base_rev.get_value()
                        && free()
                    {
                        lib.load_record(r);
                    }
                });
            }
            now
        });
        // Each draft opened asks the other tabs what goes on for it there (`WHO`).
        crate::state::reactive::effect(move |_| {
            let id = lib.current_id.get();
            if !id.is_empty() {
                lib.post(&format!("{id} {WHO}"));
            }
        });
        leptos::task::spawn_local(async move { lib.start().await });
        // Save shortly after each change of the current draft.
        crate::state::reactive::effect(move |_| {
            // A new version, and every step of the optimizer (started, a new phase, a new
            // candidate, stopped), are saved at once: a reload right after must find them.
            let milestone = |d: &Draft| {
                d.optimizer.as_ref().map(|o| {
                    (
                        o.phase,
                        o.candidates.len(),
                        o.stop,
                        o.paused,
                        o.rounds.len(),
                    )
                })
            };
            let (unchanged, new_version) = drafts.draft.with(|d| {
                lib.last_saved.with_value(|s| {
                    (
                        s == d,
                        s.versions.len() != d.versions.len() || milestone(s) != milestone(d),
                    )
                })
            });
            if lib.status.get_untracked() == StorageStatus::Loading || unchanged {
                return;
            }
            lib.pending.set(true);
            let now = js_sys::Date::now();
            let Some(wait) = lib
                .autosave
                .try_update_value(|a| a.changed(now, new_version))
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                crate::net::sleep(wait.ms).await;
                // While the draft's run or loop goes on in another tab, that tab writes it
                // every moment: a change here waits for it to end (tryout 75: a thumbs-up or a
                // typed idea here, saved mid-run, replaced the record the running tab writes,
                // and it lost its run). The other tab's next save then asks here which to keep.
                while lib.run_elsewhere_untracked() || lib.loop_elsewhere_untracked() {
                    crate::net::sleep(500).await;
                }
                if lib.autosave.try_with_value(|a| a.due(wait.ticket)) == Some(true) {
                    lib.save_now(false).await;
                }
            });
        });
        lib
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Shows messages about kept data that could not be read; each message once per page load.
    pub fn report(self, messages: impl IntoIterator<Item = String>) {
        let fresh: Vec<String> = messages
            .into_iter()
            .filter(|m| self.reported.try_update_value(|r| r.insert(m.clone())) == Some(true))
            .collect();
        if !fresh.is_empty() {
            self.damage.update(|d| d.extend(fresh));
        }
    }

    /// Names the parts left out of a draft, with the draft's name (`Draft::display_name`).
    fn report_lost(self, name: &str, lost: &[Lost]) {
        self.report(
            lost.iter()
                .map(|l| format!("In \u{201c}{name}\u{201d}: {l}")),
        );
    }

    /// Offers a record read with something left out for download as it was stored, and says
    /// when copies kept so by earlier saves exist (one download per draft, holding every copy
    /// and the record as stored now).
    fn keep_copy(self, r: &Record) {
        let name = r.draft.display_name();
        if !r.copies.is_empty() {
            self.report([format!(
                "In \u{201c}{name}\u{201d}: a copy of this draft as it was stored before parts of it were left out is kept in this browser: download it (Import\u{2026} in Drafts reads it back, with all that reads) and delete the copy once you have it."
            )]);
        }
        // Every copy kept, and the record as it is stored now when something of it did not
        // read: one in the file as it is, several as one JSON object by where each was kept.
        let mut pieces: Vec<(String, String)> = r.copies.clone();
        if let Some(now) = &r.as_stored {
            pieces.push(("as stored now".to_owned(), now.clone()));
        }
        self.offer_copy(&r.id, name, &pieces, !r.copies.is_empty());
    }

    /// Offers `pieces` (where each was kept, its text) of draft `id` for download as one file:
    /// one piece as it is, several as one JSON object by where each was kept (nothing for
    /// none); `stored`: a copy is in storage, so it can be deleted ([`KeptCopy::stored`]).
    fn offer_copy(self, id: &str, name: String, pieces: &[(String, String)], stored: bool) {
        let text = match pieces {
            [] => return,
            [(_, one)] => one.clone(),
            many => serde_json::Value::Object(
                many.iter()
                    .map(|(k, t)| (k.clone(), serde_json::Value::from(t.as_str())))
                    .collect(),
            )
            .to_string(),
        };
        let copy = KeptCopy {
            id: id.to_owned(),
            name,
            text,
            stored,
        };
        self.kept_copies
            .update(|v| match v.iter_mut().find(|c| c.id == copy.id) {
                Some(c) => *c = copy,
                None => v.push(copy),
            });
    }

    /// Whether draft `id` was read with something left out, or has a copy kept as stored: an
    /// empty-looking draft of that kind is not deleted as empty (what did not read is still
    /// there).
    fn keeps_copy(self, id: &str) -> bool {
        self.kept_copies
            .with_untracked(|v| v.iter().any(|c| c.id == id))
    }

    /// Deletes the copies kept of draft `id` as it was stored, and stops offering it.
    pub fn delete_copies(self, id: String) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match store.delete_copies(&id).await {
                Ok(()) => {
                    // The message saying it is kept goes with it (tryout 96: it stayed).
                    let name = self
                        .kept_copies
                        .with_untracked(|v| v.iter().find(|c| c.id == id).map(|c| c.name.clone()));
                    if let Some(name) = name {
                        let said = format!("In \u{201c}{name}\u{201d}: a copy of this draft");
                        // (A deleted draft's copy is said another way: `keep_orphan`.)
                        let orphan = format!("A copy of \u{201c}{name}\u{201d} as it was stored");
                        self.damage.update(|d| {
                            d.retain(|m| !m.starts_with(&said) && !m.starts_with(&orphan))
                        });
                    }
                    self.kept_copies.update(|v| v.retain(|c| c.id != id));
                }
                Err(e) => self.report([format!(
                    "The kept copy could not be deleted: {}",
                    e.message()
                )]),
            }
        });
    }

    /// Offers the unreadable records' text for download (each once, by record id).
    fn keep_raw(self, records: &[crate::net::store::Unreadable]) {
        let fresh: Vec<(String, String)> = records
            .iter()
            .filter(|u| !u.raw.is_empty())
            .filter(|u| {
                self.unreadable_raw
                    .with_untracked(|v| !v.iter().any(|(id, _)| *id == u.id))
            })
            .map(|u| (u.id.clone(), u.raw.clone()))
            .collect();
        if !fresh.is_empty() {
            self.unreadable_raw.update(|v| v.extend(fresh));
        }
    }

    /// Hides the messages about unreadable data.
    pub fn dismiss_damage(self) {
        self.damage.set(Vec::new());
    }

    async fn start(self) {
        // An older app's tab holding the database makes the open wait for it: said meanwhile,
        // and what is done in this tab is saved when that tab goes (tryout 73: the page said
        // to reload, and the reload lost it).
        let blocked = Rc::new(std::cell::Cell::new(false));
        let on_blocked = {
            let blocked = blocked.clone();
            move || {
                blocked.set(true);
                self.status.set(StorageStatus::Failing(
                    StoreError::OlderTab(String::new()).message(),
                ));
            }
        };
        match DraftStore::open(on_blocked).await {
            Ok(store) => {
                if blocked.get() {
                    self.status.set(StorageStatus::Loading);
                }
                self.store.set_value(Some(Rc::new(store)));
            }
            Err(e) => {
                self.status.set(StorageStatus::Failing(e.message()));
                // Keep working in memory.
                return;
            }
        }
        self.listen_to_other_tabs();
        let mut records = self.listing().await.unwrap_or_default();
        crate::domain::order::sort_by(&mut records, |a, b| b.updated_ms.total_cmp(&a.updated_ms));
        // The page takes input from its first frame, before the drafts have opened: what was
        // typed meanwhile is kept as a draft of its own and stays open (the stored draft
        // loaded over it, and a first visit's typing during the first save was lost: the
        // snapshot taken before that save was loaded back over it). A draft added meanwhile
        // (Save as my draft, New draft, an import) is open already and is no typing.
        // (Also a draft opened while an older tab held the database: never stored yet.)
        let written = (self.current_id.with_untracked(String::is_empty) || blocked.get())
            && self
                .drafts
                .draft
                .with_untracked(|d| !(d.name.is_empty() && wire::holds_nothing(d)));
        if records.is_empty() || written {
            // First run: what is in memory becomes the first draft.
            let first = self.drafts.draft.get_untracked();
            // The draft that would have opened: its copy kept unsaved by a reload goes into it
            // now (it would have been taken back had it opened), and an empty, unnamed one gives
            // way to the typed draft (as `add` does) rather than stay as "Untitled prompt".
            let passed_over = (!records.is_empty()).then(|| {
                let wanted = prefs::load(CURRENT_KEY);
                records
                    .iter()
                    .find(|r| Some(&r.id) == wanted.as_ref())
                    .unwrap_or(&records[0])
                    .clone()
            });
            let mut give_way = None;
            // Its name as stored now (the kept copy's, when one went in: tryout 69, the toast
            // named the draft by its idea before the last edits).
            let mut passed_name = passed_over.as_ref().map(|p| p.draft.display_name());
            if let Some(p) = &passed_over {
                match self.keep_unsaved_in(p).await {
                    Some(kept) => passed_name = Some(kept.display_name()),
                    // Not one read with something left out: what did not read is still stored.
                    None if p.draft.name.is_empty()
                        && wire::holds_nothing(&p.draft)
                        && p.as_stored.is_none()
                        && p.copies.is_empty() =>
                    {
                        give_way = Some(p.id.clone());
                    }
                    None => {}
                }
            }
            let rec = Record::new(&new_id(), 1, &first);
            let mut rev = None;
            if let Some(store) = self.store.get_value() {
                match store.save(rec.clone(), None).await {
                    Ok(Saved::Ok(r)) => rev = Some(r),
                    // (A new id: never stored, so never another tab's nor deleted.)
                    Ok(Saved::Conflict(_) | Saved::Gone) => {}
                    Err(e) => self.status.set(StorageStatus::Failing(e.message())),
                }
            }
            if let (Some(id), Some(store), true) =
                (&give_way, self.store.get_value(), rev.is_some())
                && store.delete(id).await.is_ok()
            {
                records.retain(|r| r.id != *id);
            } else if passed_over.is_some() {
                self.typed_apart.set(passed_name);
            }
            records.insert(0, rec.clone());
            self.list_asked.update_value(|n| *n += 1);
            self.list.set(records.iter().map(DraftMeta::of).collect());
            // A kept copy stored meanwhile (`keep_as_copy`) is not among the records read
            // before it (final read: Drafts missed it).
            if self.kept_apart.get_untracked().is_some() {
                self.refresh_list().await;
            }
            self.last_saved.set_value(first);
            self.pending.set(false);
            // A revision only when stored: a later save then expects the record to be there.
            self.base_rev.set_value(rev);
            self.current_id.set(rec.id.clone());
            prefs::save(CURRENT_KEY, &rec.id);
            if let Some(rev) = rev {
                self.announce(&rec.id, rev);
            }
            if self.status.get_untracked() == StorageStatus::Loading {
                self.status.set(StorageStatus::Ready);
            }
            // What was typed during that save is saved now (autosave heard none of it).
            if self
                .drafts
                .draft
                .with_untracked(|d| self.last_saved.with_value(|s| s != d))
            {
                self.pending.set(true);
                self.save_now(false).await;
            }
            return;
        }
        self.list_asked.update_value(|n| *n += 1);
        self.list.set(records.iter().map(DraftMeta::of).collect());
        let wanted = prefs::load(CURRENT_KEY);
        let pick = records
            .iter()
            .find(|r| Some(&r.id) == wanted.as_ref())
            .unwrap_or(&records[0])
            .clone();
        // The copy a leaving tab kept belongs to another draft than the one opening here (two
        // tabs, the other one opened last): it goes into that draft's record, not away
        // (session 38: what that tab had not saved was lost).
        // Each tab that went away keeps its own draft's copy (session 43: one copy for all lost
        // the changes of every tab but the last).
        let kept_for: Vec<String> = kept_unsaved_ids()
            .into_iter()
            .filter(|k| *k != pick.id)
            .collect();
        self.load_record(pick);
        let mut written = false;
        for k in kept_for {
            match records.iter().find(|r| r.id == k).cloned() {
                Some(other) => written |= self.keep_unsaved_in(&other).await.is_some(),
                // Its draft is gone (deleted in another tab): nothing to keep it in.
                None => forget_unsaved(&k),
            }
        }
        if written {
            self.refresh_list().await;
        }
        self.restore_unsaved();
        if self.status.get_untracked() == StorageStatus::Loading {
            self.status.set(StorageStatus::Ready);
        }
    }

    async fn all(self) -> Result<Listing, StoreError> {
        match self.store.get_value() {
            Some(s) => s.all().await,
            None => Err(StoreError::Unavailable(String::new())),
        }
    }

    /// The records that open; the ones that cannot be read at all are reported.
    async fn listing(self) -> Result<Vec<Record>, StoreError> {
        let l = self.all().await?;
        self.report(l.unreadable.iter().map(|u| u.message()));
        self.keep_raw(&l.unreadable);
        for r in &l.records {
            self.keep_copy(r);
        }
        for (id, copies) in &l.orphans {
            self.keep_orphan(id, copies);
        }
        Ok(l.records)
    }

    /// Offers the copies kept as stored of a draft that is no longer stored (a tab of an
    /// earlier build deleted it without them: session 47's notes), with their download and
    /// "Delete the kept copy", named by the draft they hold when it reads.
    fn keep_orphan(self, id: &str, copies: &[(String, String)]) {
        let name = copies
            .iter()
            .find_map(|(_, text)| {
                crate::domain::wire::parse_import(text)
                    .ok()?
                    .drafts
                    .first()
                    .map(|d| d.draft.display_name())
            })
            .unwrap_or_else(|| id.to_owned());
        self.report([format!(
            "A copy of \u{201c}{name}\u{201d} as it was stored before parts of it were left out is kept in this browser, though the draft itself was deleted (by a tab of an earlier version of Promptwright): download it (Import\u{2026} in Drafts reads it back, with all that reads) and delete the copy once you have it."
        )]);
        self.offer_copy(id, name, copies, true);
    }

    /// One record, with what was left out of it reported; one that cannot be read at all is
    /// reported and reads as none.
    async fn fetch(self, id: &str) -> Option<Record> {
        let store = self.store.get_value()?;
        match store.get(id).await {
            Ok(Some(Ok(r))) => {
                self.report_lost(&r.draft.display_name(), &r.lost);
                self.keep_copy(&r);
                Some(r)
            }
            Ok(Some(Err(u))) => {
                self.report([u.message()]);
                self.keep_raw(std::slice::from_ref(&u));
                None
            }
            Ok(None) | Err(_) => None,
        }
    }

    fn load_record(self, r: Record) {
        // A job started while the draft was being saved ends too (helper-55): it was for the
        // draft leaving, still the open one here.
        let current = self.current_id.get_untracked();
        if !current.is_empty() && current != r.id {
            self.drafts.before_switching();
        }
        self.report_lost(&r.draft.display_name(), &r.lost);
        let lost_results: Vec<(String, u32, u32)> = r
            .lost
            .iter()
            .filter_map(|l| match l {
                Lost::Result {
                    version: Some(v),
                    case: Some(c),
                    model: None,
                    ..
                } => Some((r.id.clone(), *v, *c)),
                _ => None,
            })
            .collect();
        if !lost_results.is_empty() {
            self.unreadable_results.update(|u| {
                u.retain(|(id, _, _)| *id != r.id);
                u.extend(lost_results);
            });
        }
        let draft = r.draft;
        self.last_saved.set_value(draft.clone());
        self.pending.set(false);
        self.base_rev.set_value(Some(r.rev));
        self.current_id.set(r.id.clone());
        prefs::save(CURRENT_KEY, &r.id);
        self.conflict.set(None);
        self.gone.set(false);
        self.drafts.set(draft);
    }

    /// Reads the list again. Only the latest of overlapping reads is shown: an earlier one
    /// that ends last would show the list as it was before the later save.
    async fn refresh_list(self) {
        let Some(asked) = self.list_asked.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        self.saved_while_listing.set_value(Vec::new());
        if let Ok(mut records) = self.listing().await {
            if self.list_asked.try_get_value() != Some(asked) {
                return;
            }
            crate::domain::order::sort_by(&mut records, |a, b| {
                b.updated_ms.total_cmp(&a.updated_ms)
            });
            let mut list: Vec<DraftMeta> = records.iter().map(DraftMeta::of).collect();
            for meta in self.saved_while_listing.get_value() {
                put_in_place(&mut list, meta);
            }
            self.list.set(list);
        }
    }

    /// Puts the line of a draft this tab just saved into the list, in its place by time: what
    /// reading every draft back would show, without reading them (a save during a run read and
    /// parsed the whole database to refresh one line). A listing under way puts it over what it
    /// read (session 37: it was dropped as an older read, and a copy it had found, opened while
    /// the source's save ended, never reached the list).
    fn list_saved(self, meta: DraftMeta) {
        self.saved_while_listing
            .update_value(|v| put_in_place(v, meta.clone()));
        self.list.update(|l| put_in_place(l, meta));
    }

    /// Saves the current draft now; `true` when the draft as it is at this call is stored (by
    /// this save or a later one). `force` overwrites another tab's newer version. Saves never
    /// overlap (two at once would each expect the same revision and see the other as a
    /// conflict): a save asked for while one runs happens right after it, and this waits for it.
    pub async fn save_now(self, force: bool) -> bool {
        // The first save that starts after this call holds everything in memory now.
        let need = self.saves_started.get_value() + 1;
        if self.saving.get_value() {
            self.save_again.set_value(true);
            while self.save_done.get_value() < need && self.saving.get_value() {
                crate::net::sleep(20).await;
            }
            return self.save_ok.get_value() >= need;
        }
        self.saving.set_value(true);
        loop {
            self.save_again.set_value(false);
            let n = self.saves_started.get_value() + 1;
            self.saves_started.set_value(n);
            let ok = self.save_once(force).await;
            self.save_done.set_value(n);
            if ok {
                self.save_ok.set_value(n);
            }
            if !self.save_again.get_value() {
                break;
            }
        }
        self.saving.set_value(false);
        self.save_ok.get_value() >= need
    }

    /// Saves the open draft when it has changes not yet stored (edits within the autosave wait,
    /// what a job wrote as it ended): before another draft replaces it, so nothing is lost and
    /// an unchanged draft's time does not move.
    /// Whether the open draft has changes not yet stored: keys still being typed into a section,
    /// or a draft that differs from the one last saved or read. Untracked.
    fn unsaved_here(self) -> bool {
        self.drafts.keystrokes_pending()
            || self
                .drafts
                .draft
                .with_untracked(|d| self.last_saved.with_value(|s| s != d))
    }

    async fn save_if_unsaved(self) {
        let unsaved = self
            .drafts
            .draft
            .with_untracked(|d| self.last_saved.with_value(|s| s != d));
        if self.pending.get_untracked() || unsaved {
            self.save_now(false).await;
        }
    }

    async fn save_once(self, force: bool) -> bool {
        self.autosave.update_value(Autosave::saving);
        let Some(store) = self.store.get_value() else {
            return false;
        };
        let id = self.current_id.get_untracked();
        if id.is_empty() {
            return false;
        }
        // The draft being deleted is not written back: what it held is kept for Undo.
        if self.deleting.with_value(|d| d.as_ref() == Some(&id)) {
            return true;
        }
        // Deleted in another tab: written back only when the person keeps it.
        if self.gone.get_untracked() {
            return false;
        }
        let draft = self.drafts.draft.get_untracked();
        // Nothing changed since it was last written or read (an export's save, a draft that
        // follows another tab's): nothing to write, and its time does not move (tryout 75: an
        // export in a tab following a run wrote that tab's copy over the running tab's).
        if !force
            && self.base_rev.get_value().is_some()
            && self.last_saved.with_value(|s| *s == draft)
        {
            self.pending.set(false);
            return true;
        }
        let expected = if force {
            None
        } else {
            self.base_rev.get_value()
        };
        let kept = self
            .kept_as
            .with_value(|k| k.iter().find_map(|f| f(&draft)));
        let rec = Record::new(&id, 0, kept.as_ref().unwrap_or(&draft));
        let meta = DraftMeta::of(&rec);
        let saved = store.save(rec, expected).await;
        // Another draft opened while this one was written (a switch, a copy, an import): what
        // the save says belongs to the draft it wrote, not to the one open now (session 37: a
        // save of the source ending after Duplicate opened the copy gave the copy the source's
        // revision, and the copy's next save read as a conflict with another tab).
        if self.current_id.get_untracked() != id {
            match saved {
                Ok(Saved::Ok(rev)) => {
                    self.announce(&id, rev);
                    self.list_saved(meta);
                    return true;
                }
                Ok(Saved::Conflict(theirs)) => self.report(std::iter::once(format!(
                    "The last changes to \u{201c}{}\u{201d} were not saved: another tab changed it at the same moment. Its version is kept.",
                    theirs.draft.display_name()
                ))),
                Ok(Saved::Gone) => self.refresh_list().await,
                Err(e) => self.status.set(StorageStatus::Failing(e.message())),
            }
            return false;
        }
        match saved {
            Ok(Saved::Ok(rev)) => {
                self.base_rev.set_value(Some(rev));
                let still_same = self.drafts.draft.with_untracked(|d| *d == draft);
                self.last_saved.set_value(draft);
                if still_same {
                    self.pending.set(false);
                }
                self.status.set(StorageStatus::Ready);
                if self.copy_blocks.get_untracked().is_some() {
                    self.copy_blocks.set(None);
                }
                self.announce(&id, rev);
                self.list_saved(meta);
                true
            }
            Ok(Saved::Conflict(theirs)) => {
                self.report_lost(&theirs.draft.display_name(), &theirs.lost);
                self.conflict.set(Some(theirs.draft));
                false
            }
            Ok(Saved::Gone) => {
                self.mark_gone();
                self.refresh_list().await;
                false
            }
            Err(e) => {
                let waiting = store
                    .copy_waiting(&id)
                    .filter(|_| matches!(e, StoreError::Full(_)));
                let message = match waiting {
                    Some(len) => {
                        let kb = len.div_ceil(1024);
                        self.copy_blocks.set(Some((id, kb)));
                        format!(
                            "{} This save also keeps a copy of this draft as it was stored (about {kb} KB: it opened with parts left out, and the copy holds them), which may be what storage has no room for: download that copy, then save without keeping it, or delete old drafts.",
                            e.message()
                        )
                    }
                    None => {
                        // Another cause, or no copy waits: nothing to offer for one (the review
                        // of session 48: the buttons stayed from an earlier failure).
                        if self.copy_blocks.get_untracked().is_some() {
                            self.copy_blocks.set(None);
                        }
                        e.message()
                    }
                };
                self.status.set(StorageStatus::Failing(message));
                false
            }
        }
    }

    /// Gives up the copy of draft `id` as it was stored that the full storage had no room for
    /// ([`Library::copy_blocks`]) and saves the open draft without it: what did not read is
    /// then written over (the page says to download the copy first).
    pub fn save_without_copy(self, id: String) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        store.drop_waiting_copy(&id);
        // Offered no more unless a copy is stored already (that one stays, with its download).
        self.kept_copies
            .update(|v| v.retain(|c| c.id != id || c.stored));
        self.copy_blocks.set(None);
        leptos::task::spawn_local(async move {
            self.save_now(false).await;
        });
    }

    /// The open draft was deleted in another tab: that question replaces a conflict with the
    /// other tab's version (there is no version left to take; tryout 73: both were asked, and
    /// "Use the other tab's version" did nothing).
    fn mark_gone(self) {
        self.conflict.set(None);
        self.gone.set(true);
    }

    fn announce(self, id: &str, rev: u64) {
        self.post(&format!("{id} {rev}"));
    }

    /// Tells the other tabs that draft `id` was deleted (one open there stops saving and asks).
    fn announce_deleted(self, id: &str) {
        self.post(&format!("{id} {DELETED}"));
    }

    /// Whether a run of the open draft goes on in another tab of this browser (it said so less
    /// than 5 s ago and has not said it ended). Tracked.
    pub fn run_elsewhere(self) -> bool {
        self.goes_on(self.run_elsewhere, Busy::Run)
    }

    /// [`Self::run_elsewhere`], untracked.
    pub fn run_elsewhere_untracked(self) -> bool {
        leptos::prelude::untrack(|| self.run_elsewhere())
    }

    /// Whether the open draft's optimization loop goes on in another tab of this browser, as
    /// [`Self::run_elsewhere`] for runs. Tracked.
    pub fn loop_elsewhere(self) -> bool {
        self.goes_on(self.loop_elsewhere, Busy::Loop)
    }

    /// [`Self::loop_elsewhere`], untracked.
    pub fn loop_elsewhere_untracked(self) -> bool {
        leptos::prelude::untrack(|| self.loop_elsewhere())
    }

    /// Whether `e` holds the open draft and this tab does not run that kind of job on it itself
    /// (a tab running the draft hears the others only once it stops: tryout 75, a tab running
    /// a draft said its own run was "still to come from the other tab" when a second tab ran it
    /// too).
    fn goes_on(self, e: Elsewhere, kind: Busy) -> bool {
        let id = self.current_id.get();
        e.has(&id) && !untrack(|| self.busy_here_on(&id, Some(kind)))
    }

    /// Whether a job of this tab (of `kind`, or any) works on draft `id` now. Untracked.
    fn busy_here_on(self, id: &str, kind: Option<Busy>) -> bool {
        self.busy_here
            .try_with_value(|b| {
                b.iter()
                    .filter(|(k, _)| kind.is_none_or(|kind| *k == kind))
                    .any(|(_, on)| on().as_deref() == Some(id))
            })
            .unwrap_or(false)
    }

    /// Has this tab tell the other tabs, every [`RUN_BEAT_MS`], which draft `busy` says a job of
    /// `kind` goes on for here, and "ran" when nothing goes on for a draft it named any more.
    pub fn say_while_busy(self, kind: Busy, busy: impl Fn() -> Option<String> + 'static) {
        self.busy_here
            .update_value(|b| b.push((kind, Rc::new(busy))));
    }

    /// Has each save of the open draft write what `kept` makes of it, when it makes something
    /// (the draft itself stays as it is): a run going on writes its record as the page going
    /// away would leave it (`state::runner`), so a tab gone without a word (closed before its
    /// last save, a crash) leaves its answers under way read as stopped while answering, which
    /// may be billed, not as never sent (tryout 75).
    pub fn keep_as(self, kept: impl Fn(&Draft) -> Option<Draft> + 'static) {
        self.kept_as.update_value(|k| k.push(Rc::new(kept)));
    }

    /// Asks the tab that runs the open draft's optimization loop ([`Self::loop_elsewhere`]) to
    /// pause or cancel it: this tab spends nothing of it, so a Pause or Cancel pressed here is
    /// carried out there, and shows here as that tab saves it (session 38: pressed in the tab
    /// that showed the loop, they changed only that tab's copy while the loop went on spending).
    pub fn ask_loop_tab(self, order: LoopOrder) {
        let id = self.current_id.get_untracked();
        let word = match order {
            LoopOrder::Pause => PAUSE_LOOP,
            LoopOrder::Cancel => CANCEL_LOOP,
        };
        self.post(&format!("{id} {word}"));
    }

    /// What to do when another tab asks, by [`Self::ask_loop_tab`], to pause or cancel the
    /// loop of a draft; called only while a loop of that draft runs in this tab.
    pub fn on_loop_order(self, f: impl Fn(&str, LoopOrder) + 'static) {
        self.loop_orders.set_value(Some(Rc::new(f)));
    }

    /// Another tab opened draft `id` and asks what goes on for it here.
    fn answer_who(self, id: &str) {
        for (kind, word) in [(Busy::Run, RUN), (Busy::Loop, LOOP)] {
            if self.busy_here_on(id, Some(kind)) {
                self.post(&format!("{id} {word}"));
            }
        }
    }

    /// The messages of [`Self::say_while_busy`], every [`RUN_BEAT_MS`] for the page's life.
    fn beat(self) {
        leptos::task::spawn_local(async move {
            let mut said: Vec<String> = Vec::new();
            loop {
                crate::net::sleep(RUN_BEAT_MS).await;
                let Some(now) = self.busy_here.try_with_value(|b| {
                    b.iter()
                        .filter_map(|(kind, on)| on().map(|id| (*kind, id)))
                        .collect::<Vec<_>>()
                }) else {
                    return;
                };
                for (kind, id) in &now {
                    let word = if *kind == Busy::Run { RUN } else { LOOP };
                    self.post(&format!("{id} {word}"));
                }
                for id in said.iter().filter(|id| !now.iter().any(|(_, n)| n == *id)) {
                    self.post(&format!("{id} {RAN}"));
                }
                said = now.into_iter().map(|(_, id)| id).collect();
                said.dedup();
            }
        });
    }

    fn post(self, message: &str) {
        if let Some(ch) = self.channel.get_value() {
            let _ = ch.post_message(&wasm_bindgen::JsValue::from_str(message));
        }
    }

    fn listen_to_other_tabs(self) {
        let Ok(ch) = web_sys::BroadcastChannel::new(CHANNEL) else {
            return;
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                let Some((id, rev)) = text.split_once(' ') else {
                    return;
                };
                let id = id.to_owned();
                match rev {
                    WHO => return self.answer_who(&id),
                    PAUSE_LOOP | CANCEL_LOOP => {
                        let order = if rev == PAUSE_LOOP {
                            LoopOrder::Pause
                        } else {
                            LoopOrder::Cancel
                        };
                        if self.busy_here_on(&id, Some(Busy::Loop))
                            && let Some(f) = self.loop_orders.get_value()
                        {
                            f(&id, order);
                        }
                        return;
                    }
                    RUN => return self.run_elsewhere.heard(id, true),
                    LOOP => return self.loop_elsewhere.heard(id, true),
                    RAN => {
                        self.run_elsewhere.heard(id.clone(), false);
                        return self.loop_elsewhere.heard(id, false);
                    }
                    _ => {}
                }
                if rev == DELETED {
                    leptos::task::spawn_local(async move {
                        self.refresh_list().await;
                        if id == self.current_id.get_untracked() {
                            self.mark_gone();
                        }
                    });
                    return;
                }
                let rev: u64 = rev.parse().unwrap_or(0);
                leptos::task::spawn_local(async move {
                    self.refresh_list().await;
                    if id != self.current_id.get_untracked()
                        || Some(rev) <= self.base_rev.get_value()
                    {
                        return;
                    }
                    let Some(theirs) = self.fetch(&id).await else {
                        return;
                    };
                    // Text typed a moment ago may not be in the draft yet: give it the moment to
                    // arrive, and while keys are still being typed count them as unsaved (tryout:
                    // a quick edit in each of two tabs lost this tab's).
                    for _ in 0..8 {
                        if !self.drafts.keystrokes_pending() {
                            break;
                        }
                        crate::net::sleep(100).await;
                    }
                    if id != self.current_id.get_untracked() {
                        return;
                    }
                    let unsaved = self.unsaved_here();
                    // A run or a loop of this draft going on here keeps its state in memory:
                    // loading the other tab's over it would lose it (tryout 75: the running tab
                    // then read its own cases as never sent), so the person is asked.
                    let busy = self.busy_here_on(&id, None);
                    if !unsaved && !busy {
                        // Nothing unsaved here: follow the other tab.
                        self.load_record(theirs);
                    } else if !self.gone.get_untracked() {
                        self.conflict.set(Some(theirs.draft));
                    }
                });
            });
        ch.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        self.channel.set_value(Some(ch));
    }

    /// The open draft was deleted in another tab ([`Self::gone`]) and the person keeps it: it
    /// is stored again, as it is here, under its own id.
    pub fn keep_deleted(self) {
        self.gone.set(false);
        self.base_rev.set_value(None);
        leptos::task::spawn_local(async move {
            self.save_now(true).await;
        });
    }

    /// The open draft was deleted in another tab and the person lets it go: the latest draft
    /// left opens (a new one when none is), and nothing of this one is written back.
    pub fn let_deleted_go(self) {
        leptos::task::spawn_local(async move {
            let rest = self.listing().await.unwrap_or_default();
            let current = self.current_id.get_untracked();
            match rest
                .into_iter()
                .filter(|r| r.id != current)
                .max_by(|a, b| a.updated_ms.total_cmp(&b.updated_ms))
            {
                Some(next) => {
                    self.drafts.before_switching();
                    self.load_record(next);
                }
                // `add` saves the open draft first: still `gone`, it is not written.
                None => {
                    self.add_now(Draft::default()).await;
                    self.gone.set(false);
                }
            }
            self.refresh_list().await;
        });
    }

    /// Conflict: take the other tab's version (ours is dropped).
    pub fn take_theirs(self) {
        let id = self.current_id.get_untracked();
        leptos::task::spawn_local(async move {
            if let Some(r) = self.fetch(&id).await {
                self.load_record(r);
            }
        });
    }

    /// Conflict: keep ours, overwriting the other tab's version.
    pub fn keep_mine(self) {
        self.conflict.set(None);
        leptos::task::spawn_local(async move {
            self.save_now(true).await;
        });
    }

    /// Conflict: keep both: ours becomes a new draft named with [`KEPT_COPY`] after its name (its
    /// optimization loop paused), the original follows the other tab.
    pub fn keep_both(self) {
        // The jobs end first, so what they keep goes into the copy kept as ours.
        self.drafts.before_switching();
        let mut mine = self.drafts.draft.get_untracked();
        // A name true in every tab and later ("this tab" was not, read anywhere else).
        mine.name = format!("{}{KEPT_COPY}", mine.name);
        self.take_theirs();
        self.add(mine);
    }

    /// Adds a draft as a new record and opens it. Every new record is a copy or a new draft: an
    /// optimization loop in it arrives paused, so a copy never spends until the person resumes it.
    pub fn add(self, mut draft: Draft) {
        self.ready_to_add(&mut draft);
        leptos::task::spawn_local(self.open_added(draft));
    }

    /// [`Self::add`], done when the draft added is open.
    async fn add_now(self, mut draft: Draft) {
        self.ready_to_add(&mut draft);
        self.open_added(draft).await;
    }

    /// What [`Self::add`] does at once: the draft added arrives paused, and the open draft's
    /// jobs end first, for it (`DraftHandle::before_switching`).
    fn ready_to_add(self, draft: &mut Draft) {
        draft.arrive_as_copy();
        self.drafts.before_switching();
    }

    /// What [`Self::add`] then waits for: the open draft saved, the new one stored and opened.
    async fn open_added(self, draft: Draft) {
        // The open draft is saved first when it has unsaved changes (edits made within the
        // autosave wait, a run's results, what a generation stopped just now had received):
        // they are not lost, and an unchanged draft's time does not move.
        self.save_if_unsaved().await;
        // An open draft that holds nothing and was never named (a first visit's, or a New
        // draft left as it was) gives way to the one added instead of staying in the list
        // as an empty "Untitled prompt" (tryout 9: every share link opened in a fresh
        // profile left one behind).
        let left_empty = Some(self.current_id.get_untracked()).filter(|id| {
            !id.is_empty()
                && !self.keeps_copy(id)
                && self
                    .drafts
                    .draft
                    .with_untracked(|d| d.name.is_empty() && wire::holds_nothing(d))
        });
        let rec = Record::new(&new_id(), 1, &draft);
        let mut saved = false;
        if let Some(store) = self.store.get_value() {
            match store.save(rec.clone(), None).await {
                Ok(r) => {
                    saved = true;
                    // The other tabs list it now, not after its first edit.
                    if let Saved::Ok(rev) = r {
                        self.announce(&rec.id, rev);
                    }
                }
                Err(e) => self.status.set(StorageStatus::Failing(e.message())),
            }
        }
        self.load_record(rec);
        if !saved {
            // Not stored: the next save writes it, not "deleted elsewhere".
            self.base_rev.set_value(None);
        }
        if let (Some(id), Some(store), true) = (left_empty, self.store.get_value(), saved) {
            let _ = store.delete(&id).await;
        }
        self.refresh_list().await;
    }

    pub fn new_draft(self) {
        self.add(Draft::default());
    }

    /// Opens a draft from the list (the current one's jobs end, and it is saved first).
    pub fn open(self, id: String) {
        if self.is_open(&id) {
            return;
        }
        leptos::task::spawn_local(async move {
            // Read first: a draft that cannot be read opens nothing, and the open draft's jobs
            // go on (helper-55).
            let Some(r) = self.fetch(&id).await else {
                return;
            };
            self.drafts.before_switching();
            // Only what changed is saved: an unchanged draft's time does not move, so merely
            // looking at drafts does not reorder the list (helper-54).
            self.save_if_unsaved().await;
            self.load_record(r);
        });
    }

    pub fn rename(self, id: String, name: String) {
        let name = name.trim().to_owned();
        if name.is_empty() {
            return;
        }
        if id == self.current_id.get_untracked() {
            self.drafts.update(|d| d.name = name);
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(store) = self.store.get_value() else {
                return;
            };
            if let Some(mut r) = self.fetch(&id).await {
                r.draft.name = name;
                let rev = r.rev;
                let _ = store.save(r, Some(rev)).await;
                self.refresh_list().await;
            }
        });
    }

    /// Copies a draft as a new one and opens it (an optimization loop in it arrives paused).
    pub fn duplicate(self, id: String) {
        // The copy opens: the open draft's jobs end first, so the copy is taken with what they
        // left (a duplicate of the open draft included).
        self.drafts.before_switching();
        leptos::task::spawn_local(async move {
            // Only what is unsaved is written first: writing the open draft again would move its
            // time as if edited just now.
            let unsaved = self
                .drafts
                .draft
                .with_untracked(|d| self.last_saved.with_value(|s| s != d));
            if unsaved {
                self.save_now(false).await;
            }
            if let Some(r) = self.fetch(&id).await {
                let mut d = r.draft;
                d.name = copy_name(&d.display_name(), &self.names());
                self.add(d);
            }
        });
    }

    /// Deletes a draft; it can be brought back with [`undo_delete`](Self::undo_delete). The
    /// open draft's jobs end first, their notes saying it was deleted
    /// ([`DraftHandle::before_deleting`]).
    pub fn delete(self, id: String) {
        // Nothing is stopped when there is no store to delete from (helper-59: a delete that
        // could not happen had ended the open draft's jobs, their notes saying it was deleted).
        if self.store.get_value().is_none() {
            return;
        }
        let open = self.is_open(&id);
        if open {
            self.drafts.before_deleting();
        }
        leptos::task::spawn_local(async move {
            self.delete_now(id).await;
            // (Set back at once after the switch too: see `delete_now`.)
            if open {
                self.drafts.deleted();
            }
        });
    }

    async fn delete_now(self, id: String) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        self.save_now(false).await;
        // From here no save writes the open draft back (see `deleting`); one under way ends
        // first, so what Undo brings back is read after it.
        let open = id == self.current_id.get_untracked();
        if open {
            self.deleting.set_value(Some(id.clone()));
            while self.saving.get_value() {
                crate::net::sleep(20).await;
            }
        }
        let gone = async {
            let r = self.fetch(&id).await?;
            store.delete(&id).await.ok()?;
            Some(r)
        }
        .await;
        let Some(r) = gone else {
            self.deleting.set_value(None);
            return;
        };
        self.announce_deleted(&id);
        self.replaced_by_empty.set_value(false);
        let rest = self.listing().await.unwrap_or_default();
        if id == self.current_id.get_untracked() {
            match rest
                .into_iter()
                .max_by(|a, b| a.updated_ms.total_cmp(&b.updated_ms))
            {
                Some(next) => self.load_record(next),
                None => {
                    self.replaced_by_empty.set_value(true);
                    // Awaited: Undo is offered once it is open, and the draft being deleted
                    // is not saved back by its save-first (it was, when this went on alone).
                    self.add_now(Draft::default()).await;
                }
            }
            // The deleted draft's jobs have ended: leaving the draft now open (an Undo, a
            // switch) is a switch again (helper-59: during the list's refresh it read as a
            // delete).
            self.drafts.deleted();
        }
        self.deleting.set_value(None);
        // Undo is offered once the next draft is open: pressed before, this switch went on
        // after it and opened the next draft over the one brought back (a flaky e2e step).
        self.deleted_was_open.set_value(open);
        self.deleted.set(Some(r));
        self.refresh_list().await;
    }

    /// Brings back the last deleted draft, and opens it when it was the open one (another
    /// draft's comes back into the list, and the open draft's jobs go on). The empty draft that
    /// opened in its place (deleting the only draft opens a new one) goes, as it came: nothing
    /// was written in it (tryout 11, m7: after Undo the empty "Untitled prompt" stayed open and
    /// listed).
    pub fn undo_delete(self) {
        let Some(r) = self.deleted.get_untracked() else {
            return;
        };
        self.deleted.set(None);
        if !self.deleted_was_open.get_value() {
            leptos::task::spawn_local(async move {
                if let Some(store) = self.store.get_value() {
                    if let Err(e) = store.save(r, None).await {
                        self.status.set(StorageStatus::Failing(e.message()));
                    }
                }
                self.refresh_list().await;
            });
            return;
        }
        self.drafts.before_switching();
        leptos::task::spawn_local(async move {
            // What the jobs just wrote, and edits within the autosave wait, are kept (helper-55:
            // Undo opened the deleted draft without saving the open one).
            self.save_if_unsaved().await;
            let current = self.current_id.get_untracked();
            let left_empty = (self.replaced_by_empty.get_value()
                && !current.is_empty()
                && current != r.id
                && !self.keeps_copy(&current)
                && self
                    .drafts
                    .draft
                    .with_untracked(|d| d.name.is_empty() && wire::holds_nothing(d)))
            .then_some(current);
            let mut saved = false;
            if let Some(store) = self.store.get_value() {
                saved = store.save(r.clone(), None).await.is_ok();
            }
            self.load_record(r);
            if !saved {
                self.base_rev.set_value(None);
            }
            if let (Some(id), Some(store), true) = (left_empty, self.store.get_value(), saved) {
                let _ = store.delete(&id).await;
            }
            self.refresh_list().await;
        });
    }

    /// The export file for one draft (`Some(id)`) or all of them, the person's `secrets` (API
    /// keys) taken out ([`crate::domain::secrets::redact`]), and how many times one was in it.
    pub async fn export(
        self,
        id: Option<String>,
        secrets: Vec<crate::domain::provider::ApiKey>,
    ) -> Result<(String, usize), String> {
        self.save_now(false).await;
        let records = self.listing().await.unwrap_or_default();
        let current = self.current_id.get_untracked();
        // The draft on screen is exported as it is in memory: its last change may not have been
        // saved (storage full).
        let mut drafts: Vec<Draft> = records
            .into_iter()
            .filter(|r| id.as_ref().is_none_or(|i| *i == r.id))
            .map(|r| {
                if r.id == current {
                    self.drafts.draft.get_untracked()
                } else {
                    r.draft
                }
            })
            .collect();
        if drafts.is_empty() {
            // Storage unavailable: export what is in memory.
            drafts.push(self.drafts.draft.get_untracked());
        }
        let refs: Vec<&Draft> = drafts.iter().collect();
        let json =
            serde_json::to_string_pretty(&ExportV1::new(&refs)).map_err(|e| e.to_string())?;
        let secrets: Vec<&str> = secrets.iter().map(|k| k.expose()).collect();
        Ok(crate::domain::secrets::redact(&json, &secrets))
    }

    /// Imports drafts from an export file as new drafts (nothing existing is replaced, optimization
    /// loops arrive paused); returns what to tell the person. What could not be read is reported.
    pub async fn import(self, text: &str) -> Result<String, String> {
        let imported = parse_import(text)?;
        self.report(
            imported
                .unreadable
                .iter()
                .map(|(at, u)| u.import_message(*at)),
        );
        let mut left_out = !imported.unreadable.is_empty();
        let mut names = self.names();
        // Each draft under the name it will have in the list, so what the notice says was left
        // out names it as the list does (tryout 81: "Untitled prompt" beside "… (imported)").
        let drafts: Vec<Draft> = imported
            .drafts
            .into_iter()
            .map(|mut s| {
                let name = fresh_name(&s.draft.display_name(), "imported", false, &names);
                if name != s.draft.display_name() {
                    s.draft.name = name;
                }
                names.push(s.draft.display_name());
                self.report_lost(&s.draft.display_name(), &s.lost);
                left_out |= !s.lost.is_empty();
                s.draft
            })
            .collect();
        let n = drafts.len();
        let mut last = None;
        for d in drafts {
            let rec = Record::new(&new_id(), 1, &d);
            if let Some(store) = self.store.get_value()
                && let Saved::Ok(rev) = store
                    .save(rec.clone(), None)
                    .await
                    .map_err(|e| e.message())?
            {
                // Listed in the other tabs now.
                self.announce(&rec.id, rev);
            }
            last = Some(rec);
        }
        if let Some(r) = last {
            self.drafts.before_switching();
            self.save_now(false).await;
            self.load_record(r);
        }
        self.refresh_list().await;
        Ok(format!(
            "Imported {n} draft{}.{}",
            if n == 1 { "" } else { "s" },
            if left_out {
                " Not everything in the file came in: the notice on the page says what, and why."
            } else {
                ""
            }
        ))
    }

    /// Saves at once when the tab is hidden or closed, so the last change never waits on a timer.
    /// A save started as the page goes away may not finish (IndexedDB is asynchronous), so the
    /// unsaved draft is also written at once, synchronously, with the revision it was based on,
    /// as the page starts to go away ([`unsaved_key`]; `net::on_leave`: before its calls are
    /// aborted, so what their ends change is never kept); the next load that opens the draft
    /// takes it back ([`Self::restore_unsaved`]).
    fn flush_when_hidden(self) {
        // The draft whose copy this tab kept as it started to go away.
        let kept = StoredValue::new(None::<String>);
        crate::net::on_leave(move || {
            // Text typed within the editor's pause, and the calls under way, are put in first,
            // so they are kept too.
            self.drafts.before_leaving();
            let unsaved = self
                .drafts
                .draft
                .with_untracked(|d| self.last_saved.with_value(|s| s != d));
            // Kept at each of the leave's events (`beforeunload`, then `pagehide`), each time
            // as the draft is then: a field whose value reaches the draft through an effect (a
            // check's weight, committed by `before_leaving`) is in it only after the first
            // event's handler has returned (tryout 68: a weight typed, then a reload, was lost).
            if unsaved {
                kept.set_value(Some(self.current_id.get_untracked()));
                self.keep_unsaved();
            }
        });
        // The page stayed after all: the copy kept for the next load is stale from now on (it
        // would bring back what the page has moved past), and the next leave keeps a new one.
        crate::net::on_return(move || {
            if let Some(id) = kept.get_value() {
                kept.set_value(None);
                forget_unsaved(&id);
            }
        });
        let flush = Closure::<dyn FnMut()>::new(move || {
            self.drafts.flush_typing();
            let unsaved = self
                .drafts
                .draft
                .with_untracked(|d| self.last_saved.with_value(|s| s != d));
            if unsaved {
                leptos::task::spawn_local(async move {
                    self.save_now(false).await;
                });
            }
        });
        let _ =
            window().add_event_listener_with_callback("pagehide", flush.as_ref().unchecked_ref());
        let _ = document()
            .add_event_listener_with_callback("visibilitychange", flush.as_ref().unchecked_ref());
        flush.forget();
    }

    /// Writes the open draft, unsaved, at its [`unsaved_key`] (see [`Self::flush_when_hidden`]).
    /// Nothing is written for a read-only shared draft or when storage is full.
    fn keep_unsaved(self) {
        let id = self.current_id.get_untracked();
        if id.is_empty() || self.shared.with_untracked(Option::is_some) {
            return;
        }
        let rev = self.base_rev.get_value().unwrap_or(0);
        let draft = self.drafts.draft.get_untracked();
        let behind = self.conflict.with_untracked(Option::is_some);
        if let Ok(text) = Record::new(&id, rev, &draft).to_json() {
            let (key, behind_at) = (unsaved_key(&id), behind_key(&id));
            let local = crate::net::settings::save(&key, &text);
            if !local {
                crate::net::session::save(&key, &text);
            }
            match (behind, local) {
                (false, _) => {
                    crate::net::settings::remove(&behind_at);
                    crate::net::session::remove(&behind_at);
                }
                (true, true) => {
                    crate::net::settings::save(&behind_at, "1");
                }
                (true, false) => {
                    crate::net::session::save(&behind_at, "1");
                }
            }
        }
    }

    /// The copy kept by [`Self::keep_unsaved`] for draft `id` when it was based on `stored` (the
    /// revision stored now) or the one before it (the save under way as the tab went away,
    /// started before the last change, or the save the flush began, finished), with the
    /// optimization loop's state `optimizer` as stored (it is saved before each call it sends,
    /// and a reload's own accounting of calls cut off starts from that). The kept copy is used
    /// up either way.
    /// `true` beside the copy when its tab knew that another tab had saved a newer revision
    /// ([`UNSAVED_BEHIND_KEY`]) and one is stored: the copy must not go over it, whatever
    /// revision it was based on (session 42's review: a reload put it over the other tab's save,
    /// silently; one based on an older revision still was dropped).
    fn take_unsaved(
        id: &str,
        stored: u64,
        optimizer: Option<crate::domain::optimize::Optimizer>,
    ) -> Option<(Draft, bool)> {
        let own = crate::net::settings::load(&unsaved_key(id))
            .or_else(|| crate::net::session::load(&unsaved_key(id)));
        let (text, behind_at) = match own {
            Some(t) => (Some(t), behind_key(id)),
            // The single copy of a page before session 43, when it is this draft's.
            None => (
                legacy_unsaved()
                    .filter(|(kept, _)| kept == id)
                    .map(|(_, t)| t),
                UNSAVED_BEHIND_KEY.to_owned(),
            ),
        };
        let behind = crate::net::settings::load(&behind_at)
            .or_else(|| crate::net::session::load(&behind_at))
            .is_some();
        forget_unsaved(id);
        let text = text?;
        let mut kept = Record::from_json(&text)?;
        if kept.id != id {
            return None;
        }
        let behind = behind && kept.rev < stored;
        if !behind && !(kept.rev == stored || kept.rev + 1 == stored) {
            return None;
        }
        kept.draft.optimizer = optimizer;
        Some((kept.draft, behind))
    }

    /// Keeps `kept`, a tab's unsaved copy of the draft `stored` that another tab saved after,
    /// as a new draft beside it, not over it, and says so. The copy is not opened.
    async fn keep_as_copy(self, kept: Draft, stored: &Draft) {
        let name = stored.display_name();
        let mut copy = kept;
        // Named as "Keep both" names the copy it keeps, and a copy as every copy arrives: its
        // loop (the stored one, perhaps running in the other tab) paused with its calls in
        // flight released, its run's stopped calls counted in the draft they were made in
        // (final read: the other tab's loop went on charging in the copy).
        copy.name = format!("{} (kept copy)", copy.display_name());
        copy.arrive_as_copy();
        let Some(store) = self.store.get_value() else {
            return;
        };
        let rec = Record::new(&new_id(), 1, &copy);
        let meta = DraftMeta::of(&rec);
        let saved = store.save(rec, None).await;
        let Ok(Saved::Ok(rev)) = saved else {
            // The copy kept by the page is used up: say what is lost (final read).
            self.report(std::iter::once(format!(
                "Changes to \u{201c}{name}\u{201d} that were not saved before the page went away could not be kept as a draft of their own: the browser's storage refused them."
            )));
            return;
        };
        // In the list now, and after a read of it that began before (the first visit's); and
        // in the other tabs' lists (tryout 88: another tab showed it only after a reload).
        self.announce(&meta.id, rev);
        self.list_saved(meta);
        self.kept_apart.set(Some(format!(
            "Changes to \u{201c}{name}\u{201d} that were not saved before the page went away are kept as a draft of their own, \u{201c}{}\u{201d}: another tab saved the draft after them, and that save is what opens. Compare the two in Drafts.",
            copy.name
        )));
    }

    /// [`Self::restore_unsaved`] for a draft that does not open (`p`, as stored: the draft a
    /// first visit's typing passed over, or the one a leaving tab kept a copy of while this tab
    /// opens another): the copy kept for it is written into it; the draft as now stored when
    /// one was.
    async fn keep_unsaved_in(self, p: &Record) -> Option<Draft> {
        let (kept, behind) = Self::take_unsaved(&p.id, p.rev, p.draft.optimizer.clone())?;
        if kept == p.draft {
            return None;
        }
        if behind {
            self.keep_as_copy(kept, &p.draft).await;
            return None;
        }
        let store = self.store.get_value()?;
        match store.save(Record::new(&p.id, 0, &kept), Some(p.rev)).await {
            Ok(Saved::Ok(rev)) => {
                // A tab with that draft open follows (or asks).
                self.announce(&p.id, rev);
                Some(kept)
            }
            _ => None,
        }
    }

    /// Takes back the draft kept by [`Self::keep_unsaved`] when it belongs to the draft just
    /// opened and was based on the revision stored now or the one before
    /// ([`Self::take_unsaved`]); it then counts as unsaved and is saved. Always forgets the kept
    /// copy.
    fn restore_unsaved(self) {
        let stored = self.base_rev.get_value().unwrap_or(0);
        let optimizer = self.last_saved.with_value(|s| s.optimizer.clone());
        let Some((kept, behind)) =
            Self::take_unsaved(&self.current_id.get_untracked(), stored, optimizer)
        else {
            return;
        };
        if self.last_saved.with_value(|s| *s != kept) {
            if behind {
                let stored = self.last_saved.with_value(Clone::clone);
                leptos::task::spawn_local(async move { self.keep_as_copy(kept, &stored).await });
                return;
            }
            // A change of the draft signal: autosave picks it up as any edit.
            self.drafts.set(kept);
        }
    }

    /// Reads `#pw=…` from the address, if present; an address with no fragment closes a shared
    /// view that is open.
    fn open_link_from_url(self) {
        let hash = window().location().hash().unwrap_or_default();
        if share::is_link(&hash) {
            self.shared.set(Some(match share::decode_salvaged(&hash) {
                Ok(s) => {
                    self.report_lost(&s.draft.display_name(), &s.lost);
                    SharedView::Draft(s.draft)
                }
                Err(e) => SharedView::Broken(share::broken_link_message(&e)),
            }));
        } else if hash.trim_start_matches('#').is_empty()
            && self.shared.with_untracked(Option::is_some)
        {
            // Back after a link opened in this tab, or the link taken out of the address: the
            // shared view goes with it, as with Close (it stayed, with the address no longer
            // carrying it). Another fragment (the skip link's `#pw-main`) leaves it open.
            self.shared.set(None);
        }
    }

    fn listen_for_links(self) {
        let on_hash = Closure::<dyn FnMut()>::new(move || {
            // What is being typed goes into the draft first, and the page's views hear it
            // before the address's link (or its going) changes them (tryout 81: a field torn
            // down while typed in lost its words, and a change of the draft in the same turn
            // as the teardown reached views already gone: the page crashed).
            crate::net::commit_focused_field();
            self.drafts.flush_typing();
            leptos::prelude::set_timeout(
                move || self.open_link_from_url(),
                std::time::Duration::ZERO,
            );
        });
        let _ = window()
            .add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
        on_hash.forget();
    }

    /// Leaves the shared view and removes the link from the address bar.
    pub fn close_shared(self) {
        self.shared.set(None);
        let loc = window().location();
        let clean = format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        );
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
        }
    }

    /// Saves the shared draft as a new draft of this person's and opens it (an optimization loop
    /// in it arrives paused).
    pub fn save_shared(self) {
        if let Some(SharedView::Draft(mut d)) = self.shared.get_untracked() {
            // Saved twice, or where its sender's own copy is: never two drafts of one name
            // (tryout 72).
            let name = fresh_name(&d.display_name(), "shared", false, &self.names());
            if name != d.display_name() {
                d.name = name;
            }
            self.add(d);
        }
        self.close_shared();
    }

    /// The names the drafts list shows now.
    fn names(self) -> Vec<String> {
        self.list
            .with_untracked(|l| l.iter().map(|m| m.name.clone()).collect())
    }
}
