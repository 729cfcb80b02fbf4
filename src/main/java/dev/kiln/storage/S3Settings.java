package dev.kiln.storage;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * S3-compatible object storage for the blobs ({@link S3BlobStore}), used instead of the data
 * directory as soon as {@code endpoint} or {@code bucket} is set.
 *
 * @param endpoint    the server's URL ({@code https://s3.example.com}); empty: AWS's endpoint for {@code region}
 * @param bucket      the bucket (it must exist); required once {@code endpoint} is set
 * @param region      the region requests are signed for; default us-east-1
 * @param accessKey   access key id; empty: the AWS SDK's default credentials chain (environment, profile, instance role)
 * @param secretKey   secret access key, with {@code accessKey}
 * @param pathStyle   {@code endpoint/bucket/key} addresses instead of {@code bucket.endpoint/key} (most S3-compatible servers); default false
 * @param prefix      key prefix, so one bucket can hold several installations' blobs; default none
 * @param cacheSize   most bytes of local copies kept for engines that need a file (FFmpeg, PDF rendering),
 *                    under {@code <home>/blob-cache}; copies in use are kept beyond it; default 10GB
 * @param maxAttempts tries of a request that failed for a reason worth trying again (throttling, 5xx,
 *                    timeouts), with a doubling wait between them; default 4
 * @param timeout     connect and read timeout of one request, and the readiness probe's whole budget; default 10s
 */
@ConfigurationProperties("kiln.storage.s3")
public record S3Settings(
        URI endpoint,
        String bucket,
        @DefaultValue("us-east-1") String region,
        String accessKey,
        String secretKey,
        @DefaultValue("false") boolean pathStyle,
        String prefix,
        @DefaultValue("10GB") DataSize cacheSize,
        @DefaultValue("4") int maxAttempts,
        @DefaultValue("10s") Duration timeout) {

    public S3Settings {
        if (endpoint != null && (bucket == null || bucket.isBlank())) {
            throw new IllegalArgumentException("kiln.storage.s3.bucket must be set with kiln.storage.s3.endpoint");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException(
                    "kiln.storage.s3.access-key and kiln.storage.s3.secret-key go together: set both or neither");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("kiln.storage.s3.max-attempts must be at least 1");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("kiln.storage.s3.timeout must be positive");
        }
        prefix = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** Object storage is chosen, rather than the data directory. */
    public boolean enabled() {
        return endpoint != null || bucket != null && !bucket.isBlank();
    }
}
