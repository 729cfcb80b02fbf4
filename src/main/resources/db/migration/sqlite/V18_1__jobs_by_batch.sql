-- A batch's page reads its jobs, in the order of its request. Only jobs of batches have a batch_id: the index holds those alone.
CREATE INDEX jobs_by_batch ON jobs (batch_id, batch_position) WHERE batch_id IS NOT NULL;
