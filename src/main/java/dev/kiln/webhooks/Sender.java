package dev.kiln.webhooks;

import dev.kiln.support.Backoff;
import dev.kiln.support.Texts;
import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One attempt of a delivery: the URL checked again and resolved once ({@link UrlGuard}), the
 * message signed for this attempt's timestamp, one POST to that address ({@link HttpPost}), and what
 * it came to — delivered on a 2xx, else tried again after a backoff until the delivery's time is up.
 */
@Component
class Sender {

    static final String USER_AGENT = "Kiln-Webhooks/1";
    private static final int MAX_ERROR = 500;

    private static final Logger log = LoggerFactory.getLogger(Sender.class);

    private final UrlGuard guard;
    private final WebhookSettings settings;
    private final Backoff backoff;
    private final Clock clock;

    Sender(UrlGuard guard, WebhookSettings settings, Clock clock) {
        this.guard = guard;
        this.settings = settings;
        this.backoff = settings.backoff();
        this.clock = clock;
    }

    /** An attempt's record and how it counts. */
    record Attempt(Deliveries.Outcome outcome, WebhookMetrics.Outcome counted) {}

    /** Always an outcome to record: a delivery left unrecorded would be claimed again forever, never counted. */
    Attempt attempt(Deliveries.Claimed delivery, String secret) {
        long started = clock.millis();
        try {
            return send(delivery, secret, started);
        } catch (RuntimeException e) {
            // A fault of Kiln's (a stored URL it cannot call, say): a failed attempt, retried as any.
            log.warn("Webhook delivery {} failed unexpectedly", delivery.id(), e);
            return failed(
                    delivery,
                    started,
                    null,
                    null,
                    "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private Attempt send(Deliveries.Claimed delivery, String secret, long started) {
        UrlGuard.Destination to;
        try {
            to = guard.resolve(URI.create(delivery.url()));
        } catch (UrlGuard.Refused refused) {
            String error = "refused: " + refused.getMessage() + " (kiln.webhooks.allowed-hosts does not list the host)";
            return new Attempt(
                    new Deliveries.Outcome(Deliveries.FAILED, started, null, null, error, started),
                    WebhookMetrics.Outcome.REFUSED);
        } catch (UnknownHostException e) {
            return failed(delivery, started, null, null, "the host does not resolve: " + e.getMessage());
        }
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", USER_AGENT);
        headers.put("webhook-id", delivery.id());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", Signatures.sign(secret, delivery.id(), timestamp, body));
        long t0 = System.nanoTime();
        try {
            HttpPost.Answer answer = HttpPost.send(to, headers, body, settings.connectTimeout(), settings.timeout());
            long latency = (System.nanoTime() - t0) / 1_000_000;
            if (answer.status() >= 200 && answer.status() < 300) {
                return new Attempt(
                        new Deliveries.Outcome(Deliveries.DELIVERED, started, answer.status(), latency, null, started),
                        WebhookMetrics.Outcome.DELIVERED);
            }
            return failed(delivery, started, answer.status(), latency, describe(answer));
        } catch (IOException e) {
            long latency = (System.nanoTime() - t0) / 1_000_000;
            return failed(delivery, started, null, latency, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private Attempt failed(Deliveries.Claimed delivery, long at, Integer status, Long latency, String error) {
        long next = at + backoff.delay(delivery.attempts() + 1).toMillis();
        // The receiver's answer is anyone's bytes: PostgreSQL would refuse a NUL among them, and the attempt go
        // unrecorded.
        String trimmed = Texts.safe(error, MAX_ERROR);
        if (next > delivery.retryUntil()) {
            return new Attempt(
                    new Deliveries.Outcome(Deliveries.FAILED, at, status, latency, trimmed, at),
                    WebhookMetrics.Outcome.FAILED);
        }
        return new Attempt(
                new Deliveries.Outcome(Deliveries.PENDING, at, status, latency, trimmed, next),
                WebhookMetrics.Outcome.RETRYING);
    }

    private static String describe(HttpPost.Answer answer) {
        StringBuilder error = new StringBuilder("HTTP ").append(answer.status());
        if (answer.status() >= 300 && answer.status() < 400) {
            error.append(": redirects are not followed");
            if (answer.location() != null) {
                error.append(" (Location: ").append(answer.location()).append(')');
            }
        } else if (!answer.excerpt().isEmpty()) {
            error.append(": ").append(answer.excerpt());
        }
        return error.toString();
    }
}
