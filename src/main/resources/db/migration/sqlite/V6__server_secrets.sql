-- Secrets shared by every node (e.g. the key that signs media links), created on first use.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
