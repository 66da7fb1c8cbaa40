//! Computing formula measures for every person at once.
//!
//! Measures that per-month roll-ups answer are read from them (`crate::rollup`); the rest
//! (filters with date arithmetic, distinct counts over more than a month) are computed here.
//! Requests are grouped by what decides the rows they read (record kind, window field,
//! period, split credit); each group is ONE query over the records of the period for
//! everybody, streamed row by row. Every measure of the group applies its filter to the row in
//! Rust ([`Filter::eval`], the same code the domain tests) and accumulates per person, so the
//! cost is one scan per group, never one query per person or per indicator.

use crate::rollup::pushdown::field_sql;
use crate::sql::Sql;
use crate::{Backend, Result, Store, Viewer};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures_util::TryStreamExt;
use kaohe_domain::calendar::Calendar;
use kaohe_domain::catalogue::{FieldAccess, FieldType, RecordKind, Value};
use kaohe_domain::formula::{Aggregate, Measure, Over, PeriodOffset};
use kaohe_domain::period::Period;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// One measure wanted for one period offset.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub measure: Measure,
    pub offset: PeriodOffset,
}

/// Computed values: per employee, the value of each measure of the `wanted` list by its
/// index (`None`: the person had no records, so the measure's empty value). A person's values
/// sit side by side, so that reading them back is one lookup and no cache miss per measure.
#[derive(Debug, Default)]
pub struct Computed {
    values: HashMap<i64, Vec<Option<Option<f64>>>>,
    /// How many measures the `wanted` list has.
    width: usize,
    /// How many records each group read, for progress and explanation.
    pub rows_read: u64,
}

impl Computed {
    /// No values yet, of `width` measures.
    pub(crate) fn new(width: usize) -> Self {
        Computed {
            width,
            ..Computed::default()
        }
    }

    /// Sets the value of `wanted[index]` for `employee`.
    pub(crate) fn set(&mut self, employee: i64, index: usize, value: Option<f64>) {
        let width = self.width.max(index + 1);
        let row = self
            .values
            .entry(employee)
            .or_insert_with(|| vec![None; width]);
        if row.len() <= index {
            row.resize(index + 1, None);
        }
        row[index] = Some(value);
    }

    /// The value of `wanted[index]` (`w`) for `employee` (the empty value when the person had
    /// no records).
    pub fn get(&self, employee: i64, index: usize, w: &Wanted) -> Option<f64> {
        let stored = self
            .values
            .get(&employee)
            .and_then(|row| row.get(index).copied().flatten());
        match stored {
            Some(v) => v,
            None => w.measure.empty_value(),
        }
    }

    /// The sum of `wanted[index]` over everybody computed (absent people add nothing).
    pub fn sum(&self, index: usize) -> f64 {
        self.values
            .values()
            .filter_map(|row| row.get(index).copied().flatten().flatten())
            .sum()
    }

    /// The people with a value.
    fn people(&self) -> impl Iterator<Item = i64> + '_ {
        self.values.keys().copied()
    }

    /// How many values are set.
    fn len(&self) -> usize {
        self.values
            .values()
            .map(|row| row.iter().filter(|v| v.is_some()).count())
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey {
    kind: RecordKind,
    field: &'static str,
    cumulative: bool,
    offset: PeriodOffset,
    credited: bool,
    /// Credited to the person who handled each record, not its owner.
    handled: bool,
}

impl GroupKey {
    /// The group a wanted measure is read with: what decides the rows it reads.
    fn of(w: &Wanted) -> GroupKey {
        let handled = w.measure.window.handled;
        GroupKey {
            kind: w.measure.kind,
            field: w.measure.window.field,
            cumulative: w.measure.window.cumulative,
            offset: w.offset,
            // A handler's credit is the whole record: split credit is between owners.
            credited: w.measure.aggregate == Aggregate::CreditedSum && !handled,
            handled,
        }
    }
}

#[derive(Default, Clone)]
struct Acc {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    distinct: Option<BTreeSet<String>>,
}

impl Acc {
    fn add(&mut self, x: Option<f64>, weight: f64) {
        self.count += 1;
        if let Some(x) = x {
            self.min = if self.count == 1 { x } else { self.min.min(x) };
            self.max = if self.count == 1 { x } else { self.max.max(x) };
            self.sum += x * weight;
        }
    }

    fn value(&self, aggregate: Aggregate) -> Option<f64> {
        match aggregate {
            Aggregate::Count => Some(self.count as f64),
            Aggregate::Sum | Aggregate::CreditedSum => Some(self.sum),
            Aggregate::Avg => (self.count > 0).then(|| self.sum / self.count as f64),
            Aggregate::Min => (self.count > 0).then_some(self.min),
            Aggregate::Max => (self.count > 0).then_some(self.max),
            Aggregate::CountDistinct => {
                Some(self.distinct.as_ref().map_or(0, BTreeSet::len) as f64)
            }
        }
    }
}

/// A row read from the database, seen through the catalogue's field names.
struct RowView<'a> {
    names: &'a [&'static str],
    values: Vec<Value>,
}

