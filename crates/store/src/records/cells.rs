//! Reading rows of any record kind as typed cells, on either backend, and binding cells.

use crate::sql::Sql;
use crate::val::{Val, bind_all};
use crate::{Backend, Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use kaohe_domain::import::{Cell, KindSpec, Ty};
use sqlx::Row as _;

/// How a column is decoded. PostgreSQL decodes strictly by width, so `INTEGER` and `BIGINT`
/// differ.
#[derive(Clone, Copy)]
enum Decode {
    I64,
    I32,
    F64,
    Bool,
    Text,
    Date,
    Time,
}

/// The decoder of column `ty`; in exports references are read as their business keys.
fn decode(ty: Ty, export: bool) -> Decode {
    match ty {
        Ty::Id | Ty::Money => Decode::I64,
        // References by id (receivables, expense claims, …) are ids in files too.
        Ty::Ref(kind) if kind.table_and_key().1 == "id" => Decode::I64,
        Ty::Ref(_) if export => Decode::Text,
        Ty::Ref(_) => Decode::I64,
        Ty::Int => Decode::I32,
        Ty::Float => Decode::F64,
        Ty::Bool => Decode::Bool,
        Ty::Text | Ty::Choice(_) => Decode::Text,
        Ty::Date => Decode::Date,
        Ty::Time => Decode::Time,
    }
}

macro_rules! row_cells {
    ($row:expr, $decoders:expr) => {{
        let row = $row;
        let mut out = Vec::with_capacity($decoders.len());
        for (i, d) in $decoders.iter().enumerate() {
            out.push(match d {
                Decode::I64 => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Cell::Null, Cell::Int),
                Decode::I32 => row
                    .try_get::<Option<i32>, _>(i)?
                    .map_or(Cell::Null, |v| Cell::Int(v.into())),
                Decode::F64 => row
                    .try_get::<Option<f64>, _>(i)?
                    .map_or(Cell::Null, Cell::Float),
                Decode::Bool => row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Cell::Null, Cell::Bool),
                Decode::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Cell::Null, Cell::Text),
                Decode::Date => row
                    .try_get::<Option<NaiveDate>, _>(i)?
                    .map_or(Cell::Null, Cell::Date),
                Decode::Time => row
                    .try_get::<Option<DateTime<Utc>>, _>(i)?
                    .map_or(Cell::Null, Cell::Time),
            });
        }
        out
    }};
}

fn decoders(spec: &KindSpec, export: bool) -> Vec<Decode> {
    spec.columns.iter().map(|c| decode(c.ty, export)).collect()
}

/// Reads every row of `sql` (selecting `spec`'s columns in order).
pub(super) async fn fetch_cells(
    store: &Store,
    spec: &KindSpec,
    sql: &Sql,
    export: bool,
) -> Result<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    let mut keep = |cells: &[Cell]| {
        out.push(cells.to_vec());
        Ok(())
    };
    stream_cells(store, spec, sql, export, &mut keep).await?;
    Ok(out)
}

/// Streams the rows of `sql` to `sink` one at a time (an export of millions of rows holds one
/// row in memory); returns how many.
pub(super) async fn stream_cells(
    store: &Store,
    spec: &KindSpec,
    sql: &Sql,
    export: bool,
    sink: &mut (dyn FnMut(&[Cell]) -> std::result::Result<(), String> + Send),
) -> Result<u64> {
    let decoders = decoders(spec, export);
    let sink_err = |m: String| crate::StoreError::Invalid {
        field: "export".into(),
        message: m,
    };
    let mut n = 0;
    match store.backend() {
        Backend::Sqlite { read, .. } => {
            let mut rows = bind_all!(sqlx::query(sql.text()), sql.vals().to_vec()).fetch(read);
            while let Some(row) = rows.try_next().await? {
                sink(&row_cells!(&row, decoders)).map_err(sink_err)?;
                n += 1;
            }
        }
        Backend::Postgres(pool) => {
            let mut rows = bind_all!(sqlx::query(sql.text()), sql.vals().to_vec()).fetch(pool);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| crate::db::pg_error(pool, e))?
            {
                sink(&row_cells!(&row, decoders)).map_err(sink_err)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The bound value of `cell` in column `ty` (a typed NULL when empty, as PostgreSQL needs).
pub(super) fn val(ty: Ty, cell: &Cell) -> Val {
    match (cell, decode(ty, false)) {
        (Cell::Int(v), _) => Val::Int(Some(*v)),
        (Cell::Float(v), _) => Val::Float(Some(*v)),
        (Cell::Bool(v), _) => Val::Bool(Some(*v)),
        (Cell::Text(v), _) => Val::Text(Some(v.clone())),
        (Cell::Date(v), _) => Val::Date(Some(*v)),
        (Cell::Time(v), _) => Val::Time(Some(*v)),
        (Cell::Null, Decode::I64 | Decode::I32) => Val::Int(None),
        (Cell::Null, Decode::F64) => Val::Float(None),
        (Cell::Null, Decode::Bool) => Val::Bool(None),
        (Cell::Null, Decode::Text) => Val::Text(None),
        (Cell::Null, Decode::Date) => Val::Date(None),
        (Cell::Null, Decode::Time) => Val::Time(None),
    }
}

impl crate::Tx {
    /// Stored record `id` of `spec` as cells (references as ids), read inside this
    /// transaction; `None` when there is no such row. No data scope: callers check it.
    pub(super) async fn stored_cells(
        &mut self,
        spec: &KindSpec,
        id: i64,
    ) -> Result<Option<Vec<Cell>>> {
        let columns: Vec<String> = spec
            .columns
            .iter()
            .map(|c| format!("t.{}", c.field))
            .collect();
        let mut sql = Sql::new(&format!(
            "SELECT {} FROM {} t WHERE t.id = ",
            columns.join(", "),
            spec.table
        ));
        sql.bind(id);
        let decoders = decoders(spec, false);
        let vals = sql.vals().to_vec();
        let found = match self {
            crate::Tx::Sqlite(t) => {
                let rows = bind_all!(sqlx::query(sql.text()), vals)
                    .fetch_all(&mut **t)
                    .await?;
                match rows.first() {
                    Some(row) => Some(row_cells!(row, decoders)),
                    None => None,
                }
            }
            crate::Tx::Postgres(t) => {
                let rows = bind_all!(sqlx::query(sql.text()), vals)
                    .fetch_all(&mut **t)
                    .await?;
                match rows.first() {
                    Some(row) => Some(row_cells!(row, decoders)),
                    None => None,
                }
            }
        };
        Ok(found)
    }
}
