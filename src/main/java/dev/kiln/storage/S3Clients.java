package dev.kiln.storage;

import dev.kiln.support.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The S3 client of {@link S3BlobStore}, as {@link S3Settings} describe it. */
final class S3Clients {

    /** Between tries of a failed request (throttling, 5xx, timeouts, a connection lost). */
    static final Backoff RETRY_WAITS = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.5);

    private S3Clients() {}

    /** With the client's per-call figures published to {@code meters} ({@link S3Metrics}). */
    static S3Client of(S3Settings settings, MeterRegistry meters) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.timeout())
                        .socketTimeout(settings.timeout()))
                .overrideConfiguration(
                        c -> c.retryStrategy(retries(settings.maxAttempts())).addMetricPublisher(new S3Metrics(meters)))
                // Checksums only where S3 requires them: many S3-compatible servers refuse the
                // SDK's newer trailing checksums. Kiln sends each object's SHA-256 itself.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    /** The SDK's standard retry decisions (which errors are worth another try), with the project's backoff. */
    static RetryStrategy retries(int maxAttempts) {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(maxAttempts)
                .backoffStrategy(attempt -> RETRY_WAITS.delay(Math.max(1, attempt)))
                .throttlingBackoffStrategy(attempt -> RETRY_WAITS.delay(Math.max(1, attempt) + 1))
                .build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        return settings.accessKey() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
    }
}
