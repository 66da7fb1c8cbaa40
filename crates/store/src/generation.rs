//! Generations: counters that move whenever committed data changes, so that a cached read (a
//! person's dashboard, a signed-in identity) can tell without a query whether it is current.
//!
//! Every commit and every single write statement moves the global generation, except a commit
//! of operational records ([`crate::Tx::commit_records`]), which moves only the generations of
//! the people whose KPI roll-ups it changed: a call entered by one rep leaves every other
//! person's dashboard cached.
//!
//! A large import moves a third counter per person instead ([`people_changed_in_bulk`]): a
//! cache may keep serving what it holds for those people while it rebuilds it in the
//! background, so that an import touching every rep does not make every dashboard be rebuilt in
//! the same second.
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
/// The latest value given to any person's counter: a read of many people's records is
/// current while it and the global counter stay.
static ANYONE: AtomicU64 = AtomicU64::new(0);
/// Moved by an import so large that it changed the records of everybody (every roll-up of a
/// month recomputed): counts as a bulk change of every person.
static EVERYONE_IN_BULK: AtomicU64 = AtomicU64::new(0);
/// Per person: (own records, records imported in bulk).
static PEOPLE: LazyLock<Mutex<HashMap<i64, (u64, u64)>>> = LazyLock::new(Mutex::default);

/// The generations a cached read of one person depends on: everything shared (library,
/// schemes, targets, ratings, cycles, calendar, accounts, stored scorecards) and the person's
/// own records. Equal stamps before and after mean nothing the read saw has changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    global: u64,
    person: u64,
    bulk: u64,
}

impl Stamp {
    /// Whether `later` differs from this stamp only by records imported in bulk: what was
    /// read at this stamp is outdated but may be shown while it is read again.
    pub fn only_bulk_changed_by(&self, later: &Stamp) -> bool {
        self.global == later.global && self.person == later.person && self.bulk != later.bulk
    }
}

/// The current stamp for a read about `person` (or about no person). Take it before reading,
/// so that a write committed during the read makes the result stale rather than hidden.
pub fn stamp(person: Option<i64>) -> Stamp {
    let global = GLOBAL.load(Ordering::Acquire);
    let (person, bulk) = person.map_or((0, 0), |p| {
        let everyone = EVERYONE_IN_BULK.load(Ordering::Acquire);
        let (own, bulk) = *PEOPLE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&p)
            .unwrap_or(&(0, 0));
        (own, bulk.max(everyone))
    });
    Stamp {
        global,
        person,
        bulk,
    }
}

/// The current stamp for a read about anybody (a company's credit ageing, a training report):
/// it moves with every commit that changes what a read can see, whoever's records it changed.
pub fn stamp_of_everyone() -> Stamp {
    let anyone = ANYONE.load(Ordering::Acquire);
    Stamp {
        global: GLOBAL.load(Ordering::Acquire),
        person: anyone,
        bulk: 0,
    }
}

/// Something shared changed (or it is not known what changed).
pub(crate) fn everything_changed() {
    GLOBAL.fetch_max(NEXT.fetch_add(1, Ordering::AcqRel), Ordering::AcqRel);
}

/// The operational records of these people changed, and nothing shared.
pub(crate) fn people_changed(people: impl IntoIterator<Item = i64>) {
    let mut map = PEOPLE.lock().unwrap_or_else(|e| e.into_inner());
    for p in people {
        let next = NEXT.fetch_add(1, Ordering::AcqRel);
        map.entry(p).or_default().0 = next;
        ANYONE.fetch_max(next, Ordering::AcqRel);
    }
}

/// The operational records of these people changed through a large import, and nothing shared.
pub(crate) fn people_changed_in_bulk(people: impl IntoIterator<Item = i64>) {
    let mut map = PEOPLE.lock().unwrap_or_else(|e| e.into_inner());
    for p in people {
        let next = NEXT.fetch_add(1, Ordering::AcqRel);
        map.entry(p).or_default().1 = next;
        ANYONE.fetch_max(next, Ordering::AcqRel);
    }
}

/// The operational records of everybody may have changed through a large import, and
/// nothing shared.
pub(crate) fn everyone_changed_in_bulk() {
    let next = NEXT.fetch_add(1, Ordering::AcqRel);
    EVERYONE_IN_BULK.fetch_max(next, Ordering::AcqRel);
    ANYONE.fetch_max(next, Ordering::AcqRel);
}

/// Moves the counters as the store's commits do, for tests of caches in other crates.
#[doc(hidden)]
pub mod testing {
    /// As a large import of `person`'s records would.
    pub fn bulk_change(person: i64) {
        super::people_changed_in_bulk([person]);
    }

    /// As a form saving one of `person`'s records would.
    pub fn own_change(person: i64) {
        super::people_changed([person]);
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

    #[test]
    fn the_stamp_of_everyone_moves_with_any_persons_change_and_with_a_shared_one() {
        let s0 = stamp_of_everyone();
        people_changed([9_000_004]);
        let s1 = stamp_of_everyone();
        assert_ne!(s1, s0);
        people_changed_in_bulk([9_000_005]);
        let s2 = stamp_of_everyone();
        assert_ne!(s2, s1);
        everything_changed();
        assert_ne!(stamp_of_everyone(), s2);
    }

    #[test]
    fn an_import_reaching_everyone_is_a_bulk_change_of_each_person() {
        let a = 9_000_006;
        people_changed([a]);
        let (a0, all0, none0) = (stamp(Some(a)), stamp_of_everyone(), stamp(None));
        everyone_changed_in_bulk();
        let (a1, all1) = (stamp(Some(a)), stamp_of_everyone());
        assert_ne!(a1, a0);
        assert_ne!(all1, all0);
        // Other tests may move the global counter meanwhile: only compare when they did not.
        if a1.global == a0.global {
            assert!(a0.only_bulk_changed_by(&a1));
            assert_eq!(stamp(None), none0, "a read about nobody's records stays");
        }
        // The person's own change after it is no bulk change.
        people_changed([a]);
        assert!(!a1.only_bulk_changed_by(&stamp(Some(a))));
    }

    #[test]
    fn a_bulk_change_is_told_apart_from_a_persons_own_and_from_a_shared_one() {
        let a = 9_000_003;
        let a0 = stamp(Some(a));
        people_changed_in_bulk([a]);
        let a1 = stamp(Some(a));
        assert_ne!(a1, a0);
        // Other tests may move the global counter meanwhile: only compare when they did not.
        if a1.global == a0.global {
            assert!(a0.only_bulk_changed_by(&a1));
        }
        people_changed([a]);
        assert!(!a1.only_bulk_changed_by(&stamp(Some(a))));
        assert!(!a1.only_bulk_changed_by(&a1), "the same stamp is no change");
    }
}
