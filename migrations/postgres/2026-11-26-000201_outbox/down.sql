DROP TABLE mailbox;
DROP INDEX outbox_due;
DROP TABLE outbox;
