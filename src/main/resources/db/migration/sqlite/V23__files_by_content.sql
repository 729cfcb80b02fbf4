-- A file by its content: the drop-in APIs' one file per content and owner (FileCatalog.findByContent,
-- on every transcription request) and the sweep's "is this blob still referenced" read the owner's
-- files or the whole table without it.
CREATE INDEX files_by_content ON files (sha256, owner_id);
