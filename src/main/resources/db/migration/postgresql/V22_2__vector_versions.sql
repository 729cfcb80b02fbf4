-- How many times each owner's vectors have been written: raised in the transaction that writes them,
-- so a node's in-memory index of an owner (embeddings.VectorCache) sees, by one primary-key read
-- before a search, that another node wrote since it loaded, and loads again.
CREATE TABLE vector_versions (
    owner_id  TEXT PRIMARY KEY,
    version   BIGINT NOT NULL
);
