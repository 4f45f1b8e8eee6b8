//! Drafts in IndexedDB (through the `rexie` crate): one record per draft, holding the versioned
//! wire form and a revision number, so two tabs never silently overwrite each other.
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::domain::draft::Draft;
use crate::domain::wire::{DraftV1, Include};

const DB: &str = "promptwright";
const STORE: &str = "drafts";

/// What the database holds for one draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// Increases by one on every save.
    pub rev: u64,
    pub updated_ms: f64,
    pub draft: DraftV1,
}

impl Record {
    pub fn new(id: &str, rev: u64, draft: &Draft) -> Self {
        Self {
            id: id.to_owned(),
            rev,
            updated_ms: js_sys::Date::now(),
            draft: DraftV1::from_draft(draft, Include::ALL),
        }
    }
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

    fn parse(v: JsValue) -> Option<Record> {
        v.as_string().and_then(|s| serde_json::from_str(&s).ok())
    }

    /// Every readable record (unreadable ones are skipped, never deleted).
    pub async fn all(&self) -> Result<Vec<Record>, StoreError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        let values = store.get_all(None, None).await.map_err(StoreError::from)?;
        Ok(values.into_iter().filter_map(Self::parse).collect())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(StoreError::from)?;
        let store = tx.store(STORE).map_err(StoreError::from)?;
        Ok(store
            .get(JsValue::from_str(id))
            .await
            .map_err(StoreError::from)?
            .and_then(Self::parse))
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
        let current = store
            .get(key.clone())
            .await
            .map_err(StoreError::from)?
            .and_then(Self::parse);
        if let (Some(cur), Some(exp)) = (&current, expected) {
            if cur.rev != exp {
                return Ok(Saved::Conflict(cur.clone()));
            }
        }
        record.rev = current.map_or(1, |c| c.rev + 1).max(record.rev);
        let json = serde_json::to_string(&record).map_err(|e| StoreError::Other(e.to_string()))?;
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
