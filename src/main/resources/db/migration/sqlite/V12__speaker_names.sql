-- What a transcript's owner named its speakers: an edit beside the engine's result, which stays as
-- it was ({"SPEAKER_00": "Ana", …}).
CREATE TABLE job_speaker_names (
    job_id      TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    names       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
