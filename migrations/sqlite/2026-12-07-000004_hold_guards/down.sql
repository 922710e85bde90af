ALTER TABLE tickets DROP COLUMN lapsed_at;
ALTER TABLE tickets DROP COLUMN lapsed_ticket_schema_id;
ALTER TABLE events DROP COLUMN high_demand;
