-- Reusing results (docs/architecture.md, "Reusing results"). reuse_key: a hash of what makes two
-- jobs' results interchangeable (processor, its engine version, canonical params, the input's
-- sha256), on jobs of processors that declare their results reusable. reused_from: the job a
-- reused job took its result from; no foreign key, the reused job keeps its copy when that goes.
-- Nullable columns without a default: a change of the catalogue only, no table rewrite.
ALTER TABLE jobs ADD COLUMN reuse_key TEXT;
ALTER TABLE jobs ADD COLUMN reused_from TEXT;
