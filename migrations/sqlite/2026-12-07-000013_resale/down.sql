PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE booking_transfers;
ALTER TABLE payments DROP COLUMN listing_id;
DROP TABLE resale_listings;
CREATE TABLE tickets_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER NOT NULL REFERENCES events (id),
    ticket_schema_id INTEGER NOT NULL REFERENCES ticket_schemas (id),
    status TEXT NOT NULL CHECK (status IN ('reserved', 'paid', 'expired', 'cancelled', 'refunded')),
    reserved_until TIMESTAMP,
    hold_number INTEGER NOT NULL DEFAULT 1,
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    lapsed_ticket_schema_id INTEGER,
    lapsed_at TIMESTAMP,
    UNIQUE (user_id, event_id)
);
INSERT INTO tickets_old SELECT id, user_id, event_id, ticket_schema_id, CASE WHEN status = 'transferred' THEN 'cancelled' ELSE status END, reserved_until, hold_number, code, created_at, paid_at, quantity, lapsed_ticket_schema_id, lapsed_at FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_old RENAME TO tickets;
CREATE INDEX tickets_hold_expiry ON tickets (status, reserved_until);
CREATE INDEX tickets_type_seats ON tickets (ticket_schema_id, status, quantity);
CREATE INDEX tickets_event_type ON tickets (event_id, id, ticket_schema_id);
CREATE TABLE admissions_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    hold_number INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'void')),
    checked_in_at TIMESTAMP,
    gate TEXT,
    created_at TIMESTAMP NOT NULL,
    checkin_nonce TEXT,
    event_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ticket_id, hold_number, position)
);
INSERT INTO admissions_old SELECT id, ticket_id, hold_number, position, code, CASE WHEN status IN ('resold', 'given') THEN 'void' ELSE status END, checked_in_at, gate, created_at, checkin_nonce, event_id FROM admissions;
DROP TABLE admissions;
ALTER TABLE admissions_old RENAME TO admissions;
CREATE INDEX admissions_event_door ON admissions (event_id, status, ticket_id, checked_in_at);
ALTER TABLE events DROP COLUMN resale_fee_percent;
ALTER TABLE events DROP COLUMN resale_enabled;
COMMIT;
PRAGMA foreign_keys = ON;
