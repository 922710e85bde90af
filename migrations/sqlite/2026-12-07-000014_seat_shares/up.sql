-- Seats for friends (issue 27): the owner of a booking sends one seat to a friend by
-- email. The seat's code is re-issued so that only the friend's copy admits; the old
-- code is kept in `retired_codes`, so the door can say why it no longer admits. Any seat
-- may carry the name of who will use it, shown at the door.
ALTER TABLE admissions ADD COLUMN holder_email TEXT;
ALTER TABLE admissions ADD COLUMN attendee_name TEXT;
ALTER TABLE admissions ADD COLUMN sent_at TIMESTAMP;

CREATE TABLE retired_codes (
    code TEXT PRIMARY KEY NOT NULL,
    admission_id INTEGER NOT NULL REFERENCES admissions (id),
    reason TEXT NOT NULL CHECK (reason IN ('sent')),
    retired_at TIMESTAMP NOT NULL
);
CREATE INDEX retired_codes_admission ON retired_codes (admission_id);
