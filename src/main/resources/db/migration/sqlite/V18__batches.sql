-- Batches (docs/architecture.md, "Batches"): many files submitted together, each a normal job.
-- jobs.batch_id has no foreign key (like reused_from): a job deleted on its own just leaves its
-- batch, and a nullable column without a default changes the catalogue only, no table rewrite (both columns).
CREATE TABLE batches (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,  -- a deleted user's batches go with them
    name             TEXT,
    type             TEXT NOT NULL,
    job_count        INTEGER NOT NULL,  -- jobs made when it was submitted (some may be deleted since)
    created_at       BIGINT NOT NULL,
    idempotency_key  TEXT,
    request_hash     TEXT
);
CREATE INDEX batches_by_owner ON batches (owner_id, created_at DESC, id DESC);
CREATE INDEX batches_by_age ON batches (created_at DESC, id DESC);
CREATE UNIQUE INDEX batches_by_key ON batches (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE jobs ADD COLUMN batch_id TEXT;
ALTER TABLE jobs ADD COLUMN batch_position INTEGER;  -- its file's place in the batch's request (0, 1, …)
