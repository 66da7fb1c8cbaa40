-- API tokens expire and may be read-only (issue 27). A token made before this migration has no
-- stored expiry: it lapses DEFAULT_TOKEN_DAYS after it was made (crates/store/src/users.rs).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
-- Counting an account's live tokens (at most MAX_LIVE_TOKENS) and revoking them all when the
-- account is disabled or its password changes.
CREATE INDEX api_tokens_user ON api_tokens (user_id, revoked_at);
