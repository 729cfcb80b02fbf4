package dev.kiln.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.metrics.SdkMetric;

/**
 * The S3 client's own figures of each call, as meters: {@code kiln.storage.s3.requests} (a timer
 * per operation and outcome: {@code success}, or the last try's error type as the SDK names it:
 * {@code servererror} (S3's 503 SlowDown included), {@code throttling}, {@code io}, …) and {@code kiln.storage.s3.retries} (tries after the
 * first), so a slow or struggling store shows before requests fail.
 */
final class S3Metrics implements MetricPublisher {

    private final MeterRegistry meters;

    S3Metrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void publish(MetricCollection call) {
        String operation = first(call, CoreMetric.OPERATION_NAME, "unknown");
        String outcome = Boolean.TRUE.equals(first(call, CoreMetric.API_CALL_SUCCESSFUL, false))
                ? "success"
                : lastErrorType(call);
        Duration took = first(call, CoreMetric.API_CALL_DURATION, null);
        if (took != null) {
            Timer.builder("kiln.storage.s3.requests")
                    .description("Calls to the object store, each with its retries")
                    .tag("operation", operation)
                    .tag("outcome", outcome)
                    .register(meters)
                    .record(took);
        }
        int retries = first(call, CoreMetric.RETRY_COUNT, 0);
        if (retries > 0) {
            Counter.builder("kiln.storage.s3.retries")
                    .description("Tries of object store calls after their first")
                    .tag("operation", operation)
                    .register(meters)
                    .increment(retries);
        }
    }

    private static String lastErrorType(MetricCollection call) {
        List<String> types = call.childrenWithName("ApiCallAttempt")
                .flatMap(attempt -> attempt.metricValues(CoreMetric.ERROR_TYPE).stream())
                .toList();
        return types.isEmpty() ? "failure" : types.getLast().toLowerCase(Locale.ROOT);
    }

    private static <T> T first(MetricCollection call, SdkMetric<T> metric, T otherwise) {
        List<T> values = call.metricValues(metric);
        return values.isEmpty() ? otherwise : values.getFirst();
    }

    @Override
    public void close() {}
}
