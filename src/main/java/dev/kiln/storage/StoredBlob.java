package dev.kiln.storage;

/** Content now in the blob store. */
public record StoredBlob(String sha256, long size) {}
