-- Each event's IANA time zone (issue 24). Times stay stored in UTC; pages, mails, the
-- calendar file, the door and the API show them in this zone. Events made before zones
-- existed were entered in UTC, so they keep it.
ALTER TABLE events ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
