//! Accounts, passwords (argon2id), sign-in with lock-out, server-side sessions and API tokens.

use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use kaohe_domain::roles::Role;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Failed sign-ins in a row before an account is locked.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MINUTES: i64 = 15;
/// How long a session lives without being renewed.
pub const SESSION_HOURS: i64 = 12;
/// How long an API token lives when its maker chooses nothing.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest life an API token may be given.
pub const MAX_TOKEN_DAYS: i64 = 366;
/// Live (neither revoked nor expired) API tokens an account may hold at once.
pub const MAX_LIVE_TOKENS: i64 = 20;
/// Password checks waiting for a worker beyond which a sign-in is refused as busy (503)
/// rather than queued: a flood of guesses cannot make everybody's sign-in wait without end.
pub const MAX_WAITING_PASSWORD_CHECKS: usize = 32;

/// An account as read from the database.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub employee_id: Option<i64>,
    pub role: String,
    pub display_name: String,
    pub language: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub employee_id: Option<i64>,
    pub display_name: &'a str,
}

/// Why a sign-in failed. Wrong user and wrong password are one answer, so names cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed sign-ins; try again after {0}")]
    Locked(DateTime<Utc>),
    /// Too many password checks are waiting: try again in a few seconds.
    #[error("too many sign-ins at once; try again in a few seconds")]
    Busy,
}

/// A started session: the cookie token (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid {
            field: "password".into(),
            message: e.to_string(),
        })
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The workers of password checks: argon2 takes a core for tens of milliseconds, so checks run
/// on blocking threads (never on the threads that answer requests), at most one fewer than the
/// cores at once, and at most [`MAX_WAITING_PASSWORD_CHECKS`] wait.
struct Checker {
    admitted: tokio::sync::Semaphore,
    running: tokio::sync::Semaphore,
}

static CHECKER: std::sync::LazyLock<Checker> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.saturating_sub(1).max(1);
    Checker {
        admitted: tokio::sync::Semaphore::new(workers + MAX_WAITING_PASSWORD_CHECKS),
        running: tokio::sync::Semaphore::new(workers),
    }
});

/// Checks a password on a blocking thread; `None` when too many checks wait already.
async fn verify_bounded(password: &str, hash: &str) -> Option<bool> {
    let _admitted = CHECKER.admitted.try_acquire().ok()?;
    let _running = CHECKER.running.acquire().await.ok()?;
    let (password, hash) = (password.to_string(), hash.to_string());
    let checked = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await;
    Some(checked.unwrap_or(false))
}

/// Counts the password checks made against each account's real hash, so that tests can prove
/// how many guesses were checked before the lock engaged.
#[doc(hidden)]
pub mod testing {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    static CHECKS: LazyLock<Mutex<HashMap<i64, u64>>> = LazyLock::new(Mutex::default);

    pub(super) fn count(user_id: i64) {
        *CHECKS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(user_id)
            .or_default() += 1;
    }

    /// How many passwords were checked against account `user_id`'s hash in this process.
    pub fn password_checks(user_id: i64) -> u64 {
        CHECKS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }
}

/// A fresh random token (256 bits, hex).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Tokens are stored hashed: a stolen database copy does not yield live sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

const USER_COLUMNS: &str = "id, username, password_hash, employee_id, role, display_name, language, active, failed_logins, locked_until";

/// Checks a new password against the minimum policy.
pub fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(StoreError::Invalid {
            field: "password".into(),
            message: "must have at least 8 characters".into(),
        });
    }
    Ok(())
}

impl Store {
    /// Creates an account.
    pub async fn create_user(&self, new: &NewUser<'_>) -> Result<i64> {
        self.create_user_audited(new, None).await
    }

