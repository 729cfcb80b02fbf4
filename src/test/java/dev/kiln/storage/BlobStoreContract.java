package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.testing.TestBytes.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every blob store does; one small subclass per store runs it. */
abstract class BlobStoreContract {

    @TempDir
    Path work;

    BlobStore blobs;

    /** A new, empty store (its own directory, bucket prefix…). */
    abstract BlobStore newStore() throws IOException;

    /** A new, empty store whose {@code storedAt} runs {@code afterStoredAt} once it has read the time. */
    abstract BlobStore newStore(Runnable afterStoredAt) throws IOException;

    @BeforeEach
    void store() throws IOException {
        blobs = newStore();
    }

    StoredBlob put(byte[] content) throws IOException {
        return blobs.put(new ByteArrayInputStream(content), Long.MAX_VALUE);
    }

    static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void whatIsPutIsReadBackUnderItsHash() throws IOException {
        byte[] content = random(300_000);

        StoredBlob blob = put(content);

        assertThat(blob.sha256()).isEqualTo(sha256(content));
        assertThat(blob.size()).isEqualTo(content.length);
        assertThat(blobs.exists(blob.sha256())).isTrue();
        assertThat(read(blobs.open(blob.sha256()))).isEqualTo(content);
    }

    @Test
    void aBlobOpensFromAnOffset() throws IOException {
        byte[] content = random(100_000);
        String sha = put(content).sha256();

        assertThat(read(blobs.open(sha, 70_000))).isEqualTo(Arrays.copyOfRange(content, 70_000, content.length));
    }

    @Test
    void aStreamClosedBeforeItsEndLeavesTheStoreUsable() throws IOException {
        byte[] content = random(2_000_000);
        String sha = put(content).sha256();
        for (int i = 0; i < 5; i++) {
            try (InputStream in = blobs.open(sha, 10)) {
                assertThat(in.readNBytes(3)).isEqualTo(Arrays.copyOfRange(content, 10, 13));
            }
        }
        assertThat(read(blobs.open(sha))).isEqualTo(content);
    }

    @Test
    void theSameContentIsStoredOnce() throws IOException {
        byte[] content = random(5_000);

        String first = put(content).sha256();
        String second = put(content).sha256();

        assertThat(second).isEqualTo(first);
        assertThat(blobs.storedBefore(Instant.now().plusSeconds(60)))
                .extracting(BlobStore.Entry::sha256)
                .containsExactly(first);
    }

    @Test
    void contentPastTheLimitIsRefusedAndNothingKept() throws IOException {
        assertThatThrownBy(() -> blobs.put(new ByteArrayInputStream(random(10_001)), 10_000))
                .isInstanceOf(BlobTooLargeException.class);

        assertThat(blobs.storedBefore(Instant.now().plusSeconds(60))).isEmpty();
    }

    @Test
    void anAdoptedFileMovesIn() throws IOException {
        byte[] content = random(20_000);
        Path file = Files.write(work.resolve("complete.part"), content);

        StoredBlob blob = blobs.adopt(file, sha256(content));

        assertThat(blob.size()).isEqualTo(content.length);
        assertThat(file).as("taken by the store").doesNotExist();
        assertThat(read(blobs.open(blob.sha256()))).isEqualTo(content);

        Path again = Files.write(work.resolve("again.part"), content);
        blobs.adopt(again, blob.sha256());
        assertThat(again).as("dropped: the content was there").doesNotExist();
    }

