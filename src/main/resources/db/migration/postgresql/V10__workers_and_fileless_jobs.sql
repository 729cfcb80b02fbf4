-- Workers are users with their own role; a job may take no input file (a model run from params only).
-- Both are catalogue changes: no row is rewritten, and users is small.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'member', 'worker'));
ALTER TABLE jobs ALTER COLUMN input_file_id DROP NOT NULL;