    /// [`Store::create_user`] with its audit entry in the same transaction: both or neither.
    pub(crate) async fn create_user_audited(
        &self,
        new: &NewUser<'_>,
        audit: Option<(&Viewer, crate::audit::AuditEntry<'_>)>,
    ) -> Result<i64> {
        if new.username.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "username".into(),
                message: "must not be empty".into(),
            });
        }
        check_password_policy(new.password)?;
        let hash = hash_password(new.password)?;
        let mut sql = Sql::new(
            "INSERT INTO users (username, password_hash, employee_id, role, display_name, created_at) VALUES (",
        );
        sql.bind(new.username.trim())
            .push(", ")
            .bind(hash)
            .push(", ")
            .bind(new.employee_id)
            .push(", ");
        sql.bind(new.role.as_str())
            .push(", ")
            .bind(new.display_name)
            .push(", ")
            .bind(Utc::now())
            .push(") RETURNING id");
        let mut tx = self.begin().await?;
        let rows: Vec<(i64,)> = tx.fetch_all(&sql).await.map_err(|e| match e {
            StoreError::Database(db) => StoreError::from_write(db),
            other => other,
        })?;
        if let Some((viewer, entry)) = audit {
            tx.audit(viewer, entry).await?;
        }
        tx.commit().await?;
        let row = rows.into_iter().next();
        row.map(|r| r.0).ok_or_else(|| StoreError::Invalid {
            field: "username".into(),
            message: "not created".into(),
        })
    }

    /// Finds an account by name.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let mut sql = Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = "
        ));
        sql.bind(username);
        self.fetch_optional(&sql).await
    }

    /// Finds an account by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = "));
        sql.bind(id);
        self.fetch_optional(&sql).await
    }

    /// Every account.
    pub async fn users(&self) -> Result<Vec<User>> {
        self.fetch_all(&Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY id"
        )))
        .await
    }

    /// Checks a password; counts failures and locks the account after [`MAX_FAILED_LOGINS`].
    ///
    /// A try is counted before the password is checked, in one `UPDATE … RETURNING`: parallel
    /// guesses each get their own count, and only the first [`MAX_FAILED_LOGINS`] are checked;
    /// the rest lock the account without a check. A disabled account answers like an unknown
    /// name, after as long a check.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<User, LoginError>> {
        let now = Utc::now();
        let Some(user) = self.take_try(username, now).await? else {
            // Spend the same time as a real check so that timing does not reveal user names.
            if verify_bounded(password, DUMMY_HASH).await.is_none() {
                return Ok(Err(LoginError::Busy));
            }
            return Ok(Err(match self.locked_until(username, now).await? {
                Some(until) => LoginError::Locked(until),
                None => LoginError::BadCredentials,
            }));
        };
        if user.failed_logins > MAX_FAILED_LOGINS {
            // The allowance is taken by guesses checked or being checked: no more checks.
            return Ok(Err(LoginError::Locked(self.lock(user.id, now).await?)));
        }
        let Some(right) = verify_bounded(password, &user.password_hash).await else {
            self.count_logins(user.id, "failed_logins - 1", None)
                .await?;
            return Ok(Err(LoginError::Busy));
        };
        testing::count(user.id);
        if right {
            self.count_logins(user.id, "0", None).await?;
            return Ok(Ok(User {
                failed_logins: 0,
                locked_until: None,
                ..user
            }));
        }
        if user.failed_logins >= MAX_FAILED_LOGINS {
            return Ok(Err(LoginError::Locked(self.lock(user.id, now).await?)));
        }
        Ok(Err(LoginError::BadCredentials))
    }

    /// Counts a try at an active, unlocked account and returns it with the new count.
    async fn take_try(&self, username: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let mut sql = Sql::new(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE active = TRUE AND username = ",
        );
        sql.bind(username)
            .push(" AND (locked_until IS NULL OR locked_until <= ")
            .bind(now)
            .push(&format!(") RETURNING {USER_COLUMNS}"));
        let mut tx = self.begin().await?;
        let rows: Vec<User> = tx.fetch_all(&sql).await?;
        // No cached read shows the count: the identities and dashboards stay current.
        tx.commit_bookkeeping().await?;
        Ok(rows.into_iter().next())
    }

    /// Until when an active account `username` is locked, if it is.
    async fn locked_until(
        &self,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut sql =
            Sql::new("SELECT locked_until FROM users WHERE active = TRUE AND username = ");
        sql.bind(username).push(" AND locked_until > ").bind(now);
        let row: Option<(Option<DateTime<Utc>>,)> = self.fetch_optional(&sql).await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Locks account `id` for [`LOCKOUT_MINUTES`]; returns until when.
    async fn lock(&self, id: i64, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let until = now + Duration::minutes(LOCKOUT_MINUTES);
        self.count_logins(id, "0", Some(until)).await?;
        Ok(until)
    }

    /// Sets the failure count of account `id` to `count` (an SQL expression) and its lock.
    async fn count_logins(
        &self,
        id: i64,
        count: &str,
        locked: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let mut sql = Sql::new(&format!(
            "UPDATE users SET failed_logins = {count}, locked_until = "
        ));
        sql.bind(locked).push(" WHERE id = ").bind(id);
        self.execute_bookkeeping(&sql).await?;
        Ok(())
    }

    /// Sets a new password (own change or admin reset), ends the account's sessions and revokes
    /// its API tokens.
    pub async fn set_password(&self, user_id: i64, password: &str) -> Result<()> {
        self.set_password_audited(user_id, password, None, None)
            .await
    }

    /// [`Store::set_password`] with its audit entry in the same transaction: both or neither.
    async fn set_password_audited(
        &self,
        user_id: i64,
        password: &str,
        audit: Option<(&Viewer, crate::audit::AuditEntry<'_>)>,
        notice: Option<(i64, String)>,
    ) -> Result<()> {
        check_password_policy(password)?;
        let mut tx = self.begin().await?;
        if let Some((employee, subject)) = notice {
            crate::cycle::reminders::notify(
                &mut tx, employee, "account", &subject, "/account", None, None,
            )
            .await?;
        }
        if let Some((viewer, entry)) = audit {
            tx.audit(viewer, entry).await?;
        }
        let mut sql = Sql::new("UPDATE users SET password_hash = ");
        sql.bind(hash_password(password)?)
            .push(", failed_logins = 0, locked_until = NULL WHERE id = ")
            .bind(user_id);
        tx.run(&sql).await?;
        tx.end_access(user_id).await?;
        tx.commit().await
    }

    /// Starts a session for a signed-in user. A new token every time prevents session fixation.
    pub async fn create_session(&self, user_id: i64) -> Result<NewSession> {
        let token = random_token();
        let csrf_token = random_token();
        let now = Utc::now();
        let mut sql = Sql::new(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (",
        );
        sql.bind(token_hash(&token))
            .push(", ")
            .bind(user_id)
            .push(", ")
            .bind(csrf_token.as_str())
            .push(", ");
        sql.bind(now)
            .push(", ")
            .bind(now + Duration::hours(SESSION_HOURS))
            .push(")");
        self.execute(&sql).await?;
        Ok(NewSession { token, csrf_token })
    }

    /// The live session for a cookie token: the user and the session's CSRF token.
    pub async fn session(&self, token: &str) -> Result<Option<(User, String)>> {
        let mut sql = Sql::new("SELECT user_id, csrf_token FROM sessions WHERE token_hash = ");
        sql.bind(token_hash(token))
            .push(" AND expires_at > ")
            .bind(Utc::now());
        let Some((user_id, csrf)) = self.fetch_optional::<(i64, String)>(&sql).await? else {
            return Ok(None);
        };
        Ok(self
            .user_by_id(user_id)
            .await?
            .filter(|u| u.active)
            .map(|u| (u, csrf)))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE token_hash = ");
        sql.bind(token_hash(token));
        self.execute(&sql).await?;
        Ok(())
    }

    /// Builds the [`Viewer`] (role and data scope) for an account.
    pub async fn viewer_for(&self, user: &User) -> Result<Viewer> {
        let role: Role = user.role.parse().map_err(|m| StoreError::Invalid {
            field: "role".into(),
            message: m,
        })?;
        let mut viewer = Viewer {
            user_id: Some(user.id),
            username: user.username.clone(),
            role,
            employee_id: user.employee_id,
            team_id: None,
            department_ids: Vec::new(),
        };
        if let Some(emp) = user.employee_id {
            let mut sql = Sql::new("SELECT team_id, department_id FROM employees WHERE id = ");
            sql.bind(emp);
            if let Some((team, dept)) = self.fetch_optional::<(Option<i64>, i64)>(&sql).await? {
                viewer.team_id = team;
                viewer.department_ids = self.department_subtree(dept).await?;
            }
        }
        Ok(viewer)
    }
}

/// A valid argon2 hash of a random password, checked against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0p3bmQ4XpHb8pW4F8Oq5g7hW0d6Tj2Xq2lq3m3mJk0c";

/// An API token as listed to its owner (never the token itself, which is shown once).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token stops working (see [`ApiToken::expires`] for tokens made before expiry
    /// was stored).
    #[serde(skip)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Refused on every request but `GET` and `HEAD`.
    pub read_only: bool,
}

impl ApiToken {
    /// When the token stops working: its stored expiry, or [`DEFAULT_TOKEN_DAYS`] after it was
    /// made for a token made before expiry was stored.
    pub fn expires(&self) -> DateTime<Utc> {
        expiry(self.created_at, self.expires_at)
    }

    /// Neither revoked nor expired at `now`.
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires() > now
    }
}

