-- Checking in at the door: an admission is checked in while checked_in_at is set (its
-- status stays 'valid' or 'void': whether its booking is paid). The nonce of the scan
-- that admitted it lets the same gate's retried request get the same ADMIT again.
ALTER TABLE admissions ADD COLUMN checkin_nonce TEXT;

-- The audit trail of the door: every admit and every undo, who, when, at which gate, why.
CREATE TABLE checkin_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    admission_id INTEGER NOT NULL REFERENCES admissions (id),
    event_id INTEGER NOT NULL REFERENCES events (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('admit', 'undo')),
    gate TEXT,
    reason TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX checkin_log_event ON checkin_log (event_id, at);
