//! Per-person, per-month roll-ups of formula measures (汇总), so that evaluation and live
//! scorecards never rescan raw records.
//!
//! - **Registry** (`rollup_measures`): every measure the library and the boards use, keyed by
//!   its canonical text over one month (`Measure::per_period`). A library change registers the
//!   measures it brings as not ready; they are built in the background (`builds`) and until
//!   then computed from the records. No request builds roll-ups.
//! - **Buckets** (`rollups`): for each registered measure, month and person with records,
//!   the count, sum, minimum and maximum ([`Bucket`]). A month's value is its bucket; a
//!   quarter's, a year's or a cumulative window's is the merge of the buckets of its months
//!   (`count_distinct` does not add up across months, so it is read from buckets only for a
//!   single month and otherwise computed from the records).
//! - **Maintenance on write**: every record write marks the (kind, person, month) buckets it
//!   touches in `rollup_dirty`, inside its transaction; [`crate::Tx::commit`] refreshes the
//!   marked buckets from the records in that same transaction, so a committed write and its
//!   roll-ups are never out of step, and a crash loses neither. Values that depend on other
//!   records (a repeat customer, a receivable paid by its due date) refresh the buckets of
//!   those other records too.
//! - **Rebuilds** ([`crate::Store::rebuild_rollups`], [`crate::Store::prepare_rollups`]) run
//!   one conditional aggregation per (kind, window, month) in the database ([`pushdown`]),
//!   spread over the read connections, and write the buckets in one transaction; a build of
//!   new measures (`builds`) goes month by month beside record writes.

mod builds;
pub(crate) mod cards;
pub mod pushdown;
mod refresh;

pub use builds::{AfterRead, BuildStatus};
pub(crate) use builds::{Builds, wanted_by};
pub use pushdown::Bucket;

use crate::evaluate::measures::{Computed, Wanted};
use crate::sql::Sql;
use crate::val::Val;
use crate::{Backend, Result, Store, Tx, Viewer};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures_util::StreamExt;
use kaohe_domain::catalogue::{FieldType, RecordKind};
use kaohe_domain::formula::{Aggregate, Measure, PeriodOffset};
use kaohe_domain::period::{Period, PeriodKind};
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A registered measure: its id in `rollup_measures` and the measure over one month.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    pub id: i64,
    pub measure: Measure,
}

/// Measures of one kind that read the same rows: same window field, same crediting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct GroupKey {
    pub kind: RecordKind,
    pub field: &'static str,
    pub credited: bool,
}

impl GroupKey {
    fn of(m: &Measure) -> Self {
        GroupKey {
            kind: m.kind,
            field: m.window.field,
            credited: m.aggregate == Aggregate::CreditedSum,
        }
    }

    /// The SQL of the person a row counts for.
    fn emp_col(self) -> String {
        let def = self.kind.def();
        if self.credited {
            format!("COALESCE(c.employee_id, t.{})", def.employee_field)
        } else {
            format!("t.{}", def.employee_field)
        }
    }

    /// Whether the table has an index on (person, window field) — see [`PERSON_INDEXES`].
    fn person_indexed(self) -> bool {
        !self.credited
            && PERSON_INDEXES
                .iter()
                .any(|(table, field)| *table == self.kind.def().name && *field == self.field)
    }
}

/// The record tables with an index on (person, window field), as `schema.sql` creates them
/// (a test checks the list against the database). A month's buckets of such a table are read
/// person by person through that index, already in the order of the GROUP BY: SQLite then
/// neither sorts the month's rows (hundreds of megabytes of temporary B-tree at ten million
/// calls) nor spends the CPU on it — measured at 2.3× less CPU time and 6 MB instead of 470 MB.
pub const PERSON_INDEXES: &[(&str, &str)] = &[
    ("calls", "day"),
    ("visits", "day"),
    ("orders", "day"),
    ("order_events", "due_at"),
    ("shipments", "day"),
    ("contracts", "signed_day"),
    ("receivables", "due_on"),
    ("payments", "received_on"),
    ("complaints", "day"),
    ("expenses", "day"),
    ("reports", "day"),
    ("documents", "day"),
];

