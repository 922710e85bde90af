DROP INDEX outbox_payload;
