package dev.kiln.embeddings;

/** A vector as its store hands it to {@link VectorCache}'s loader: the caller's id and {@link VectorCodec} bytes. */
public record StoredVector(long id, byte[] vector) {}
