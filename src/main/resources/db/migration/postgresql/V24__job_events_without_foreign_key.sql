-- An event is only ever written by the transaction that moved its job's seq (EventLog.append), so
-- that transaction has just inserted or updated the job's row and holds it: the foreign key's check,
-- a query and a row lock for every event row, proved nothing, and it was a sixth of the server's
-- CPU per job in the throughput bench (docs/benchmarks.md). Deleting jobs deletes their events
-- itself (JobDeletion). SQLite keeps its key: dropping one there rebuilds the table, and its check
-- is an index probe inside the engine.
ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
