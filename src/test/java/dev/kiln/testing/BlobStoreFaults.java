package dev.kiln.testing;

import dev.kiln.storage.BlobStore;
import dev.kiln.storage.BlobStoreUnavailableException;
import dev.kiln.storage.LocalBlobStore;
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

    public static final class Faulty extends GuardedDeletes {

        private final Set<String> refused;

        private Faulty(BlobStore blobs) {
            this(blobs, ConcurrentHashMap.newKeySet());
        }

        private Faulty(BlobStore blobs, Set<String> refused) {
            super(blobs, sha256 -> {
                if (refused.contains(sha256)) {
                    throw new BlobStoreUnavailableException("Refused on purpose by a test: deleting " + sha256, null);
                }
            });
            this.refused = refused;
        }

        /** Every delete of this content fails from now on. */
        public void refuseDeletes(String sha256) {
            refused.add(sha256);
        }

        public void allowDeletes(String sha256) {
            refused.remove(sha256);
        }
    }
}
