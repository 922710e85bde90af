-- Door staff: an admin grants an account the check-in pages of one event (event_id) or
-- of every event (event_id NULL). Revoking deletes the grant.
CREATE TABLE door_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    event_id INTEGER REFERENCES events (id),
    granted_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
-- One grant per scope: NULLs are distinct in a UNIQUE constraint on both engines, so the
-- all-events grant has its own partial index.
CREATE UNIQUE INDEX door_grants_event_scope ON door_grants (user_id, event_id)
    WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX door_grants_all_scope ON door_grants (user_id) WHERE event_id IS NULL;
