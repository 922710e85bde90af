-- Delayed payment methods: a session completed but not yet paid (a bank debit) is
-- `processing`. Reconciliation backs off per attempt (`checks`, `next_check_at`).
-- Disputes (chargebacks) are recorded on the payment they dispute.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN
    ('creating', 'open', 'processing', 'failed', 'expired', 'paid', 'refund_pending', 'refunded', 'mismatch'));
ALTER TABLE payments ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN next_check_at TIMESTAMP;
ALTER TABLE payments ADD COLUMN dispute_status TEXT CHECK (dispute_status IN ('open', 'won', 'lost'));
ALTER TABLE payments ADD COLUMN provider_dispute_id TEXT;
CREATE INDEX payments_next_check ON payments (status, next_check_at);
