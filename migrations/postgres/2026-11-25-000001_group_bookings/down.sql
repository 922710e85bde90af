DROP TABLE admissions;
ALTER TABLE ticket_schemas DROP COLUMN selling_rule;
ALTER TABLE ticket_schemas DROP COLUMN max_per_order;
ALTER TABLE tickets DROP COLUMN quantity;