fn expiry(created_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> DateTime<Utc> {
    expires_at.unwrap_or(created_at + Duration::days(DEFAULT_TOKEN_DAYS))
}

/// How a new API token is made: its life in days and whether it only reads.
#[derive(Debug, Clone, Copy)]
pub struct TokenOptions {
    /// 1 to [`MAX_TOKEN_DAYS`].
    pub days: i64,
    pub read_only: bool,
}

impl Default for TokenOptions {
    fn default() -> Self {
        TokenOptions {
            days: DEFAULT_TOKEN_DAYS,
            read_only: false,
        }
    }
}

/// The account a live API token acts as, and what the token allows.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    pub read_only: bool,
    pub expires_at: DateTime<Utc>,
}

/// The prefix of API tokens, so that a leaked one is recognisable in logs and scanners.
pub const API_TOKEN_PREFIX: &str = "kh_";

/// The languages the interface speaks.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

const TOKEN_COLUMNS: &str = "name, created_at, revoked_at, expires_at, read_only";

/// Refuses what would undo the separation of duties: HR keeps ordinary accounts, but only an
/// administrator resets, disables or acts for the accounts of administrators, the committee
/// and finance, so that whoever consolidates results cannot sign in as whoever approves them.
pub fn check_separation(viewer: &Viewer, target: &User, what: &str) -> Result<()> {
    let guarded = [Role::Admin, Role::Committee, Role::Finance];
    if viewer.role == Role::Admin || !guarded.iter().any(|r| r.as_str() == target.role) {
        return Ok(());
    }
    Err(StoreError::Forbidden(format!(
        "only an administrator may {what} the account `{}` (role {}): HR does not keep the accounts of administrators, the committee or finance",
        target.username, target.role
    )))
}

