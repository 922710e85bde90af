ALTER TABLE payments DROP COLUMN request;
