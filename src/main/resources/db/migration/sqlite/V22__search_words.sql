-- Nothing to do on SQLite: FTS5's unicode61 tokenizer already splits words at ASCII punctuation,
-- as a query does (PostgreSQL's index is rewritten in its V22).
SELECT 1;
