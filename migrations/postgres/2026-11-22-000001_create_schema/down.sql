DROP TABLE webhook_events;
DROP TABLE payments;
DROP TABLE tickets;
DROP TABLE ticket_schemas;
DROP TABLE events;
DROP TABLE users;
