//! Drafts in IndexedDB (through the `rexie` crate): one record per draft, holding the versioned
//! wire form and a revision number, so two tabs never silently overwrite each other. Records are
//! read part by part (`domain::wire::read_record`): a damaged part is left out and named, and a
//! record with nothing usable is reported, never skipped silently and never overwritten.
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::domain::draft::Draft;
use crate::domain::wire::{DraftV1, Include, Lost, read_record};

const DB: &str = "promptwright";
const STORE: &str = "drafts";

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
    fn from(e: rexie::Error) -> Self {
        let text = format!("{e:?}");
        if text.contains("Quota") || text.contains("quota") {
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
}

pub struct DraftStore {
    db: Rexie,
}

impl DraftStore {
    pub async fn open() -> Result<Self, StoreError> {
        let db = Rexie::builder(DB)
            .version(1)
            .add_object_store(ObjectStore::new(STORE))
            .build()
            .await
            .map_err(|e| StoreError::Unavailable(format!("{e:?}")))?;
        Ok(Self { db })
    }

    /// Reads a stored value part by part; `key` is the record's key in the database.
    fn read(key: Option<String>, v: JsValue) -> Result<Record, Unreadable> {
        let unreadable = |name, why: String| Unreadable {
            id: key.clone().unwrap_or_default(),
            name,
            why,
        };
        let Some(text) = v.as_string() else {
            return Err(unreadable(None, "not a text record".into()));
        };
        let r = read_record(&text).map_err(|e| unreadable(e.name, e.why))?;
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
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        let pairs = store
            .scan(None, None, None, None)
            .await
            .map_err(StoreError::from)?;
        let mut out = Listing::default();
        for (key, value) in pairs {
            match Self::read(key.as_string(), value) {
                Ok(r) => out.records.push(r),
                Err(u) => out.unreadable.push(u),
            }
        }
        Ok(out)
    }

    /// One record: `None` when there is none, `Some(Err)` when it cannot be read at all.
    pub async fn get(&self, id: &str) -> Result<Option<Result<Record, Unreadable>>, StoreError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        Ok(store
            .get(JsValue::from_str(id))
            .await
            .map_err(StoreError::from)?
            .map(|v| Self::read(Some(id.to_owned()), v)))
    }

    /// Saves `record` only if the stored revision is still `expected` (`None`: must not exist or
    /// be overwritten as is). Read and write happen in one transaction.
    pub async fn save(
        &self,
        mut record: Record,
        expected: Option<u64>,
    ) -> Result<Saved, StoreError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        let key = JsValue::from_str(&record.id);
        let current = match store.get(key.clone()).await.map_err(StoreError::from)? {
            None => None,
            Some(v) => match Self::read(Some(record.id.clone()), v) {
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
        if let (Some(cur), Some(exp)) = (&current, expected) {
            if cur.rev != exp {
                return Ok(Saved::Conflict(cur.clone()));
            }
        }
        record.rev = current
            .map_or(1, |c| c.rev.saturating_add(1))
            .max(record.rev);
        let json = record
            .to_json()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        store
            .put(&JsValue::from_str(&json), Some(&key))
            .await
            .map_err(StoreError::from)?;
        tx.done().await.map_err(StoreError::from)?;
        Ok(Saved::Ok(record.rev))
    }

    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        store
            .delete(JsValue::from_str(id))
            .await
            .map_err(StoreError::from)?;
        tx.done().await.map_err(StoreError::from)?;
        Ok(())
    }
}