impl FieldAccess for RowView<'_> {
    fn field(&self, name: &str) -> Value {
        self.names
            .iter()
            .position(|n| *n == name)
            .map_or(Value::Null, |i| self.values[i].clone())
    }
}

/// Where measure values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Per-month roll-ups where they can answer, the records otherwise (the normal path).
    Rollups,
    /// The records only, streamed and filtered in Rust: the reference that checks the
    /// roll-ups, and what a benchmark compares them with.
    Records,
}

/// Wanted measures with their position in the caller's list.
type Indexed<'a> = Vec<(usize, &'a Wanted)>;

/// Computes `wanted` for `period` for everybody within `viewer`'s scope (or one `employee`).
/// A `team` or `department` measure is the sum of the members' own values of the same
/// measure ([`super::led`]); those are computed for everybody in scope, whoever is asked for.
pub async fn compute(
    store: &Store,
    viewer: &Viewer,
    wanted: &[Wanted],
    period: Period,
    employee: Option<i64>,
    cal: &Calendar,
    source: Source,
) -> Result<Computed> {
    if wanted.iter().all(|w| w.measure.window.over == Over::Own) {
        return compute_own(store, viewer, wanted, period, employee, cal, source).await;
    }
    let (own, grouped): (Vec<_>, Vec<_>) = wanted
        .iter()
        .enumerate()
        .partition(|(_, w)| w.measure.window.over == Over::Own);
    let own_wanted: Vec<Wanted> = own.iter().map(|(_, w)| (*w).clone()).collect();
    let bases: Vec<Wanted> = grouped
        .iter()
        .map(|(_, w)| Wanted {
            measure: w.measure.own(),
            offset: w.offset,
        })
        .collect();
    // Everybody's own values are computed for the sums anyway: for a whole evaluation, the
    // people's own measures and the bases of the sums are one computation, each measure once.
    let whole = employee.is_none();
    let (everybody, base_at) = if whole {
        merged(&own_wanted, &bases)
    } else {
        (bases.clone(), (0..bases.len()).collect())
    };
    let just_mine = if whole { Vec::new() } else { own_wanted };
    let (mine, members, led) = futures_util::future::try_join3(
        compute_own(store, viewer, &just_mine, period, employee, cal, source),
        compute_own(store, viewer, &everybody, period, None, cal, source),
        store.led(),
    )
    .await?;
    let mut out = Computed::new(wanted.len());
    out.rows_read = mine.rows_read + members.rows_read;
    let own_values = if whole { &members } else { &mine };
    for (j, (i, w)) in own.iter().enumerate() {
        for emp in own_values.people() {
            out.set(emp, *i, own_values.get(emp, j, w));
        }
    }
    for (j, (i, w)) in grouped.iter().enumerate() {
        let base = &bases[j];
        let sums = led.sums(w.measure.window.over, |m| {
            members.get(m, base_at[j], base).unwrap_or(0.0)
        });
        for (emp, sum) in sums {
            if employee.is_none_or(|e| e == emp) {
                out.set(emp, *i, Some(sum));
            }
        }
    }
    Ok(out)
}

