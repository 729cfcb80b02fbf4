package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VectorCacheTest {

    private static final int DIM = 8;
    /** The "database": owner → id → bytes. */
    private final Map<String, Map<Long, byte[]>> stored = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
    private final Random random = new Random(3);

    private List<StoredVector> load(String owner) {
        loads.computeIfAbsent(owner, o -> new AtomicInteger()).incrementAndGet();
        return stored.getOrDefault(owner, Map.of()).entrySet().stream()
                .map(e -> new StoredVector(e.getKey(), e.getValue()))
                .toList();
    }

    private void store(String owner, int count) {
        for (long id = 0; id < count; id++) {
            stored.computeIfAbsent(owner, o -> new ConcurrentHashMap<>()).put(id, VectorCodec.encode(vector()));
        }
    }

    @Test
    void anOwnerIsLoadedOnceAndKeptTrueByChanges() {
        store("ann", 5);
        VectorCache cache = new VectorCache(DIM, 100, this::load);

        assertThat(cache.get("ann").size()).isEqualTo(5);
        assertThat(cache.get("ann").size()).isEqualTo(5);
        assertThat(loads.get("ann")).hasValue(1);

        float[] v = vector();
        cache.put("ann", 99, v);
        cache.remove("ann", 0);
        assertThat(cache.get("ann").get(99)).containsExactly(v);
        assertThat(cache.get("ann").contains(0)).isFalse();
        assertThat(cache.cachedVectors()).as("a whole block of rows").isEqualTo(VectorIndex.BLOCK);

        cache.put("bob", 1, v);
        assertThat(cache.isCached("bob"))
                .as("a change to an owner not cached is left to the store")
                .isFalse();

        cache.invalidate("ann");
        assertThat(cache.get("ann").contains(99)).as("reloaded from the store").isFalse();
        assertThat(loads.get("ann")).hasValue(2);
    }

    @Test
    void theLeastRecentlyUsedOwnersGoFirstOnceTheBoundIsPassed() {
        store("a", 40);
        store("b", 40);
        store("c", 40);
        store("huge", 200);
        // Each small owner holds one block of 64 rows: two fit, three do not.
        VectorCache cache = new VectorCache(DIM, 150, this::load);

        cache.get("a");
        cache.get("b");
        cache.get("a");
        cache.get("c");

        assertThat(cache.isCached("b")).isFalse();
        assertThat(cache.isCached("a")).isTrue();
        assertThat(cache.isCached("c")).isTrue();
        assertThat(cache.cachedVectors()).isEqualTo(2 * VectorIndex.BLOCK);

        assertThat(cache.get("huge").size()).isEqualTo(200);
        assertThat(cache.isCached("huge"))
                .as("more than the bound alone: never kept")
                .isFalse();
        assertThat(cache.cachedVectors()).isEqualTo(2 * VectorIndex.BLOCK);
    }

    @Test
    void concurrentSearchesOfAnOwnerShareOneLoad() throws Exception {
        store("ann", 3);
        CountDownLatch finish = new CountDownLatch(1);
        VectorCache cache = new VectorCache(DIM, 100, owner -> {
            try {
                finish.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return load(owner);
        });
        List<FutureTask<VectorIndex>> searches = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                FutureTask<VectorIndex> search = new FutureTask<>(() -> cache.get("ann"));
                searches.add(search);
                threads.add(Thread.ofPlatform().start(search));
            }
            // All four inside get() before the load ends: one loading (held here), three waiting for it.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
            finish.countDown();
            for (FutureTask<VectorIndex> search : searches) {
                assertThat(search.get(5, TimeUnit.SECONDS))
                        .isSameAs(searches.get(0).get());
            }
        } finally {
            finish.countDown();
        }
        assertThat(loads.get("ann")).hasValue(1);
    }

    @Test
    void aChangeDuringALoadKeepsThatLoadOutOfTheCache() throws Exception {
        store("ann", 3);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        VectorCache cache = new VectorCache(DIM, 100, owner -> {
            loading.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return load(owner);
        });
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<VectorIndex> search = thread.submit(() -> cache.get("ann"));
            assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
            cache.put("ann", 7, vector());
            finish.countDown();
            assertThat(search.get(5, TimeUnit.SECONDS).size())
                    .as("the search waiting still gets it")
                    .isEqualTo(3);
        } finally {
            thread.shutdownNow();
        }
        assertThat(cache.isCached("ann")).as("it may have missed the change").isFalse();
        assertThat(cache.cachedVectors()).isZero();
    }

    @Test
    void aFailedLoadIsNotKept() {
        AtomicInteger calls = new AtomicInteger();
        VectorCache cache = new VectorCache(DIM, 100, owner -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("database down");
            }
            return List.of(new StoredVector(1, VectorCodec.encode(vector())));
        });

        assertThatThrownBy(() -> cache.get("ann")).hasMessage("database down");
        assertThat(cache.get("ann").size()).isEqualTo(1);
    }

    private float[] vector() {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = random.nextFloat();
        }
        return v;
    }

    /** Another writer's vectors, each at the owner's version its write made (for {@code since}). */
    private final Map<Long, Long> writtenAt = new ConcurrentHashMap<>();

    private final AtomicInteger caughtUp = new AtomicInteger();

    private List<StoredVector> since(String owner, long after) {
        caughtUp.incrementAndGet();
        return stored.getOrDefault(owner, Map.of()).entrySet().stream()
                .filter(e -> writtenAt.getOrDefault(e.getKey(), 0L) > after)
                .map(e -> new StoredVector(e.getKey(), e.getValue()))
                .toList();
    }

    @Test
    void anOwnerCachedAtAnOlderVersionThanTheStoresReadsWhatWasWrittenSince() {
        Map<String, Long> versions = new ConcurrentHashMap<>();
        store("ann", 3);
        VectorCache cache = new VectorCache(DIM, 100, this::load, this::since, o -> versions.getOrDefault(o, 0L));
        assertThat(cache.get("ann").size()).isEqualTo(3);

        // Another writer (node) adds a vector and raises the version; this cache was not told.
        float[] theirs = vector();
        stored.get("ann").put(7L, VectorCodec.encode(theirs));
        writtenAt.put(7L, 1L);
        versions.put("ann", 1L);
        assertThat(cache.get("ann").get(7)).containsExactly(theirs);
        assertThat(cache.get("ann").size()).isEqualTo(4);
        assertThat(loads.get("ann")).as("not loaded again").hasValue(1);
        assertThat(caughtUp).as("once, for version 1").hasValue(1);
    }

    @Test
    void whereTheStoreCannotTellWhatWasWrittenSinceTheOwnerIsLoadedAgain() {
        Map<String, Long> versions = new ConcurrentHashMap<>();
        store("ann", 3);
        VectorCache cache =
                new VectorCache(DIM, 100, this::load, (o, after) -> null, o -> versions.getOrDefault(o, 0L));
        cache.get("ann");
        stored.get("ann").put(7L, VectorCodec.encode(vector()));
        versions.put("ann", 1L);
        assertThat(cache.get("ann").contains(7)).isTrue();
        assertThat(loads.get("ann")).hasValue(2);
    }

    @Test
    void itsOwnWriteKeepsTheOwnerCurrentUnlessAnotherCameBetween() {
        Map<String, Long> versions = new ConcurrentHashMap<>();
        store("ann", 3);
        VectorCache cache = new VectorCache(DIM, 100, this::load, this::since, o -> versions.getOrDefault(o, 0L));
        cache.get("ann");

        float[] mine = vector();
        stored.get("ann").put(8L, VectorCodec.encode(mine));
        writtenAt.put(8L, 1L);
        versions.put("ann", 1L);
        cache.put("ann", 8, mine);
        cache.advanced("ann", 1);
        assertThat(cache.get("ann").get(8)).containsExactly(mine);
        assertThat(caughtUp).as("its own write, told").hasValue(0);

        stored.get("ann").put(9L, VectorCodec.encode(vector())); // another writer's: version 2
        writtenAt.put(9L, 2L);
        stored.get("ann").put(10L, VectorCodec.encode(mine)); // then this cache's: version 3
        writtenAt.put(10L, 3L);
        versions.put("ann", 3L);
        cache.put("ann", 10, mine);
        cache.advanced("ann", 3);
        assertThat(cache.get("ann").contains(9)).isTrue();
        assertThat(caughtUp).hasValue(1);
        assertThat(loads.get("ann")).hasValue(1);
    }
}
