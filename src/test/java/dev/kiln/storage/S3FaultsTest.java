package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testing.FaultyS3Proxy;
import dev.kiln.testing.FaultyS3Proxy.Fault;
import dev.kiln.testing.S3Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** What an object store's passing and lasting failures do, through a proxy that answers with S3's errors. */
class S3FaultsTest {

    @TempDir
    static Path serverDir;

    @TempDir
    Path work;

    static S3Server server;
    static FaultyS3Proxy proxy;
    S3BlobStore blobs;
    MeterRegistry meters;

    @BeforeAll
    static void start() throws IOException {
        server = S3Server.start(serverDir, "kiln-faults");
        proxy = FaultyS3Proxy.in(server);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        server.close();
    }

    /** Three tries per request (kiln.storage.s3.max-attempts). */
    @BeforeEach
    void store() {
        meters = new SimpleMeterRegistry();
        blobs = S3BlobStoreTest.storeOn(
                S3BlobStoreTest.settingsFor(proxy.endpoint(), server.bucket(), "faults"),
                work.resolve("cache"),
                meters);
        proxy.failNext(0, null);
        proxy.takeRequestCount();
    }

    @AfterEach
    void closeStore() {
        blobs.close();
    }

    private StoredBlob put(byte[] content) throws IOException {
        return blobs.put(new ByteArrayInputStream(content), Long.MAX_VALUE);
    }

    @Test
    void throttlingThatPassesIsRiddenOut() throws IOException {
        byte[] content = random(10_000);
        proxy.failNext(2, Fault.SLOW_DOWN);

        String sha = put(content).sha256();

        assertThat(proxy.takeRequestCount())
                .as("HEAD twice throttled, then HEAD and PUT")
                .isEqualTo(4);
        assertThat(BlobStoreContract.read(blobs.open(sha))).isEqualTo(content);
        assertThat(meters.counter("kiln.storage.s3.retries", "operation", "HeadObject")
                        .count())
                .isEqualTo(2);
        assertThat(meters.timer("kiln.storage.s3.requests", "operation", "PutObject", "outcome", "success")
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aServerErrorThatPassesIsRiddenOut() throws IOException {
        byte[] content = random(10_000);
        String sha = put(content).sha256();
        proxy.takeRequestCount();
        proxy.failNext(2, Fault.INTERNAL_ERROR);

        assertThat(BlobStoreContract.read(blobs.open(sha))).isEqualTo(content);
        assertThat(proxy.takeRequestCount()).as("GET twice failed, then GET").isEqualTo(3);
    }

    @Test
    void throttlingThatLastsIsAClearErrorAfterTheLastTry() {
        proxy.failNext(Integer.MAX_VALUE, Fault.SLOW_DOWN);

        assertThatThrownBy(() -> put(random(10_000)))
                .isInstanceOf(BlobStoreUnavailableException.class)
                .hasMessageContaining("S3 bucket kiln-faults")
                .hasMessageContaining("Status Code: 503")
                .hasMessageContaining("Attempt Count: 3");
        assertThat(proxy.takeRequestCount()).as("max-attempts").isEqualTo(3);
        // (The SDK files S3's 503 SlowDown under server errors; its retries still wait as for throttling.)
        assertThat(meters.timer("kiln.storage.s3.requests", "operation", "HeadObject", "outcome", "servererror")
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aWrongKeyIsNotRetriedAndReadinessNamesTheStore() {
        proxy.failNext(Integer.MAX_VALUE, Fault.INVALID_ACCESS_KEY);

        assertThatThrownBy(blobs::checkWritable)
                .isInstanceOf(BlobStoreUnavailableException.class)
                .hasMessageContaining("S3 bucket kiln-faults")
                .hasMessageContaining("Access Key Id");
        assertThat(proxy.takeRequestCount()).as("a refusal is final").isEqualTo(1);

        Health health = new BlobStoreHealthIndicator(blobs).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("store").toString()).contains("S3 bucket kiln-faults");
        assertThat(health.getDetails().get("error").toString()).contains("Access Key Id");
    }
}
