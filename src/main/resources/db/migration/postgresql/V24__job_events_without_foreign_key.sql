-- An event is only ever written by the transaction that moved its job's seq (EventLog.append), so
-- that transaction has just inserted or updated the job's row and holds it: the foreign key's check,
-- a query and a row lock for every event row, proved nothing, and it was a sixth of the server's
-- CPU per job in the throughput bench (docs/benchmarks.md). Its cascade stays, as one trigger per
-- DELETE statement on jobs: nodes still on the previous release during an upgrade delete jobs and
-- count on it. The trigger's DELETE takes a fresh snapshot (a volatile function, READ COMMITTED), so
-- it also removes events committed by a writer the job's delete waited for.
-- SQLite keeps its key: dropping one there rebuilds the table, and its check is an index probe.
CREATE FUNCTION job_events_follow_their_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_events WHERE job_id IN (SELECT id FROM deleted_jobs);
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_delete_their_events AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS deleted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_events_follow_their_jobs();

ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