/// The local days an instant on UTC day `day` may fall on, in any company time zone: that day
/// and its neighbours.
pub(crate) fn local_days(day: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    [day.pred_opt(), Some(day), day.succ_opt()]
        .into_iter()
        .flatten()
}

/// Whether `w` can be answered from buckets for `period`.
pub(crate) fn from_buckets(w: &Wanted, period: Period) -> bool {
    pushdown::rollable(&w.measure)
        && (w.measure.aggregate != Aggregate::CountDistinct
            || (!w.measure.window.cumulative && period.kind() == PeriodKind::Month))
}

/// A bucket as read back: measure, person, n, total, lo, hi.
type StoredBucket = (i64, i64, i64, Option<f64>, Option<f64>, Option<f64>);

/// One bucket row as stored.
struct BucketRow {
    measure_id: i64,
    month: String,
    employee_id: i64,
    bucket: Bucket,
}

impl crate::rows::Row for BucketRow {
    const TABLE: &'static str = "rollups";
    const COLUMNS: &'static [&'static str] = &[
        "measure_id",
        "month",
        "employee_id",
        "n",
        "total",
        "lo",
        "hi",
    ];
    fn values(&self, out: &mut Vec<Val>) {
        out.push(self.measure_id.into());
        out.push(self.month.as_str().into());
        out.push(self.employee_id.into());
        out.push(self.bucket.n.into());
        out.push(self.bucket.total.into());
        out.push(self.bucket.lo.into());
        out.push(self.bucket.hi.into());
    }
}

/// The query computing the buckets of `members` (one group) for `month`, for everybody or for
/// `employees` only. Columns: the person, then n / total / lo / hi per member.
pub(crate) fn bucket_query(
    key: GroupKey,
    members: &[&Registered],
    month: Period,
    tz: &str,
    employees: Option<&BTreeSet<i64>>,
) -> Sql {
    let emp = key.emp_col();
    let mut sql = Sql::new(&format!("SELECT {emp}"));
    let share = "COALESCE(c.share_pct, CAST(100 AS DOUBLE PRECISION))";
    for r in members {
        pushdown::push_aggregates(&r.measure, share, &mut sql);
    }
    sql.push(&format!(" FROM {} t", key.kind.def().name));
    if key.credited {
        sql.push(" LEFT JOIN order_credits c ON c.order_id = t.id");
    }
    let ty = key.kind.field(key.field).map_or(FieldType::Date, |f| f.ty);
    let (start, end) = month_bounds(month, ty, tz);
    sql.push(&format!(" WHERE t.{} >= ", key.field))
        .bind(start)
        .push(&format!(" AND t.{} < ", key.field))
        .bind(end);
    if let Some(list) = employees {
        sql.push(&format!(" AND {emp} IN "))
            .bind_list(list.iter().copied());
    } else if key.person_indexed() {
        sql.push(&format!(" AND {emp} IN (SELECT id FROM employees)"));
    }
    sql.push(&format!(" GROUP BY {emp}"));
    sql
}

/// The bounds of `month` as values of the window field's type: local days, or the instants of
/// local midnight in the company's time zone.
pub(crate) fn month_bounds(month: Period, ty: FieldType, tz: &str) -> (Val, Val) {
    let (start, end) = (month.start(), month.end_exclusive());
    match ty {
        FieldType::Timestamp => (
            local_midnight(start, tz).into(),
            local_midnight(end, tz).into(),
        ),
        _ => (start.into(), end.into()),
    }
}

