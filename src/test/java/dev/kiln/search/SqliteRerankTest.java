package dev.kiln.search;

class SqliteRerankTest extends RerankContract {}
