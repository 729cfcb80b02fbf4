-- The search index: one row per segment of every succeeded transcript or document, as its owner
-- left it (edits applied). A row goes with its job (ON DELETE CASCADE): a deleted job, or a file
-- deleted with its jobs, never leaves a hit behind. The file and its name are the job's, read when
-- searching. embedding/embedding_model are filled by the semantic step (NULL: not embedded yet).
CREATE TABLE search_segments (
    id               INTEGER PRIMARY KEY,   -- the full-text table's rowid
    job_id           TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    owner_id         TEXT NOT NULL,
    job_type         TEXT NOT NULL,
    segment          INTEGER NOT NULL,      -- its index in the result's segments (the edit's segment id)
    start_seconds    DOUBLE PRECISION,      -- transcripts
    end_seconds      DOUBLE PRECISION,
    page_from        INTEGER,               -- paged documents
    page_to          INTEGER,
    text             TEXT NOT NULL,
    language         TEXT,                  -- ISO 639-1 where the result says
    embedding        BLOB,
    embedding_model  TEXT,
    indexed_at       BIGINT NOT NULL,
    UNIQUE (job_id, segment)
);
CREATE INDEX search_segments_by_owner ON search_segments (owner_id);

-- FTS5 over search_segments.text, external content kept in step by the triggers below (a cascade
-- from jobs fires them too). Porter stemming is English's; other languages match word for word.
CREATE VIRTUAL TABLE search_text USING fts5 (
    text,
    content = 'search_segments',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_segments_inserted AFTER INSERT ON search_segments BEGIN
    INSERT INTO search_text (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER search_segments_deleted AFTER DELETE ON search_segments BEGIN
    INSERT INTO search_text (search_text, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER search_segments_updated AFTER UPDATE OF text ON search_segments BEGIN
    INSERT INTO search_text (search_text, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO search_text (rowid, text) VALUES (new.id, new.text);
END;

-- Jobs whose index rows must be brought up to date, written in the transaction that changed the
-- job's result (jobs.ResultsChanged). generation goes up when it is queued again while waiting or
-- being indexed, so the indexer removes only the request it served. claimed_until: a lease, so
-- another node takes it over from a node that died.
CREATE TABLE search_queue (
    job_id         TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    generation     BIGINT NOT NULL DEFAULT 1,
    queued_at      BIGINT NOT NULL,
    claimed_until  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX search_queue_by_claim ON search_queue (claimed_until, queued_at);

-- A reindex of everything in progress (at most one row): the last job, in (created_at, id) order,
-- whose index was queued again, so the walk resumes there after a restart.
CREATE TABLE search_reindex (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    started_at        BIGINT NOT NULL,
    after_created_at  BIGINT,
    after_id          TEXT,
    queued            BIGINT NOT NULL DEFAULT 0
);
