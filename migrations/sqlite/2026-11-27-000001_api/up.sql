-- The JSON API (issue 14).
-- Bearer tokens: only the SHA-256 of each token is kept. A token is valid until it
-- expires, is revoked, or its user's session generation moves on (logging out
-- everywhere or changing the password), checked on every request on every instance.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    session_generation INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Idempotency keys: the first request with a key runs; its answer (below 500) is kept
-- 24 hours and replayed to any instance that sees the same key, body and user again.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    -- 'running' while the first request works (until locked_until), then 'done'.
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    locked_until TIMESTAMP NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    response_location TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
