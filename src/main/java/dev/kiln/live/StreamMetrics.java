package dev.kiln.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The live transports' series on this node, the same five for each: {@code kiln.websocket.*} and
 * {@code kiln.sse.*} — connections open, messages sent, live events dropped because the client's
 * buffer was full, slow-consumer closes, and resubscriptions by whether the replay {@code recovered}.
 */
@Component
class StreamMetrics {

    /** One transport's counters. */
    static final class Transport {
        private final String prefix;
        private final MeterRegistry registry;
        final Counter sent;
        final Counter dropped;
        final Counter slowConsumerCloses;
        private final Counter recovered;
        private final Counter notRecovered;

        private Transport(String prefix, MeterRegistry registry, String sentMeans) {
            this.prefix = prefix;
            this.registry = registry;
            this.sent = Counter.builder(prefix + ".messages.sent")
                    .description(sentMeans)
                    .register(registry);
            this.dropped = Counter.builder(prefix + ".messages.dropped")
                    .description(
                            "Live events not queued because the client's buffer was full (it replays them after reconnecting)")
                    .register(registry);
            this.slowConsumerCloses = Counter.builder(prefix + ".slow.consumer.closes")
                    .description("Connections ended because the client could not keep up")
                    .register(registry);
            this.recovered = resubscriptions(true);
            this.notRecovered = resubscriptions(false);
        }

        private Counter resubscriptions(boolean recovered) {
            return Counter.builder(prefix + ".resubscriptions")
                    .description(
                            "Follows that resumed from a seq: replayed from there (recovered=true), or a fresh start "
                                    + "because the server could not (recovered=false)")
                    .tag("recovered", Boolean.toString(recovered))
                    .register(registry);
        }

        void resubscribed(boolean wasRecovered) {
            (wasRecovered ? recovered : notRecovered).increment();
        }

        void connections(Supplier<Number> open) {
            Gauge.builder(prefix + ".connections", open)
                    .description("Connections open on this node")
                    .register(registry);
        }
    }

    final Transport websocket;
    final Transport sse;

    StreamMetrics(MeterRegistry registry) {
        this.websocket = new Transport(
                "kiln.websocket", registry, "Messages written to WebSocket clients (events, pings, replies)");
        this.sse = new Transport("kiln.sse", registry, "Events written to SSE streams");
    }
}
