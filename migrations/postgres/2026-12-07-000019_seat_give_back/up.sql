-- Giving back some seats of a paid group booking (issue 27): the booking keeps its other
-- seats, the seats given back go on sale again, and the buyer is refunded their share.
-- A refund that returns seats of a booking that stays paid names how many (`seats`);
-- a refund of a whole payment leaves it NULL. A seat given back keeps its row (its code
-- answers at the door as no longer valid) with the time it was given back.
ALTER TABLE refunds ADD COLUMN seats INTEGER CHECK (seats IS NULL OR seats >= 1);
ALTER TABLE admissions ADD COLUMN given_back_at TIMESTAMP;
-- Reconciliation finds the part refunds still owed in one index range.
CREATE INDEX refunds_open_parts ON refunds (status, updated_at) WHERE seats IS NOT NULL;
