-- How many times each owner's vectors have been written: raised in the transaction that writes them,
-- so a node's in-memory index of an owner (embeddings.VectorCache) sees, by one primary-key read
-- before a search, that another node wrote since it loaded.
CREATE TABLE vector_versions (
    owner_id  TEXT PRIMARY KEY,
    version   BIGINT NOT NULL
);

-- The owner's version a row's vector was written at: a node behind reads only the rows written since.
-- No index: the owner's rows are found by search_segments_by_owner, and one more indexed column
-- would make every vector's write update every index of the row.
ALTER TABLE search_segments ADD COLUMN vector_version BIGINT;
