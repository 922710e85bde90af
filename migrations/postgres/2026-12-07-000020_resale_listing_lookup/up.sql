-- A booking's open listing is looked up on every cancel, give-back, seat send and ticket
-- page (`resale_listings::open_for_booking`). SQLite's stable query plans (issue 28: so
-- cached statements are not recompiled per run) cannot use the partial index
-- `resale_listings_one_open` for a bound status, so the lookup gets a plain index of its
-- own rather than a scan of every listing.
CREATE INDEX resale_listings_ticket ON resale_listings (ticket_id);
