package dev.kiln.embeddings;

/** One result of a vector search: the caller's id and its dot product with the query (cosine, for unit vectors). */
public record VectorHit(long id, float score) {}
