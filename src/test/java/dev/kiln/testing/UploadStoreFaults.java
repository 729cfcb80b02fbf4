package dev.kiln.testing;

import dev.kiln.storage.BlobStoreUnavailableException;
import dev.kiln.storage.StoredBlob;
import dev.kiln.storage.UploadParts;
import java.io.IOException;
import java.nio.channels.FileChannel;
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
 * Completions that fail on purpose: after {@link Faulty#refuseNextStore(String)}, storing that
 * upload's whole bytes fails once, before any of it is stored, as an unreachable object store does
 * ({@code 503 storage_unavailable}), on the data directory and on object storage alike. In place in
 * every test context, so the tests that use it share their Kiln with the others; it acts only on
 * the uploads a test names.
 */
@Configuration(proxyBeanMethods = false)
public class UploadStoreFaults {

    @Bean
    static BeanPostProcessor faultyUploadParts() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof UploadParts parts && !(bean instanceof Faulty) ? new Faulty(parts) : bean;
            }
        };
    }

    /** The context's {@link UploadParts}, to name uploads whose completion fails. */
    public static Faulty of(UploadParts parts) {
        return (Faulty) parts;
    }

    public static final class Faulty implements UploadParts {

        private final UploadParts parts;
        private final Set<String> refused = ConcurrentHashMap.newKeySet();

        private Faulty(UploadParts parts) {
            this.parts = parts;
        }

        /** The next {@link #store} of this upload fails. */
        public void refuseNextStore(String uploadId) {
            refused.add(uploadId);
        }

        @Override
        public Optional<StoredBlob> store(String uploadId, Path file, long length, String sha256) throws IOException {
            if (refused.remove(uploadId)) {
                throw new BlobStoreUnavailableException("Refused on purpose by a test: upload " + uploadId, null);
            }
            return parts.store(uploadId, file, length, sha256);
        }

        @Override
        public boolean shared() {
            return parts.shared();
        }

        @Override
        public void save(String uploadId, Path file, long from, long to, byte[] sha256) throws IOException {
            parts.save(uploadId, file, from, to, sha256);
        }

        @Override
        public void restore(String uploadId, FileChannel into, long from, long to) throws IOException {
            parts.restore(uploadId, into, from, to);
        }

        @Override
        public void delete(String uploadId) throws IOException {
            parts.delete(uploadId);
        }

        @Override
        public List<String> savedBefore(Instant before) throws IOException {
            return parts.savedBefore(before);
        }
    }
}