/// `own` followed by the `bases` not already in it, and where each base is in the result.
fn merged(own: &[Wanted], bases: &[Wanted]) -> (Vec<Wanted>, Vec<usize>) {
    let mut all = own.to_vec();
    let mut at = Vec::with_capacity(bases.len());
    for b in bases {
        let found = all
            .iter()
            .position(|x| x.offset == b.offset && x.measure.key() == b.measure.key());
        at.push(found.unwrap_or_else(|| {
            all.push(b.clone());
            all.len() - 1
        }));
    }
    (all, at)
}

/// [`compute`] for measures over each person's own (or handled) records.
async fn compute_own(
    store: &Store,
    viewer: &Viewer,
    wanted: &[Wanted],
    period: Period,
    employee: Option<i64>,
    cal: &Calendar,
    source: Source,
) -> Result<Computed> {
    // A measure whose roll-ups are not built yet (a library change a moment ago) is computed
    // from the records like the measures roll-ups cannot answer: correct at once, only slower.
    let ready = match source {
        Source::Rollups => store.ready_rollups().await?,
        Source::Records => HashMap::new(),
    };
    let (rolled, scanned): (Indexed, Indexed) = wanted.iter().enumerate().partition(|(_, w)| {
        crate::rollup::from_buckets(w, period) && ready.contains_key(w.measure.per_period().key())
    });
    let mut out = Computed::new(wanted.len());
    if !rolled.is_empty() {
        let started = std::time::Instant::now();
        store
            .rollup_values(viewer, &rolled, &ready, period, employee, &mut out)
            .await?;
        tracing::debug!(
            measures = rolled.len(),
            values = out.len(),
            ms = started.elapsed().as_millis(),
            "measures from roll-ups"
        );
    }
    let mut groups: HashMap<GroupKey, Vec<(usize, &Wanted)>> = HashMap::new();
    for (i, w) in scanned {
        let key = GroupKey::of(w);
        groups.entry(key).or_default().push((i, w));
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_by_key(|k| {
        (
            k.kind,
            k.field,
            k.cumulative,
            k.offset == PeriodOffset::Previous,
            k.credited,
            k.handled,
        )
    });
    for key in keys {
        let members = &groups[&key];
        let p = if key.offset == PeriodOffset::Previous {
            period.prev()
        } else {
            period
        };
        let started = std::time::Instant::now();
        scan_group(store, viewer, key, members, p, employee, cal, &mut out).await?;
        tracing::debug!(
            kind = ?key.kind,
            field = key.field,
            measures = members.len(),
            ms = started.elapsed().as_millis(),
            "measures from records"
        );
    }
    Ok(out)
}

/// Fields a group needs: the filtered and aggregated fields of all its measures.
fn needed_fields(kind: RecordKind, members: &[(usize, &Wanted)]) -> Vec<&'static str> {
    let mut names: BTreeSet<&'static str> = BTreeSet::new();
    for (_, w) in members {
        if let Some(f) = w.measure.field {
            names.insert(f);
        }
        if let Some(filter) = &w.measure.filter {
            filter.fields(&mut |f| {
                names.insert(f);
            });
        }
    }
    kind.fields()
        .iter()
        .map(|f| f.name)
        .filter(|n| names.contains(n))
        .collect()
}

/// Local-day bounds of `period` as values for the window field's type.
fn bounds(period: Period, ty: FieldType, cal: &Calendar) -> (crate::val::Val, crate::val::Val) {
    let (start, end) = (period.start(), period.end_exclusive());
    match ty {
        FieldType::Timestamp => (
            local_midnight(start, cal).into(),
            local_midnight(end, cal).into(),
        ),
        _ => (start.into(), end.into()),
    }
}

fn local_midnight(day: NaiveDate, cal: &Calendar) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    cal.utc_offset()
        .from_local_datetime(&local)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// The one query of a group: responsible person, credit share, then the needed fields.
struct GroupQuery {
    sql: Sql,
    names: Vec<&'static str>,
    types: Vec<FieldType>,
}

