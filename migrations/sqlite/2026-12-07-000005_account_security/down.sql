-- The older schema cannot say "never expires": such a token ends now (expires when it was
-- made); names and last uses are dropped.
CREATE TABLE api_tokens_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    session_generation INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO api_tokens_old (id, user_id, token_hash, session_generation, created_at, expires_at, revoked_at)
    SELECT id, user_id, token_hash, session_generation, created_at, COALESCE(expires_at, created_at), revoked_at
    FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

DROP TABLE trusted_devices;
