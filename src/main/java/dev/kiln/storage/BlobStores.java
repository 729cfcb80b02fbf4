package dev.kiln.storage;

import dev.kiln.KilnHome;
import dev.kiln.db.Database;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The node's blob store: S3-compatible object storage once {@code kiln.storage.s3} names one, else the data directory. */
@Configuration(proxyBeanMethods = false)
class BlobStores {

    @Bean
    BlobStore blobStore(S3Settings s3, KilnHome home, MeterRegistry meters, Database db) {
        if (!s3.enabled()) {
            return new LocalBlobStore(home, db);
        }
        return S3BlobStore.of(s3, home.resolve("blob-cache"), meters, db);
    }

    @Bean
    UploadParts uploadParts(BlobStore blobs) {
        return blobs instanceof S3BlobStore s3 ? s3.uploadParts() : UploadParts.LOCAL;
    }
}