fn local_midnight(day: NaiveDate, tz: &str) -> DateTime<Utc> {
    let offset = crate::library::utc_offset(tz, day);
    offset
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// Decodes bucket rows: person, then four columns per member.
macro_rules! decode_buckets {
    ($row:expr, $members:expr, $month:expr, $out:expr) => {{
        let row = $row;
        let emp: Option<i64> = row.try_get(0)?;
        if let Some(emp) = emp {
            for (i, r) in $members.iter().enumerate() {
                let c = 1 + 4 * i;
                let bucket = Bucket {
                    n: row.try_get::<Option<i64>, _>(c)?.unwrap_or(0),
                    total: row.try_get(c + 1)?,
                    lo: row.try_get(c + 2)?,
                    hi: row.try_get(c + 3)?,
                };
                if !bucket.is_empty() {
                    $out.push(BucketRow {
                        measure_id: r.id,
                        month: $month.to_string(),
                        employee_id: emp,
                        bucket,
                    });
                }
            }
        }
    }};
}

/// Runs a bucket query on a read connection.
async fn buckets_on_store(
    store: &Store,
    sql: &Sql,
    members: &[&Registered],
    month: Period,
) -> Result<Vec<BucketRow>> {
    let mut out = Vec::new();
    match store.backend() {
        Backend::Sqlite { read, .. } => {
            let q = crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned());
            for row in q.fetch_all(read).await? {
                decode_buckets!(&row, members, month, out);
            }
        }
        Backend::Postgres(pool) => {
            let q = crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned());
            let rows = q.fetch_all(pool).await;
            for row in rows.map_err(|e| crate::db::pg_error(pool, e))? {
                decode_buckets!(&row, members, month, out);
            }
        }
    }
    Ok(out)
}

/// Runs a bucket query inside a transaction (seeing its own writes).
async fn buckets_in_tx(
    tx: &mut Tx,
    sql: &Sql,
    members: &[&Registered],
    month: Period,
) -> Result<Vec<BucketRow>> {
    let mut out = Vec::new();
    match tx {
        Tx::Sqlite(t) => {
            let q = crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned());
            for row in q.fetch_all(&mut **t).await? {
                decode_buckets!(&row, members, month, out);
            }
        }
        Tx::Postgres(t) => {
            let q = crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned());
            for row in q.fetch_all(&mut **t).await? {
                decode_buckets!(&row, members, month, out);
            }
        }
    }
    Ok(out)
}

/// Groups registered measures by the rows they read.
pub(crate) fn groups(registered: &[Registered]) -> BTreeMap<GroupKey, Vec<&Registered>> {
    let mut out: BTreeMap<GroupKey, Vec<&Registered>> = BTreeMap::new();
    for r in registered {
        out.entry(GroupKey::of(&r.measure)).or_default().push(r);
    }
    out
}

/// Parses registry rows back into measures. A key that no longer parses (the formula
/// language changed) is skipped: it is rebuilt under its new key when next asked for.
pub(crate) fn parse_registry(rows: Vec<(i64, String)>) -> Vec<Registered> {
    rows.into_iter()
        .filter_map(|(id, key)| {
            let formula = kaohe_domain::formula::compile(&key).ok()?;
            let measure = formula.requests().first()?.measure.clone();
            Some(Registered { id, measure })
        })
        .collect()
}

/// What a build did, for progress reports and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// Measures built.
    pub measures: usize,
    /// (group, month) queries run.
    pub queries: usize,
    /// Bucket rows written.
    pub buckets: usize,
}

impl Store {
    /// The time zone roll-up months are cut in.
    async fn rollup_tz(&self) -> Result<String> {
        Ok(self
            .setting("time_zone")
            .await?
            .unwrap_or_else(|| "Asia/Shanghai".into()))
    }

