-- SQLite is one node: its rate limit buckets live in memory (see LocalRateBuckets), so this
-- version has no bucket table; it keeps the migration versions aligned with PostgreSQL's.
-- Per-owner counts behind the job limits: running jobs (the claim skips owners at their limit)
-- and waiting ones (a submission past the limit is refused).
CREATE INDEX jobs_running_by_owner ON jobs (owner_id) WHERE state = 'running';
CREATE INDEX jobs_waiting_by_owner ON jobs (owner_id) WHERE state IN ('queued', 'retry_scheduled');
