-- A submission looks for an earlier succeeded job of the same owner with the same reuse key.
CREATE INDEX jobs_by_reuse_key ON jobs (owner_id, reuse_key) WHERE state = 'succeeded';
