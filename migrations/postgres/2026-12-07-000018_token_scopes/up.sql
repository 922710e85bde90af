-- What an API token may do (issue 26): `full` for a token minted with a password (all
-- its account may do), or the scope its owner chose for a personal access token:
-- `buyer` (bookings, resale, gifts), `door` (check-ins only), `box_office` (sales to
-- named customers only) or `admin` (everything an admin may do). Personal tokens made before scopes existed keep doing all they did.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'
    CHECK (scope IN ('full', 'buyer', 'door', 'box_office', 'admin'));
