-- No query looks running jobs up by node (a node renews and ends its jobs by id), yet every claim
-- and every lease renewal wrote an entry here.
DROP INDEX IF EXISTS jobs_by_node;
