-- The exact request a checkout attempt sent to the provider (JSON), so that a retry under
-- the same idempotency key resends it unchanged.
ALTER TABLE payments ADD COLUMN request TEXT;
