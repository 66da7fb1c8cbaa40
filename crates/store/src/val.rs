//! Values bound to SQL statements. Everything that reaches the database from outside the fixed
//! SQL text travels as a [`Val`] bound parameter, never as SQL text.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::query_builder::Separated;
use sqlx::{Postgres, Sqlite};

/// One bound value. `None` binds a typed NULL (PostgreSQL needs the type).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! val_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Val {
            fn from(v: $t) -> Self {
                Val::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Val {
            fn from(v: Option<$t>) -> Self {
                Val::$variant(v.map($conv))
            }
        }
    };
}

val_from!(i64, Int, |v| v);
val_from!(i32, Int, i64::from);
val_from!(f64, Float, |v| v);
val_from!(bool, Bool, |v| v);
val_from!(String, Text, |v| v);
val_from!(NaiveDate, Date, |v| v);
val_from!(DateTime<Utc>, Time, |v| v);

impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}

impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(Some(v.clone()))
    }
}

/// Pushes a value into a SQLite statement under construction.
pub(crate) fn push_sqlite(b: &mut Separated<'_, '_, Sqlite, &'static str>, v: Val) {
    match v {
        Val::Int(x) => b.push_bind(x),
        Val::Float(x) => b.push_bind(x),
        Val::Bool(x) => b.push_bind(x),
        Val::Text(x) => b.push_bind(x),
        Val::Date(x) => b.push_bind(x),
        Val::Time(x) => b.push_bind(x),
        Val::Bytes(x) => b.push_bind(x),
    };
}

/// Pushes a value into a PostgreSQL statement under construction.
pub(crate) fn push_pg(b: &mut Separated<'_, '_, Postgres, &'static str>, v: Val) {
    match v {
        Val::Int(x) => b.push_bind(x),
        Val::Float(x) => b.push_bind(x),
        Val::Bool(x) => b.push_bind(x),
        Val::Text(x) => b.push_bind(x),
        Val::Date(x) => b.push_bind(x),
        Val::Time(x) => b.push_bind(x),
        Val::Bytes(x) => b.push_bind(x),
    };
}

/// Binds values to a plain query, in order.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                $crate::val::Val::Int(x) => q.bind(x),
                $crate::val::Val::Float(x) => q.bind(x),
                $crate::val::Val::Bool(x) => q.bind(x),
                $crate::val::Val::Text(x) => q.bind(x),
                $crate::val::Val::Date(x) => q.bind(x),
                $crate::val::Val::Time(x) => q.bind(x),
                $crate::val::Val::Bytes(x) => q.bind(x),
            };
        }
        q
    }};
}
pub(crate) use bind_all;
