-- Jobs waiting out a backoff are promoted to 'queued' when due (see JobQueue.promoteDueRetries),
-- so the claim indexes hold only jobs claimable now; the predicate matches JobTransitions.CLAIMABLE.
DROP INDEX jobs_claimable;
DROP INDEX jobs_claimable_by_owner;
CREATE INDEX jobs_claimable ON jobs (type, priority DESC, fair_key, id) WHERE state = 'queued';
CREATE INDEX jobs_claimable_by_owner ON jobs (type, owner_id, priority, fair_key) WHERE state = 'queued';
-- Retries that become due, earliest first.
CREATE INDEX jobs_retries ON jobs (run_after) WHERE state = 'retry_scheduled';
-- Running jobs whose cancel is overdue.
CREATE INDEX jobs_cancel_requests ON jobs (cancel_requested_at) WHERE state = 'running' AND cancel_requested_at IS NOT NULL;
