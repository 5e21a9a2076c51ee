//! The `call-intervals` topic held in memory, newest record per key, for the days kept: what the API
//! serves past days from, and where the delivery task finds its "daily report sent" markers. Pure
//! (a lock and plain data): `ingest::intervals_reader` feeds it from the topic.
//!
//! Memory is bounded by days, not by the topic: every record names its local date, a record older than
//! the cutoff is neither taken nor kept, and [`IntervalStore::forget_before`] (called by the reader as
//! the days turn) drops what fell behind it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::{Kind, SCHEMA};

/// Why a record of the topic was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the value is not a JSON object")]
    NotAnObject,
    #[error("the value has no numeric `schema`")]
    NoSchema,
    #[error("schema {0} is not one this version reads (1)")]
    UnknownSchema(u64),
    #[error("`kind` is missing or not one of queue, agent, queue_day, agent_day, delivery")]
    UnknownKind,
    #[error("`date` is missing or not a YYYY-MM-DD date")]
    BadDate,
}

/// One record as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub kind: Kind,
    /// The local date (`YYYY-MM-DD`) the record belongs to.
    pub date: String,
    pub value: Arc<Value>,
}

#[derive(Debug, Default)]
struct Inner {
    /// tenant → key → record.
    tenants: BTreeMap<String, BTreeMap<String, Stored>>,
    /// Records of dates before this are not kept ("" keeps all).
    cutoff: String,
}

#[derive(Debug, Default)]
pub struct IntervalStore {
    /// Written by the one reader task, read by HTTP requests and the producer: a plain lock is held
    /// only for a map lookup or a copy of `Arc`s, never across I/O.
    inner: RwLock<Inner>,
    /// The reader has read every partition up to its end as it was at start.
    caught_up: AtomicBool,
}

impl IntervalStore {
    pub fn new() -> Arc<IntervalStore> {
        Arc::new(IntervalStore::default())
    }

    /// Takes one record of the topic: a value replaces the key's record (the newest wins), a tombstone
    /// (no value) removes it. A value that is not a record of a known schema is refused, changing nothing.
    pub fn apply(&self, key: &str, payload: Option<&[u8]>) -> Result<(), RecordError> {
        let Some(payload) = payload else {
            let mut inner = self.write();
            for records in inner.tenants.values_mut() {
                records.remove(key);
            }
            return Ok(());
        };
        let value: Value = serde_json::from_slice(payload).map_err(|_| RecordError::NotAnObject)?;
        let stored = parse(&value)?;
        let tenant = (value.get("tenant").and_then(Value::as_str))
            .unwrap_or_else(|| key.split('/').next().unwrap_or(""))
            .to_string();
        let stored = Stored {
            value: Arc::new(value),
            ..stored
        };
        let mut inner = self.write();
        if stored.date.as_str() < inner.cutoff.as_str() {
            if let Some(records) = inner.tenants.get_mut(&tenant) {
                records.remove(key);
            }
        } else {
            let records = inner.tenants.entry(tenant).or_default();
            records.insert(key.to_string(), stored);
        }
        Ok(())
    }

    /// Drops records of dates before `date` (`YYYY-MM-DD`) and keeps none such from here on.
    pub fn forget_before(&self, date: &str) {
        let mut inner = self.write();
        inner.cutoff = date.to_string();
        for records in inner.tenants.values_mut() {
            records.retain(|_, stored| stored.date.as_str() >= date);
        }
        inner.tenants.retain(|_, records| !records.is_empty());
    }

    /// The newest value of `key`, whatever its kind.
    pub fn record(&self, key: &str) -> Option<Arc<Value>> {
        let tenant = key.split('/').next().unwrap_or("");
        let inner = self.read();
        let found = (inner.tenants.get(tenant)).and_then(|records| records.get(key));
        found
            .or_else(|| (inner.tenants.values()).find_map(|records| records.get(key)))
            .map(|stored| Arc::clone(&stored.value))
    }

    /// Whether the topic's newest record of `key` has this value (`value` as JSON text).
    pub fn holds(&self, key: &str, value: &str) -> bool {
        let Some(held) = self.record(key) else {
            return false;
        };
        serde_json::from_str::<Value>(value).is_ok_and(|value| value == *held)
    }

    /// Whether the delivery task marked the tenant's daily report of `date` as sent.
    pub fn delivered(&self, tenant: &str, date: &str) -> bool {
        self.record(&format!("{tenant}/delivery/daily/{date}"))
            .is_some_and(|value| value.get("kind").and_then(Value::as_str) == Some("delivery"))
    }

    /// Whether any record of the tenant is kept.
    pub fn knows_tenant(&self, tenant: &str) -> bool {
        self.read().tenants.contains_key(tenant)
    }

    /// The tenant's rows of `kind` dated `from` ≤ date < `to` (`YYYY-MM-DD`; `to` is the first day not
    /// included), ordered by subject and interval start as the report orders them.
    pub fn rows(&self, tenant: &str, kind: Kind, from: &str, to: &str) -> Vec<Arc<Value>> {
        let inner = self.read();
        let Some(records) = inner.tenants.get(tenant) else {
            return Vec::new();
        };
        let mut rows: Vec<Arc<Value>> = (records.values())
            .filter(|stored| stored.kind == kind)
            .filter(|stored| from <= stored.date.as_str() && stored.date.as_str() < to)
            .map(|stored| Arc::clone(&stored.value))
            .collect();
        drop(inner);
        let text = |value: &Value, column: &str| {
            (value.get(column).and_then(Value::as_str))
                .unwrap_or("")
                .to_string()
        };
        let subject = kind.subject_column().unwrap_or("");
        rows.sort_by_cached_key(|row| (text(row, subject), text(row, "interval_start")));
        rows
    }

    /// Records kept, over all tenants.
    pub fn len(&self) -> usize {
        self.read().tenants.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn mark_caught_up(&self) {
        self.caught_up.store(true, Ordering::Release);
    }

    /// Whether the topic was read to its end as it was at start: until then, a key's absence says
    /// nothing.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The kind and date of a record's value (the value itself is filled in by the caller).
fn parse(value: &Value) -> Result<Stored, RecordError> {
    let object = value.as_object().ok_or(RecordError::NotAnObject)?;
    let schema = (object.get("schema").and_then(Value::as_u64)).ok_or(RecordError::NoSchema)?;
    if schema != SCHEMA {
        return Err(RecordError::UnknownSchema(schema));
    }
    let kind = (object.get("kind").and_then(Value::as_str))
        .and_then(Kind::parse)
        .ok_or(RecordError::UnknownKind)?;
    let date = (object.get("date").and_then(Value::as_str))
        .filter(|date| {
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() && date.len() == 10
        })
        .ok_or(RecordError::BadDate)?;
    Ok(Stored {
        kind,
        date: date.to_string(),
        value: Arc::new(Value::Null),
    })
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
