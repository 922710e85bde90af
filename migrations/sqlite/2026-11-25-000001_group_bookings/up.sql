-- Group bookings: a ticket (the user's one booking for an event) holds `quantity` seats
-- of one ticket type; each seat of a paid booking is an admission with its own code.
ALTER TABLE tickets ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1);

ALTER TABLE ticket_schemas ADD COLUMN max_per_order INTEGER NOT NULL DEFAULT 10
    CHECK (max_per_order BETWEEN 1 AND 50);
ALTER TABLE ticket_schemas ADD COLUMN selling_rule TEXT NOT NULL DEFAULT 'any'
    CHECK (selling_rule IN ('any', 'even', 'all_together', 'avoid_one'));

CREATE TABLE admissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    hold_number INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'void')),
    checked_in_at TIMESTAMP,
    gate TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, hold_number, position)
);

-- Every existing ticket is a booking of one seat whose admission keeps its code; only
-- a paid ticket's admission is valid at the door.
INSERT INTO admissions (ticket_id, hold_number, position, code, status, created_at)
SELECT id, hold_number, 1, code,
       CASE WHEN status = 'paid' THEN 'valid' ELSE 'void' END,
       COALESCE(paid_at, created_at)
FROM tickets;
