DROP INDEX events_upcoming;
DROP INDEX events_by_start;
DROP INDEX tickets_event;
