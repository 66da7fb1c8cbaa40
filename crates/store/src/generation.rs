//! Generations: counters that move whenever committed data changes, so that a cached read (a
//! person's dashboard, a signed-in identity) can tell without a query whether it is current.
//!
//! Every commit and every single write statement moves the global generation, except a commit
//! of operational records ([`crate::Tx::commit_records`]), which moves only the generations of
//! the people whose KPI roll-ups it changed: a call entered by one rep leaves every other
//! person's dashboard cached.
//!
//! The counters live in this process. Two stores opened in one process (the tests) share them,
//! which costs extra invalidations, never a stale read. Writes by another process (the CLI on
//! the same SQLite file, a second server on the same PostgreSQL) are not seen here, which is
//! why a cache must also bound the age of what it keeps.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

/// One sequence for every counter, so that a person's counter never takes a value it had
/// before (a cache keyed by it cannot mistake an old entry for a current one).
static NEXT: AtomicU64 = AtomicU64::new(1);
static GLOBAL: AtomicU64 = AtomicU64::new(0);
static PEOPLE: LazyLock<Mutex<HashMap<i64, u64>>> = LazyLock::new(Mutex::default);

/// The generations a cached read of one person depends on: everything shared (library,
/// schemes, targets, ratings, cycles, calendar, accounts, stored scorecards) and the person's
/// own records. Equal stamps before and after mean nothing the read saw has changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    global: u64,
    person: u64,
}

/// The current stamp for a read about `person` (or about no person). Take it before reading,
/// so that a write committed during the read makes the result stale rather than hidden.
pub fn stamp(person: Option<i64>) -> Stamp {
    let global = GLOBAL.load(Ordering::Acquire);
    let person = person.map_or(0, |p| {
        *PEOPLE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&p)
            .unwrap_or(&0)
    });
    Stamp { global, person }
}

/// Something shared changed (or it is not known what changed).
pub(crate) fn everything_changed() {
    GLOBAL.fetch_max(NEXT.fetch_add(1, Ordering::AcqRel), Ordering::AcqRel);
}

/// The operational records of these people changed, and nothing shared.
pub(crate) fn people_changed(people: impl IntoIterator<Item = i64>) {
    let mut map = PEOPLE.lock().unwrap_or_else(|e| e.into_inner());
    for p in people {
        map.insert(p, NEXT.fetch_add(1, Ordering::AcqRel));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_change_moves_only_their_stamp_and_a_shared_change_moves_all() {
        let (a, b) = (9_000_001, 9_000_002);
        let (a0, b0) = (stamp(Some(a)), stamp(Some(b)));
        people_changed([a]);
        assert_ne!(stamp(Some(a)), a0);
        // Other tests may move the global counter meanwhile; compare the person part only.
        assert_eq!(stamp(Some(b)).person, b0.person);
        let (a1, b1, none) = (stamp(Some(a)), stamp(Some(b)), stamp(None));
        everything_changed();
        assert_ne!(stamp(Some(a)), a1);
        assert_ne!(stamp(Some(b)), b1);
        assert_ne!(stamp(None), none);
    }
}
