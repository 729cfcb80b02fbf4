package dev.kiln.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Local copies of remote blobs for tools that need a file path, in one directory, at most
 * {@code maxBytes} of them: past that the least recently used copy nobody holds is deleted. A held
 * copy is never deleted (the cache then runs over its bound until it is let go). Each blob is
 * fetched once however many callers want it at the same time. Content-addressed, so a copy can
 * never be stale; copies found on start are kept, oldest first in line for eviction.
 */
final class BlobCache {

    /** Writes the blob's bytes into the (new) file it is given, checking they hash to the blob's name. */
    @FunctionalInterface
    interface Fetch {
        void into(Path file) throws IOException;
    }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    private final Path tmp;
    private final long maxBytes;
    private final Map<String, Copy> copies = new HashMap<>();
    private long bytes;
    private long tick;

    private static final class Copy {
        final ReentrantLock fetching = new ReentrantLock();
        long size = -1; // -1 until fetched
        long lastUse;
        int holders;
    }

    BlobCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.tmp = dir.resolve("tmp");
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(tmp);
            try (Stream<Path> stale = Files.list(tmp)) {
                for (Path file : (Iterable<Path>) stale::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            try (Stream<Path> found = Files.list(dir)) {
                found.filter(f -> SHA256.matcher(f.getFileName().toString()).matches())
                        .map(f -> new Found(f, attributes(f)))
                        .sorted(Comparator.comparing(f -> f.attributes().lastModifiedTime()))
                        .forEach(this::keep);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the blob cache " + dir.toAbsolutePath(), e);
        }
        evict();
    }

    /** Where a caller writes a file it means to {@link #offer} (same filesystem, so it moves in). */
    Path newTempFile() throws IOException {
        return Files.createTempFile(tmp, "put-", ".part");
    }

    /** The local copy of {@code sha256}, fetched first if the cache has none; held until closed. */
    BlobStore.LocalCopy hold(String sha256, Fetch fetch) throws IOException {
        Copy copy;
        synchronized (this) {
            copy = copies.computeIfAbsent(sha256, k -> new Copy());
            copy.holders++;
            copy.lastUse = ++tick;
        }
        try {
            copy.fetching.lock();
            try {
                if (copy.size < 0) {
                    fetchInto(sha256, copy, fetch);
                }
            } finally {
                copy.fetching.unlock();
            }
        } catch (IOException | RuntimeException | Error e) {
            release(sha256, copy);
            throw e;
        }
        evict();
        Path path = dir.resolve(sha256);
        return new BlobStore.LocalCopy() {
            private boolean closed;

            @Override
            public Path path() {
                return path;
            }

            @Override
            public void close() {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                }
                release(sha256, copy);
                evict();
            }
        };
    }

    private void fetchInto(String sha256, Copy copy, Fetch fetch) throws IOException {
        Path partial = newTempFile();
        try {
            fetch.into(partial);
            long size = Files.size(partial);
            Files.move(partial, dir.resolve(sha256), StandardCopyOption.ATOMIC_MOVE);
            synchronized (this) {
                copy.size = size;
                bytes += size;
            }
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /**
     * Takes {@code file} (the content of {@code sha256}, just stored) as the cached copy, so the next
     * local read is free; the file is gone afterwards either way (the cache is only a saving).
     */
    void offer(String sha256, Path file) {
        try {
            long size = Files.size(file);
            synchronized (this) {
                if (size <= maxBytes && !copies.containsKey(sha256)) {
                    Files.move(file, dir.resolve(sha256), StandardCopyOption.ATOMIC_MOVE);
                    Copy copy = new Copy();
                    copy.size = size;
                    copy.lastUse = ++tick;
                    copies.put(sha256, copy);
                    bytes += size;
                }
            }
            evict();
        } catch (IOException notCached) {
            // on another filesystem, say: it is simply not cached
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot delete " + file, e);
            }
        }
    }

    /** Drops the copy of deleted content unless someone holds it (then eviction takes it later). */
    synchronized void forget(String sha256) throws IOException {
        Copy copy = copies.get(sha256);
        if (copy != null && copy.holders == 0 && copy.size >= 0) {
            remove(sha256, copy);
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized boolean contains(String sha256) {
        Copy copy = copies.get(sha256);
        return copy != null && copy.size >= 0;
    }

    private synchronized void release(String sha256, Copy copy) {
        copy.holders--;
        copy.lastUse = ++tick;
        if (copy.holders == 0 && copy.size < 0) {
            copies.remove(sha256, copy); // its fetch failed
        }
    }

    private synchronized void evict() {
        while (bytes > maxBytes) {
            Map.Entry<String, Copy> coldest = null;
            for (Map.Entry<String, Copy> e : copies.entrySet()) {
                Copy c = e.getValue();
                if (c.holders == 0 && c.size >= 0 && (coldest == null || c.lastUse < coldest.getValue().lastUse)) {
                    coldest = e;
                }
            }
            if (coldest == null) {
                return; // everything left is held
            }
            try {
                remove(coldest.getKey(), coldest.getValue());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot evict " + coldest.getKey() + " from the blob cache", e);
            }
        }
    }

    private void remove(String sha256, Copy copy) throws IOException {
        Files.deleteIfExists(dir.resolve(sha256));
        copies.remove(sha256);
        bytes -= copy.size;
    }

    /** A copy found on start, read once (sorting would otherwise read its time at every comparison). */
    private record Found(Path file, BasicFileAttributes attributes) {}

    private void keep(Found found) {
        Copy copy = new Copy();
        copy.size = found.attributes().size();
        copy.lastUse = ++tick;
        copies.put(found.file().getFileName().toString(), copy);
        bytes += copy.size;
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
