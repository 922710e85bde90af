ALTER TABLE outbox DROP COLUMN deferrals;
ALTER TABLE payments DROP COLUMN provider_checked_at;
