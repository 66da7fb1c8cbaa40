//! Building the roll-ups of measures that a change of the library registered, while record
//! writes go on.
//!
//! A library change (a formula edited, a scheme imported) registers the measures it brings
//! as *not ready*, in the same transaction as the new library version. Until a measure is
//! ready, readers compute it from the records ([`crate::evaluate::measures::compute`]), so no
//! request waits for a build. [`Store::build_pending_rollups`] then builds the buckets one
//! (group, month) at a time: it reads the month on a read connection, outside any write lock
//! (at ten thousand staff a month of calls takes seconds), and writes the buckets in a short
//! write transaction. A record write that lands in between is not lost:
//!
//! - writes refresh the buckets of every registered measure, ready or not, so a month built
//!   earlier stays in step;
//! - a write refreshing a kind that has measures not ready also notes its (kind, month, person)
//!   in `rollup_build_touched`; the build clears the month's notes before it reads, and in its
//!   write transaction reads again the people noted since (the whole month, inside the lock,
//!   when a write reached everybody).
//!
//! Once every month is built the cards are repacked and the measures marked ready, together.
//! A build stopped half-way (a crash, a stop) leaves the measures not ready; the next build
//! starts them again.

use super::{Registered, bucket_query, buckets_in_tx, buckets_on_store, groups};
use crate::sql::Sql;
use crate::{Result, Store, Tx};
use chrono::{DateTime, Utc};
use kaohe_domain::formula::Measure;
use kaohe_domain::period::Period;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A test's hook between a build's read of a month and its write.
pub type AfterRead<'a> = dyn Fn(Period) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>
    + Sync
    + 'a;

/// Whose cards one transaction of a build repacks.
const REPACK_PEOPLE: usize = 1000;

/// The person a note names when a write reached everybody in its month.
const EVERYBODY: i64 = -1;

/// The state of the background builds, for the pages that show their progress.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BuildStatus {
    /// Whether a build is under way.
    pub running: bool,
    /// Measures in the current (or last) build.
    pub measures: usize,
    /// (group, month) reads done of `total`.
    pub done: usize,
    /// (group, month) reads the build needs.
    pub total: usize,
    /// When the last build ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the last build failed, if it did.
    pub error: Option<String>,
}

/// Shared by every clone of a [`Store`]: the status, and the bell a library change rings.
#[derive(Debug, Default)]
pub(crate) struct Builds {
    status: Mutex<BuildStatus>,
    wake: tokio::sync::Notify,
}

impl Builds {
    fn update(&self, f: impl FnOnce(&mut BuildStatus)) {
        f(&mut self.status.lock().expect("build status lock"));
    }
}

impl Tx {
    /// Registers those of `measures` (each over one month) that buckets can answer and are not
    /// registered yet, as not ready; answers how many were new.
    pub(crate) async fn register_pending_measures(
        &mut self,
        measures: &[Measure],
    ) -> Result<usize> {
        let known: Vec<(String,)> = self
            .fetch_all(&Sql::new("SELECT measure_key FROM rollup_measures"))
            .await?;
        let known: BTreeSet<String> = known.into_iter().map(|(k,)| k).collect();
        let mut added = BTreeSet::new();
        let now = Utc::now();
        for m in measures {
            if !super::pushdown::rollable(m) || known.contains(m.key()) || !added.insert(m.key()) {
                continue;
            }
            let mut sql = Sql::new(
                "INSERT INTO rollup_measures (measure_key, kind, built_at, ready) VALUES (",
            );
            sql.bind(m.key())
                .push(", ")
                .bind(m.kind.as_str())
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(false)
                .push(") ON CONFLICT (measure_key) DO NOTHING");
            self.run(&sql).await?;
        }
        Ok(added.len())
    }

    /// Marks `measures` built: readers take them from the roll-ups from now on.
    pub(crate) async fn mark_rollups_ready(&mut self, measures: &[Registered]) -> Result<()> {
        let mut ready = Sql::new("UPDATE rollup_measures SET ready = ");
        ready
            .bind(true)
            .push(", built_at = ")
            .bind(Utc::now())
            .push(" WHERE id IN ")
            .bind_list(measures.iter().map(|r| r.id));
        self.run(&ready).await?;
        Ok(())
    }

