-- The older schema cannot say "never expires": such a token ends now (expires when it was
-- made); names and last uses are dropped.
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN name;
UPDATE api_tokens SET expires_at = created_at WHERE expires_at IS NULL;
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

DROP TABLE trusted_devices;
