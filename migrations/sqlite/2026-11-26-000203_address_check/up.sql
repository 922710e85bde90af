-- When the user confirmed their address through the signed link mailed at registration
-- (NULL: not yet). Unverified users can still browse and book.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
