package dev.kiln.search;

class SqliteSemanticSearchTest extends SemanticSearchContract {}
