package dev.kiln.webhooks;

import dev.kiln.support.Loop;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends the outbox, on every node: claims as many due deliveries as it has free slots ({@code
 * kiln.webhooks.concurrency}), each sent on a virtual thread of its own; woken when a job's end
 * wrote deliveries here and when a slot frees, else every {@code kiln.webhooks.interval} (retries
 * coming due, deliveries other nodes wrote). Prunes the log once an hour. A node that dies with
 * deliveries in flight leaves their claims to run out; another node sends them again, with the
 * same webhook-id (at least once).
 */
@Component
class DeliveryWorker extends Loop {

    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);
    private static final int PRUNE_BATCH = 500;

    private final Deliveries deliveries;
    private final Sender sender;
    private final WebhookMetrics metrics;
    private final WebhookSettings settings;
    private final Clock clock;
    private final Semaphore slots;
    private long pruneAt;

    DeliveryWorker(
            Deliveries deliveries, Sender sender, WebhookMetrics metrics, WebhookSettings settings, Clock clock) {
        super("kiln-webhooks", settings.interval());
        this.deliveries = deliveries;
        this.sender = sender;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
        this.slots = new Semaphore(settings.concurrency());
    }

    @Override
    protected boolean step() {
        boolean more = prune();
        int free = slots.availablePermits();
        if (free == 0) {
            return more;
        }
        long now = clock.millis();
        List<Deliveries.Claimed> claimed =
                deliveries.claim(free, now, now + settings.claimTimeout().toMillis());
        if (claimed.isEmpty()) {
            return more;
        }
        Map<String, String> secrets = deliveries.secrets(
                claimed.stream().map(Deliveries.Claimed::webhookId).distinct().toList());
        for (Deliveries.Claimed delivery : claimed) {
            slots.acquireUninterruptibly();
            Thread.ofVirtual().name("kiln-webhook-" + delivery.id()).start(() -> {
                try {
                    deliver(delivery, secrets.get(delivery.webhookId()));
                } finally {
                    slots.release();
                    wake();
                }
            });
        }
        return more || claimed.size() == free;
    }

    private void deliver(Deliveries.Claimed delivery, String secret) {
        if (secret == null) {
            return; // its webhook was deleted since the claim, and the delivery with it
        }
        try {
            Sender.Attempt attempt = sender.attempt(delivery, secret);
            if (deliveries.record(delivery, attempt.outcome())) {
                metrics.count(attempt.counted());
            }
        } catch (RuntimeException e) {
            // The outcome could not be stored: the claim runs out and the delivery is tried again.
            log.warn("Webhook delivery {} could not be recorded", delivery.id(), e);
        }
    }

    /** Delivered and failed deliveries past the log's retention go, a batch at a time; true while batches are full. */
    private boolean prune() {
        long now = clock.millis();
        if (now < pruneAt) {
            return false;
        }
        int removed = deliveries.prune(now - settings.logRetention().toMillis(), PRUNE_BATCH);
        pruneAt = removed == PRUNE_BATCH ? now : now + PRUNE_EVERY.toMillis();
        return removed == PRUNE_BATCH;
    }

    /** Stops claiming, then lets the deliveries in flight finish (their time is bounded) so their outcome is kept. */
    @Override
    public void stop() {
        super.stop();
        int all = settings.concurrency();
        try {
            if (slots.tryAcquire(
                    all, settings.timeout().plus(settings.connectTimeout()).toMillis(), TimeUnit.MILLISECONDS)) {
                slots.release(all);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
