//! Drafts in IndexedDB (the browser's API through `web-sys`, each request awaited as a promise):
//! per draft, a head record in the store `drafts` (the draft's small fields, a revision number so
//! two tabs never silently overwrite each other, and the list of its parts) and its parts in the
//! store `parts`, keyed `{id}/{part}` (`domain::wire::parts`: blocks of versions, cases and
//! checks, each run with its results in blocks, the optimizer). A save writes the head and the
//! parts that changed since this tab's last save of that draft (all of them when another tab
//! saved in between). Records are read part by part: a damaged part is left out and named, and a
//! record with nothing usable is reported, never skipped silently and never overwritten. Records
//! of the first layout (schema 1: the whole draft in one record) read as they are and are
//! rewritten in parts at their next save.
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode,
};

use crate::domain::draft::Draft;
use crate::domain::wire::parts::{head_json, read_head, read_stored, split};
use crate::domain::wire::{DraftV1, Include, Lost};

const DB: &str = "promptwright";
/// The database's schema version: 2 has the stores `drafts` (heads) and `parts`, both with
/// out-of-line string keys; 1 had `drafts` alone, each record the whole draft.
const DB_VERSION: u32 = 2;
const STORE: &str = "drafts";
const PARTS: &str = "parts";

/// Waits for an IndexedDB request: its result on `success`, its error on `error`. The handlers are
/// set now, before the request can settle (it settles in a later task), and the caller's next
/// request goes out from the same microtask checkpoint, while the transaction is still active.
fn settled(req: &IdbRequest) -> impl Future<Output = Result<JsValue, JsValue>> + use<> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    let req = req.clone();
    async move {
        let outcome = JsFuture::from(promise).await;
        req.set_onsuccess(None);
        req.set_onerror(None);
        match outcome {
            Ok(_) => req.result(),
            Err(_) => Err(req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("the request failed"))),
        }
    }
}

/// Waits for a transaction to commit (`complete`); its error when it aborts instead (a write over
/// the quota fails here, at commit, in Chromium). Set up when the transaction starts.
fn committed(tx: &IdbTransaction) -> impl Future<Output = Result<(), JsValue>> + use<> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onabort(Some(&reject));
    });
    let tx = tx.clone();
    async move {
        let outcome = JsFuture::from(promise).await;
        tx.set_oncomplete(None);
        tx.set_onabort(None);
        outcome.map(|_| ()).map_err(|_| {
            tx.error()
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("the transaction was aborted"))
        })
    }
}

/// A browser error as `Name: message` (a `DOMException` or an `Error`).
fn describe(e: &JsValue) -> (String, String) {
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        (d.name(), format!("{}: {}", d.name(), d.message()))
    } else if let Some(x) = e.dyn_ref::<js_sys::Error>() {
        let name = String::from(x.name());
        (
            name.clone(),
            format!("{name}: {}", String::from(x.message())),
        )
    } else {
        (
            String::new(),
            e.as_string().unwrap_or_else(|| format!("{e:?}")),
        )
    }
}

/// What the database holds for one draft, as read (or about to be written).
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    /// Increases by one on every save.
    pub rev: u64,
    pub updated_ms: f64,
    pub draft: Draft,
    /// What could not be read from the stored record and was left out (empty for a new one).
    pub lost: Vec<Lost>,
    /// The record as it was stored, when something was left out as it was read: its head and
    /// every part, in the form of [`Unreadable::raw`]. The store keeps it at its next save of
    /// the draft ([`COPY`]), before the parts that did not read are written over.
    pub as_stored: Option<String>,
    /// Copies kept that way by earlier saves: the revision each was read at, and its text. A
    /// save of this record writes them back (a deleted draft brought back by Undo keeps them).
    pub copies: Vec<(String, String)>,
}

/// The stored form of a record.
#[derive(Serialize)]
struct Stored<'a> {
    id: &'a str,
    rev: u64,
    updated_ms: f64,
    draft: DraftV1,
}

