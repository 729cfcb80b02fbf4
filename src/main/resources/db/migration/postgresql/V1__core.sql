-- Times are epoch milliseconds (UTC) in BIGINT columns, the same on SQLite and PostgreSQL,
-- so that every query is shared and every time comes from the application's clock.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,   -- SHA-256 of the token; the token itself is never stored
    label        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id),
    sha256      TEXT NOT NULL,           -- the blob's content address
    size        BIGINT NOT NULL,
    media_type  TEXT NOT NULL,           -- sniffed from the content, never taken from the client
    name        TEXT,                    -- display name only, never used as a path
    created_at  BIGINT NOT NULL
);
CREATE INDEX files_by_owner ON files (owner_id, created_at DESC, id DESC);

CREATE TABLE jobs (
    id                   TEXT PRIMARY KEY,
    owner_id             TEXT NOT NULL REFERENCES users (id),
    type                 TEXT NOT NULL,
    input_file_id        TEXT NOT NULL REFERENCES files (id),
    params               TEXT NOT NULL,
    priority             INTEGER NOT NULL DEFAULT 0,
    state                TEXT NOT NULL CHECK (state IN ('queued', 'retry_scheduled', 'running', 'succeeded', 'failed', 'cancelled')),
    fair_key             BIGINT NOT NULL,  -- virtual start time: interleaves owners of equal priority
    run_after            BIGINT NOT NULL,  -- not claimable before (backoff)
    cancel_requested_at  BIGINT,
    stage                TEXT,
    progress             DOUBLE PRECISION NOT NULL DEFAULT 0,
    attempt              INTEGER NOT NULL DEFAULT 0,
    max_attempts         INTEGER NOT NULL,
    seq                  BIGINT NOT NULL DEFAULT 0,  -- last event folded into this row
    lease_token          TEXT,
    lease_node           TEXT,
    lease_expires_at     BIGINT,
    created_at           BIGINT NOT NULL,
    started_at           BIGINT,
    finished_at          BIGINT,
    error_code           TEXT,
    error_message        TEXT,
    error_retryable      BOOLEAN,
    result_size          BIGINT,
    idempotency_key      TEXT
);
-- The claim walks this index: only claimable rows are in it.
CREATE INDEX jobs_claimable ON jobs (type, priority DESC, fair_key, id) WHERE state IN ('queued', 'retry_scheduled');
-- An owner's place in the fair order.
CREATE INDEX jobs_claimable_by_owner ON jobs (type, owner_id, priority, fair_key) WHERE state IN ('queued', 'retry_scheduled');
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_by_node ON jobs (lease_node) WHERE state = 'running';
CREATE INDEX jobs_by_owner ON jobs (owner_id, created_at DESC, id DESC);
CREATE INDEX jobs_by_age ON jobs (created_at DESC, id DESC);

CREATE TABLE job_events (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE job_results (
    job_id      TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    owner_id      TEXT NOT NULL REFERENCES users (id),
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (owner_id, idem_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
