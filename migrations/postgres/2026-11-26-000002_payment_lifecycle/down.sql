DROP INDEX payments_next_check;
ALTER TABLE payments DROP COLUMN provider_dispute_id;
ALTER TABLE payments DROP COLUMN dispute_status;
ALTER TABLE payments DROP COLUMN next_check_at;
ALTER TABLE payments DROP COLUMN checks;
UPDATE payments SET status = 'open' WHERE status = 'processing';
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN
    ('creating', 'open', 'failed', 'expired', 'paid', 'refund_pending', 'refunded', 'mismatch'));
