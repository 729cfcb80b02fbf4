-- PostgreSQL's V26_2 tells its planner that a file's jobs are nearly all its owner's. SQLite keeps
-- no statistics unless ANALYZE ran, so a member's list of one file's jobs keeps jobs_by_owner out of
-- the way instead (owner_id || '' in JobStore); nothing to do here.
SELECT 1;