    /// Notes that `kind`'s buckets of `month` were refreshed — of `people`, or of everybody
    /// (`None`) — while a build may be reading them.
    pub(crate) async fn note_touched_while_building(
        &mut self,
        kind: &str,
        month: Period,
        people: Option<&BTreeSet<i64>>,
    ) -> Result<()> {
        let people: Vec<i64> = match people {
            Some(p) => p.iter().copied().collect(),
            None => vec![EVERYBODY],
        };
        for chunk in people.chunks(300) {
            let mut sql =
                Sql::new("INSERT INTO rollup_build_touched (kind, month, employee_id) VALUES ");
            for (i, emp) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(kind)
                    .push(", ")
                    .bind(month.to_string())
                    .push(", ")
                    .bind(*emp)
                    .push(")");
            }
            sql.push(" ON CONFLICT DO NOTHING");
            self.run(&sql).await?;
        }
        Ok(())
    }
}

/// Every measure (over one month) a library and the boards want from roll-ups.
pub(crate) fn wanted_by(library: &kaohe_domain::library::Library) -> Result<Vec<Measure>> {
    Ok(crate::evaluate::library_measures(library)
        .into_iter()
        .chain(crate::boards::funnel_measures()?)
        .map(|w| w.measure.per_period())
        .collect())
}

impl Store {
    /// What the background builds are doing.
    pub fn rollup_build_status(&self) -> BuildStatus {
        self.builds
            .status
            .lock()
            .expect("build status lock")
            .clone()
    }

