package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

    /** A node: its own connections to the one database. */
    private Database node(String name) {
        HikariDataSource pool =
                Databases.pool(new DatabaseSettings(url, null, null, 4), new KilnHome(work.resolve("home-" + name)));
        open.add(pool);
        return Databases.migrate(pool);
    }

    private boolean waitsInTheDatabase() {
        return probe.sql().sql("""
                                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""").query(Long.class).single() > 0;
    }
}
