DROP INDEX refunds_open_parts;
ALTER TABLE admissions DROP COLUMN given_back_at;
ALTER TABLE refunds DROP COLUMN seats;
