package dev.kiln.testing;

import dev.kiln.storage.BlobStore;
import dev.kiln.storage.BlobStoreUnavailableException;
import dev.kiln.storage.LocalBlobStore;
import dev.kiln.storage.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Deletions of stored content that fail on purpose: after {@link Faulty#refuseDeletes(String)},
 * every delete of that content fails, as an unreachable object store does, until {@link
 * Faulty#allowDeletes(String)}. Wraps the data directory's store (object storage is left as it is)
 * in every test context, so the tests that use it share their Kiln with the others; it acts only on
 * the content a test names.
 */
@Configuration(proxyBeanMethods = false)
public class BlobStoreFaults {

    @Bean
    static BeanPostProcessor faultyBlobStore() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof LocalBlobStore blobs ? new Faulty(blobs) : bean;
            }
        };
    }

    /** The context's {@link BlobStore}, to name content whose deletion fails. */
    public static Faulty of(BlobStore blobs) {
        return (Faulty) blobs;
    }

    public static final class Faulty implements BlobStore {

        private final BlobStore blobs;
        private final Set<String> refused = ConcurrentHashMap.newKeySet();

        private Faulty(BlobStore blobs) {
            this.blobs = blobs;
        }

        /** Every delete of this content fails from now on. */
        public void refuseDeletes(String sha256) {
            refused.add(sha256);
        }

        public void allowDeletes(String sha256) {
            refused.remove(sha256);
        }

        private void refuseIfAsked(String sha256) throws IOException {
            if (refused.contains(sha256)) {
                throw new BlobStoreUnavailableException("Refused on purpose by a test: deleting " + sha256, null);
            }
        }

        @Override
        public void delete(String sha256) throws IOException {
            refuseIfAsked(sha256);
            blobs.delete(sha256);
        }

        @Override
        public boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException {
            refuseIfAsked(sha256);
            return blobs.deleteIfStoredBefore(sha256, before);
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

        @Override
        public String describe() {
            return blobs.describe();
        }
    }
}
