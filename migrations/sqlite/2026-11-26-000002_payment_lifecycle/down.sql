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
    status TEXT NOT NULL CHECK (status IN ('creating', 'open', 'failed', 'expired', 'paid', 'refund_pending', 'refunded', 'mismatch')),
    status_reason TEXT,
    provider_payment_id TEXT,
    provider_refund_id TEXT,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    refunded_at TIMESTAMP,
    request TEXT,
    UNIQUE (ticket_id, hold_number, attempt)
);
INSERT INTO payments_new (id, ticket_id, user_id, hold_number, attempt, provider, provider_session_id, checkout_url, amount_pennies, currency, status, status_reason, provider_payment_id, provider_refund_id, expires_at, created_at, updated_at, paid_at, refunded_at, request)
SELECT id, ticket_id, user_id, hold_number, attempt, provider, provider_session_id, checkout_url, amount_pennies, currency, CASE WHEN status = 'processing' THEN 'open' ELSE status END, status_reason, provider_payment_id, provider_refund_id, expires_at, created_at, updated_at, paid_at, refunded_at, request FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_status ON payments (status, expires_at);
COMMIT;
PRAGMA foreign_keys = ON;
