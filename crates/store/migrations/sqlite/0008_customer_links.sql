-- Customer rating links issued, listed and revoked by their users (issue 20): each link gets an
-- id to be listed and revoked by, the customer's contact it was sent to, who issued it and
-- whether it was revoked. SQLite cannot change a primary key in place, so the table is made
-- anew and the existing links copied (their secrets stay hashed; they keep working).
CREATE TABLE customer_links (
    id INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    issued_by_user_id BIGINT REFERENCES users(id),
    issued_by TEXT NOT NULL DEFAULT '',
    issued_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO customer_links (secret_hash, cycle_id, customer_id, issued_at, expires_at, used_at)
SELECT secret_hash, cycle_id, customer_id, issued_at, expires_at, used_at FROM customer_tokens
ORDER BY issued_at;
DROP TABLE customer_tokens;
ALTER TABLE customer_links RENAME TO customer_tokens;
-- A cycle's links are listed on its page.
CREATE INDEX customer_tokens_cycle ON customer_tokens (cycle_id);
