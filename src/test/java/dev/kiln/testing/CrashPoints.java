package dev.kiln.testing;

import dev.kiln.storage.BlobStore;
import dev.kiln.storage.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Places where a Kiln process a test started dies on purpose, as under {@code kill -9} at exactly
 * that point ({@link Runtime#halt}: no shutdown hook, nothing flushed, nothing released). With
 * {@code kiln.test.halt-before-blob-delete=<file>}, the process halts the moment it is about to
 * delete stored content while that file exists: a deletion's rows have gone, its bytes not yet.
 * Unset (every other test), nothing changes.
 */
@Configuration(proxyBeanMethods = false)
public class CrashPoints {

    /** The exit status of a halt here, so a test can tell it from any other death. */
    public static final int HALTED = 86;

    @Bean
    static BeanPostProcessor haltBeforeBlobDelete(Environment environment) {
        String marker = environment.getProperty("kiln.test.halt-before-blob-delete");
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return marker != null && bean instanceof BlobStore blobs
                        ? new HaltingBlobStore(blobs, Path.of(marker))
                        : bean;
            }
        };
    }

    private record HaltingBlobStore(BlobStore blobs, Path marker) implements BlobStore {

        @Override
        public void delete(String sha256) throws IOException {
            haltIfMarked();
            blobs.delete(sha256);
        }

        @Override
        public boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException {
            haltIfMarked();
            return blobs.deleteIfStoredBefore(sha256, before);
        }

        private void haltIfMarked() {
            if (Files.exists(marker)) {
                Runtime.getRuntime().halt(HALTED);
            }
        }

        @Override
        public StoredBlob put(InputStream in, long maxBytes) throws IOException {
            return blobs.put(in, maxBytes);
        }

        @Override
        public StoredBlob adopt(Path file, String sha256) throws IOException {
            return blobs.adopt(file, sha256);
        }

        @Override
        public InputStream open(String sha256, long offset) throws IOException {
            return blobs.open(sha256, offset);
        }

        @Override
        public LocalCopy localCopy(String sha256) throws IOException {
            return blobs.localCopy(sha256);
        }

        @Override
        public String describe() {
            return blobs.describe();
        }

        @Override
        public boolean exists(String sha256) {
            return blobs.exists(sha256);
        }

        @Override
        public Optional<Instant> storedAt(String sha256) throws IOException {
            return blobs.storedAt(sha256);
        }

        @Override
        public List<Entry> storedBefore(Instant before) throws IOException {
            return blobs.storedBefore(before);
        }

        @Override
        public void checkWritable() throws IOException {
            blobs.checkWritable();
        }
    }
}
