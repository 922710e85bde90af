-- How many listings of an event are offered for resale (status `listed`), kept in the
-- transaction of every listing change, so the event page (a hot path) reads the offers
-- only when there are some: one query fewer on the page in the common case.
ALTER TABLE events ADD COLUMN resale_listed INTEGER NOT NULL DEFAULT 0;
UPDATE events SET resale_listed = (
    SELECT COUNT(*) FROM resale_listings
    WHERE resale_listings.event_id = events.id AND resale_listings.status = 'listed'
);
