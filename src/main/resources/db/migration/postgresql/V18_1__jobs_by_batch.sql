-- A batch's page reads its jobs, in the order of its request. Only jobs of batches have a batch_id: the index holds those alone.
-- Built CONCURRENTLY, alone, outside a transaction, so a busy queue keeps writing meanwhile.
CREATE INDEX CONCURRENTLY jobs_by_batch ON jobs (batch_id, batch_position) WHERE batch_id IS NOT NULL;
