-- Processors that external workers declared (docs/workers.md): the declaration as JSON, as the
-- last worker to declare it sent it.
CREATE TABLE worker_processors (
    name         TEXT PRIMARY KEY,
    declaration  TEXT NOT NULL,
    declared_by  TEXT NOT NULL REFERENCES users (id),
    declared_at  BIGINT NOT NULL
);

-- Worker instances as last seen claiming, per processor they claimed for: how many live workers
-- serve each processor.
CREATE TABLE worker_presence (
    user_id      TEXT NOT NULL REFERENCES users (id),
    instance     TEXT NOT NULL,
    processor    TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, instance, processor)
);