impl Record {
    pub fn new(id: &str, rev: u64, draft: &Draft) -> Self {
        Self {
            id: id.to_owned(),
            rev,
            updated_ms: js_sys::Date::now(),
            draft: draft.clone(),
            lost: Vec::new(),
            as_stored: None,
            copies: Vec::new(),
        }
    }

    /// Reads a record's stored text ([`Record::to_json`]) part by part; `None` when nothing in
    /// it is usable.
    pub fn from_json(text: &str) -> Option<Record> {
        DraftStore::read(None, JsValue::from_str(text), &[], Vec::new()).ok()
    }

    /// The record whole, in one text: JSON of its id, revision, time and wire draft (all of it;
    /// the first layout's form, which [`Record::from_json`] and the store read).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&Stored {
            id: &self.id,
            rev: self.rev,
            updated_ms: self.updated_ms,
            draft: DraftV1::from_draft(&self.draft, Include::ALL),
        })
    }
}

/// A stored record with nothing usable in it: left as it is in the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// The record's key.
    pub id: String,
    /// The draft's name, when at least that could be read.
    pub name: Option<String>,
    /// What was wrong, for developers.
    pub why: String,
    /// The record as stored (empty when it is not text), for the person to download and keep:
    /// nothing in it is thrown away.
    pub raw: String,
}

impl Unreadable {
    /// The sentence the page shows.
    pub fn message(&self) -> String {
        let which = match &self.name {
            Some(n) => format!("The saved draft \u{201c}{n}\u{201d}"),
            None => format!("A saved draft (id {})", self.id),
        };
        format!(
            "{which} could not be read at all, so it is not in the list. It was left as it is in this browser's storage."
        )
    }
}

/// Every stored record: the ones that open (perhaps with parts left out) and the ones that do not.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub records: Vec<Record>,
    pub unreadable: Vec<Unreadable>,
    /// Copies kept as stored ([`COPY`]) of drafts that are no longer stored, by draft key, each
    /// (revision, text): a tab of an earlier build deleted the draft without them.
    pub orphans: Vec<(String, Vec<(String, String)>)>,
}

/// Why storage failed, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// IndexedDB cannot be used here (private mode, disabled, blocked).
    Unavailable(String),
    /// A tab of an older version of the app holds the database open at its older schema, so
    /// this tab's upgrade waits: it saves once that tab is closed ([`DraftStore::open`]).
    OlderTab(String),
    /// The database holds a newer app's schema, which this version cannot read.
    Newer(String),
    /// A newer version of the app, in another tab, upgraded the database: this tab's connection
    /// was closed for it, and it cannot save until it is reloaded.
    Updated(String),
    /// The browser's storage quota is used up.
    Full(String),
    Other(String),
}

impl StoreError {
    /// A failed request or transaction: `Full` for the browser's `QuotaExceededError` (or an
    /// error that names the quota), else `Other` with the browser's words.
    fn from(e: JsValue) -> Self {
        let (name, text) = describe(&e);
        if name == "QuotaExceededError" || text.contains("Quota") || text.contains("quota") {
            StoreError::Full(text)
        } else {
            StoreError::Other(text)
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Unavailable(_) => "This browser does not let Promptwright save drafts (private window, or site data turned off). Your work is kept while this tab is open: export it to keep it.".into(),
            Self::OlderTab(_) => "Another tab holds an older version of Promptwright, so this tab cannot save drafts yet. Close that tab: this one then saves your work here at once (reloading this tab before that would lose it).".into(),
            Self::Newer(_) => "The drafts in this browser were saved by a newer version of Promptwright, which this page cannot read: reload the page to get the newer version. Until then your work is kept only while this tab is open: export it to keep it.".into(),
            Self::Updated(_) => "Promptwright was updated in another tab, so this tab cannot save drafts any more. Your work is still here: export it, then reload this tab.".into(),
            Self::Full(_) => "The browser's storage for this site is full, so the last change was not saved. Your work is still here: export it, then delete old drafts.".into(),
            Self::Other(d) => format!("Saving failed ({d}). Your work is still here: export it to be safe."),
        }
    }
}

