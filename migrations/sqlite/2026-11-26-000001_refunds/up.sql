-- Refunds as rows of their own: each with its own idempotency key (random, stored, so a
-- retry resends it), the provider's refund id once known, and its lifecycle:
-- requested (sent, or about to be) → pending → succeeded / failed; unsure after a 5xx
-- (Stripe replays it under the key: look the refund up before trying a new key).
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    payment_id INTEGER NOT NULL REFERENCES payments (id),
    amount_pennies BIGINT NOT NULL CHECK (amount_pennies >= 0),
    currency TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    provider_refund_id TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('requested', 'unsure', 'pending', 'succeeded', 'failed')),
    reason TEXT NOT NULL,
    failure_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_status ON refunds (status, updated_at);
