-- The credential a ticket was issued with (an API token, and the browser session if that was it),
-- so the socket it opens ends when that credential does. Null on tickets issued before this version.
ALTER TABLE stream_tickets ADD COLUMN token_id TEXT;
ALTER TABLE stream_tickets ADD COLUMN session_id TEXT;
