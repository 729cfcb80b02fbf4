-- Resumable (tus) uploads. The bytes live in <home>/uploads/<id>.part until complete; the offset
-- here is what is durably on disk, so a resumed upload continues from it after any crash.
CREATE TABLE uploads (
    id                 TEXT PRIMARY KEY,
    owner_id           TEXT NOT NULL REFERENCES users (id),
    upload_length      BIGINT NOT NULL,
    upload_offset      BIGINT NOT NULL DEFAULT 0,
    metadata           TEXT,            -- the Upload-Metadata header as sent, echoed by HEAD
    filename           TEXT,            -- sanitised, for display only
    job_request        TEXT,            -- one-step flow: the job to start when complete (validated JSON)
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL, -- pushed back by every write
    sha256             TEXT,            -- set when the last byte arrived
    file_id            TEXT,            -- chosen when completing, so a retried completion makes no second file
    job_id             TEXT,
    completed_at       BIGINT,
    lock_owner         TEXT,            -- the request writing now (one writer per upload)
    lock_heartbeat_at  BIGINT           -- renewed while it writes; a stale lock may be taken over
);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);
CREATE INDEX uploads_open_by_owner ON uploads (owner_id) WHERE completed_at IS NULL;
