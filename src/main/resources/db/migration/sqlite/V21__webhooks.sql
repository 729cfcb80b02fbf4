-- Signed webhooks (docs/webhooks.md, docs/architecture.md "Webhooks: the outbox").
-- A user's endpoints: kind 'endpoint' (a URL, the event types it wants, optionally only some
-- processors) or, at most one per user, kind 'callback' (no URL: it holds the secret that signs the
-- deliveries to jobs' own callbackUrl, and those deliveries hang off it). The secret is kept as it
-- is, since every delivery is signed with it; it is shown to its owner once.
CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('endpoint', 'callback')),
    url          TEXT,
    events       TEXT NOT NULL,   -- JSON array of event types, e.g. ["job.succeeded"]
    processors   TEXT,            -- JSON array of processor names; NULL: every processor
    description  TEXT,
    secret       TEXT NOT NULL,   -- whsec_ + base64 of the key
    created_at   BIGINT NOT NULL
);
CREATE INDEX webhooks_by_owner ON webhooks (owner_id, created_at);
CREATE UNIQUE INDEX webhooks_one_callback ON webhooks (owner_id) WHERE kind = 'callback';

-- The outbox: one row per message to one endpoint, written in the transaction that ended the job
-- (jobs.JobsEnded), so a crash loses none. The id is the message's webhook-id, the same on every
-- attempt. event_seq is the job's final event in its log. claimed_until/lease: the claim of the
-- node sending it now; another node takes it over once the claim has run out. job_id has no
-- foreign key: the message stands (its payload is stored) if the job is deleted meanwhile.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    owner_id         TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    event_seq        BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    url              TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    retry_until      BIGINT NOT NULL,
    claimed_until    BIGINT NOT NULL DEFAULT 0,
    lease            TEXT,
    created_at       BIGINT NOT NULL,
    last_attempt_at  BIGINT,
    response_status  INTEGER,
    latency_ms       BIGINT,
    last_error       TEXT,
    UNIQUE (webhook_id, job_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at DESC, id DESC);

-- A job's own callback (POST /jobs {callbackUrl}): a nullable column without a default, a change
-- of the catalogue only.
ALTER TABLE jobs ADD COLUMN callback_url TEXT;
