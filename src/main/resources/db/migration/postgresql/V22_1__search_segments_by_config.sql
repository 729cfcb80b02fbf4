-- A query finds the configurations the index holds by a skip scan of this index (a few steps, not a
-- read of every row), and looks for each word's lexemes in those only.
CREATE INDEX CONCURRENTLY search_segments_by_config ON search_segments (ts_config);
