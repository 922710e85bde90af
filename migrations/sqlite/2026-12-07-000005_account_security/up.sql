-- Accounts under attack (issue 23).
-- Trusted devices: a device that logged in to an account holds a random secret for it in
-- its device cookie; only the secret's SHA-256 is kept, with the account. Such a device
-- may still try to log in while the account is closed to new devices. The secret is
-- replaced on every log-in from the device (the old one stops working), expires a year
-- after the last log-in, and every device of an account ends when its password changes.
CREATE TABLE trusted_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);

-- Personal access tokens are API tokens with a name, made on the account page: one may
-- never expire (expires_at NULL), and each records when it was last used (to the hour).
-- SQLite cannot drop NOT NULL from a column, so the table is rebuilt (nothing refers to
-- it); ids are kept.
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    session_generation INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    name TEXT,
    last_used_at TIMESTAMP
);
INSERT INTO api_tokens_new (id, user_id, token_hash, session_generation, created_at, expires_at, revoked_at)
    SELECT id, user_id, token_hash, session_generation, created_at, expires_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
