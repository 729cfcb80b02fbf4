-- A row's words are read with ASCII punctuation taken for spaces, as a query splits them: the
-- parser's own reading made "KX-4471" kx and -4471 (a negative number), "3.14" one decimal and
-- "a@b.org" one address, none of which a query for 4471, 14 or b can match. The same expression
-- as PostgresSearchSql.words.
UPDATE search_segments SET tsv = CASE WHEN ts_config = 'simple'
    THEN to_tsvector('simple', translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', '                                '))
    ELSE to_tsvector(CAST(ts_config AS regconfig), translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', '                                '))
      || to_tsvector('simple', translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', '                                '))
    END;
