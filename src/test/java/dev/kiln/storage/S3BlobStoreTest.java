package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.testing.TestBytes.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.support.Digests;
import dev.kiln.testing.S3Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

/** The contract against a real S3-compatible server (S3Mock), and what only object storage can get wrong. */
class S3BlobStoreTest extends BlobStoreContract {

    @TempDir
    static Path serverDir;

    static S3Server server;

    private S3BlobStore store;
    private final List<S3BlobStore> others = new ArrayList<>();
    private MeterRegistry meters;

    @BeforeAll
    static void startServer() throws IOException {
        server = S3Server.start(serverDir, "kiln-test");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** Each test under a prefix of its own in the one bucket, with a cache of its own. */
    @Override
    BlobStore newStore() {
        meters = new SimpleMeterRegistry();
        store = storeOn(settings(server.bucket(), "t-" + UUID.randomUUID()), work.resolve("cache"), meters);
        return store;
    }

    @Override
    BlobStore newStore(Runnable afterStoredAt) {
        S3Settings settings = settings(server.bucket(), "t-" + UUID.randomUUID());
        S3BlobStore watched =
                new S3BlobStore(
                        S3Clients.of(settings, new SimpleMeterRegistry()),
                        settings,
                        new BlobCache(
                                work.resolve("watched-cache"),
                                settings.cacheSize().toBytes()),
                        5L << 20) {
                    @Override
                    public Optional<Instant> storedAt(String sha256) throws IOException {
                        Optional<Instant> at = super.storedAt(sha256);
                        afterStoredAt.run();
                        return at;
                    }
                };
        others.add(watched);
        return watched;
    }

    @AfterEach
    void closeStore() {
        store.close();
        others.forEach(S3BlobStore::close);
    }

    static S3Settings settings(String bucket, String prefix) {
        return settingsFor(server.endpoint(), bucket, prefix);
    }

    static S3Settings settingsFor(java.net.URI endpoint, String bucket) {
        return settingsFor(endpoint, bucket, "");
    }

    static S3Settings settingsFor(java.net.URI endpoint, String bucket, String prefix) {
        return new S3Settings(
                endpoint,
                bucket,
                "us-east-1",
                "test-key",
                "test-secret",
                true,
                prefix,
                DataSize.ofMegabytes(64),
                3,
                Duration.ofSeconds(5));
    }

    /** 5 MiB parts (S3's least), so a multipart upload stays small in a test. */
    static S3BlobStore storeOn(S3Settings settings, Path cacheDir) {
        return storeOn(settings, cacheDir, new SimpleMeterRegistry());
    }

    static S3BlobStore storeOn(S3Settings settings, Path cacheDir, MeterRegistry meters) {
        return new S3BlobStore(
                S3Clients.of(settings, meters),
                settings,
                new BlobCache(cacheDir, settings.cacheSize().toBytes()),
                5L << 20);
    }

    @Test
    void aLargeBlobGoesUpInPartsAndComesBackWhole() throws IOException {
        byte[] content = random(12 << 20);

        StoredBlob blob = put(content);

        assertThat(read(blobs.open(blob.sha256()))).isEqualTo(content);
        assertThat(read(blobs.open(blob.sha256(), 11 << 20))).hasSize(1 << 20);
    }

    @Test
    void anotherNodeReadsWhatOneStoredThroughItsOwnCache() throws IOException {
        byte[] content = random(40_000);
        String sha = put(content).sha256();

        try (S3BlobStore otherNode = storeOn(store.settings(), work.resolve("other-cache"));
                BlobStore.LocalCopy copy = otherNode.localCopy(sha)) {
            assertThat(copy.path()).startsWith(work.resolve("other-cache"));
            assertThat(Files.readAllBytes(copy.path())).isEqualTo(content);
            assertThat(otherNode.exists(sha)).isTrue();
        }
    }

    @Test
    void whatThisNodeStoredIsInItsCacheAlready() throws IOException {
        byte[] content = random(40_000);
        String sha = put(content).sha256();
        server.stop();
        try (BlobStore.LocalCopy copy = blobs.localCopy(sha)) {
            assertThat(Files.readAllBytes(copy.path())).isEqualTo(content);
        } finally {
            server.startAgain();
        }
    }

    @Test
    void aStoppedServerIsAClearErrorAndLosesNothingStored() throws IOException {
        byte[] kept = random(30_000);
        String keptSha = put(kept).sha256();
        server.stop();
        try {
            assertThatThrownBy(() -> put(random(10_000)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("S3 bucket kiln-test at " + server.endpoint());
            assertThatThrownBy(() -> blobs.open(keptSha))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("could not read");
            byte[] received = random(20_000);
            Path part = Files.write(work.resolve("upload.part"), received);
            assertThatThrownBy(() -> blobs.adopt(part, sha256(received)))
                    .isInstanceOf(BlobStoreUnavailableException.class);
            assertThat(part).as("a part file the store could not take is kept").hasBinaryContent(received);
            assertThat(Files.list(work.resolve("cache").resolve("tmp")))
                    .as("no half-stored temporary file left")
                    .isEmpty();
        } finally {
            server.startAgain();
        }
        assertThat(read(blobs.open(keptSha))).isEqualTo(kept);
        byte[] later = random(10_000);
        assertThat(read(blobs.open(put(later).sha256()))).isEqualTo(later);
    }

    @Test
    void aBucketThatIsNotThereIsNotReadyAndNamed() {
        S3BlobStore missing = storeOn(settings("no-such-bucket", ""), work.resolve("missing-cache"));
        try (missing) {
            assertThatThrownBy(missing::checkWritable)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("S3 bucket no-such-bucket");

            Health health = new BlobStoreHealthIndicator(missing).health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("store").toString()).contains("S3 bucket no-such-bucket");
            assertThat(health.getDetails().get("error").toString())
                    .startsWith("Cannot write to the blob store")
                    .contains("bucket does not exist");
        }
    }

    @Test
    void theServerRefusesBytesThatDoNotMatchTheirHash() throws IOException {
        Path file = Files.write(work.resolve("corrupt.part"), random(1_000));
        String claimed = sha256(random(1_000));

        assertThatThrownBy(() -> blobs.adopt(file, claimed)).isInstanceOf(IOException.class);

        assertThat(blobs.exists(claimed)).isFalse();
    }

    @Test
    void aDeletedBlobLeavesThisNodesCache() throws IOException {
        String sha = blobs.put(new ByteArrayInputStream(random(1_000)), Long.MAX_VALUE)
                .sha256();

        blobs.delete(sha);

        assertThat(work.resolve("cache").resolve(sha)).doesNotExist();
    }

    @Test
    void anUploadsSavedRangesRestoreOnAnotherNodeWithoutAnUnrecordedLeftover() throws IOException {
        byte[] content = random(40_000);
        Path onA = Files.write(work.resolve("a.part"), content);
        UploadParts parts = store.uploadParts();
        save(parts, "upl_1", onA, 0, 10_000);
        save(parts, "upl_1", onA, 10_000, 25_000);
        // A writer that died after saving, before its offset was recorded: a range nobody may read.
        Path garbage = Files.write(work.resolve("garbage.part"), random(40_000));
        save(parts, "upl_1", garbage, 25_000, 30_000);
        save(parts, "upl_1", onA, 25_000, 40_000);
        save(parts, "upl_1", garbage, 10_000, 30_000);

        byte[] restored = restore(parts, "upl_1", work.resolve("b.part"), 0, 40_000);
        assertThat(restored).isEqualTo(content);
        // A node holding the first range itself fetches only the rest; one whose prefix ends where no
        // saved range starts fetches it all.
        Files.write(work.resolve("c.part"), Arrays.copyOf(content, 10_000));
        assertThat(restore(parts, "upl_1", work.resolve("c.part"), 10_000, 25_000))
                .isEqualTo(Arrays.copyOf(content, 25_000));
        assertThat(restore(parts, "upl_1", work.resolve("d.part"), 12_345, 25_000))
                .isEqualTo(Arrays.copyOf(content, 25_000));
        assertThatThrownBy(() -> restore(parts, "upl_1", work.resolve("e.part"), 0, 35_000))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("do not reach offset 35000");

        assertThat(blobs.storedBefore(Instant.now().plusSeconds(3600)))
                .as("the blob listing does not see upload ranges")
                .isEmpty();
        parts.delete("upl_1");
        assertThatThrownBy(() -> restore(parts, "upl_1", work.resolve("f.part"), 0, 10_000))
                .isInstanceOf(IOException.class);
    }

    @Test
    void anUploadSavedInRangesOfFiveMebibytesIsJoinedByTheServer() throws IOException {
        byte[] content = random(12 << 20);
        String sha = sha256(content);
        Path file = Files.write(work.resolve("whole.part"), content);
        UploadParts parts = store.uploadParts();
        save(parts, "upl_3", file, 0, 6 << 20);
        save(parts, "upl_3", file, 6 << 20, 12 << 20);

        assertThat(parts.store("upl_3", file, content.length, sha)).contains(new StoredBlob(sha, content.length));

        assertThat(calls("UploadPartCopy"))
                .as("joined by the server, range by range")
                .isEqualTo(2);
        assertThat(read(blobs.open(sha))).isEqualTo(content);
        assertThat(file).as("taken into this node's cache").doesNotExist();
        Path again = Files.write(work.resolve("again.part"), content);
        assertThat(parts.store("upl_3", again, content.length, sha))
                .as("stored already: only marked stored again")
                .contains(new StoredBlob(sha, content.length));
        assertThat(calls("UploadPartCopy")).isEqualTo(2);
    }

    @Test
    void rangesUnderFiveMebibytesAreNotJoinedButTheFileGoesUpWhole() throws IOException {
        byte[] content = random(3 << 20);
        Path file = Files.write(work.resolve("small.part"), content);
        UploadParts parts = store.uploadParts();
        save(parts, "upl_4", file, 0, 1 << 20);
        save(parts, "upl_4", file, 1 << 20, 3 << 20);

        assertThat(parts.store("upl_4", file, content.length, sha256(content)))
                .contains(new StoredBlob(sha256(content), content.length));
        assertThat(calls("UploadPartCopy")).isZero();
        assertThat(read(blobs.open(sha256(content)))).isEqualTo(content);
    }

    @Test
    void aRangeThatDoesNotMatchItsHashIsRefused() throws IOException {
        Path file = Files.write(work.resolve("h.part"), random(1_000));

        assertThatThrownBy(() -> store.uploadParts().save("upl_5", file, 0, 1_000, rangeSha256(random(1_000))))
                .isInstanceOf(BlobStoreUnavailableException.class)
                .hasMessageContaining("could not save");
    }

    @Test
    void savingToAStoppedServerIsAStoreFailure() throws IOException {
        Path file = Files.write(work.resolve("g.part"), random(1_000));
        server.stop();
        try {
            assertThatThrownBy(() -> save(store.uploadParts(), "upl_2", file, 0, 1_000))
                    .isInstanceOf(BlobStoreUnavailableException.class)
                    .hasMessageContaining("could not save");
        } finally {
            server.startAgain();
        }
    }

    /** Saves a range of {@code file} with its SHA-256, as a writer does. */
    private static void save(UploadParts parts, String upload, Path file, int from, int to) throws IOException {
        parts.save(upload, file, from, to, rangeSha256(Arrays.copyOfRange(Files.readAllBytes(file), from, to)));
    }

    private static byte[] rangeSha256(byte[] bytes) {
        return Digests.sha256().digest(bytes);
    }

    private long calls(String operation) {
        return meters.find("kiln.storage.s3.requests").tag("operation", operation).timers().stream()
                .mapToLong(Timer::count)
                .sum();
    }

    private static byte[] restore(UploadParts parts, String upload, Path file, long from, long to) throws IOException {
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            parts.restore(upload, channel, from, to);
        }
        return Files.readAllBytes(file);
    }
}
