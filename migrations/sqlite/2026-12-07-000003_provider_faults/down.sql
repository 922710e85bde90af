ALTER TABLE outbox DROP COLUMN deferrals;