fn group_query(
    viewer: &Viewer,
    key: GroupKey,
    names: Vec<&'static str>,
    period: Period,
    employee: Option<i64>,
    cal: &Calendar,
) -> GroupQuery {
    let def = key.kind.def();
    let types: Vec<FieldType> = names
        .iter()
        .map(|n| key.kind.field(n).expect("catalogue field").ty)
        .collect();
    let window_ty = key.kind.field(key.field).map_or(FieldType::Date, |f| f.ty);
    let emp_col = match (key.handled, def.handler_field) {
        (true, Some(handler)) => format!("t.{handler}"),
        _ if key.credited => format!("COALESCE(c.employee_id, t.{})", def.employee_field),
        _ => format!("t.{}", def.employee_field),
    };
    let mut sql = Sql::new(&format!("SELECT {emp_col} AS emp"));
    sql.push(if key.credited {
        ", COALESCE(c.share_pct, CAST(100 AS DOUBLE PRECISION)) AS share"
    } else {
        ", CAST(100 AS DOUBLE PRECISION) AS share"
    });
    for (n, ty) in names.iter().zip(&types) {
        sql.push(", ").push(&field_sql(key.kind, n, *ty));
    }
    sql.push(&format!(" FROM {} t", def.name));
    if key.credited {
        sql.push(" LEFT JOIN order_credits c ON c.order_id = t.id");
    }
    let (start, end) = bounds(period, window_ty, cal);
    sql.push(&format!(" WHERE t.{} < ", key.field)).bind(end);
    if key.handled {
        sql.push(&format!(" AND {emp_col} IS NOT NULL"));
    }
    if !key.cumulative {
        sql.push(&format!(" AND t.{} >= ", key.field)).bind(start);
    }
    if let Some(e) = employee {
        sql.push(&format!(" AND {emp_col} = ")).bind(e);
    }
    viewer.restrict(&mut sql, &emp_col);
    GroupQuery { sql, names, types }
}

#[allow(clippy::too_many_arguments)]
async fn scan_group(
    store: &Store,
    viewer: &Viewer,
    key: GroupKey,
    members: &[(usize, &Wanted)],
    period: Period,
    employee: Option<i64>,
    cal: &Calendar,
    out: &mut Computed,
) -> Result<()> {
    let GroupQuery { sql, names, types } = group_query(
        viewer,
        key,
        needed_fields(key.kind, members),
        period,
        employee,
        cal,
    );
    let mut accs: HashMap<(i64, usize), Acc> = HashMap::new();
    let mut on_row = |emp: i64, share: f64, values: Vec<Value>| {
        let view = RowView {
            names: &names,
            values,
        };
        for (i, (_, w)) in members.iter().enumerate() {
            if w.measure
                .filter
                .as_ref()
                .is_some_and(|f| !f.eval(&view, cal))
            {
                continue;
            }
            let acc = accs.entry((emp, i)).or_default();
            match (w.measure.aggregate, w.measure.field) {
                (Aggregate::Count, _) | (_, None) => acc.add(None, 1.0),
                (Aggregate::CountDistinct, Some(f)) => {
                    let v = view.field(f);
                    if v != Value::Null {
                        acc.distinct
                            .get_or_insert_with(BTreeSet::new)
                            .insert(format!("{v:?}"));
                    }
                }
                (agg, Some(f)) => {
                    let Some(x) = numeric(&view.field(f)) else {
                        continue;
                    };
                    let weight = if agg == Aggregate::CreditedSum {
                        share / 100.0
                    } else {
                        1.0
                    };
                    acc.add(Some(x), weight);
                }
            }
        }
    };
    out.rows_read += stream_rows(store, &sql, &types, &mut on_row).await?;
    for ((emp, i), acc) in accs {
        let (index, w) = members[i];
        out.set(emp, index, acc.value(w.measure.aggregate));
    }
    Ok(())
}

fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