impl crate::Tx {
    /// Ends every session of account `user_id` and revokes its live API tokens.
    pub(crate) async fn end_access(&mut self, user_id: i64) -> Result<()> {
        let mut del = Sql::new("DELETE FROM sessions WHERE user_id = ");
        del.bind(user_id);
        self.run(&del).await?;
        let mut revoke = Sql::new("UPDATE api_tokens SET revoked_at = ");
        revoke
            .bind(Utc::now())
            .push(" WHERE revoked_at IS NULL AND user_id = ")
            .bind(user_id);
        self.run(&revoke).await?;
        Ok(())
    }

    /// Disables the active accounts of these people, who left (离职): their sessions end and
    /// their tokens are revoked, in the transaction that records the leaving. Audited.
    pub(crate) async fn disable_accounts_of_leavers(
        &mut self,
        viewer: &Viewer,
        employee_ids: &[i64],
    ) -> Result<()> {
        if employee_ids.is_empty() {
            return Ok(());
        }
        let mut sql =
            Sql::new("SELECT id, username FROM users WHERE active = TRUE AND employee_id IN ");
        sql.bind_list(employee_ids.iter().copied());
        let accounts: Vec<(i64, String)> = self.fetch_all(&sql).await?;
        for (id, username) in accounts {
            let mut off = Sql::new("UPDATE users SET active = FALSE WHERE id = ");
            off.bind(id);
            self.run(&off).await?;
            self.end_access(id).await?;
            let entry = active_entry(&username, false, "the person left (离职)");
            self.audit(viewer, entry).await?;
        }
        Ok(())
    }
}

