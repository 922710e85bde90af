-- Delayed payment methods: a session completed but not yet paid (a bank debit) is
-- `processing`. Reconciliation backs off per attempt (`checks`, `next_check_at`).
-- Disputes (chargebacks) are recorded on the payment they dispute.
-- SQLite cannot alter a CHECK constraint: the table is rebuilt (sqlite.org/lang_altertable.html, section 7).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE payments_new (
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
    status TEXT NOT NULL CHECK (status IN ('creating', 'open', 'processing', 'failed', 'expired', 'paid', 'refund_pending', 'refunded', 'mismatch')),
    status_reason TEXT,
    provider_payment_id TEXT,
    provider_refund_id TEXT,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    refunded_at TIMESTAMP,
    request TEXT,
    checks INTEGER NOT NULL DEFAULT 0,
    next_check_at TIMESTAMP,
    dispute_status TEXT CHECK (dispute_status IN ('open', 'won', 'lost')),
    provider_dispute_id TEXT,
    UNIQUE (ticket_id, hold_number, attempt)
);
INSERT INTO payments_new (id, ticket_id, user_id, hold_number, attempt, provider, provider_session_id, checkout_url, amount_pennies, currency, status, status_reason, provider_payment_id, provider_refund_id, expires_at, created_at, updated_at, paid_at, refunded_at, request) SELECT id, ticket_id, user_id, hold_number, attempt, provider, provider_session_id, checkout_url, amount_pennies, currency, status, status_reason, provider_payment_id, provider_refund_id, expires_at, created_at, updated_at, paid_at, refunded_at, request FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_status ON payments (status, expires_at);
CREATE INDEX payments_next_check ON payments (status, next_check_at);
COMMIT;
PRAGMA foreign_keys = ON;
