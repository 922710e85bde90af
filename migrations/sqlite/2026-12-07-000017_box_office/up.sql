-- The box office (issue 26 item 4): staff sell seats to named customers at a counter or
-- for a partner. An admin grants an account the box office of one event (event_id) or of
-- every event (event_id NULL), as for door staff.
CREATE TABLE box_office_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER REFERENCES events (id),
    granted_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX box_office_grants_event_scope ON box_office_grants (user_id, event_id)
    WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX box_office_grants_all_scope ON box_office_grants (user_id)
    WHERE event_id IS NULL;

-- One sale per hold of a booking: who sold it, to whom (the customer's name, shown at
-- the door and in exports), and how it is paid: a Stripe Checkout link mailed to the
-- customer (`link`, its single-purpose token kept only as its SHA-256), or recorded at
-- the counter (`cash`, `card_terminal`, `complimentary`) with the payments row the
-- counter wrote (provider `counter`) and the seller's note.
CREATE TABLE box_office_sales (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    hold_number INTEGER NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    seller_id INTEGER NOT NULL REFERENCES users (id),
    customer_name TEXT NOT NULL,
    payment TEXT NOT NULL CHECK (payment IN ('link', 'cash', 'card_terminal', 'complimentary')),
    note TEXT NOT NULL DEFAULT '',
    link_token_hash TEXT UNIQUE,
    payment_id INTEGER REFERENCES payments (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, hold_number),
    CHECK ((payment = 'link') = (link_token_hash IS NOT NULL)),
    CHECK ((payment = 'link') = (payment_id IS NULL))
);
CREATE INDEX box_office_sales_event ON box_office_sales (event_id);
