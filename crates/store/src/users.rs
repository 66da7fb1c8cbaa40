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
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<std::result::Result<User, LoginError>> {
        let now = Utc::now();
        let Some(user) = self.user_by_name(username).await? else {
            // Spend the same time as a real check so that timing does not reveal user names.
            let _ = verify_password(password, DUMMY_HASH);
            return Ok(Err(LoginError::BadCredentials));
        };
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Ok(Err(LoginError::Locked(until)));
        }
        if user.active && verify_password(password, &user.password_hash) {
            let mut sql =
                Sql::new("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ");
            sql.bind(user.id);
            self.execute(&sql).await?;
            return Ok(Ok(user));
        }
        let failed = user.failed_logins + 1;
        let locked =
            (failed >= MAX_FAILED_LOGINS).then(|| now + Duration::minutes(LOCKOUT_MINUTES));
        let mut sql = Sql::new("UPDATE users SET failed_logins = ");
        sql.bind(if locked.is_some() { 0 } else { failed })
            .push(", locked_until = ")
            .bind(locked);
        sql.push(" WHERE id = ").bind(user.id);
        self.execute(&sql).await?;
        Ok(Err(
            locked.map_or(LoginError::BadCredentials, LoginError::Locked)
        ))
    }

    /// Sets a new password (own change or admin reset) and ends the account's sessions.
    pub async fn set_password(&self, user_id: i64, password: &str) -> Result<()> {
        self.set_password_audited(user_id, password, None).await
    }

    /// [`Store::set_password`] with its audit entry in the same transaction: both or neither.
    async fn set_password_audited(
        &self,
        user_id: i64,
        password: &str,
        audit: Option<(&Viewer, crate::audit::AuditEntry<'_>)>,
    ) -> Result<()> {
        check_password_policy(password)?;
        let mut tx = self.begin().await?;
        if let Some((viewer, entry)) = audit {
            tx.audit(viewer, entry).await?;
        }
        let mut sql = Sql::new("UPDATE users SET password_hash = ");
        sql.bind(hash_password(password)?)
            .push(", failed_logins = 0, locked_until = NULL WHERE id = ")
            .bind(user_id);
        tx.run(&sql).await?;
        let mut del = Sql::new("DELETE FROM sessions WHERE user_id = ");
        del.bind(user_id);
        tx.run(&del).await?;
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
}

/// The prefix of API tokens, so that a leaked one is recognisable in logs and scanners.
pub const API_TOKEN_PREFIX: &str = "kh_";

/// The languages the interface speaks.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

impl Store {
    /// Changes one's own password: the current one must be right (a stolen session alone cannot
    /// take the account over). Ends every session of the account; audited without the hashes.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        user_id: i64,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let user = self
            .user_by_id(user_id)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                key: user_id.to_string(),
            })?;
        if !verify_password(current, &user.password_hash) {
            return Err(StoreError::Invalid {
                field: "current_password".into(),
                message: "the current password is wrong".into(),
            });
        }
        if current == new {
            return Err(StoreError::Invalid {
                field: "new_password".into(),
                message: "the new password must differ from the current one".into(),
            });
        }
        let entry = password_entry(&user.username, "changed by its owner");
        self.set_password_audited(user_id, new, Some((viewer, entry)))
            .await
    }

    /// An administrator's (or HR's) reset of someone's password; audited.
    pub async fn reset_password(&self, viewer: &Viewer, username: &str, new: &str) -> Result<()> {
        if !matches!(viewer.role, Role::Admin | Role::Hr) {
            return Err(StoreError::Forbidden(
                "only administrators and HR reset passwords".into(),
            ));
        }
        let user = self
            .user_by_name(username)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                key: username.into(),
            })?;
        let entry = password_entry(username, "reset by an administrator");
        self.set_password_audited(user.id, new, Some((viewer, entry)))
            .await
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

    /// Creates an API token for an integration acting as account `user_id`; returns the token,
    /// which is shown this once (only its SHA-256 is kept). Names are unique per account.
    pub async fn create_api_token(
        &self,
        viewer: &Viewer,
        user_id: i64,
        name: &str,
    ) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid {
                field: "name".into(),
                message: "a token needs a name of 1 to 100 characters".into(),
            });
        }
        let mut tx = self.begin().await?;
        let mut taken =
            Sql::new("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL AND user_id = ");
        taken.bind(user_id).push(" AND name = ").bind(name);
        let live: Vec<(i64,)> = tx.fetch_all(&taken).await?;
        if live.first().is_some_and(|n| n.0 > 0) {
            return Err(StoreError::Invalid {
                field: "name".into(),
                message: format!("a token named `{name}` already exists"),
            });
        }
        let token = format!("{API_TOKEN_PREFIX}{}", random_token());
        let mut sql =
            Sql::new("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES (");
        sql.bind(token_hash(&token))
            .push(", ")
            .bind(user_id)
            .push(", ")
            .bind(name)
            .push(", ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await?;
        let entry = crate::audit::AuditEntry {
            action: "create",
            entity: "api_tokens",
            entity_id: format!("{user_id}/{name}"),
            before: None,
            after: Some(serde_json::json!({ "user_id": user_id, "name": name })),
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account's API tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let mut sql =
            Sql::new("SELECT name, created_at, revoked_at FROM api_tokens WHERE user_id = ");
        sql.bind(user_id).push(" ORDER BY created_at DESC, name");
        self.fetch_all(&sql).await
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

    /// The active account a live API token acts as.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<User>> {
        if !token.starts_with(API_TOKEN_PREFIX) {
            return Ok(None);
        }
        let mut sql =
            Sql::new("SELECT user_id FROM api_tokens WHERE revoked_at IS NULL AND token_hash = ");
        sql.bind(token_hash(token));
        let Some((user_id,)) = self.fetch_optional::<(i64,)>(&sql).await? else {
            return Ok(None);
        };
        Ok(self.user_by_id(user_id).await?.filter(|u| u.active))
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
