package dev.kiln.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * {@code kiln_webhook_deliveries_total{outcome}}: this node's delivery attempts by what they came to,
 * counted once the attempt is recorded. Every outcome is on the scrape from the start, at 0.
 */
@Component
class WebhookMetrics {

    /** What one attempt came to. */
    enum Outcome {
        /** The receiver answered 2xx. */
        DELIVERED,
        /** It failed (no answer, or not 2xx) and is tried again later. */
        RETRYING,
        /** It failed and the delivery's time is up: marked failed. */
        FAILED,
        /** The address is one Kiln does not deliver to (and no admin allowed its host): marked failed at once. */
        REFUSED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

    WebhookMetrics(MeterRegistry registry) {
        for (Outcome outcome : Outcome.values()) {
            counters.put(
                    outcome,
                    Counter.builder("kiln.webhook.deliveries")
                            .description("Webhook delivery attempts by outcome (delivered, retrying, failed, refused)")
                            .tag("outcome", outcome.tag())
                            .register(registry));
        }
    }

    void count(Outcome outcome) {
        counters.get(outcome).increment();
    }
}
