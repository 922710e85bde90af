CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    session_generation INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    venue TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    published BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (title, starts_at),
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_listing ON events (published, ends_at, starts_at);

CREATE TABLE ticket_schemas (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    name TEXT NOT NULL,
    amount_pennies BIGINT NOT NULL CHECK (amount_pennies >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    total_tickets INTEGER NOT NULL CHECK (total_tickets >= 0),
    available_tickets_count INTEGER NOT NULL,
    lock_version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name),
    CHECK (available_tickets_count >= 0 AND available_tickets_count <= total_tickets)
);
CREATE INDEX ticket_schemas_event ON ticket_schemas (event_id);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER NOT NULL REFERENCES events (id),
    ticket_schema_id INTEGER NOT NULL REFERENCES ticket_schemas (id),
    status TEXT NOT NULL CHECK (status IN ('reserved', 'paid', 'expired', 'cancelled', 'refunded')),
    reserved_until TIMESTAMP,
    hold_number INTEGER NOT NULL DEFAULT 1,
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    UNIQUE (user_id, event_id)
);
CREATE INDEX tickets_hold_expiry ON tickets (status, reserved_until);
CREATE INDEX tickets_schema_status ON tickets (ticket_schema_id, status);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    hold_number INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    provider TEXT NOT NULL,
    provider_session_id TEXT UNIQUE,
    checkout_url TEXT,
    amount_pennies BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('creating', 'open', 'failed', 'expired', 'paid', 'refund_pending', 'refunded', 'mismatch')),
    status_reason TEXT,
    provider_payment_id TEXT,
    provider_refund_id TEXT,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    refunded_at TIMESTAMP,
    UNIQUE (ticket_id, hold_number, attempt)
);
CREATE INDEX payments_status ON payments (status, expires_at);

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    provider_event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