/// The result of a guarded save.
pub enum Saved {
    /// Written with this revision.
    Ok(u64),
    /// Another tab saved this draft since we loaded it: here is theirs.
    Conflict(Record),
    /// The draft was stored at the revision expected and is not any more: deleted (in another
    /// tab) since we loaded it. Nothing was written.
    Gone,
}

/// The open drafts database.
pub struct DraftStore {
    db: IdbDatabase,
    /// Set when another tab asked to upgrade the schema: the connection was closed for it.
    closed: Rc<Cell<bool>>,
    /// What this tab last wrote, for writing only what changed since.
    written: RefCell<Option<Written>>,
    /// Records read with something left out, as they were stored: (key, revision, text), kept
    /// at the next save of each ([`Record::as_stored`]).
    to_keep: RefCell<Vec<(String, u64, String)>>,
}

/// The draft this tab saved last, as stored by that save: its key, revision and parts.
struct Written {
    id: String,
    rev: u64,
    parts: Vec<(String, serde_json::Value)>,
}

/// Where copies of records as they were stored are kept in the `parts` store
/// (`as-stored/{id}/{rev}`): one is written when something of a record could not be read, before
/// its next save writes over it. Outside the draft's own keys (`{id}/…`), so no save deletes it,
/// also one by a tab of an earlier build; deleted with the draft or by
/// [`DraftStore::delete_copies`].
pub const COPY: &str = "as-stored";

/// The key of draft `id`'s copy as stored at revision `rev`.
fn copy_key(id: &str, rev: &str) -> String {
    format!("{COPY}/{id}/{rev}")
}

/// Every copy key of draft `id`.
fn copies_of(id: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(
        &JsValue::from_str(&copy_key(id, "")),
        &JsValue::from_str(&copy_key(id, "\u{ffff}")),
    )
    .map_err(StoreError::from)
}

/// A part's key in the `parts` store: the draft's key, `/`, the part's (`d19a…/runs/0/cases/2`).
fn part_key(id: &str, part: &str) -> String {
    format!("{id}/{part}")
}

/// Every part key of draft `id` (draft keys hold no `/`; part keys are ASCII).
fn parts_of(id: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(
        &JsValue::from_str(&format!("{id}/")),
        &JsValue::from_str(&format!("{id}/\u{ffff}")),
    )
    .map_err(StoreError::from)
}