    /// The months holding records of a group's window field, oldest first.
    async fn months_with_records(&self, key: GroupKey, tz: &str) -> Result<Vec<Period>> {
        let ty = key.kind.field(key.field).map_or(FieldType::Date, |f| f.ty);
        // Two subqueries: SQLite answers a lone MIN or MAX from an index in one seek, but
        // both in one SELECT by scanning the whole index (3 s at ten million calls).
        let sql = Sql::new(&format!(
            "SELECT (SELECT MIN({0}) FROM {1}), (SELECT MAX({0}) FROM {1})",
            key.field,
            key.kind.def().name
        ));
        let (lo, hi) = match ty {
            FieldType::Timestamp => {
                let (lo, hi): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
                    self.fetch_optional(&sql).await?.unwrap_or((None, None));
                let local = |t: DateTime<Utc>| {
                    t.with_timezone(&crate::library::utc_offset(tz, t.date_naive()))
                        .date_naive()
                };
                (lo.map(local), hi.map(local))
            }
            _ => self
                .fetch_optional::<(Option<NaiveDate>, Option<NaiveDate>)>(&sql)
                .await?
                .unwrap_or((None, None)),
        };
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(Vec::new());
        };
        Ok(Period::month_of(lo).through(Period::month_of(hi)))
    }

    /// The ids of the measures whose buckets are built, by their per-month key. A measure
    /// not among them (new, or still being built) is computed from the records.
    pub(crate) async fn ready_rollups(&self) -> Result<HashMap<String, i64>> {
        let rows: Vec<(i64, String)> = self
            .fetch_all(&Sql::new(
                "SELECT id, measure_key FROM rollup_measures WHERE ready ORDER BY id",
            ))
            .await?;
        Ok(parse_registry(rows)
            .into_iter()
            .map(|r| (r.measure.key().to_string(), r.id))
            .collect())
    }

    async fn registry(&self) -> Result<Vec<Registered>> {
        let rows: Vec<(i64, String)> = self
            .fetch_all(&Sql::new(
                "SELECT id, measure_key FROM rollup_measures ORDER BY id",
            ))
            .await?;
        Ok(parse_registry(rows))
    }

    /// Rebuilds every registered measure's buckets from the records: after a change of the
    /// company time zone, or to measure a full recompute. `progress(done, total)` is called
    /// after each query.
    pub async fn rebuild_rollups(
        &self,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<BuildReport> {
        let measures: Vec<Measure> = self
            .registry()
            .await?
            .into_iter()
            .map(|r| r.measure)
            .collect();
        self.build(measures, Rebuild::All, progress).await
    }

    /// Registers every roll-up-able measure of the current library's schemes and of the
    /// boards' call funnel, and (re)builds all registered measures from the records — every
    /// month, or the months of `period` —: after a bulk load that bypassed the record funnels,
    /// or ahead of the first evaluation. A measure first wanted later is built from every
    /// record when first wanted (at 10,000 staff, some 40 s inside that request).
    pub async fn prepare_rollups(
        &self,
        period: Option<Period>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<BuildReport> {
        let lib = self.library().await?;
        let mut measures: Vec<Measure> = self
            .registry()
            .await?
            .into_iter()
            .map(|r| r.measure)
            .collect();
        let wanted = crate::evaluate::library_measures(&lib.library)
            .into_iter()
            .chain(crate::boards::funnel_measures()?);
        for w in wanted {
            let m = w.measure.per_period();
            if pushdown::rollable(&m) && !measures.iter().any(|x| x.key() == m.key()) {
                measures.push(m);
            }
        }
        let scope = match period {
            Some(p) => Rebuild::Months(p.months()),
            None => Rebuild::All,
        };
        self.build(measures, scope, progress).await
    }

    /// Builds the buckets of `measures` over every month with records (see the module
    /// documentation for why the write transaction is taken first).
    async fn build(
        &self,
        measures: Vec<Measure>,
        scope: Rebuild,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<BuildReport> {
        let tz = self.rollup_tz().await?;
        let mut tx = self.begin().await?;
        if let Tx::Postgres(_) = tx {
            tx.execute("LOCK TABLE rollup_measures IN EXCLUSIVE MODE", vec![])
                .await?;
        }
        match &scope {
            Rebuild::All => {
                tx.execute("DELETE FROM rollups", vec![]).await?;
            }
            Rebuild::Months(months) => {
                let mut del = Sql::new("DELETE FROM rollups WHERE month IN ");
                del.bind_list(months.iter().map(ToString::to_string));
                tx.run(&del).await?;
            }
        }
        // A measure new to the registry is ready once every month is built: at once when this
        // build covers all months, after a build of pending measures otherwise.
        tx.register_pending_measures(&measures).await?;
        let keys: Vec<&str> = measures.iter().map(Measure::key).collect();
        let mut sql = Sql::new("SELECT id, measure_key FROM rollup_measures WHERE measure_key IN ");
        sql.bind_list(keys.iter().copied());
        let registered = parse_registry(tx.fetch_all(&sql).await?);
        let jobs = match &scope {
            // Months without records of a group give no buckets: no need to look for them.
            Rebuild::Months(months) => groups(&registered)
                .keys()
                .flat_map(|key| months.iter().map(move |m| (*key, *m)))
                .collect(),
            Rebuild::All => self.build_jobs(&registered, &tz).await?,
        };
        let total = jobs.len();
        let mut report = BuildReport {
            measures: registered.len(),
            queries: total,
            buckets: 0,
        };
        let store = self.clone();
        let parallel = match self.backend() {
            Backend::Sqlite { .. } => std::thread::available_parallelism().map_or(2, |n| n.get()),
            Backend::Postgres(_) => 1,
        };
        let mut results = futures_util::stream::iter(jobs.into_iter().map(|(key, month)| {
            let store = store.clone();
            let members: Vec<Registered> = groups(&registered)[&key]
                .iter()
                .map(|r| (*r).clone())
                .collect();
            let tz = tz.clone();
            async move {
                let refs: Vec<&Registered> = members.iter().collect();
                let sql = bucket_query(key, &refs, month, &tz, None);
                buckets_on_store(&store, &sql, &refs, month).await
            }
        }))
        .buffer_unordered(parallel);
        let mut done = 0;
        // Rebuilding every measure of some months: their cards come from the new buckets
        // as they arrive.
        let mut cards = cards::Cards::default();
        while let Some(rows) = results.next().await {
            let rows = rows?;
            report.buckets += rows.len();
            for r in &rows {
                cards.add(&r.month, r.employee_id, r.measure_id, r.bucket);
            }
            tx.insert_rows(&rows).await?;
            done += 1;
            progress(done, total);
        }
        match &scope {
            Rebuild::Months(months) => {
                let mut del = Sql::new("DELETE FROM rollup_cards WHERE month IN ");
                del.bind_list(months.iter().map(ToString::to_string));
                tx.run(&del).await?;
                cards.write(&mut tx).await?;
            }
            Rebuild::All => {
                tx.execute("DELETE FROM rollup_cards", vec![]).await?;
                cards.write(&mut tx).await?;
                tx.mark_rollups_ready(&registered).await?;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// One (group, month) job per month with records of each group of `registered`.
    async fn build_jobs(
        &self,
        registered: &[Registered],
        tz: &str,
    ) -> Result<Vec<(GroupKey, Period)>> {
        let mut jobs = Vec::new();
        for key in groups(registered).keys() {
            for month in self.months_with_records(*key, tz).await? {
                jobs.push((*key, month));
            }
        }
        Ok(jobs)
    }

    /// The values of the measures of `wanted` — (index in the caller's list, measure), each
    /// built in `ids` ([`Store::ready_rollups`]) — for `period` (everybody in the viewer's
    /// scope, or one employee), set in `out` by person and index. People without records are
    /// left out (their value is the measure's empty value).
    pub(crate) async fn rollup_values(
        &self,
        viewer: &Viewer,
        wanted: &[(usize, &Wanted)],
        ids: &HashMap<String, i64>,
        period: Period,
        employee: Option<i64>,
        out: &mut Computed,
    ) -> Result<()> {
        // One read per (period offset, window kind); they run side by side on the read
        // connections.
        let mut reads = Vec::new();
        for offset in [PeriodOffset::Current, PeriodOffset::Previous] {
            let p = match offset {
                PeriodOffset::Current => period,
                PeriodOffset::Previous => period.prev(),
            };
            for cumulative in [false, true] {
                let members: Vec<(usize, &Wanted, i64)> = wanted
                    .iter()
                    .filter(|(_, w)| {
                        w.offset == offset && w.measure.window.cumulative == cumulative
                    })
                    .filter_map(|(i, w)| Some((*i, *w, *ids.get(w.measure.per_period().key())?)))
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let ids: Vec<i64> = members
                    .iter()
                    .map(|(_, _, id)| *id)
                    .collect::<BTreeSet<i64>>()
                    .into_iter()
                    .collect();
                // The period's own months come from the cards, one row per person; a
                // cumulative window's months are merged by the database from the buckets.
                let parts = if employee.is_some() || !cumulative {
                    1
                } else {
                    READ_PARTS
                };
                for part in ids.chunks(ids.len().div_ceil(parts)) {
                    let ids: BTreeSet<i64> = part.iter().copied().collect();
                    let members: Vec<(usize, &Wanted, i64)> = members
                        .iter()
                        .filter(|(_, _, id)| ids.contains(id))
                        .copied()
                        .collect();
                    reads.push(async move {
                        let started = std::time::Instant::now();
                        let merged = if cumulative {
                            self.read_buckets(viewer, &ids, Months::UpTo(p), employee)
                                .await?
                        } else if ids.len() <= FEW_MEASURES && employee.is_none() {
                            self.read_buckets(viewer, &ids, Months::Of(p), employee)
                                .await?
                        } else {
                            self.read_cards(viewer, &ids, p, employee).await?
                        };
                        tracing::debug!(
                            period = %p,
                            cumulative,
                            measures = ids.len(),
                            buckets = merged.len(),
                            ms = started.elapsed().as_millis(),
                            "roll-ups read"
                        );
                        Ok::<_, crate::StoreError>((members, merged))
                    });
                }
            }
        }
        for (members, merged) in futures_util::future::try_join_all(reads).await? {
            let mut by_id: HashMap<i64, Vec<(usize, &Wanted)>> = HashMap::new();
            for (i, w, id) in &members {
                by_id.entry(*id).or_default().push((*i, *w));
            }
            for ((emp, id), bucket) in merged {
                for (i, w) in by_id.get(&id).into_iter().flatten() {
                    out.set(emp, *i, bucket.value(w.measure.aggregate));
                }
            }
        }
        Ok(())
    }

    /// Reads the buckets of the measures `ids` of `months`, merged per person and measure by
    /// the database (count and sum add, min and max combine, NULLs ignored — as
    /// [`Bucket::merge`]): one row per person, not one per month. Through the covering index
    /// `rollups_measure`: for a few measures of everybody, cheaper than reading every card.
    async fn read_buckets(
        &self,
        viewer: &Viewer,
        ids: &BTreeSet<i64>,
        months: Months,
        employee: Option<i64>,
    ) -> Result<Vec<((i64, i64), Bucket)>> {
        let mut sql = Sql::new(
            "SELECT r.measure_id, r.employee_id, CAST(SUM(r.n) AS BIGINT), SUM(r.total), MIN(r.lo), MAX(r.hi) \
             FROM rollups r WHERE r.measure_id IN ",
        );
        sql.bind_list(ids.iter().copied());
        match months {
            Months::UpTo(period) => {
                let last = period.months().last().copied().unwrap_or(period);
                sql.push(" AND r.month <= ").bind(last.to_string());
            }
            Months::Of(period) => {
                sql.push(" AND r.month IN ")
                    .bind_list(period.months().iter().map(ToString::to_string));
            }
        }
        if let Some(e) = employee {
            sql.push(" AND r.employee_id = ").bind(e);
        }
        viewer.restrict(&mut sql, "r.employee_id");
        sql.push(" GROUP BY r.measure_id, r.employee_id");
        let rows: Vec<StoredBucket> = self.fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .map(|(id, emp, n, total, lo, hi)| ((emp, id), Bucket { n, total, lo, hi }))
            .collect())
    }
}

/// The months a read of buckets covers.
#[derive(Debug, Clone, Copy)]
enum Months {
    /// Every month up to the end of the period (a cumulative window).
    UpTo(Period),
    /// The period's own months.
    Of(Period),
}

/// Up to this many measures of everybody's period are read from the buckets, not the cards:
/// through the cards, last month's two measures for `prev()` decoded every card (9,556 at
/// 10,000 staff) for two of its thirty-odd buckets; the index reads only their 17,818 rows.
/// Less work; the evaluation's wall time did not measurably change, as its reads share the
/// read connections and end together.
const FEW_MEASURES: usize = 4;

/// Into how many queries an evaluation of everybody splits each read of buckets.
const READ_PARTS: usize = 4;

/// What a build replaces.
enum Rebuild {
    /// Every bucket of every measure.
    All,
    /// Every measure's buckets of these months.
    Months(Vec<Period>),
}
