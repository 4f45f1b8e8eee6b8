//! Drafts in IndexedDB (the browser's API through `web-sys`, each request awaited as a promise):
//! one record per draft, holding the versioned wire form and a revision number, so two tabs never
//! silently overwrite each other. Records are read part by part (`domain::wire::read_record`): a
//! damaged part is left out and named, and a record with nothing usable is reported, never skipped
//! silently and never overwritten.
use std::future::Future;

use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::domain::draft::Draft;
use crate::domain::wire::{DraftV1, Include, Lost, read_record};

const DB: &str = "promptwright";
/// The database's schema version (one object store, out-of-line string keys).
const DB_VERSION: u32 = 1;
const STORE: &str = "drafts";

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
        }
    }

    /// Reads a record's stored text ([`Record::to_json`]) part by part; `None` when nothing in
    /// it is usable.
    pub fn from_json(text: &str) -> Option<Record> {
        DraftStore::read(None, JsValue::from_str(text)).ok()
    }

    /// The record as stored: JSON of its id, revision, time and wire draft (all of it).
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
}

/// Why storage failed, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// IndexedDB cannot be used here (private mode, disabled, blocked).
    Unavailable(String),
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
}

impl DraftStore {
    /// Opens (creating on first use) the `promptwright` database with its `drafts` store.
    /// `Unavailable` when the browser has no IndexedDB here or refuses to open it (private
    /// window, site data off, a newer schema written by another version of the app).
    pub async fn open() -> Result<Self, StoreError> {
        let unavailable = |e: JsValue| StoreError::Unavailable(describe(&e).1);
        let factory = web_sys::window()
            .ok_or_else(|| StoreError::Unavailable("no window".into()))?
            .indexed_db()
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Unavailable("no IndexedDB in this browser".into()))?;
        let req = factory.open_with_u32(DB, DB_VERSION).map_err(unavailable)?;
        // First use (or a database without the store): create the store.
        let upgrade = {
            let req = req.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Ok(db) = req.result() {
                    let db: IdbDatabase = db.unchecked_into();
                    if !db.object_store_names().contains(STORE) {
                        let _ = db.create_object_store(STORE);
                    }
                }
            })
        };
        req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let opened = settled(&req).await;
        req.set_onupgradeneeded(None);
        drop(upgrade);
        Ok(Self {
            db: opened.map_err(unavailable)?.unchecked_into(),
        })
    }

    /// A transaction on the drafts store, and the store in it.
    fn store(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), StoreError> {
        let tx = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(StoreError::from)?;
        let store = tx.object_store(STORE).map_err(StoreError::from)?;
        Ok((tx, store))
    }

    /// Reads a stored value part by part; `key` is the record's key in the database.
    fn read(key: Option<String>, v: JsValue) -> Result<Record, Unreadable> {
        let text = v.as_string();
        let unreadable = |name, why: String| Unreadable {
            id: key.clone().unwrap_or_default(),
            name,
            why,
            raw: text.clone().unwrap_or_default(),
        };
        let Some(text) = text.as_deref() else {
            return Err(unreadable(None, "not a text record".into()));
        };
        let r = read_record(text).map_err(|e| unreadable(e.name, e.why))?;
        Ok(Record {
            id: key.or(r.id).unwrap_or_default(),
            rev: r.rev,
            updated_ms: r.updated_ms,
            draft: r.draft.draft,
            lost: r.draft.lost,
        })
    }

    /// Every record, read part by part (unreadable ones are listed apart, never deleted).
    pub async fn all(&self) -> Result<Listing, StoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        // Both in one transaction, in key order: the n-th key goes with the n-th value.
        let keys = settled(&store.get_all_keys().map_err(StoreError::from)?);
        let values = settled(&store.get_all().map_err(StoreError::from)?);
        let keys: js_sys::Array = keys.await.map_err(StoreError::from)?.unchecked_into();
        let values: js_sys::Array = values.await.map_err(StoreError::from)?.unchecked_into();
        let mut out = Listing::default();
        for (key, value) in keys.iter().zip(values.iter()) {
            match Self::read(key.as_string(), value) {
                Ok(r) => out.records.push(r),
                Err(u) => out.unreadable.push(u),
            }
        }
        Ok(out)
    }

    /// One record: `None` when there is none, `Some(Err)` when it cannot be read at all.
    pub async fn get(&self, id: &str) -> Result<Option<Result<Record, Unreadable>>, StoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        let value = settled(
            &store
                .get(&JsValue::from_str(id))
                .map_err(StoreError::from)?,
        )
        .await
        .map_err(StoreError::from)?;
        Ok((!value.is_undefined()).then(|| Self::read(Some(id.to_owned()), value)))
    }

    /// Saves `record` only if it is still stored at revision `expected`: another revision is a
    /// [`Saved::Conflict`], no record at all a [`Saved::Gone`] (deleted since); `None` writes
    /// whatever is stored. Read and write happen in one transaction.
    pub async fn save(
        &self,
        mut record: Record,
        expected: Option<u64>,
    ) -> Result<Saved, StoreError> {
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        let done = committed(&tx);
        let key = JsValue::from_str(&record.id);
        let stored = settled(&store.get(&key).map_err(StoreError::from)?)
            .await
            .map_err(StoreError::from)?;
        let current = match stored {
            v if v.is_undefined() => None,
            v => match Self::read(Some(record.id.clone()), v) {
                Ok(r) => Some(r),
                // Never write over a record that cannot be read (another app version's?).
                Err(_) => {
                    return Err(StoreError::Other(
                        "the copy in this browser could not be read, so it was not overwritten"
                            .into(),
                    ));
                }
            },
        };
        match (&current, expected) {
            (Some(cur), Some(exp)) if cur.rev != exp => return Ok(Saved::Conflict(cur.clone())),
            // Written back, a draft deleted in another tab would come back unasked.
            (None, Some(_)) => return Ok(Saved::Gone),
            _ => {}
        }
        record.rev = current
            .map_or(1, |c| c.rev.saturating_add(1))
            .max(record.rev);
        let json = record
            .to_json()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let put = store
            .put_with_key(&JsValue::from_str(&json), &key)
            .map_err(StoreError::from)?;
        settled(&put).await.map_err(StoreError::from)?;
        done.await.map_err(StoreError::from)?;
        Ok(Saved::Ok(record.rev))
    }

    /// Deletes one record (none there is not an error); done when the deletion is committed.
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        let done = committed(&tx);
        let req = store
            .delete(&JsValue::from_str(id))
            .map_err(StoreError::from)?;
        settled(&req).await.map_err(StoreError::from)?;
        done.await.map_err(StoreError::from)?;
        Ok(())
    }
}
