-- Rate limit token buckets (Bucket4j's PostgreSQL layout), shared by every node so a user's budget
-- is one budget wherever their requests land. A bucket is a row per limit and user (or address);
-- expires_at (epoch millis) is when it would be full again, after which any node may delete it.
CREATE TABLE rate_limit_buckets (
    id          TEXT PRIMARY KEY,
    state       BYTEA,
    expires_at  BIGINT
);
CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets (expires_at);
-- Per-owner counts behind the job limits: running jobs (the claim skips owners at their limit)
-- and waiting ones (a submission past the limit is refused).
CREATE INDEX jobs_running_by_owner ON jobs (owner_id) WHERE state = 'running';
CREATE INDEX jobs_waiting_by_owner ON jobs (owner_id) WHERE state IN ('queued', 'retry_scheduled');
