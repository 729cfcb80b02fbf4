-- Result files an external worker uploaded for a job (docs/workers.md, "Result files"). A file
-- belongs to the attempt that wrote it, told apart by its number and its claim time (the job's
-- attempt and started_at then): only the files of the attempt that is running, or that succeeded,
-- are the job's; the rest are deleted by ResultFileSweeper. The content is a blob (sha256), counted
-- in the owner's storage quota.
CREATE TABLE job_files (
    job_id              TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    owner_id            TEXT NOT NULL REFERENCES users (id),
    attempt             INTEGER NOT NULL,
    attempt_started_at  BIGINT NOT NULL,
    sha256              TEXT NOT NULL,
    size                BIGINT NOT NULL,
    media_type          TEXT NOT NULL,   -- as the worker sent it (Content-Type)
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (job_id, name)
);
CREATE INDEX job_files_by_owner ON job_files (owner_id);
CREATE INDEX job_files_by_content ON job_files (sha256);