/// The audit entry of disabling or enabling an account.
fn active_entry(username: &str, active: bool, why: &str) -> crate::audit::AuditEntry<'static> {
    crate::audit::AuditEntry {
        action: "update",
        entity: "users",
        entity_id: username.to_string(),
        before: Some(serde_json::json!({ "active": !active })),
        after: Some(serde_json::json!({ "active": active, "why": why })),
    }
}

impl Store {
    /// Changes one's own password: the current one must be right (a stolen session alone cannot
    /// take the account over). Ends every session of the account and revokes its API tokens;
    /// audited without the hashes.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        user_id: i64,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let user = self.existing_user_id(user_id).await?;
        match verify_bounded(current, &user.password_hash).await {
            Some(true) => {}
            Some(false) => {
                return Err(StoreError::Invalid {
                    field: "current_password".into(),
                    message: "the current password is wrong".into(),
                });
            }
            None => {
                return Err(StoreError::Invalid {
                    field: "current_password".into(),
                    message: "too many password checks at once; try again in a few seconds".into(),
                });
            }
        }
        if current == new {
            return Err(StoreError::Invalid {
                field: "new_password".into(),
                message: "the new password must differ from the current one".into(),
            });
        }
        let entry = password_entry(&user.username, "changed by its owner");
        self.set_password_audited(user_id, new, Some((viewer, entry)), None)
            .await
    }

    /// An administrator's (or HR's) reset of someone's password; audited, and the person is
    /// told in their inbox. HR cannot reset the accounts of administrators, the committee or
    /// finance ([`check_separation`]).
    pub async fn reset_password(&self, viewer: &Viewer, username: &str, new: &str) -> Result<()> {
        if !matches!(viewer.role, Role::Admin | Role::Hr) {
            return Err(StoreError::Forbidden(
                "only administrators and HR reset passwords".into(),
            ));
        }
        let user = self.existing_user(username).await?;
        check_separation(viewer, &user, "reset the password of")?;
        let entry = password_entry(username, "reset by an administrator");
        let notice = user.employee_id.map(|e| {
            (
                e,
                format!(
                    "您的密码已被 {} 重置 / Your password was reset by {}",
                    viewer.username, viewer.username
                ),
            )
        });
        self.set_password_audited(user.id, new, Some((viewer, entry)), notice)
            .await
    }

    /// Disables (`active = false`) or enables account `username`. Disabling ends its sessions
    /// and revokes its API tokens at once. HR and administrators; HR not for the accounts of
    /// administrators, the committee or finance; nobody disables their own account. Audited.
    pub async fn set_account_active(
        &self,
        viewer: &Viewer,
        username: &str,
        active: bool,
    ) -> Result<()> {
        crate::admin::require_admin(viewer, "disabling and enabling accounts")?;
        let user = self.existing_user(username).await?;
        check_separation(viewer, &user, if active { "enable" } else { "disable" })?;
        if !active && viewer.user_id == Some(user.id) {
            return Err(StoreError::Invalid {
                field: "username".into(),
                message: "you cannot disable your own account".into(),
            });
        }
        let mut tx = self.begin().await?;
        let mut sql = Sql::new("UPDATE users SET active = ");
        sql.bind(active)
            .push(", failed_logins = 0, locked_until = NULL WHERE id = ")
            .bind(user.id);
        tx.run(&sql).await?;
        if !active {
            tx.end_access(user.id).await?;
        }
        let why = if active { "enabled" } else { "disabled" };
        tx.audit(viewer, active_entry(username, active, why))
            .await?;
        tx.commit().await
    }

    /// The account `username`, or "not found".
    async fn existing_user(&self, username: &str) -> Result<User> {
        self.user_by_name(username)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                key: username.into(),
            })
    }

    /// The account `id`, or "not found".
    async fn existing_user_id(&self, id: i64) -> Result<User> {
        self.user_by_id(id).await?.ok_or(StoreError::NotFound {
            entity: "user",
            key: id.to_string(),
        })
    }

    /// Sets the language an account sees the interface in (`zh-CN` or `en`).
    pub async fn set_language(&self, user_id: i64, language: &str) -> Result<()> {
        if !LANGUAGES.contains(&language) {
            return Err(StoreError::Invalid {
                field: "language".into(),
                message: format!(
                    "unknown language `{language}` (expected one of: {})",
                    LANGUAGES.join(", ")
                ),
            });
        }
        let mut sql = Sql::new("UPDATE users SET language = ");
        sql.bind(language).push(" WHERE id = ").bind(user_id);
        self.execute(&sql).await?;
        Ok(())
    }

    /// Creates an API token with the default options ([`TokenOptions::default`]).
    pub async fn create_api_token(
        &self,
        viewer: &Viewer,
        user_id: i64,
        name: &str,
    ) -> Result<String> {
        self.create_api_token_with(viewer, user_id, name, TokenOptions::default())
            .await
    }

    /// Creates an API token for an integration acting as account `user_id`; returns the token,
    /// which is shown this once (only its SHA-256 is kept). Names are unique among the
    /// account's live tokens; at most [`MAX_LIVE_TOKENS`] live at once. Only the account
    /// itself or an administrator makes one: nobody else may act as the account.
    pub async fn create_api_token_with(
        &self,
        viewer: &Viewer,
        user_id: i64,
        name: &str,
        options: TokenOptions,
    ) -> Result<String> {
        if viewer.user_id != Some(user_id) && viewer.role != Role::Admin {
            return Err(StoreError::Forbidden(
                "only the account itself or an administrator makes its API tokens".into(),
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid {
                field: "name".into(),
                message: "a token needs a name of 1 to 100 characters".into(),
            });
        }
        if !(1..=MAX_TOKEN_DAYS).contains(&options.days) {
            return Err(StoreError::Invalid {
                field: "days".into(),
                message: format!(
                    "a token lives 1 to {MAX_TOKEN_DAYS} days, not {}",
                    options.days
                ),
            });
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE revoked_at IS NULL AND user_id = "
        ));
        sql.bind(user_id);
        let tokens: Vec<ApiToken> = tx.fetch_all(&sql).await?;
        let live: Vec<&ApiToken> = tokens.iter().filter(|t| t.live(now)).collect();
        if live.iter().any(|t| t.name == name) {
            return Err(StoreError::Invalid {
                field: "name".into(),
                message: format!("a token named `{name}` already exists"),
            });
        }
        if live.len() as i64 >= MAX_LIVE_TOKENS {
            return Err(StoreError::Invalid {
                field: "name".into(),
                message: format!(
                    "an account holds at most {MAX_LIVE_TOKENS} live tokens: revoke one first"
                ),
            });
        }
        // An expired token of the same name is revoked, so that the name can be used again.
        let mut lapse = Sql::new("UPDATE api_tokens SET revoked_at = ");
        lapse
            .bind(now)
            .push(" WHERE revoked_at IS NULL AND user_id = ")
            .bind(user_id)
            .push(" AND name = ")
            .bind(name);
        tx.run(&lapse).await?;
        let token = format!("{API_TOKEN_PREFIX}{}", random_token());
        let expires_at = now + Duration::days(options.days);
        let mut sql = Sql::new(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at, read_only) VALUES (",
        );
        sql.bind(token_hash(&token))
            .push(", ")
            .bind(user_id)
            .push(", ")
            .bind(name)
            .push(", ")
            .bind(now);
        sql.push(", ")
            .bind(expires_at)
            .push(", ")
            .bind(options.read_only)
            .push(")");
        tx.run(&sql).await?;
        let entry = crate::audit::AuditEntry {
            action: "create",
            entity: "api_tokens",
            entity_id: format!("{user_id}/{name}"),
            before: None,
            after: Some(serde_json::json!({
                "user_id": user_id, "name": name,
                "expires_at": expires_at, "read_only": options.read_only,
            })),
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account's API tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let mut sql = Sql::new(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = "
        ));
        sql.bind(user_id).push(" ORDER BY created_at DESC, name");
        self.fetch_all(&sql).await
    }

    /// Anybody's API tokens, for an administrator (HR may not: a token acts as its account).
    pub async fn api_tokens_of(&self, viewer: &Viewer, username: &str) -> Result<Vec<ApiToken>> {
        require_administrator(viewer, "listing another account's API tokens")?;
        let user = self.existing_user(username).await?;
        self.api_tokens(user.id).await
    }

    /// An administrator revokes anybody's live token `name`; audited.
    pub async fn revoke_api_token_of(
        &self,
        viewer: &Viewer,
        username: &str,
        name: &str,
    ) -> Result<()> {
        require_administrator(viewer, "revoking another account's API tokens")?;
        let user = self.existing_user(username).await?;
        self.revoke_api_token(viewer, user.id, name).await
    }

    /// Revokes the account's live token `name`; audited. Unknown names are "not found".
    pub async fn revoke_api_token(&self, viewer: &Viewer, user_id: i64, name: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut sql = Sql::new("UPDATE api_tokens SET revoked_at = ");
        sql.bind(Utc::now())
            .push(" WHERE revoked_at IS NULL AND user_id = ")
            .bind(user_id)
            .push(" AND name = ")
            .bind(name);
        if tx.run(&sql).await? == 0 {
            return Err(StoreError::NotFound {
                entity: "api token",
                key: name.into(),
            });
        }
        let entry = crate::audit::AuditEntry {
            action: "update",
            entity: "api_tokens",
            entity_id: format!("{user_id}/{name}"),
            before: None,
            after: Some(serde_json::json!({ "revoked": true })),
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await
    }

    /// The active account a live (not revoked, not expired) API token acts as.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<TokenUser>> {
        if !token.starts_with(API_TOKEN_PREFIX) {
            return Ok(None);
        }
        let mut sql = Sql::new(
            "SELECT user_id, created_at, expires_at, read_only FROM api_tokens WHERE revoked_at IS NULL AND token_hash = ",
        );
        sql.bind(token_hash(token));
        type Found = (i64, DateTime<Utc>, Option<DateTime<Utc>>, bool);
        let Some((user_id, created_at, expires_at, read_only)) =
            self.fetch_optional::<Found>(&sql).await?
        else {
            return Ok(None);
        };
        let expires_at = expiry(created_at, expires_at);
        if expires_at <= Utc::now() {
            return Ok(None);
        }
        Ok(self
            .user_by_id(user_id)
            .await?
            .filter(|u| u.active)
            .map(|user| TokenUser {
                user,
                read_only,
                expires_at,
            }))
    }
}

/// Refuses every role but administrators, naming what was asked.
fn require_administrator(viewer: &Viewer, what: &str) -> Result<()> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{what} is for administrators, not the role {}",
            viewer.role.as_str()
        )))
    }
}

/// The audit entry of a password change or reset: whose and how, never the hash.
fn password_entry(username: &str, how: &'static str) -> crate::audit::AuditEntry<'static> {
    crate::audit::AuditEntry {
        action: "update",
        entity: "users",
        entity_id: username.to_string(),
        before: None,
        after: Some(serde_json::json!({ "password": how })),
    }
}