    /// How many registered measures are not built yet.
    pub async fn pending_rollups(&self) -> Result<usize> {
        let (n,): (i64,) = self
            .fetch_optional(&Sql::new(
                "SELECT COUNT(*) FROM rollup_measures WHERE NOT ready",
            ))
            .await?
            .unwrap_or((0,));
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Waits until a library change registers measures to build (at once if one did since
    /// the last wait).
    pub async fn rollup_work_waiting(&self) {
        self.builds.wake.notified().await;
    }

    /// Rings the builder's bell.
    pub(crate) fn wake_rollup_builder(&self) {
        self.builds.wake.notify_one();
    }

    /// Registers, as not ready, the measures of the current library and the boards that no
    /// build has registered (a database upgraded from an earlier kaohe); answers how many.
    pub async fn queue_library_rollups(&self) -> Result<usize> {
        let measures = wanted_by(&self.library().await?.library)?;
        let mut tx = self.begin().await?;
        let added = tx.register_pending_measures(&measures).await?;
        tx.commit_bookkeeping().await?;
        if added > 0 {
            self.wake_rollup_builder();
        }
        Ok(added)
    }

    /// Builds every registered measure that is not ready, (group, month) by (group, month),
    /// without holding the write lock while it reads; `progress(done, total)` is called after
    /// each (group, month). Record writes go on meanwhile (see the module documentation).
    pub async fn build_pending_rollups(
        &self,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<super::BuildReport> {
        self.build_pending_rollups_pausing(progress, &|_| Box::pin(async {}))
            .await
    }

    /// [`Store::build_pending_rollups`] running `after_read(month)` after each read outside
    /// the write lock: for tests that write a record exactly there.
    #[doc(hidden)]
    pub async fn build_pending_rollups_pausing(
        &self,
        progress: &(dyn Fn(usize, usize) + Sync),
        after_read: &AfterRead<'_>,
    ) -> Result<super::BuildReport> {
        let rows: Vec<(i64, String)> = self
            .fetch_all(&Sql::new(
                "SELECT id, measure_key FROM rollup_measures WHERE NOT ready ORDER BY id",
            ))
            .await?;
        let pending = super::parse_registry(rows);
        if pending.is_empty() {
            return Ok(super::BuildReport::default());
        }
        let tz = self.rollup_tz().await?;
        let jobs = self.build_jobs(&pending, &tz).await?;
        let total = jobs.len();
        self.builds.update(|s| {
            *s = BuildStatus {
                running: true,
                measures: pending.len(),
                total,
                ..BuildStatus::default()
            }
        });
        let outcome = self
            .build_jobs_of(&pending, &jobs, &tz, progress, after_read)
            .await;
        self.builds.update(|s| {
            s.running = false;
            s.finished_at = Some(Utc::now());
            s.error = outcome.as_ref().err().map(ToString::to_string);
        });
        let buckets = outcome?;
        tracing::info!(
            measures = pending.len(),
            queries = total,
            buckets,
            "roll-ups built for new measures"
        );
        Ok(super::BuildReport {
            measures: pending.len(),
            queries: total,
            buckets,
        })
    }

    async fn build_jobs_of(
        &self,
        pending: &[Registered],
        jobs: &[(super::GroupKey, Period)],
        tz: &str,
        progress: &(dyn Fn(usize, usize) + Sync),
        after_read: &AfterRead<'_>,
    ) -> Result<usize> {
        let by_group = groups(pending);
        let mut buckets = 0;
        for (i, (key, month)) in jobs.iter().enumerate() {
            buckets += self
                .build_one_month(*key, &by_group[key], *month, tz, after_read)
                .await?;
            self.builds.update(|s| s.done = i + 1);
            progress(i + 1, jobs.len());
        }
        // The cards of REPACK_PEOPLE people in one transaction each: record writes wait no longer
        // than that (a whole month of 10,000 people's cards kept a call's save waiting 1.7 s).
        // Writes meanwhile repack their own cards, new measure included.
        let months: BTreeSet<Period> = jobs.iter().map(|(_, m)| *m).collect();
        for month in months {
            let mut sql = Sql::new("SELECT DISTINCT employee_id FROM rollups WHERE month = ");
            sql.bind(month.to_string());
            let people: Vec<(i64,)> = self.fetch_all(&sql).await?;
            for chunk in people.chunks(REPACK_PEOPLE) {
                let chunk: BTreeSet<i64> = chunk.iter().map(|(e,)| *e).collect();
                let mut tx = self.begin().await?;
                lock_registry(&mut tx).await?;
                tx.repack_cards(month, Some(&chunk)).await?;
                tx.commit_bookkeeping().await?;
            }
        }
        let mut tx = self.begin().await?;
        tx.mark_rollups_ready(pending).await?;
        tx.execute(
            "DELETE FROM rollup_build_touched WHERE kind NOT IN \
             (SELECT kind FROM rollup_measures WHERE NOT ready)",
            vec![],
        )
        .await?;
        tx.commit_bookkeeping().await?;
        Ok(buckets)
    }

    /// Builds the buckets of `members` (one group) for `month`; answers how many it wrote.
    async fn build_one_month(
        &self,
        key: super::GroupKey,
        members: &[&Registered],
        month: Period,
        tz: &str,
        after_read: &AfterRead<'_>,
    ) -> Result<usize> {
        let kind = key.kind.as_str();
        let mut clear = Sql::new("DELETE FROM rollup_build_touched WHERE kind = ");
        clear
            .bind(kind)
            .push(" AND month = ")
            .bind(month.to_string());
        let mut tx = self.begin().await?;
        tx.run(&clear).await?;
        tx.commit_bookkeeping().await?;
        let sql = bucket_query(key, members, month, tz, None);
        let read = buckets_on_store(self, &sql, members, month).await?;
        after_read(month).await;
        let mut tx = self.begin().await?;
        lock_registry(&mut tx).await?;
        let mut noted = Sql::new("SELECT employee_id FROM rollup_build_touched WHERE kind = ");
        noted
            .bind(kind)
            .push(" AND month = ")
            .bind(month.to_string());
        let noted: BTreeSet<i64> = tx
            .fetch_all::<(i64,)>(&noted)
            .await?
            .into_iter()
            .map(|(e,)| e)
            .collect();
        // The people written since the read are read again here, inside the write lock; a
        // write that reached everybody (an import) has the whole month read again.
        let rows = if noted.contains(&EVERYBODY) {
            buckets_in_tx(&mut tx, &sql, members, month).await?
        } else if noted.is_empty() {
            read
        } else {
            let again = if key.credited {
                tx.with_credit_holders(&noted, &month).await?
            } else {
                noted
            };
            let sql = bucket_query(key, members, month, tz, Some(&again));
            let mut rows: Vec<_> = read
                .into_iter()
                .filter(|r| !again.contains(&r.employee_id))
                .collect();
            rows.extend(buckets_in_tx(&mut tx, &sql, members, month).await?);
            rows
        };
        let mut del = Sql::new("DELETE FROM rollups WHERE month = ");
        del.bind(month.to_string())
            .push(" AND measure_id IN ")
            .bind_list(members.iter().map(|r| r.id));
        tx.run(&del).await?;
        tx.insert_rows(&rows).await?;
        tx.commit_bookkeeping().await?;
        Ok(rows.len())
    }
}

/// On PostgreSQL, waits for record writes refreshing roll-ups to commit, and keeps new ones
/// from refreshing until this transaction commits (their refresh takes a SHARE lock).
/// SQLite's write transactions are serial already.
async fn lock_registry(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(_) = tx {
        tx.execute("LOCK TABLE rollup_measures IN EXCLUSIVE MODE", vec![])
            .await?;
    }
    Ok(())
}
