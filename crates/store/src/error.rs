//! The storage error type. Every variant renders as one clear line for a person; the web layer
//! maps variants to HTTP statuses in one place.

/// What can go wrong below the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or path cannot be used.
    #[error("invalid database location `{location}`: {reason}")]
    BadLocation { location: String, reason: String },
    /// The database could not be opened or reached.
    #[error("cannot open database {location}: {reason}")]
    Open { location: String, reason: String },
    /// The schema could not be brought up to date.
    #[error("cannot migrate database {location}: {reason}")]
    Migrate { location: String, reason: String },
    /// Nothing with this key exists, or the viewer may not see it (the two are deliberately
    /// indistinguishable so that ids cannot be probed).
    #[error("{entity} {key} not found")]
    NotFound { entity: &'static str, key: String },
    /// The viewer's role or data scope does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// A unique key or other constraint refused the write.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// Input that breaks a rule.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The domain refused a step of the assessment cycle, an appeal, an award or a ladder
    /// decision: why (zh / en) and what the actor may do now.
    #[error("{0}")]
    Refused(Box<kaohe_domain::cycle::Refusal>),
    /// Any other database failure (logged in full, shown to people only as "internal error").
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the database could not take the request in time rather than refusing it: no
    /// connection came free (on SQLite a long write, such as a large import, holds the only
    /// writer), or another process held SQLite's lock past the busy timeout.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.message().contains("database is locked")
            }
            _ => false,
        }
    }

    /// Why the database cannot take writes at all, when that is what went wrong: the disk is
    /// full, the database is read-only, storage failed, or the connection to PostgreSQL broke.
    /// These are faults of the machine, not of the request: the web answers 503 and the next
    /// write succeeds once the fault is gone.
    pub fn write_fault(&self) -> Option<WriteFault> {
        let StoreError::Database(e) = self else {
            return None;
        };
        match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
                Some(WriteFault::Unreachable)
            }
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                let msg = db.message();
                // SQLite: the primary result code is the low byte of the (extended) code;
                // PostgreSQL: the SQLSTATE.
                let sqlite = db
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .and_then(|_| code.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                let fault = match sqlite {
                    Some(13) => Some(WriteFault::DiskFull),
                    Some(8) => Some(WriteFault::ReadOnly),
                    Some(10 | 11 | 14 | 26) => Some(WriteFault::Storage),
                    Some(_) => None,
                    None => match code.as_ref() {
                        "53100" => Some(WriteFault::DiskFull),
                        "25006" => Some(WriteFault::ReadOnly),
                        c if c.starts_with("53") || c.starts_with("58") => {
                            Some(WriteFault::Storage)
                        }
                        c if c.starts_with("57P") || c.starts_with("08") => {
                            Some(WriteFault::Unreachable)
                        }
                        // A file PostgreSQL writes without naming the cause (internal_error):
                        // on a full disk a new connection fails as it starts, with "could not
                        // write init file" (its catalog cache).
                        "XX000" if msg.starts_with("could not write") => Some(WriteFault::Storage),
                        _ => None,
                    },
                };
                fault.or_else(|| {
                    (msg.contains("disk is full") || msg.contains("No space left"))
                        .then_some(WriteFault::DiskFull)
                })
            }
            _ => None,
        }
    }

    /// Maps a failed write to a field error when a named constraint explains it.
    pub fn from_write(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let msg = db.message().to_string();
            let constraint = db.constraint().map(str::to_string).unwrap_or_default();
            for (key, field, text) in UNIQUE_KEYS {
                if constraint == *key || msg.contains(&format!("{}.{}", key_table(key), field)) {
                    return StoreError::Conflict {
                        field: field.to_string(),
                        message: text.to_string(),
                    };
                }
            }
            for (table, text) in COMPOSITE_KEYS {
                if constraint == format!("{table}_pkey")
                    || msg.contains(&format!("UNIQUE constraint failed: {table}."))
                {
                    return StoreError::Conflict {
                        field: table.to_string(),
                        message: text.to_string(),
                    };
                }
            }
            if db.is_foreign_key_violation() {
                return StoreError::Invalid {
                    field: constraint,
                    message: "refers to a record that does not exist".into(),
                };
            }
            if db.is_check_violation() {
                return StoreError::Invalid {
                    field: constraint,
                    message: format!("value breaks a rule ({msg})"),
                };
            }
        }
        StoreError::Database(e)
    }
}

/// A fault of the machine that keeps the database from writing ([`StoreError::write_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFault {
    /// No space left on the database's disk.
    DiskFull,
    /// The database file or server is read-only.
    ReadOnly,
    /// The storage failed (an I/O error, a corrupt or locked-out file).
    Storage,
    /// The connection to the database broke or the server is shutting down.
    Unreachable,
}

impl WriteFault {
    /// What a person or an operator reads.
    pub fn describe(self) -> &'static str {
        match self {
            WriteFault::DiskFull => "the database's disk is full",
            WriteFault::ReadOnly => "the database is read-only",
            WriteFault::Storage => "the database's storage failed (I/O error)",
            WriteFault::Unreachable => "the connection to the database broke",
        }
    }
}

/// Named unique constraints and the message a person sees when one is hit.
const UNIQUE_KEYS: &[(&str, &str, &str)] = &[
    (
        "orders_order_no_key",
        "order_no",
        "order number already exists",
    ),
    (
        "customers_archive_no_key",
        "archive_no",
        "archive number already exists",
    ),
    (
        "contracts_contract_no_key",
        "contract_no",
        "contract number already exists",
    ),
    ("users_username_key", "username", "username already exists"),
];

/// Tables keyed by several columns and the message a person sees when a key repeats.
const COMPOSITE_KEYS: &[(&str, &str)] = &[
    (
        "attendance",
        "this person's attendance on this day already exists",
    ),
    (
        "order_credits",
        "this person already has a share of this order",
    ),
    (
        "budgets",
        "a budget for this department, month and category already exists",
    ),
    (
        "meeting_attendance",
        "this person is already recorded at this meeting",
    ),
    (
        "training_results",
        "this person already has a result in this session",
    ),
];

fn key_table(constraint: &str) -> &str {
    constraint.split('_').next().unwrap_or(constraint)
}

impl From<kaohe_domain::cycle::Refusal> for StoreError {
    fn from(r: kaohe_domain::cycle::Refusal) -> Self {
        StoreError::Refused(Box::new(r))
    }
}

impl StoreError {
    /// The domain's refusal, when this is one.
    pub fn refusal(&self) -> Option<&kaohe_domain::cycle::Refusal> {
        match self {
            StoreError::Refused(r) => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_that_gives_no_connection_in_time_is_busy_and_other_failures_are_not() {
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_busy());
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_busy());
        assert!(!StoreError::Forbidden("no".into()).is_busy());
    }
}
