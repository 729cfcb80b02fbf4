package dev.kiln.embeddings;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;

/**
 * One owner's vectors in memory, searched by an exact scan: every vector's dot product with the
 * query, the best {@code k} kept. Safe for concurrent searches while vectors are added, replaced
 * and removed (searches share a read lock; a change waits for the searches under way).
 *
 * <p>The floats sit in one array in blocks of {@value #BLOCK} vectors, stored dimension by
 * dimension ({@code data[block][dimension][row]}), so the scan's inner loop adds one query value
 * times {@value #BLOCK} neighbouring floats into {@value #BLOCK} sums: a loop without a reduction,
 * which HotSpot turns into SIMD instructions (a row-by-row dot product is a floating-point sum
 * that it may not reorder, so it stays scalar). The sums are doubles: a float array for them could,
 * as far as the JIT knows, be the data array itself, and it then leaves the loop scalar (measured:
 * twice the CPU). A score is the float products summed in dimension order in double, then rounded
 * to float: exactly what a plain loop doing the same gives.
 */
public final class VectorIndex {

    static final int BLOCK = 64;

    private final int dimension;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Long, Integer> rows = new HashMap<>();
    private long[] ids = new long[0];
    private float[] data = new float[0];
    private int size;

    public VectorIndex(int dimension) {
        this(dimension, 0);
    }

    /** With room for {@code expected} vectors from the start: no growing (each growth copies every float). */
    public VectorIndex(int dimension, int expected) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1");
        }
        this.dimension = dimension;
        ensureCapacity(expected);
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Adds the vector under {@code id}, or replaces the one already there. */
    public void put(long id, float[] vector) {
        if (vector.length != dimension) {
            throw new IllegalArgumentException(
                    "A vector of " + vector.length + " dimensions in an index of " + dimension);
        }
        lock.writeLock().lock();
        try {
            Integer row = rows.get(id);
            if (row == null) {
                row = size++;
                ensureCapacity(size);
                ids[row] = id;
                rows.put(id, row);
            }
            write(row, vector);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the vector under {@code id}; false if there was none. The last row moves into its place. */
    public boolean remove(long id) {
        lock.writeLock().lock();
        try {
            Integer row = rows.remove(id);
            if (row == null) {
                return false;
            }
            int last = --size;
            if (row != last) {
                write(row, read(last));
                ids[row] = ids[last];
                rows.put(ids[row], row);
            }
            write(last, new float[dimension]);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean contains(long id) {
        lock.readLock().lock();
        try {
            return rows.containsKey(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of the vector under {@code id}, or null. */
    public float[] get(long id) {
        lock.readLock().lock();
        try {
            Integer row = rows.get(id);
            return row == null ? null : read(row);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The {@code k} vectors with the highest dot product with {@code query}, best first (equal
     * scores: lower id first), among those whose id {@code filter} accepts (null: all).
     */
    public List<VectorHit> topK(float[] query, int k, LongPredicate filter) {
        if (query.length != dimension) {
            throw new IllegalArgumentException(
                    "A query of " + query.length + " dimensions in an index of " + dimension);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1");
        }
        lock.readLock().lock();
        try {
            return scan(query, new TopK(Math.max(1, Math.min(k, size))), filter).best();
        } finally {
            lock.readLock().unlock();
        }
    }

    private TopK scan(float[] query, TopK top, LongPredicate filter) {
        double[] sums = new double[BLOCK];
        int blocks = (size + BLOCK - 1) / BLOCK;
        for (int block = 0; block < blocks; block++) {
            Arrays.fill(sums, 0d);
            int base = block * dimension * BLOCK;
            for (int d = 0; d < dimension; d++) {
                float q = query[d];
                int offset = base + d * BLOCK;
                for (int r = 0; r < BLOCK; r++) {
                    sums[r] += q * data[offset + r];
                }
            }
            int first = block * BLOCK;
            int rowsHere = Math.min(BLOCK, size - first);
            for (int r = 0; r < rowsHere; r++) {
                long id = ids[first + r];
                float score = (float) sums[r];
                if (top.wouldTake(score, id) && (filter == null || filter.test(id))) {
                    top.offer(score, id);
                }
            }
        }
        return top;
    }

    /** Rows the arrays have room for (whole blocks): what the index costs in memory, in vectors. */
    public int capacity() {
        lock.readLock().lock();
        try {
            return ids.length;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Gives back the room grown beyond the vectors held (growth leaves up to half as much again). */
    public void trimToSize() {
        lock.writeLock().lock();
        try {
            resize(size);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureCapacity(int rowsNeeded) {
        if (rowsNeeded > ids.length) {
            resize(Math.max(rowsNeeded, ids.length + (ids.length >> 1)));
        }
    }

    private void resize(int rows) {
        int capacity = (rows + BLOCK - 1) / BLOCK * BLOCK;
        if (capacity != ids.length) {
            ids = Arrays.copyOf(ids, capacity);
            data = Arrays.copyOf(data, capacity * dimension);
        }
    }

    private void write(int row, float[] vector) {
        int base = (row / BLOCK) * dimension * BLOCK + row % BLOCK;
        for (int d = 0; d < dimension; d++) {
            data[base + d * BLOCK] = vector[d];
        }
    }

    private float[] read(int row) {
        float[] vector = new float[dimension];
        int base = (row / BLOCK) * dimension * BLOCK + row % BLOCK;
        for (int d = 0; d < dimension; d++) {
            vector[d] = data[base + d * BLOCK];
        }
        return vector;
    }
}
