-- Provider faults and housekeeping (issue 23).
-- How often a message's delivery was put off by a transient fault (the payment service
-- rate-limiting, down, or refusing the API key): such a wait backs off by it and does
-- not use up the message's attempts.
ALTER TABLE outbox ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0;
