-- Door staff: an admin grants an account the check-in pages of one event (event_id) or
-- of every event (event_id NULL). Revoking deletes the grant.
CREATE TABLE door_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER REFERENCES events (id),
    granted_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX door_grants_user ON door_grants (user_id, event_id);
