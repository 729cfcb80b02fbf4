-- Nothing to do on SQLite: FTS5 stems with one tokenizer, there are no configurations to find
-- (PostgreSQL's V22.1 indexes them).
SELECT 1;
