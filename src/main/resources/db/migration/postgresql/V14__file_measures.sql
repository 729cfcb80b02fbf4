-- What a processor measured while reading a file: the length of audio or video (milliseconds), the
-- pages of a document. Null until a job has read the file (docs/architecture.md, "Your library").
ALTER TABLE files ADD COLUMN duration_ms BIGINT;
ALTER TABLE files ADD COLUMN pages INTEGER;
