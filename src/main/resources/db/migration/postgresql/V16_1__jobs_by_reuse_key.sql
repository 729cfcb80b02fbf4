-- A submission looks for an earlier succeeded job of the same owner with the same reuse key. Only jobs of
-- reusable processors have one: the index holds those alone (and starts empty on an existing queue).
-- Built CONCURRENTLY, alone, outside a transaction, so a busy queue keeps writing meanwhile.
CREATE INDEX CONCURRENTLY jobs_by_reuse_key ON jobs (owner_id, reuse_key) WHERE state = 'succeeded' AND reuse_key IS NOT NULL;
