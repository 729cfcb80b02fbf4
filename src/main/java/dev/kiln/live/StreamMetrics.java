package dev.kiln.live;

import dev.kiln.events.JobEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
        private final Timer delivery;
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
            this.delivery = Timer.builder("kiln.events.delivery")
                    .description("From a live event's timestamp (written in the transaction that committed it) "
                            + "to its write to a follower")
                    .tag("transport", prefix.substring(prefix.indexOf('.') + 1))
                    .serviceLevelObjectives(DELIVERY_BUCKETS)
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

        /**
         * A live event written to a follower (a replayed one is not: it tells of the reconnect, not of
         * delivery). In milliseconds, from the wall clock: nothing is allocated per event.
         */
        void delivered(JobEvent event) {
            if (event.ts() != null) {
                long took = System.currentTimeMillis() - event.ts().toEpochMilli();
                delivery.record(Math.max(0, took), TimeUnit.MILLISECONDS);
            }
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

    /** Buckets from a same-node delivery (milliseconds) to one held up by a slow client or a notice. */
    private static final Duration[] DELIVERY_BUCKETS = {
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(30)
    };

    final Transport websocket;
    final Transport sse;
    private final MeterRegistry registry;

    StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.websocket = new Transport(
                "kiln.websocket", registry, "Messages written to WebSocket clients (events, pings, replies)");
        this.sse = new Transport("kiln.sse", registry, "Events written to SSE streams");
    }

    /**
     * A WebSocket closed, by its close code (Kiln's, or the client's: 1000, 1001, 1006…); a code
     * neither Kiln nor the WebSocket standard defines counts as {@code other}.
     */
    void closed(int code) {
        boolean known = (code >= 1000 && code <= 1015) || CloseCode.of(code).isPresent();
        Counter.builder("kiln.websocket.closes")
                .description("WebSocket connections closed, by close code (sent by Kiln or by the client)")
                .tag("code", known ? Integer.toString(code) : "other")
                .register(registry)
                .increment();
    }
}
