-- No query looks running jobs up by node (a node renews and ends its jobs by id), yet every claim
-- and every lease renewal wrote an entry here. Dropped CONCURRENTLY, alone, outside a transaction,
-- so a busy queue keeps writing meanwhile (see "Migrations" in docs/architecture.md).
DROP INDEX CONCURRENTLY IF EXISTS jobs_by_node;
