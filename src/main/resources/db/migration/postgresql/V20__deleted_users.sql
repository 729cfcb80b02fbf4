-- A deleted user stays as a row (audit entries, worker declarations and revisions name them) with
-- deleted_at set and their name freed; everything they owned goes (library.UserDeletions).
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
