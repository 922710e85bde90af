-- Outgoing webhooks and the event feed (issue 26, item 5).
--
-- `feed_events`: every partner-visible outbox message, copied by the dispatcher and kept
-- for good (delivered outbox rows are purged after 30 days). `position` is taken from the
-- one row of `feed_counter` under its row lock, in the transaction that inserts the event:
-- positions are consecutive and in commit order, so a cursor over them never skips a row
-- that commits late (an identity column would, under read committed).
CREATE TABLE feed_counter (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    position INTEGER NOT NULL
);
INSERT INTO feed_counter (id, position) VALUES (1, 0);

CREATE TABLE feed_events (
    position INTEGER PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- A partner's endpoint: where to POST which event types, and the secret that signs them.
-- `event_types` is a comma-separated list, or `*` for every type.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One delivery per (endpoint, feed event), retried with backoff, claimed with a lease.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    position INTEGER NOT NULL REFERENCES feed_events (position),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    claimed_by TEXT,
    last_status_code INTEGER,
    last_response TEXT,
    last_error TEXT,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (endpoint_id, position)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
