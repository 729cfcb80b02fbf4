package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.db.Database;
import dev.kiln.db.DatabaseSettings;
import dev.kiln.db.Databases;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two nodes on one PostgreSQL sharing one blob directory or one bucket, each with its own store
 * (its own process locks) and its own connections: node A's sweep finds content old and
 * unreferenced and, between reading its time and deleting it, node B stores the same content again
 * (a new file about to refer to it). The database's lock of the hash makes them take turns, so B's
 * put either is seen by A (kept) or stores the content afresh after A's delete: B never returns
 * from a put whose content is then gone.
 */
class TwoNodesSharingStorageTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    enum Storage {
        SHARED_DIRECTORY,
        SHARED_BUCKET
    }

    private final List<AutoCloseable> open = new ArrayList<>();
    private String url;
    private Path work;
    /** Looks at the database's locks from outside both nodes. */
    private Database probe;

    @BeforeEach
    void database() {
        url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        work = TestDatabases.tempDir("kiln-shared-storage-");
        probe = node("probe");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable each : open.reversed()) {
            each.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Storage.class)
    void aPutOnOneNodeNeverLosesItsContentToAnotherNodesSweep(Storage storage) throws Exception {
        if (storage == Storage.SHARED_BUCKET) {
            S3Server server = S3Server.start(work.resolve("s3"), "kiln-shared");
            open.add(server::close);
            S3Settings settings = S3BlobStoreTest.settingsFor(server.endpoint(), server.bucket(), "shared/");
            race(
                    whileDeciding ->
                            new S3BlobStore(
                                    S3Clients.of(settings, new SimpleMeterRegistry()),
                                    settings,
                                    new BlobCache(
                                            work.resolve("cache-a"),
                                            settings.cacheSize().toBytes()),
                                    5L << 20,
                                    node("a")) {
                                @Override
                                public Optional<Instant> storedAt(String sha256) throws IOException {
                                    return watched(super.storedAt(sha256), whileDeciding);
                                }
                            },
                    S3BlobStore.of(settings, work.resolve("cache-b"), new SimpleMeterRegistry(), node("b")));
        } else {
            Path blobs = work.resolve("blobs");
            race(
                    whileDeciding -> new LocalBlobStore(blobs, node("a")) {
                        @Override
                        public Optional<Instant> storedAt(String sha256) throws IOException {
                            return watched(super.storedAt(sha256), whileDeciding);
                        }
                    },
                    new LocalBlobStore(blobs, node("b")));
        }
    }

    private interface WatchedStore {
        BlobStore on(AtomicReference<Runnable> whileDeciding);
    }

    private static Optional<Instant> watched(Optional<Instant> at, AtomicReference<Runnable> whileDeciding) {
        whileDeciding.getAndSet(() -> {}).run();
        return at;
    }

    private void race(WatchedStore nodeA, BlobStore onB) throws Exception {
        AtomicReference<Runnable> whileDeciding = new AtomicReference<>(() -> {});
        BlobStore onA = nodeA.on(whileDeciding);
        if (onA instanceof AutoCloseable closeable) {
            open.add(closeable);
        }
        if (onB instanceof AutoCloseable closeable) {
            open.add(closeable);
        }
        byte[] content = random(3_000);
        String sha = onA.put(new ByteArrayInputStream(content), Long.MAX_VALUE).sha256();
        Instant sweepBound = onA.storedAt(sha).orElseThrow().plusSeconds(1);
        // Stores keep times to the second at worst: a put from now on stores it at the bound or later.
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(sweepBound.plusMillis(100)));

        // A's sweep has read the content's time (old) and not yet deleted it: B stores it again.
        CompletableFuture<StoredBlob> storedOnB = new CompletableFuture<>();
        Thread putter = Thread.ofPlatform().unstarted(() -> {
            try {
                storedOnB.complete(onB.put(new ByteArrayInputStream(content), Long.MAX_VALUE));
            } catch (IOException | RuntimeException e) {
                storedOnB.completeExceptionally(e);
            }
        });
        whileDeciding.set(() -> {
            putter.start();
            // B's put either finishes or waits in the database for A's decision to be over.
            await().atMost(WAIT).until(() -> storedOnB.isDone() || waitsInTheDatabase());
        });

        onA.deleteIfStoredBefore(sha, sweepBound);
        putter.join(WAIT);

        assertThat(storedOnB.get().sha256()).isEqualTo(sha);
        assertThat(onB.exists(sha)).as("the content B's new file refers to").isTrue();
        try (InputStream in = onB.open(sha)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    /**
     * A slow store (here: its time checks held) under content steps of different hashes, as many as
     * the node's pool has connections: the steps hold the database's locks of their hashes on
     * connections of their own, so the node's claims, renewals and reads still get theirs at once.
     */
    @Test
    void contentStepsWaitingOnTheStoreLeaveTheNodesPoolFree() throws Exception {
        Database db = node("small", new DatabaseSettings(url, null, null, 2, 4, Duration.ofSeconds(10)));
        CountDownLatch deciding = new CountDownLatch(2);
        CountDownLatch storeAnswers = new CountDownLatch(1);
        LocalBlobStore store = heldAtTimeCheck(db, deciding, storeAnswers);
        // Two hashes of different process stripes, so that only the database could hold one step up.
        List<String> hashes = new ArrayList<>();
        while (hashes.size() < 2) {
            String sha = store.put(new ByteArrayInputStream(random(1_000)), Long.MAX_VALUE)
                    .sha256();
            if (hashes.isEmpty() || stripe(hashes.getFirst()) != stripe(sha)) {
                hashes.add(sha);
            }
        }
        ExecutorService steps = Executors.newFixedThreadPool(2);
        open.add(steps::shutdownNow);
        List<CompletableFuture<Boolean>> deletes = new ArrayList<>();
        for (String sha : hashes) {
            deletes.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return store.deleteIfStoredBefore(sha, Instant.now().plusSeconds(60));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    steps));
        }
        try {
            assertThat(deciding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(db.write(
                            () -> db.sql().sql("SELECT 1").query(Integer.class).single()))
                    .as("a write on the node's pool while both content steps wait on the store")
                    .isEqualTo(1);
        } finally {
            storeAnswers.countDown();
        }
        for (CompletableFuture<Boolean> delete : deletes) {
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * A step on another node that holds a hash's lock past {@code kiln.database.content-lock-wait}
     * (its store that slow) fails the put waiting for it as the store's own failure would, rather
     * than making it wait as long as the other node's step takes.
     */
    @Test
    void aPutWaitsForAnotherNodesContentStepOnlySoLong() throws Exception {
        CountDownLatch deciding = new CountDownLatch(1);
        CountDownLatch storeAnswers = new CountDownLatch(1);
        Path blobs = work.resolve("blobs");
        LocalBlobStore onA = new LocalBlobStore(blobs, node("a")) {
            @Override
            public Optional<Instant> storedAt(String sha256) throws IOException {
                Optional<Instant> at = super.storedAt(sha256);
                deciding.countDown();
                awaitQuietly(storeAnswers);
                return at;
            }
        };
        LocalBlobStore onB = new LocalBlobStore(
                blobs, node("b", new DatabaseSettings(url, null, null, 4, 4, Duration.ofMillis(500))));
        byte[] content = random(1_000);
        String sha = onA.put(new ByteArrayInputStream(content), Long.MAX_VALUE).sha256();
        CompletableFuture<Boolean> deleteOnA = CompletableFuture.supplyAsync(() -> {
            try {
                return onA.deleteIfStoredBefore(sha, Instant.now().plusSeconds(60));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            assertThat(deciding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> onB.put(new ByteArrayInputStream(content), Long.MAX_VALUE))
                    .isInstanceOf(BlobStoreUnavailableException.class)
                    .hasMessageContaining(sha);
        } finally {
            storeAnswers.countDown();
        }
        assertThat(deleteOnA.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Every connection for content locks held by steps the store keeps waiting: a step for another
     * hash waits for one only so long (kiln.database.content-lock-wait), then fails as the store's would.
     */
    @Test
    void aStepWaitsForAConnectionForContentLocksOnlySoLong() throws Exception {
        Database db = node("one", new DatabaseSettings(url, null, null, 4, 1, Duration.ofMillis(500)));
        CountDownLatch deciding = new CountDownLatch(1);
        CountDownLatch storeAnswers = new CountDownLatch(1);
        LocalBlobStore store = heldAtTimeCheck(db, deciding, storeAnswers);
        String paused = store.put(new ByteArrayInputStream(random(1_000)), Long.MAX_VALUE)
                .sha256();
        byte[] other = random(1_000);
        while (stripe(store.put(new ByteArrayInputStream(other), Long.MAX_VALUE).sha256()) == stripe(paused)) {
            other = random(1_000);
        }
        byte[] storedAgain = other;
        Thread deleter = Thread.ofPlatform().start(() -> {
            try {
                store.deleteIfStoredBefore(paused, Instant.now().plusSeconds(60));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            assertThat(deciding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> store.put(new ByteArrayInputStream(storedAgain), Long.MAX_VALUE))
                    .isInstanceOf(BlobStoreUnavailableException.class);
        } finally {
            storeAnswers.countDown();
        }
        deleter.join(WAIT);
    }

    /** A transaction held open across the store's round trips would hold a connection of the node's pool. */
    @Test
    void contentIsNeverStoredAgainInsideATransaction() throws Exception {
        Database db = node("a");
        LocalBlobStore store = new LocalBlobStore(work.resolve("blobs"), db);
        byte[] content = random(1_000);
        store.put(new ByteArrayInputStream(content), Long.MAX_VALUE);
        assertThatThrownBy(() -> db.write(() -> {
                    try {
                        return store.put(new ByteArrayInputStream(content), Long.MAX_VALUE);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }))
                .isInstanceOf(IllegalStateException.class);
    }

    /** A store on {@code db} whose time checks count down {@code deciding}, then wait for {@code answers}. */
    private LocalBlobStore heldAtTimeCheck(Database db, CountDownLatch deciding, CountDownLatch answers) {
        return new LocalBlobStore(work.resolve("blobs"), db) {
            @Override
            public Optional<Instant> storedAt(String sha256) throws IOException {
                Optional<Instant> at = super.storedAt(sha256);
                deciding.countDown();
                awaitQuietly(answers);
                return at;
            }
        };
    }

    private static int stripe(String sha256) {
        return Math.floorMod(sha256.hashCode(), 256);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A node: its own connections to the one database. */
    private Database node(String name) {
        return node(name, DatabaseSettings.forUrl(url, 4));
    }

    private Database node(String name, DatabaseSettings settings) {
        HikariDataSource pool = Databases.pool(settings, new KilnHome(work.resolve("home-" + name)));
        open.add(pool);
        Database db = Databases.migrate(pool, settings);
        open.add(db);
        return db;
    }

    private boolean waitsInTheDatabase() {
        return probe.sql().sql("""
                                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""").query(Long.class).single() > 0;
    }
}
