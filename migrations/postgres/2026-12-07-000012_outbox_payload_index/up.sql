-- A booking's page lists its mails (issue 24): the outbox messages whose payload names
-- it, found by exact payload through this index instead of a scan of the outbox.
CREATE INDEX outbox_payload ON outbox (payload);
