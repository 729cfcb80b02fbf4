package dev.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {

    @TempDir
    Path dir;

    private final AtomicInteger fetches = new AtomicInteger();

    private BlobCache.Fetch bytes(int size) {
        return file -> {
            fetches.incrementAndGet();
            Files.write(file, new byte[size]);
        };
    }

    private static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }

    @Test
    void aCopyIsFetchedOnceAndServedFromTheCacheAfter() throws IOException {
        BlobCache cache = new BlobCache(dir, 1000);

        try (BlobStore.LocalCopy first = cache.hold(sha('a'), bytes(100))) {
            assertThat(first.path()).hasSize(100);
        }
        try (BlobStore.LocalCopy again = cache.hold(sha('a'), bytes(100))) {
            assertThat(again.path()).exists();
        }

        assertThat(fetches).hasValue(1);
    }

    @Test
    void pastItsBoundTheLeastRecentlyUsedCopyGoes() throws IOException {
        BlobCache cache = new BlobCache(dir, 250);
        cache.hold(sha('a'), bytes(100)).close();
        cache.hold(sha('b'), bytes(100)).close();
        cache.hold(sha('a'), bytes(100)).close(); // a is now the more recent

        cache.hold(sha('c'), bytes(100)).close();

        assertThat(cache.contains(sha('b'))).as("least recently used").isFalse();
        assertThat(cache.contains(sha('a'))).isTrue();
        assertThat(cache.contains(sha('c'))).isTrue();
        assertThat(dir.resolve(sha('b'))).doesNotExist();
        assertThat(cache.bytes()).isEqualTo(200);
    }

    @Test
    void aHeldCopyIsNotEvictedEvenOverTheBound() throws IOException {
        BlobCache cache = new BlobCache(dir, 150);
        try (BlobStore.LocalCopy held = cache.hold(sha('a'), bytes(100))) {
            cache.hold(sha('b'), bytes(100)).close();

            assertThat(held.path()).exists();
            assertThat(cache.contains(sha('b'))).as("the one nobody held").isFalse();

            try (BlobStore.LocalCopy other = cache.hold(sha('c'), bytes(100))) {
                assertThat(cache.bytes())
                        .as("over the bound while both are held")
                        .isEqualTo(200);
            }
        }
        assertThat(cache.bytes()).isLessThanOrEqualTo(150);
    }

    @Test
    void concurrentHoldersOfTheSameBlobShareOneFetch() throws Exception {
        BlobCache cache = new BlobCache(dir, 1000);
        CountDownLatch fetching = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlobCache.Fetch slow = file -> {
            fetches.incrementAndGet();
            fetching.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.write(file, new byte[10]);
        };
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Long>> sizes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sizes.add(pool.submit(() -> {
                    try (BlobStore.LocalCopy copy = cache.hold(sha('a'), slow)) {
                        return Files.size(copy.path());
                    }
                }));
            }
            assertThat(fetching.await(5, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            for (Future<Long> size : sizes) {
                assertThat(size.get(5, TimeUnit.SECONDS)).isEqualTo(10);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aFailedFetchLeavesNothingAndIsTriedAgain() throws IOException {
        BlobCache cache = new BlobCache(dir, 1000);
        BlobCache.Fetch missing = file -> {
            throw new NoSuchFileException("blob");
        };

        assertThatThrownBy(() -> cache.hold(sha('a'), missing)).isInstanceOf(NoSuchFileException.class);

        assertThat(cache.contains(sha('a'))).isFalse();
        assertThat(cache.bytes()).isZero();
        try (BlobStore.LocalCopy copy = cache.hold(sha('a'), bytes(5))) {
            assertThat(copy.path()).hasSize(5);
        }
    }

    @Test
    void copiesFoundOnStartAreKeptAndOfferedFilesMoveIn() throws IOException {
        BlobCache first = new BlobCache(dir, 1000);
        first.hold(sha('a'), bytes(100)).close();
        Path stored = first.newTempFile();
        Files.write(stored, new byte[50]);
        first.offer(sha('b'), stored);

        BlobCache restarted = new BlobCache(dir, 1000);

        assertThat(stored).doesNotExist();
        assertThat(restarted.contains(sha('a'))).isTrue();
        assertThat(restarted.contains(sha('b'))).isTrue();
        assertThat(restarted.bytes()).isEqualTo(150);
        restarted.hold(sha('b'), bytes(50)).close();
        assertThat(fetches).hasValue(1);
    }
}
