ALTER TABLE events DROP COLUMN resale_listed;
