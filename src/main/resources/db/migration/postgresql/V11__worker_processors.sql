-- Processors that external workers declared (docs/workers.md): the declaration as JSON, as the
-- last worker to declare it sent it.
CREATE TABLE worker_processors (
    name         TEXT PRIMARY KEY,
    declaration  TEXT NOT NULL,
    declared_by  TEXT NOT NULL REFERENCES users (id),
    declared_at  BIGINT NOT NULL
);

-- Worker instances as last seen claiming: which processors they serve, for how many live workers
-- serve each. Rows of instances long gone are pruned.
CREATE TABLE worker_presence (
    instance     TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    processors   TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, instance)
);
