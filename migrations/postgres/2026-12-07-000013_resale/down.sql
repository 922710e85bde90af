DROP TABLE booking_transfers;
ALTER TABLE payments DROP COLUMN listing_id;
DROP TABLE resale_listings;
ALTER TABLE admissions DROP CONSTRAINT admissions_status_check;
UPDATE admissions SET status = 'void' WHERE status IN ('resold', 'given');
ALTER TABLE admissions ADD CONSTRAINT admissions_status_check CHECK (status IN ('valid', 'void'));
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
UPDATE tickets SET status = 'cancelled' WHERE status = 'transferred';
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check
    CHECK (status IN ('reserved', 'paid', 'expired', 'cancelled', 'refunded'));
ALTER TABLE events DROP COLUMN resale_fee_percent;
ALTER TABLE events DROP COLUMN resale_enabled;
