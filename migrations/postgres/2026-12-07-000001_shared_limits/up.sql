-- Limits shared by every instance (issue 23): one counter per (limit, subject, window),
-- raised with one atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING) and purged
-- once its window has passed. A subject is a bounded key: an address (or IPv6 prefix),
-- a normalised email, a user or token id.
CREATE TABLE limit_counters (
    limit_name VARCHAR(40) NOT NULL,
    subject VARCHAR(200) NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (limit_name, subject, window_start)
);
CREATE INDEX limit_counters_expiry ON limit_counters (expires_at);
