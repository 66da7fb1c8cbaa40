//! Cached reads of what nearly every request repeats: who is signed in (account, data scope,
//! inbox badge), a person's dashboard (live KPIs, next grade, trend, rank) and the pages that
//! sum the company's records (credit ageing, training report).
//!
//! An entry is served only while nothing it was built from has changed: the generation stamp
//! of the store ([`kaohe_store::generation`]) is the same, and so is the company-local day.
//! Writes made by this server invalidate at once; writes by another process on the same
//! database (the CLI, a second server) are not seen by the stamp, so every entry also has a
//! maximum age: [`IDENTITY_MAX_AGE`] and [`DASHBOARD_MAX_AGE`].

use chrono::NaiveDate;
use kaohe_store::generation::Stamp;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a signed-in identity may be reused when nothing in this process changed: a
/// session ended or a token revoked by another process stops working within this time.
pub const IDENTITY_MAX_AGE: Duration = Duration::from_secs(5);

/// How long a dashboard may be reused when nothing in this process changed: records entered
/// through another process show on dashboards within this time.
pub const DASHBOARD_MAX_AGE: Duration = Duration::from_secs(30);

/// Beyond this many entries the cache starts over, bounding its memory (a few MB of pages).
const MAX_ENTRIES: usize = 20_000;

/// A map of values valid for one generation stamp and one day, each for at most `max_age`.
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// Keys whose entry is being rebuilt in the background.
    refreshing: Mutex<HashSet<K>>,
    max_age: Duration,
}

/// What [`Cache::lookup`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<V> {
    /// Built from what is current.
    Fresh(V),
    /// Built before a large import changed the person's records, and nothing else changed: may
    /// be shown while it is rebuilt ([`Cache::begin_refresh`]).
    Stale(V),
    /// Nothing usable.
    Miss,
}

struct Entry<V> {
    stamp: Stamp,
    day: NaiveDate,
    until: Instant,
    value: V,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    /// An empty cache whose entries live at most `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(HashSet::new()),
            max_age,
        }
    }

    /// The value kept for `key`, if it was built at `stamp` on `day` and is young enough.
    pub fn get(&self, key: &K, stamp: Stamp, day: NaiveDate) -> Option<V> {
        match self.lookup(key, stamp, day) {
            Lookup::Fresh(v) => Some(v),
            Lookup::Stale(_) | Lookup::Miss => None,
        }
    }

    /// Like [`Cache::get`], but an entry outdated only by a large import (and still young
    /// enough) is handed out as [`Lookup::Stale`].
    pub fn lookup(&self, key: &K, stamp: Stamp, day: NaiveDate) -> Lookup<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let Some(e) = entries
            .get(key)
            .filter(|e| e.day == day && Instant::now() < e.until)
        else {
            return Lookup::Miss;
        };
        if e.stamp == stamp {
            Lookup::Fresh(e.value.clone())
        } else if e.stamp.only_bulk_changed_by(&stamp) {
            Lookup::Stale(e.value.clone())
        } else {
            Lookup::Miss
        }
    }

    /// Claims the background rebuild of `key`: false when one is already under way.
    pub fn begin_refresh(&self, key: K) -> bool {
        let mut refreshing = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        refreshing.insert(key)
    }

    /// Ends the rebuild claimed by [`Cache::begin_refresh`].
    pub fn end_refresh(&self, key: &K) {
        let mut refreshing = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        refreshing.remove(key);
    }

    /// Keeps `value` for `key`, built from what `stamp` (taken before reading) saw on `day`.
    pub fn put(&self, key: K, stamp: Stamp, day: NaiveDate, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        // Each entry lives between three quarters of the maximum age and all of it, so that
        // pages built together (a server's first minute) are not all rebuilt in one burst.
        let now = Instant::now();
        let spread = u64::from(jitter()) % 1024;
        let life = self.max_age.mul_f64(0.75 + 0.25 * spread as f64 / 1024.0);
        entries.insert(
            key,
            Entry {
                stamp,
                day,
                until: now + life,
                value,
            },
        );
    }
}

/// A few changing bits (the clock's nanoseconds): enough to spread expiry times.
fn jitter() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaohe_store::generation::stamp;

    #[test]
    fn an_entry_is_served_only_for_its_stamp_its_day_and_its_age() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        // A second of age: the first reads come well within it even on a loaded test machine.
        let cache: Cache<u32, &str> = Cache::new(Duration::from_millis(1000));
        let s = stamp(Some(7));
        cache.put(1, s, day, "page");
        assert_eq!(cache.get(&1, s, day), Some("page"));
        assert_eq!(cache.get(&2, s, day), None);
        assert_eq!(cache.get(&1, s, day.succ_opt().unwrap()), None);
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(cache.get(&1, s, day), None, "older than its maximum age");
    }

    #[test]
    fn an_entry_outdated_by_a_bulk_import_alone_is_stale_and_by_anything_else_missing() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let cache: Cache<u32, &str> = Cache::new(Duration::from_secs(60));
        let person = 9_100_001;
        let s0 = stamp(Some(person));
        cache.put(1, s0, day, "page");
        assert_eq!(cache.lookup(&1, s0, day), Lookup::Fresh("page"));
        kaohe_store::generation::testing::bulk_change(person);
        let s1 = stamp(Some(person));
        // Another test may move the shared counter in between: then it is a miss, rightly.
        if s0.only_bulk_changed_by(&s1) {
            assert_eq!(cache.lookup(&1, s1, day), Lookup::Stale("page"));
        }
        assert_eq!(cache.lookup(&1, s1, day.succ_opt().unwrap()), Lookup::Miss);
        kaohe_store::generation::testing::own_change(person);
        assert_eq!(cache.lookup(&1, stamp(Some(person)), day), Lookup::Miss);
        assert!(cache.begin_refresh(1));
        assert!(!cache.begin_refresh(1), "one rebuild per key at a time");
        cache.end_refresh(&1);
        assert!(cache.begin_refresh(1));
    }
}
