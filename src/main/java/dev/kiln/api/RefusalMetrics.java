package dev.kiln.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * {@code kiln.requests.refused{limit}}: requests answered with one of the limit refusals (rate,
 * waiting jobs, streams, sizes, quota), by its code. Every limit is on the scrape from the start,
 * at 0, so an alert on its rate has a series to read.
 */
@Component
class RefusalMetrics {

    static final Set<ErrorCode> LIMITS = Set.of(
            ErrorCode.RATE_LIMITED,
            ErrorCode.TOO_MANY_QUEUED_JOBS,
            ErrorCode.TOO_MANY_STREAMS,
            ErrorCode.FILE_TOO_LARGE,
            ErrorCode.JSON_TOO_LARGE,
            ErrorCode.QUOTA_EXCEEDED,
            ErrorCode.TOO_MANY_FILES);

    private final Map<ErrorCode, Counter> refused = new EnumMap<>(ErrorCode.class);

    RefusalMetrics(MeterRegistry registry) {
        for (ErrorCode code : LIMITS) {
            refused.put(
                    code,
                    Counter.builder("kiln.requests.refused")
                            .description("Requests refused by a limit, by the refusal's code")
                            .tag("limit", code.code())
                            .register(registry));
        }
    }

    void answered(ErrorCode code) {
        Counter counter = refused.get(code);
        if (counter != null) {
            counter.increment();
        }
    }
}
