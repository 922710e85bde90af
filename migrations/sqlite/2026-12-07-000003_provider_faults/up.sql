-- Provider faults and housekeeping (issue 23).
-- When a buyer's page last asked the payment provider about this attempt: a guarded
-- UPDATE on it lets one request per few seconds ask, on any instance; the others show
-- what the database knows.
ALTER TABLE payments ADD COLUMN provider_checked_at TIMESTAMP;
-- How often a message's delivery was put off by a transient fault (the payment service
-- rate-limiting, down, or refusing the API key): such a wait backs off by it and does
-- not use up the message's attempts.
ALTER TABLE outbox ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0;