    @Test
    void storingContentAgainRefreshesWhenItWasStored() throws IOException {
        byte[] content = random(1_000);
        String sha = put(content).sha256();
        Instant first = blobs.storedAt(sha).orElseThrow();

        // Stores keep times to the second at worst: store again until the time moves, as a new file would.
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    put(content);
                    return blobs.storedAt(sha).orElseThrow().isAfter(first);
                });
        assertThat(blobs.storedBefore(first.plusMillis(1))).isEmpty();
    }

    @Test
    void storedBeforeListsOnlyWhatIsOlder() throws IOException {
        String sha = put(random(1_000)).sha256();
        Instant at = blobs.storedAt(sha).orElseThrow();

        assertThat(blobs.storedBefore(at.plusSeconds(1))).containsExactly(new BlobStore.Entry(sha, at));
        assertThat(blobs.storedBefore(at)).isEmpty();
    }

    @Test
    void theSweepsDeleteSparesContentStoredSince() throws IOException {
        String sha = put(random(1_000)).sha256();
        Instant at = blobs.storedAt(sha).orElseThrow();

        assertThat(blobs.deleteIfStoredBefore(sha, at))
                .as("stored at the bound, not before")
                .isFalse();
        assertThat(blobs.exists(sha)).isTrue();

        assertThat(blobs.deleteIfStoredBefore(sha, at.plusSeconds(1))).isTrue();
        assertThat(blobs.exists(sha)).isFalse();
        assertThat(blobs.deleteIfStoredBefore(sha, at.plusSeconds(1)))
                .as("nothing left to delete")
                .isFalse();
    }

    /**
     * Content a deletion let go, uploaded again just as a sweep found it old: the put that returned
     * leaves the content stored (its new file row would otherwise point at nothing). The put is made
     * while the sweep is between reading the content's time and deleting it.
     */
    @Test
    void aSweepNeverDeletesContentAPutStoresAgainWhileItDecides() throws Exception {
        byte[] content = random(2_000);
        AtomicReference<Runnable> whileDeciding = new AtomicReference<>(() -> {});
        BlobStore store = newStore(() -> whileDeciding.getAndSet(() -> {}).run());
        String sha =
                store.put(new ByteArrayInputStream(content), Long.MAX_VALUE).sha256();
        Instant sweepBound = store.storedAt(sha).orElseThrow().plusSeconds(1);
        // Stores keep times to the second at worst: a put from now on stores it at the bound or later.
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(sweepBound.plusMillis(100)));
        CompletableFuture<StoredBlob> stored = new CompletableFuture<>();
        Thread putter = Thread.ofPlatform().unstarted(() -> {
            try {
                stored.complete(store.put(new ByteArrayInputStream(content), Long.MAX_VALUE));
            } catch (IOException | RuntimeException e) {
                stored.completeExceptionally(e);
            }
        });
        whileDeciding.set(() -> {
            putter.start();
            // The put either finishes or waits for the sweep's decision to be over.
            await().atMost(Duration.ofSeconds(10)).until(() -> stored.isDone() || waitsForALock(putter));
        });

        store.deleteIfStoredBefore(sha, sweepBound);
        putter.join(Duration.ofSeconds(10));

        assertThat(stored.get().sha256()).isEqualTo(sha);
        assertThat(store.exists(sha)).as("stored again while the sweep decided").isTrue();
    }

    private static boolean waitsForALock(Thread thread) {
        return thread.getState() == Thread.State.WAITING
                && LockSupport.getBlocker(thread) instanceof AbstractQueuedSynchronizer;
    }

    @Test
    void aLocalCopyHoldsTheContentAsAFile() throws IOException {
        byte[] content = random(50_000);
        String sha = put(content).sha256();

        try (BlobStore.LocalCopy copy = blobs.localCopy(sha)) {
            assertThat(Files.readAllBytes(copy.path())).isEqualTo(content);
        }
    }

    @Test
    void deletedContentIsGone() throws IOException {
        String sha = put(random(1_000)).sha256();

        blobs.delete(sha);
        blobs.delete(sha); // and again: nothing to do

        assertThat(blobs.exists(sha)).isFalse();
        assertThat(blobs.storedAt(sha)).isEmpty();
        assertThat(blobs.storedBefore(Instant.now().plusSeconds(60))).isEmpty();
        assertThatThrownBy(() -> blobs.open(sha)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> blobs.localCopy(sha)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void contentNeverStoredIsMissing() throws IOException {
        String sha = sha256(random(10));

        assertThat(blobs.exists(sha)).isFalse();
        assertThat(blobs.storedAt(sha)).isEmpty();
        assertThatThrownBy(() -> blobs.open(sha)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> blobs.localCopy(sha)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void onlyAHashNamesABlob() {
        assertThatThrownBy(() -> blobs.open("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> blobs.delete("ABC")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWritableStoreSaysSoAndNamesItself() throws IOException {
        blobs.checkWritable();

        assertThat(blobs.describe()).isNotBlank();
        assertThat(blobs.storedBefore(Instant.now().plusSeconds(60)))
                .as("the probe is gone")
                .isEmpty();
    }
}
