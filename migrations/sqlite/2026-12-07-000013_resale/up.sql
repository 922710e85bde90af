-- Resale between fans at face value and gifts (issue 25). A listing offers one paid
-- booking whole; a buyer locks it for a few minutes while paying (one guarded update);
-- on payment the booking passes to the buyer with new codes, and the seller's payment
-- is refunded by the price minus the shop's fee. A gift passes a booking for free.
-- SQLite cannot change a CHECK constraint in place: tickets and admissions are rebuilt
-- (sqlite.org/lang_altertable.html, section 7), with foreign keys off (metadata.toml).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
ALTER TABLE events ADD COLUMN resale_enabled BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN resale_fee_percent INTEGER NOT NULL DEFAULT 0
    CHECK (resale_fee_percent BETWEEN 0 AND 50);

-- A booking whose seats passed to someone else (resold or given away).
CREATE TABLE tickets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER NOT NULL REFERENCES events (id),
    ticket_schema_id INTEGER NOT NULL REFERENCES ticket_schemas (id),
    status TEXT NOT NULL CHECK (status IN ('reserved', 'paid', 'expired', 'cancelled', 'refunded', 'transferred')),
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
INSERT INTO tickets_new (id, user_id, event_id, ticket_schema_id, status, reserved_until, hold_number, code, created_at, paid_at, quantity, lapsed_ticket_schema_id, lapsed_at)
SELECT id, user_id, event_id, ticket_schema_id, status, reserved_until, hold_number, code, created_at, paid_at, quantity, lapsed_ticket_schema_id, lapsed_at FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
CREATE INDEX tickets_hold_expiry ON tickets (status, reserved_until);
CREATE INDEX tickets_type_seats ON tickets (ticket_schema_id, status, quantity);
CREATE INDEX tickets_event_type ON tickets (event_id, id, ticket_schema_id);

-- A seat whose booking passed on: its code answers "resold" or "given away" at the door.
CREATE TABLE admissions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    hold_number INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'void', 'resold', 'given')),
    checked_in_at TIMESTAMP,
    gate TEXT,
    created_at TIMESTAMP NOT NULL,
    checkin_nonce TEXT,
    event_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ticket_id, hold_number, position)
);
INSERT INTO admissions_new (id, ticket_id, hold_number, position, code, status, checked_in_at, gate, created_at, checkin_nonce, event_id)
SELECT id, ticket_id, hold_number, position, code, status, checked_in_at, gate, created_at, checkin_nonce, event_id FROM admissions;
DROP TABLE admissions;
ALTER TABLE admissions_new RENAME TO admissions;
CREATE INDEX admissions_event_door ON admissions (event_id, status, ticket_id, checked_in_at);

CREATE TABLE resale_listings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    hold_number INTEGER NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    ticket_schema_id INTEGER NOT NULL REFERENCES ticket_schemas (id),
    seller_id INTEGER NOT NULL REFERENCES users (id),
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    price_pennies BIGINT NOT NULL CHECK (price_pennies > 0),
    fee_pennies BIGINT NOT NULL CHECK (fee_pennies >= 0 AND fee_pennies < price_pennies),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    status TEXT NOT NULL CHECK (status IN ('listed', 'sold', 'withdrawn')),
    version INTEGER NOT NULL DEFAULT 1,
    locked_by INTEGER REFERENCES users (id),
    locked_until TIMESTAMP,
    buyer_id INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sold_at TIMESTAMP
);
-- One open listing per booking.
CREATE UNIQUE INDEX resale_listings_one_open ON resale_listings (ticket_id) WHERE status = 'listed';
CREATE INDEX resale_listings_event ON resale_listings (event_id, status);

-- The buyer's payment names the listing it buys.
ALTER TABLE payments ADD COLUMN listing_id INTEGER REFERENCES resale_listings (id);

-- Every passing of a booking's seats from one holder to another.
CREATE TABLE booking_transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('resale', 'gift')),
    from_ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    from_hold_number INTEGER NOT NULL,
    to_ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    to_hold_number INTEGER NOT NULL,
    from_user_id INTEGER NOT NULL REFERENCES users (id),
    to_user_id INTEGER NOT NULL REFERENCES users (id),
    listing_id INTEGER UNIQUE REFERENCES resale_listings (id),
    payment_id INTEGER REFERENCES payments (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (from_ticket_id, from_hold_number)
);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
