DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE feed_events;
DROP TABLE feed_counter;
