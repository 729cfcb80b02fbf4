-- The owner's corrections to a transcript's or document's segments, one row per revision, over the
-- engine's result, which stays as it was. A segment is its index in that result's segments. The
-- current revision is the highest version; version 0 is the engine's original and has no row. A
-- NULL text or speaker means the engine's (a restore is a revision with both NULL).
CREATE TABLE result_edits (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    segment     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    text        TEXT,
    speaker     TEXT,
    edited_by   TEXT NOT NULL,
    edited_at   BIGINT NOT NULL,
    PRIMARY KEY (job_id, segment, version)
);
