//! Keeping buckets in step with record writes: marks while writing, a refresh before commit.

use super::{Registered, bucket_query, buckets_in_tx, groups, parse_registry, pushdown};
use crate::sql::Sql;
use crate::{Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use kaohe_domain::catalogue::{FieldType, RecordKind};
use kaohe_domain::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// Above this many people touched in one month, a refresh recomputes the whole month in one
/// scan instead of listing the people (an import, a bulk change).
const WHOLE_MONTH_ABOVE: usize = 200;

/// Marked buckets of one kind and month: these people, or everybody (`None`).
type Todo = BTreeMap<(RecordKind, Period), Option<BTreeSet<i64>>>;

impl Tx {
    /// Marks the buckets of `kind` that records of these (person, day) pairs may change; the
    /// days are every date and instant of the records (an instant's UTC day and its
    /// neighbours, which cover the company's local day). Refreshed by [`Tx::commit`].
    pub(crate) async fn touch_rollups(
        &mut self,
        kind: RecordKind,
        touched: &BTreeSet<(i64, NaiveDate)>,
    ) -> Result<()> {
        let marks: BTreeSet<(i64, Period)> = touched
            .iter()
            .flat_map(|&(emp, day)| super::local_days(day).map(move |d| (emp, Period::month_of(d))))
            .collect();
        self.touch_rollup_months(kind, &marks).await
    }

    /// Marks the buckets of `kind` for these (person, month) pairs.
    pub(crate) async fn touch_rollup_months(
        &mut self,
        kind: RecordKind,
        marks: &BTreeSet<(i64, Period)>,
    ) -> Result<()> {
        let marks: Vec<_> = marks.iter().collect();
        for chunk in marks.chunks(300) {
            let mut sql = Sql::new("INSERT INTO rollup_dirty (kind, employee_id, month) VALUES ");
            for (i, &&(emp, month)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(kind.as_str())
                    .push(", ")
                    .bind(emp)
                    .push(", ")
                    .bind(month.to_string())
                    .push(")");
            }
            sql.push(" ON CONFLICT DO NOTHING");
            self.run(&sql).await?;
        }
        Ok(())
    }

    /// Recomputes every marked bucket from the records, inside this transaction, then clears
    /// the marks. Called by [`Tx::commit`]. Answers whose buckets were recomputed: the people,
    /// or `None` when a mark reached everyone.
    pub(crate) async fn refresh_rollups(&mut self) -> Result<Option<BTreeSet<i64>>> {
        let dirty: Vec<(String, i64, String)> = self
            .fetch_all(&Sql::new(
                "SELECT kind, employee_id, month FROM rollup_dirty",
            ))
            .await?;
        if dirty.is_empty() {
            return Ok(Some(BTreeSet::new()));
        }
        if let Tx::Postgres(_) = self {
            // Waits for a build of new measures to commit, so none is left out (see `build`).
            self.execute("LOCK TABLE rollup_measures IN SHARE MODE", vec![])
                .await?;
        }
        let rows: Vec<(i64, String, String, bool)> = self
            .fetch_all(&Sql::new(
                "SELECT id, measure_key, kind, ready FROM rollup_measures",
            ))
            .await?;
        // Kinds with a measure being built: their refreshes are noted for the build.
        let building: BTreeSet<String> = rows
            .iter()
            .filter(|(_, _, _, ready)| !ready)
            .map(|(_, _, kind, _)| kind.clone())
            .collect();
        let registered =
            parse_registry(rows.into_iter().map(|(id, key, _, _)| (id, key)).collect());
        let tz: Option<(String,)> = self
            .fetch_all(&Sql::new(
                "SELECT value FROM settings WHERE key = 'time_zone'",
            ))
            .await?
            .into_iter()
            .next();
        let tz = tz.map_or_else(|| "Asia/Shanghai".to_string(), |t| t.0);
        let mut todo: Todo = BTreeMap::new();
        for (kind, emp, month) in dirty {
            let (Some(kind), Ok(month)) = (RecordKind::parse(&kind), month.parse::<Period>())
            else {
                continue;
            };
            mark(&mut todo, kind, month, [emp]);
        }
        self.follow_dependencies(&registered, &mut todo, &tz)
            .await?;
        for ((kind, month), people) in &todo {
            if building.contains(kind.as_str()) {
                self.note_touched_while_building(kind.as_str(), *month, people.as_ref())
                    .await?;
            }
        }
        let mut touched = Some(BTreeSet::new());
        // The people whose cards to repack, per month over every kind (`None`: everybody).
        let mut cards: BTreeMap<Period, Option<BTreeSet<i64>>> = BTreeMap::new();
        for ((kind, month), people) in &todo {
            for (key, members) in groups(&registered)
                .into_iter()
                .filter(|(k, _)| k.kind == *kind)
            {
                let people = match people {
                    Some(p) if key.credited => Some(self.with_credit_holders(p, month).await?),
                    other => other.clone(),
                };
                match (&people, touched.as_mut()) {
                    (Some(p), Some(t)) => t.extend(p.iter().copied()),
                    _ => touched = None,
                }
                let entry = cards.entry(*month).or_insert_with(|| Some(BTreeSet::new()));
                match (entry.as_mut(), &people) {
                    (Some(all), Some(p)) => all.extend(p.iter().copied()),
                    _ => *entry = None,
                }
                let mut del = Sql::new("DELETE FROM rollups WHERE month = ");
                del.bind(month.to_string())
                    .push(" AND measure_id IN ")
                    .bind_list(members.iter().map(|r| r.id));
                if let Some(p) = &people {
                    del.push(" AND employee_id IN ")
                        .bind_list(p.iter().copied());
                }
                self.run(&del).await?;
                let sql = bucket_query(key, &members, *month, &tz, people.as_ref());
                let rows = buckets_in_tx(self, &sql, &members, *month).await?;
                self.insert_rows(&rows).await?;
            }
        }
        for (month, people) in cards {
            self.repack_cards(month, people.as_ref()).await?;
        }
        self.execute("DELETE FROM rollup_dirty", vec![]).await?;
        Ok(touched)
    }

    /// Adds the holders of split credit on the orders of `people` in `month`.
    pub(crate) async fn with_credit_holders(
        &mut self,
        people: &BTreeSet<i64>,
        month: &Period,
    ) -> Result<BTreeSet<i64>> {
        let mut sql = Sql::new(
            "SELECT DISTINCT c.employee_id FROM order_credits c JOIN orders t ON t.id = c.order_id WHERE t.employee_id IN ",
        );
        sql.bind_list(people.iter().copied())
            .push(" AND t.day >= ")
            .bind(month.start())
            .push(" AND t.day < ")
            .bind(month.end_exclusive());
        let holders: Vec<(i64,)> = self.fetch_all(&sql).await?;
        let mut out = people.clone();
        out.extend(holders.into_iter().map(|h| h.0));
        Ok(out)
    }

    /// Marks the buckets whose derived values the marked records feed: later orders of the
    /// same customers (repeat customers), receivables of the payments.
    async fn follow_dependencies(
        &mut self,
        registered: &[Registered],
        todo: &mut Todo,
        tz: &str,
    ) -> Result<()> {
        for (kind, source) in [
            (RecordKind::Orders, RecordKind::Orders),
            (RecordKind::Receivables, RecordKind::Payments),
        ] {
            let windows = derived_windows(registered, kind);
            if windows.is_empty() {
                continue;
            }
            let sources: Vec<(Period, Option<BTreeSet<i64>>)> = todo
                .iter()
                .filter(|((k, _), _)| *k == source)
                .map(|((_, m), p)| (*m, p.clone()))
                .collect();
            for (month, people) in sources {
                for field in &windows {
                    let found = self
                        .dependents(kind, field, month, people.as_ref(), tz)
                        .await?;
                    for (emp, m) in found {
                        mark(todo, kind, m, [emp]);
                    }
                }
            }
        }
        Ok(())
    }

    /// (person, month of `field`) of the `kind` records that depend on the source records of
    /// `people` in `month`.
    async fn dependents(
        &mut self,
        kind: RecordKind,
        field: &'static str,
        month: Period,
        people: Option<&BTreeSet<i64>>,
        tz: &str,
    ) -> Result<BTreeSet<(i64, Period)>> {
        let (select, src_emp, src_day) = match kind {
            RecordKind::Orders => (
                format!(
                    "SELECT DISTINCT d.employee_id, d.{field} FROM orders d JOIN orders t ON t.customer_id = d.customer_id AND d.day > t.day"
                ),
                "t.employee_id",
                "t.day",
            ),
            _ => (
                format!(
                    "SELECT DISTINCT d.employee_id, d.{field} FROM receivables d JOIN payments t ON t.receivable_id = d.id"
                ),
                "t.employee_id",
                "t.received_on",
            ),
        };
        let mut sql = Sql::new(&select);
        sql.push(&format!(" WHERE {src_day} >= "))
            .bind(month.start())
            .push(&format!(" AND {src_day} < "))
            .bind(month.end_exclusive());
        if let Some(p) = people {
            sql.push(&format!(" AND {src_emp} IN "))
                .bind_list(p.iter().copied());
        }
        let ty = kind.field(field).map_or(FieldType::Date, |f| f.ty);
        let days: Vec<(i64, Option<NaiveDate>)> = if ty == FieldType::Timestamp {
            let rows: Vec<(i64, Option<DateTime<Utc>>)> = self.fetch_all(&sql).await?;
            rows.into_iter()
                .map(|(e, t)| {
                    let local = t.map(|t| {
                        t.with_timezone(&crate::library::utc_offset(tz, t.date_naive()))
                            .date_naive()
                    });
                    (e, local)
                })
                .collect()
        } else {
            self.fetch_all(&sql).await?
        };
        Ok(days
            .into_iter()
            .filter_map(|(e, d)| Some((e, Period::month_of(d?))))
            .collect())
    }
}

/// The window fields of `kind`'s registered measures that read a derived field.
fn derived_windows(registered: &[Registered], kind: RecordKind) -> BTreeSet<&'static str> {
    registered
        .iter()
        .filter(|r| r.measure.kind == kind)
        .filter(|r| {
            let mut uses = r
                .measure
                .field
                .is_some_and(|f| pushdown::derived_from(kind, f).is_some());
            if let Some(f) = &r.measure.filter {
                f.fields(&mut |name| {
                    uses |= pushdown::derived_from(kind, name).is_some();
                });
            }
            uses
        })
        .map(|r| r.measure.window.field)
        .collect()
}

fn mark(todo: &mut Todo, kind: RecordKind, month: Period, people: impl IntoIterator<Item = i64>) {
    let entry = todo
        .entry((kind, month))
        .or_insert_with(|| Some(BTreeSet::new()));
    if let Some(set) = entry {
        set.extend(people);
        if set.len() > WHOLE_MONTH_ABOVE {
            *entry = None;
        }
    }
}
