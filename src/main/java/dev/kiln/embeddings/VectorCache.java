package dev.kiln.embeddings;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Owners' {@link VectorIndex}es kept in memory, the least recently used (searched or changed)
 * dropped first once they hold more than {@code maxVectors} vectors together (counted as the rows
 * their arrays hold: whole blocks of {@value VectorIndex#BLOCK}, so memory is what is bounded). An owner's vectors are read once by the
 * loader the store supplies; concurrent searches of an owner being loaded wait for that one load.
 *
 * <p>Keep it true to the store: after a transaction that changes an owner's vectors commits, call
 * {@link #put}/{@link #remove} (applied if the owner is cached) or {@link #invalidate}. A change
 * that lands while the owner is being loaded drops that load from the cache (the loader may have
 * read before the change): the searches waiting for it still get it, the next one loads again.
 * An owner with more than {@code maxVectors} vectors is loaded for each search and never kept.
 *
 * <p>Other writers of the store (another node) are caught by the owner's version: a number the
 * store raises in each transaction that writes the owner's vectors, read (one cheap query) before
 * each search and before each load. An owner cached at an older version reads the vectors written
 * since (where the store can tell them; else it is loaded again). This cache's own writes, {@link
 * #advanced} to the version they made, keep it current when no one else wrote in between.
 */
public final class VectorCache {

    private final int dimension;
    private final long maxVectors;
    private final Function<String, ? extends Iterable<StoredVector>> loader;
    private final BiFunction<String, Long, ? extends Iterable<StoredVector>> since;
    private final ToLongFunction<String> version;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedVectors;

    private static final class Entry {
        final CompletableFuture<VectorIndex> index = new CompletableFuture<>();
        long version;
        int counted;

        Entry(long version) {
            this.version = version;
        }
    }

    /** A cache of a store that only it writes to. */
    public VectorCache(int dimension, long maxVectors, Function<String, ? extends Iterable<StoredVector>> loader) {
        this(dimension, maxVectors, loader, (owner, after) -> null, owner -> 0);
    }

    /**
     * @param loader every stored vector of an owner, as {@link VectorCodec} bytes; it runs outside
     *     the cache's lock
     * @param since the owner's vectors written after a version (at least those), or null where the
     *     store cannot tell; it runs outside the cache's lock
     * @param version the owner's version in the store now (never lower than one read before); it
     *     runs outside the cache's lock
     */
    public VectorCache(
            int dimension,
            long maxVectors,
            Function<String, ? extends Iterable<StoredVector>> loader,
            BiFunction<String, Long, ? extends Iterable<StoredVector>> since,
            ToLongFunction<String> version) {
        this.dimension = dimension;
        this.maxVectors = maxVectors;
        this.loader = loader;
        this.since = since;
        this.version = version;
    }

    /**
     * The owner's index, loaded now if it is not cached, brought up to the store's version if it was
     * cached at an older one. Search it; change it through this cache.
     */
    public VectorIndex get(String owner) {
        // Read before the vectors are: what is read after it holds at least what it counts.
        long now = version.applyAsLong(owner);
        Entry entry;
        boolean mine = false;
        long behind = -1;
        synchronized (this) {
            entry = entries.get(owner);
            if (entry != null && entry.version < now) {
                if (entry.index.isDone() && !entry.index.isCompletedExceptionally()) {
                    behind = entry.version;
                } else {
                    entries.remove(owner); // a load that may have read too early
                    entry = null;
                }
            }
            if (entry == null) {
                entry = new Entry(now);
                entries.put(owner, entry);
                mine = true;
            }
        }
        if (mine) {
            load(owner, entry);
        } else if (behind >= 0 && !catchUp(owner, entry, behind, now)) {
            return get(owner);
        }
        try {
            return entry.index.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Puts the vectors written after {@code behind} into the cached index and moves it to {@code
     * now}; false (the owner forgotten) where the store cannot tell which they are.
     */
    private boolean catchUp(String owner, Entry entry, long behind, long now) {
        Iterable<StoredVector> written = since.apply(owner, behind);
        if (written == null) {
            synchronized (this) {
                if (entries.get(owner) == entry) {
                    entries.remove(owner);
                    cachedVectors -= entry.counted;
                }
            }
            return false;
        }
        VectorIndex index = entry.index.join();
        for (StoredVector stored : written) {
            index.put(stored.id(), VectorCodec.decode(stored.vector(), dimension));
        }
        synchronized (this) {
            if (entries.get(owner) == entry) {
                entry.version = Math.max(entry.version, now);
                cachedVectors += index.capacity() - entry.counted;
                entry.counted = index.capacity();
                evictBeyondBound(owner);
            }
        }
        return true;
    }

    /** Adds or replaces a vector of a cached owner (nothing to do for an owner not cached). */
    public void put(String owner, long id, float[] vector) {
        change(owner, index -> index.put(id, vector));
    }

    /** Removes a vector of a cached owner. */
    public void remove(String owner, long id) {
        change(owner, index -> index.remove(id));
    }

    /**
     * This cache's own write (its vectors already {@link #put}) raised the owner's version to {@code
     * version}: if the cached index is at the version just before, no one else wrote meanwhile and it
     * is current; otherwise the next search loads it again.
     */
    public synchronized void advanced(String owner, long version) {
        Entry entry = entries.get(owner);
        if (entry != null && entry.index.isDone() && entry.version == version - 1) {
            entry.version = version;
        }
    }

    /** Forgets the owner: the next search loads it again. */
    public synchronized void invalidate(String owner) {
        Entry entry = entries.remove(owner);
        if (entry != null) {
            cachedVectors -= entry.counted;
        }
    }

    public synchronized void invalidateAll() {
        entries.clear();
        cachedVectors = 0;
    }

    /** Rows of vectors held for the owners cached now (see {@link VectorIndex#capacity()}). */
    public synchronized long cachedVectors() {
        return cachedVectors;
    }

    public synchronized boolean isCached(String owner) {
        Entry entry = entries.get(owner);
        return entry != null && entry.index.isDone() && !entry.index.isCompletedExceptionally();
    }

    private void load(String owner, Entry entry) {
        VectorIndex index;
        try {
            List<StoredVector> all = new ArrayList<>();
            loader.apply(owner).forEach(all::add);
            index = new VectorIndex(dimension, all.size());
            for (StoredVector stored : all) {
                index.put(stored.id(), VectorCodec.decode(stored.vector(), dimension));
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                entries.remove(owner, entry);
            }
            entry.index.completeExceptionally(e);
            return;
        }
        synchronized (this) {
            if (entries.get(owner) == entry) {
                if (index.capacity() > maxVectors) {
                    entries.remove(owner);
                } else {
                    entry.counted = index.capacity();
                    cachedVectors += entry.counted;
                    evictBeyondBound(owner);
                }
            }
        }
        entry.index.complete(index);
    }

    private void change(String owner, Consumer<VectorIndex> change) {
        Entry entry;
        synchronized (this) {
            entry = entries.get(owner);
            if (entry == null) {
                return;
            }
            if (!entry.index.isDone()) {
                entries.remove(owner);
                return;
            }
        }
        VectorIndex index = entry.index.join();
        change.accept(index);
        synchronized (this) {
            if (entries.get(owner) == entry) {
                cachedVectors += index.capacity() - entry.counted;
                entry.counted = index.capacity();
                evictBeyondBound(owner);
            }
        }
    }

    /** Drops the least recently used owners, never {@code keep}, until the bound holds. */
    private void evictBeyondBound(String keep) {
        Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
        while (cachedVectors > maxVectors && eldest.hasNext()) {
            Map.Entry<String, Entry> next = eldest.next();
            if (!next.getKey().equals(keep) && next.getValue().index.isDone()) {
                cachedVectors -= next.getValue().counted;
                eldest.remove();
            }
        }
    }
}
