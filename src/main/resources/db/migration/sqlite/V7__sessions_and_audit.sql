-- When a token was last used (written at most once a minute), so admins can tell live tokens from forgotten ones.
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);

-- Browser sessions: a random secret in an HttpOnly cookie, stored hashed. A session belongs to the
-- token it was opened with, so revoking that token ends it too.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_id     TEXT NOT NULL REFERENCES api_tokens (id),
    secret_hash  TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,   -- not a credential on its own: it only counts with the cookie
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_by_token ON sessions (token_id);

-- Who did what, when, from where. Append-only.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           BIGINT NOT NULL,
    actor_id     TEXT,            -- null when nobody was authenticated (a failed sign-in)
    actor_name   TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT,
    target_id    TEXT,
    ip           TEXT,
    user_agent   TEXT,
    detail       TEXT             -- JSON object, never a secret
);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);
