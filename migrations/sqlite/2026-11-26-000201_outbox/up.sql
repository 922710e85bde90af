-- The transactional outbox: one row per thing that happened, written in the same
-- transaction as the change it reports, delivered (mailed, or run as a job) by the
-- dispatcher of any instance. `message_id` is the stable id consumers stay idempotent on
-- (an email's Message-ID).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    claimed_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- The dev mailbox: where mail goes when no SMTP server is configured.
CREATE TABLE mailbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    attachment_name TEXT,
    attachment TEXT,
    created_at TIMESTAMP NOT NULL
);
