package dev.kiln.search;

class SqliteEditWhileEmbeddingTest extends EditWhileEmbeddingContract {}