macro_rules! decode_row {
    ($row:expr, $types:expr) => {{
        let row = $row;
        let emp: i64 = row.try_get(0)?;
        let share: f64 = row.try_get(1)?;
        let mut values = Vec::with_capacity($types.len());
        for (i, ty) in $types.iter().enumerate() {
            let col = i + 2;
            values.push(match ty {
                FieldType::Int | FieldType::Money => row
                    .try_get::<Option<i64>, _>(col)?
                    .map_or(Value::Null, Value::Int),
                FieldType::Float => row
                    .try_get::<Option<f64>, _>(col)?
                    .map_or(Value::Null, Value::Float),
                FieldType::Bool => row
                    .try_get::<Option<bool>, _>(col)?
                    .map_or(Value::Null, Value::Bool),
                FieldType::Text => row
                    .try_get::<Option<String>, _>(col)?
                    .map_or(Value::Null, Value::Text),
                FieldType::Date => row
                    .try_get::<Option<NaiveDate>, _>(col)?
                    .map_or(Value::Null, Value::Date),
                FieldType::Timestamp => row
                    .try_get::<Option<DateTime<Utc>>, _>(col)?
                    .map_or(Value::Null, Value::Timestamp),
            });
        }
        (emp, share, values)
    }};
}

/// Streams the rows of `sql`, decoding each into typed values; returns the number of rows.
async fn stream_rows(
    store: &Store,
    sql: &Sql,
    types: &[FieldType],
    on_row: &mut (dyn FnMut(i64, f64, Vec<Value>) + Send),
) -> Result<u64> {
    let mut n = 0;
    match store.backend() {
        Backend::Sqlite { read, .. } => {
            let mut rows =
                crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned())
                    .fetch(read);
            while let Some(row) = rows.try_next().await? {
                let (emp, share, values) = decode_row!(&row, types);
                on_row(emp, share, values);
                n += 1;
            }
        }
        Backend::Postgres(pool) => {
            let mut rows =
                crate::val::bind_all!(sqlx::query(sql.text()), sql.vals().iter().cloned())
                    .fetch(pool);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| crate::db::pg_error(pool, e))?
            {
                let (emp, share, values) = decode_row!(&row, types);
                on_row(emp, share, values);
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The records behind one measure for one person: how many match, and the first `limit`
/// of them as (field, value) pairs — the drill-down of an indicator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordsBehind {
    /// The measure's canonical text.
    pub measure: String,
    /// Records of the period that pass the measure's filter.
    pub count: u64,
    /// The first of them, each as (field, value) pairs.
    pub sample: Vec<Vec<(String, String)>>,
}

/// Lists the records that make up `w` for `employee` (see [`RecordsBehind`]).
pub async fn records_behind(
    store: &Store,
    viewer: &Viewer,
    w: &Wanted,
    period: Period,
    employee: i64,
    cal: &Calendar,
    limit: usize,
) -> Result<RecordsBehind> {
    let key = GroupKey::of(w);
    let p = if w.offset == PeriodOffset::Previous {
        period.prev()
    } else {
        period
    };
    let mut names = needed_fields(key.kind, &[(0, w)]);
    for extra in ["id", "day", key.field] {
        if !names.contains(&extra) && key.kind.field(extra).is_some() {
            names.insert(0, extra);
        }
    }
    let GroupQuery {
        mut sql,
        names,
        types,
    } = group_query(viewer, key, names, p, Some(employee), cal);
    sql.push(&format!(" ORDER BY t.{}", key.field));
    let mut out = RecordsBehind {
        measure: w.measure.key().to_string(),
        count: 0,
        sample: Vec::new(),
    };
    let mut on_row = |_emp: i64, _share: f64, values: Vec<Value>| {
        let view = RowView {
            names: &names,
            values,
        };
        if w.measure
            .filter
            .as_ref()
            .is_some_and(|f| !f.eval(&view, cal))
        {
            return;
        }
        out.count += 1;
        if out.sample.len() < limit {
            let pairs = names
                .iter()
                .zip(&view.values)
                .map(|(n, v)| (n.to_string(), show(v)))
                .collect();
            out.sample.push(pairs);
        }
    };
    stream_rows(store, &sql, &types, &mut on_row).await?;
    Ok(out)
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Date(d) => d.to_string(),
        Value::Timestamp(t) => t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
    }
}