impl DraftStore {
    /// Opens (creating on first use) the `promptwright` database with its stores (upgrading a
    /// schema-1 database). When a tab of an app before schema 2 holds the database open, the
    /// upgrade waits for that tab (`blocked`): `on_blocked` is called, and this keeps waiting
    /// until the tab lets go (closed or reloaded), then returns the database.
    /// `Unavailable` when the browser has no IndexedDB here or refuses to open it (private
    /// window, site data off); `Newer` when a newer app's schema is stored.
    pub async fn open(on_blocked: impl FnOnce() + 'static) -> Result<Self, StoreError> {
        let unavailable = |e: JsValue| StoreError::Unavailable(describe(&e).1);
        let factory = web_sys::window()
            .ok_or_else(|| StoreError::Unavailable("no window".into()))?
            .indexed_db()
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Unavailable("no IndexedDB in this browser".into()))?;
        let req = factory.open_with_u32(DB, DB_VERSION).map_err(unavailable)?;
        // First use, or a database of schema 1: create what is missing. The records of schema
        // 1 stay as they are (read as they are, rewritten in parts at their next save).
        let upgrade = {
            let req = req.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Ok(db) = req.result() {
                    let db: IdbDatabase = db.unchecked_into();
                    for name in [STORE, PARTS] {
                        if !db.object_store_names().contains(name) {
                            let _ = db.create_object_store(name);
                        }
                    }
                }
            })
        };
        req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let mut on_blocked = Some(on_blocked);
        let blocked = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = on_blocked.take() {
                f();
            }
        });
        req.set_onblocked(Some(blocked.as_ref().unchecked_ref()));
        let opened = settled(&req).await;
        req.set_onupgradeneeded(None);
        req.set_onblocked(None);
        drop((upgrade, blocked));
        let db: IdbDatabase = opened
            .map_err(|e| match describe(&e) {
                (name, text) if name == "VersionError" => StoreError::Newer(text),
                (_, text) => StoreError::Unavailable(text),
            })?
            .unchecked_into();
        // A newer app asking to upgrade: let it, and stop saving here.
        let closed = Rc::new(Cell::new(false));
        let on_change = {
            let (db, closed) = (db.clone(), closed.clone());
            Closure::<dyn FnMut()>::new(move || {
                closed.set(true);
                db.close();
            })
        };
        db.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        Ok(Self {
            db,
            closed,
            written: RefCell::new(None),
            to_keep: RefCell::new(Vec::new()),
        })
    }

    /// A transaction on both stores, and the heads' and the parts' stores in it.
    fn stores(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore, IdbObjectStore), StoreError> {
        if self.closed.get() {
            return Err(StoreError::Updated(
                "the connection was closed for an upgrade".into(),
            ));
        }
        let names = js_sys::Array::of2(&JsValue::from_str(STORE), &JsValue::from_str(PARTS));
        let tx = self
            .db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(StoreError::from)?;
        let heads = tx.object_store(STORE).map_err(StoreError::from)?;
        let parts = tx.object_store(PARTS).map_err(StoreError::from)?;
        Ok((tx, heads, parts))
    }

    /// Reads a stored head and its parts (`parts`: each part's text by its key within the
    /// draft) part by part; `key` is the record's key in the database.
    fn read(
        key: Option<String>,
        v: JsValue,
        parts: &[(String, String)],
        copies: Vec<(String, String)>,
    ) -> Result<Record, Unreadable> {
        let text = v.as_string();
        // All of it as stored: the head, and its parts when it has any (made only when needed).
        let raw = || match (&text, parts.is_empty()) {
            (Some(t), true) => t.clone(),
            (t, _) => {
                let parts: serde_json::Map<String, serde_json::Value> = parts
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                    .collect();
                serde_json::json!({ "record": t, "parts": parts }).to_string()
            }
        };
        let unreadable = |name, why: String| Unreadable {
            id: key.clone().unwrap_or_default(),
            name,
            why,
            raw: raw(),
        };
        let Some(text) = text.as_deref() else {
            return Err(unreadable(None, "not a text record".into()));
        };
        let r = read_stored(text, parts).map_err(|e| unreadable(e.name, e.why))?;
        let as_stored = (!r.draft.lost.is_empty()).then(raw);
        Ok(Record {
            id: key.or(r.id).unwrap_or_default(),
            rev: r.rev,
            updated_ms: r.updated_ms,
            draft: r.draft.draft,
            lost: r.draft.lost,
            as_stored,
            copies,
        })
    }

    /// The parts of draft `id` in this transaction, by their key within the draft. The
    /// requests go out now; the future waits for them.
    fn read_parts(
        parts: &IdbObjectStore,
        id: &str,
    ) -> Result<impl Future<Output = Result<Vec<(String, String)>, StoreError>> + use<>, StoreError>
    {
        Self::read_range(parts, &parts_of(id)?, format!("{id}/"))
    }

    /// The copies kept of draft `id` as it was stored ([`COPY`]): the revision each was read at,
    /// and its text. The requests go out now; the future waits for them.
    fn read_copies(
        parts: &IdbObjectStore,
        id: &str,
    ) -> Result<impl Future<Output = Result<Vec<(String, String)>, StoreError>> + use<>, StoreError>
    {
        Self::read_range(parts, &copies_of(id)?, copy_key(id, ""))
    }

    /// The records of `parts` in `range`: each key without `prefix`, and its text.
    fn read_range(
        parts: &IdbObjectStore,
        range: &IdbKeyRange,
        prefix: String,
    ) -> Result<impl Future<Output = Result<Vec<(String, String)>, StoreError>> + use<>, StoreError>
    {
        let keys = settled(
            &parts
                .get_all_keys_with_key(range)
                .map_err(StoreError::from)?,
        );
        let values = settled(&parts.get_all_with_key(range).map_err(StoreError::from)?);
        Ok(async move {
            let keys: js_sys::Array = keys.await.map_err(StoreError::from)?.unchecked_into();
            let values: js_sys::Array = values.await.map_err(StoreError::from)?.unchecked_into();
            Ok(keys
                .iter()
                .zip(values.iter())
                .filter_map(|(k, v)| {
                    let k = k.as_string()?;
                    Some((k.strip_prefix(&prefix)?.to_owned(), v.as_string()?))
                })
                .collect())
        })
    }

    /// Every record, read part by part (unreadable ones are listed apart, never deleted).
    pub async fn all(&self) -> Result<Listing, StoreError> {
        let (_tx, heads, parts) = self.stores(IdbTransactionMode::Readonly)?;
        // All in one transaction, in key order: the n-th key goes with the n-th value.
        let keys = settled(&heads.get_all_keys().map_err(StoreError::from)?);
        let values = settled(&heads.get_all().map_err(StoreError::from)?);
        let part_keys = settled(&parts.get_all_keys().map_err(StoreError::from)?);
        let part_values = settled(&parts.get_all().map_err(StoreError::from)?);
        let keys: js_sys::Array = keys.await.map_err(StoreError::from)?.unchecked_into();
        let values: js_sys::Array = values.await.map_err(StoreError::from)?.unchecked_into();
        let part_keys: js_sys::Array = part_keys.await.map_err(StoreError::from)?.unchecked_into();
        let part_values: js_sys::Array = part_values
            .await
            .map_err(StoreError::from)?
            .unchecked_into();
        // In key order, so each draft's parts come together; the copies kept as stored apart.
        let mut by_draft: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut copies: Vec<(String, String, String)> = Vec::new();
        for (k, v) in part_keys.iter().zip(part_values.iter()) {
            if let (Some(k), Some(v)) = (k.as_string(), v.as_string())
                && let Some((id, part)) = k.split_once('/')
            {
                if id == COPY {
                    if let Some((draft, rev)) = part.split_once('/') {
                        copies.push((draft.to_owned(), rev.to_owned(), v));
                    }
                    continue;
                }
                match by_draft.last_mut() {
                    Some((last, parts)) if last == id => parts.push((part.to_owned(), v)),
                    _ => by_draft.push((id.to_owned(), vec![(part.to_owned(), v)])),
                }
            }
        }
        let mut out = Listing::default();
        for (key, value) in keys.iter().zip(values.iter()) {
            let key = key.as_string();
            let parts = key
                .as_deref()
                .and_then(|k| by_draft.iter().find(|(id, _)| id == k))
                .map_or(&[][..], |(_, p)| &p[..]);
            let kept = copies
                .iter()
                .filter(|(id, _, _)| key.as_deref() == Some(id.as_str()))
                .map(|(_, rev, text)| (rev.clone(), text.clone()))
                .collect();
            match Self::read(key, value, parts, kept) {
                Ok(r) => {
                    self.keep_at_next_save(&r);
                    out.records.push(r);
                }
                Err(u) => out.unreadable.push(u),
            }
        }
        let heads: Vec<String> = keys.iter().filter_map(|k| k.as_string()).collect();
        for (id, rev, text) in copies {
            if heads.contains(&id) {
                continue;
            }
            match out.orphans.iter_mut().find(|(k, _)| *k == id) {
                Some((_, kept)) => kept.push((rev, text)),
                None => out.orphans.push((id, vec![(rev, text)])),
            }
        }
        Ok(out)
    }

    /// One record: `None` when there is none, `Some(Err)` when it cannot be read at all.
    pub async fn get(&self, id: &str) -> Result<Option<Result<Record, Unreadable>>, StoreError> {
        let (_tx, heads, parts) = self.stores(IdbTransactionMode::Readonly)?;
        let value = settled(
            &heads
                .get(&JsValue::from_str(id))
                .map_err(StoreError::from)?,
        );
        let copies = Self::read_copies(&parts, id)?;
        let parts = Self::read_parts(&parts, id)?;
        let (value, parts) = (value.await.map_err(StoreError::from)?, parts.await?);
        let copies = copies.await?;
        let read =
            (!value.is_undefined()).then(|| Self::read(Some(id.to_owned()), value, &parts, copies));
        if let Some(Ok(r)) = &read {
            self.keep_at_next_save(r);
        }
        Ok(read)
    }

    /// Notes a record read with something left out, to keep it as it was stored at its next
    /// save (once per record and revision).
    fn keep_at_next_save(&self, r: &Record) {
        let Some(raw) = &r.as_stored else { return };
        let mut keep = self.to_keep.borrow_mut();
        if !keep.iter().any(|(id, rev, _)| *id == r.id && *rev == r.rev) {
            keep.push((r.id.clone(), r.rev, raw.clone()));
        }
    }

    /// The length (UTF-16 code units, about the bytes the browser stores) of the copy of draft
    /// `id` as it was stored that waits for its next save ([`COPY`]); `None` when none waits.
    pub fn copy_waiting(&self, id: &str) -> Option<usize> {
        let keep = self.to_keep.borrow();
        let mut waiting = keep.iter().filter(|(k, _, _)| k == id).peekable();
        waiting.peek()?;
        Some(waiting.map(|(_, _, raw)| raw.encode_utf16().count()).sum())
    }

    /// Gives up the copy of draft `id` waiting for its next save (what did not read is then
    /// written over by that save); copies stored already stay.
    pub fn drop_waiting_copy(&self, id: &str) {
        self.to_keep.borrow_mut().retain(|(k, _, _)| k != id);
    }

    /// Deletes the copies kept of draft `id` as it was stored ([`COPY`]), and the one waiting
    /// for its next save; done when the deletion is committed.
    pub async fn delete_copies(&self, id: &str) -> Result<(), StoreError> {
        self.to_keep.borrow_mut().retain(|(k, _, _)| k != id);
        let (tx, _heads, parts) = self.stores(IdbTransactionMode::Readwrite)?;
        let done = committed(&tx);
        parts
            .delete(&copies_of(id)?.into())
            .map_err(StoreError::from)?;
        done.await.map_err(StoreError::from)
    }

    /// Saves `record` only if it is still stored at revision `expected`: another revision is a
    /// [`Saved::Conflict`], no record at all a [`Saved::Gone`] (deleted since); `None` writes
    /// whatever is stored. Read and write happen in one transaction. Writes the head (a few
    /// hundred bytes) and the parts that differ from what this tab's last save of the draft
    /// wrote, when that is what is stored (same revision); else every part, and deletes the
    /// stored parts the draft no longer has.
    pub async fn save(
        &self,
        mut record: Record,
        expected: Option<u64>,
    ) -> Result<Saved, StoreError> {
        let (tx, heads, parts) = self.stores(IdbTransactionMode::Readwrite)?;
        let done = committed(&tx);
        let key = JsValue::from_str(&record.id);
        let stored = settled(&heads.get(&key).map_err(StoreError::from)?)
            .await
            .map_err(StoreError::from)?;
        // Never write over a record that cannot be read (another app version's?).
        let refuse = || {
            StoreError::Other(
                "the copy in this browser could not be read, so it was not overwritten".into(),
            )
        };
        let current = match &stored {
            v if v.is_undefined() => None,
            v => Some(
                v.as_string()
                    .and_then(|t| read_head(&t).ok())
                    .ok_or_else(refuse)?,
            ),
        };
        match (&current, expected) {
            (Some((rev, _)), Some(exp)) if *rev != exp => {
                let theirs = Self::read_parts(&parts, &record.id)?.await?;
                return Self::read(Some(record.id.clone()), stored, &theirs, Vec::new())
                    .map(Saved::Conflict)
                    .map_err(|_| refuse());
            }
            // Written back, a draft deleted in another tab would come back unasked.
            (None, Some(_)) => return Ok(Saved::Gone),
            _ => {}
        }
        let stored_rev = current.as_ref().map(|(rev, _)| *rev);
        record.rev = stored_rev
            .map_or(1, |r| r.saturating_add(1))
            .max(record.rev);
        let cut = split(&DraftV1::from_draft(&record.draft, Include::ALL));
        // What is stored is what this tab wrote last when nobody saved the draft since.
        let known = self.written.borrow_mut().take().filter(|w| {
            w.id == record.id
                && Some(w.rev) == stored_rev
                && current.as_ref().is_some_and(|(_, keys)| keys.is_some())
        });
        let stale: Vec<String> = match &known {
            Some(w) => w.parts.iter().map(|(k, _)| k.clone()).collect(),
            // Whatever is there (a save cut short may have left parts no head lists).
            None => Self::read_parts(&parts, &record.id)?
                .await?
                .into_iter()
                .map(|(k, _)| k)
                .collect(),
        };
        // The record as it was stored when it was read with something left out, before any of
        // it is written over (tryout 95: the next edit deleted the 115 results that did read).
        // The record's own copies are written back too (a draft deleted and brought back by
        // Undo keeps them).
        let mut copies: Vec<(String, String)> = std::mem::take(&mut record.copies);
        copies.extend(
            self.to_keep
                .borrow()
                .iter()
                .filter(|(id, _, _)| *id == record.id)
                .map(|(_, rev, raw)| (rev.to_string(), raw.clone())),
        );
        for (rev, raw) in &copies {
            parts
                .put_with_key(
                    &JsValue::from_str(raw),
                    &JsValue::from_str(&copy_key(&record.id, rev)),
                )
                .map_err(StoreError::from)?;
        }
        for (part, value) in &cut.parts {
            if known
                .as_ref()
                .is_none_or(|w| !w.parts.iter().any(|(k, v)| k == part && v == value))
            {
                parts
                    .put_with_key(
                        &JsValue::from_str(&value.to_string()),
                        &JsValue::from_str(&part_key(&record.id, part)),
                    )
                    .map_err(StoreError::from)?;
            }
        }
        for part in stale {
            if !cut.parts.iter().any(|(k, _)| *k == part) {
                parts
                    .delete(&JsValue::from_str(&part_key(&record.id, &part)))
                    .map_err(StoreError::from)?;
            }
        }
        let keys: Vec<&str> = cut.parts.iter().map(|(k, _)| k.as_str()).collect();
        let head = head_json(&record.id, record.rev, record.updated_ms, &cut.head, &keys);
        heads
            .put_with_key(&JsValue::from_str(&head), &key)
            .map_err(StoreError::from)?;
        // A failed request aborts the transaction: its error comes from the commit.
        done.await.map_err(StoreError::from)?;
        if !copies.is_empty() {
            self.to_keep
                .borrow_mut()
                .retain(|(id, _, _)| *id != record.id);
        }
        *self.written.borrow_mut() = Some(Written {
            id: record.id.clone(),
            rev: record.rev,
            parts: cut.parts,
        });
        Ok(Saved::Ok(record.rev))
    }

    /// Deletes one record, its parts and its copies as stored (none there is not an error); done
    /// when the deletion is committed.
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let (tx, heads, parts) = self.stores(IdbTransactionMode::Readwrite)?;
        let done = committed(&tx);
        heads
            .delete(&JsValue::from_str(id))
            .map_err(StoreError::from)?;
        parts
            .delete(&parts_of(id)?.into())
            .map_err(StoreError::from)?;
        // Its copies as stored go with it (a delete's Undo writes them back: `Record::copies`).
        parts
            .delete(&copies_of(id)?.into())
            .map_err(StoreError::from)?;
        done.await.map_err(StoreError::from)?;
        let mut written = self.written.borrow_mut();
        if written.as_ref().is_some_and(|w| w.id == id) {
            *written = None;
        }
        Ok(())
    }
}
