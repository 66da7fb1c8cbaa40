//! A statement under construction: fixed SQL text from this crate plus bound [`Val`]s.
//! Placeholders are written `$1, $2, …`, which both PostgreSQL and SQLite accept.

use crate::val::{Val, bind_all};
use crate::{Result, Store, StoreError, on_read, on_write};
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use std::fmt::Write;

/// SQL text with its bound values.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    vals: Vec<Val>,
}

impl Sql {
    /// Starts a statement.
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            vals: Vec::new(),
        }
    }

    /// Appends fixed SQL text (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Val>) -> &mut Self {
        self.vals.push(v.into());
        let n = self.vals.len();
        let _ = write!(self.text, "${n}");
        self
    }

    /// Appends `(​$a, $b, …)` bound to `vals`; an empty list becomes `(NULL)` (matches nothing).
    pub fn bind_list<V: Into<Val>>(&mut self, vals: impl IntoIterator<Item = V>) -> &mut Self {
        self.push("(");
        let mut any = false;
        for (i, v) in vals.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
            any = true;
        }
        if !any {
            self.push("NULL");
        }
        self.push(")")
    }

    /// The SQL text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The bound values, in placeholder order.
    pub fn vals(&self) -> &[Val] {
        &self.vals
    }
}

/// A row type readable from both backends.
pub trait FromAnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromAnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl Store {
    /// Runs a query and reads every row.
    pub async fn fetch_all<T: FromAnyRow>(&self, sql: &Sql) -> Result<Vec<T>> {
        let rows = on_read!(self, pool => {
            bind_all!(sqlx::query_as::<_, T>(&sql.text), sql.vals.clone()).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Runs a query and reads at most one row.
    pub async fn fetch_optional<T: FromAnyRow>(&self, sql: &Sql) -> Result<Option<T>> {
        let row = on_read!(self, pool => {
            bind_all!(sqlx::query_as::<_, T>(&sql.text), sql.vals.clone()).fetch_optional(pool).await
        })?;
        Ok(row)
    }

    /// Runs a query that returns one number (a count, a sum).
    pub async fn fetch_i64(&self, sql: &Sql) -> Result<i64> {
        let v: (i64,) = on_read!(self, pool => {
            bind_all!(sqlx::query_as::<_, (i64,)>(&sql.text), sql.vals.clone()).fetch_one(pool).await
        })?;
        Ok(v.0)
    }

    /// Runs one write statement outside any explicit transaction (it is its own transaction).
    pub async fn execute(&self, sql: &Sql) -> Result<u64> {
        let done = on_write!(self, pool => {
            bind_all!(sqlx::query(&sql.text), sql.vals.clone()).execute(pool).await.map(|d| d.rows_affected())
        });
        let done = done.map_err(StoreError::from_write)?;
        crate::generation::everything_changed();
        Ok(done)
    }

    /// Lets a bulk load made of thousands of small transactions (the demo's history: every
    /// step of every cycle of several months) stop waiting for the disk at each commit, and
    /// restores the wait after it. On SQLite, `synchronous=NORMAL` in WAL mode keeps the file
    /// consistent whatever happens; only the last commits before a power cut may be lost,
    /// which a demo being built can afford and a live database cannot (it runs FULL). Nothing
    /// on PostgreSQL.
    pub async fn bulk_commits(&self, bulk: bool) -> Result<()> {
        if let crate::db::Backend::Sqlite { .. } = self.backend() {
            let pragma = if bulk {
                "PRAGMA synchronous = NORMAL"
            } else {
                "PRAGMA synchronous = FULL"
            };
            self.execute_bookkeeping(&Sql::new(pragma)).await?;
        }
        Ok(())
    }

    /// [`Store::execute`] for bookkeeping that no cached read shows (the log of import jobs):
    /// cached reads stay current.
    pub(crate) async fn execute_bookkeeping(&self, sql: &Sql) -> Result<u64> {
        let done = on_write!(self, pool => {
            bind_all!(sqlx::query(&sql.text), sql.vals.clone()).execute(pool).await.map(|d| d.rows_affected())
        });
        done.map_err(StoreError::from_write)
    }
}

impl crate::Tx {
    /// Runs a [`Sql`] statement inside this transaction.
    pub async fn run(&mut self, sql: &Sql) -> Result<u64> {
        self.execute(&sql.text, sql.vals.clone()).await
    }

    /// Reads rows inside this transaction (sees its own uncommitted writes).
    pub async fn fetch_all<T: FromAnyRow>(&mut self, sql: &Sql) -> Result<Vec<T>> {
        Ok(match self {
            crate::Tx::Sqlite(t) => {
                bind_all!(sqlx::query_as::<_, T>(&sql.text), sql.vals.clone())
                    .fetch_all(&mut **t)
                    .await?
            }
            crate::Tx::Postgres(t) => {
                bind_all!(sqlx::query_as::<_, T>(&sql.text), sql.vals.clone())
                    .fetch_all(&mut **t)
                    .await?
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new("SELECT * FROM t WHERE a = ");
        s.bind(1_i64).push(" AND b IN ").bind_list(["x", "y"]);
        assert_eq!(s.text(), "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
        let mut e = Sql::new("x IN ");
        e.bind_list(Vec::<i64>::new());
        assert_eq!(e.text(), "x IN (NULL)");
    }
}
