package dev.kiln.webhooks;

import dev.kiln.support.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Signed webhooks: where Kiln may send them, how long a delivery may take, and how long it is
 * tried.
 *
 * @param allowedHosts        hosts (as written in the URL) Kiln may deliver to although they are on
 *                            a loopback, private, link-local… address; {@code host} or {@code
 *                            host:port} entries; default none
 * @param connectTimeout      longest wait for the receiver's connection (and TLS handshake); default 5s
 * @param timeout             longest a delivery may take in all, connect to last byte read; default 15s
 * @param maxAge              how long a delivery is retried after it was made (or redelivered) before it
 *                            is marked failed; default 1d
 * @param retryInitialBackoff wait after a first failed attempt, doubled after each next one; default 5s
 * @param retryMaxBackoff     longest wait between two attempts; default 1h
 * @param concurrency         deliveries this node sends at once (0: this node sends none); default 8
 * @param interval            how often a node looks for deliveries due when nothing woke it; default 1s
 * @param maxPerUser          most endpoints one user may register; default 20
 * @param logRetention        how long delivered and failed deliveries stay in the log; default 30d
 */
@ConfigurationProperties("kiln.webhooks")
public record WebhookSettings(
        @DefaultValue List<String> allowedHosts,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("15s") Duration timeout,
        @DefaultValue("1d") Duration maxAge,
        @DefaultValue("5s") Duration retryInitialBackoff,
        @DefaultValue("1h") Duration retryMaxBackoff,
        @DefaultValue("8") int concurrency,
        @DefaultValue("1s") Duration interval,
        @DefaultValue("20") int maxPerUser,
        @DefaultValue("30d") Duration logRetention) {

    /** Spread of each retry's wait, so many failed deliveries do not all come back at once. */
    private static final double JITTER = 0.2;

    public WebhookSettings {
        allowedHosts = allowedHosts.stream()
                .map(String::trim)
                .filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT))
                .toList();
        allowedHosts.forEach(AllowedHost::parse);
        if (!positive(connectTimeout) || !positive(timeout) || !positive(interval) || !positive(maxAge)) {
            throw new IllegalArgumentException(
                    "kiln.webhooks.connect-timeout, timeout, interval and max-age must be positive");
        }
        if (!positive(retryInitialBackoff) || retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "kiln.webhooks.retry-initial-backoff must be positive and at most retry-max-backoff");
        }
        if (concurrency < 0 || concurrency > 256) {
            throw new IllegalArgumentException("kiln.webhooks.concurrency must be from 0 to 256, not " + concurrency);
        }
        if (maxPerUser < 1) {
            throw new IllegalArgumentException("kiln.webhooks.max-per-user must be at least 1");
        }
        if (!positive(logRetention)) {
            throw new IllegalArgumentException("kiln.webhooks.log-retention must be positive");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    Backoff backoff() {
        return new Backoff(retryInitialBackoff, retryMaxBackoff, JITTER);
    }

    /** How long a claimed delivery is this node's: its whole time limit and a margin, so it is never taken over while sent. */
    Duration claimTimeout() {
        return timeout.plus(connectTimeout).plusMinutes(1);
    }

    List<AllowedHost> allowed() {
        return allowedHosts.stream().map(AllowedHost::parse).toList();
    }

    /** An allowlist entry: a host as written in URLs (a name or an address), and a port or any port (-1). */
    record AllowedHost(String host, int port) {

        static AllowedHost parse(String entry) {
            String host = entry;
            int port = -1;
            if (entry.startsWith("[")) {
                int end = entry.indexOf(']');
                if (end < 0) {
                    throw bad(entry);
                }
                host = entry.substring(1, end);
                String rest = entry.substring(end + 1);
                if (!rest.isEmpty()) {
                    port = port(entry, rest.startsWith(":") ? rest.substring(1) : "x");
                }
            } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
                host = entry.substring(0, entry.indexOf(':'));
                port = port(entry, entry.substring(entry.indexOf(':') + 1));
            }
            if (host.isEmpty() || host.contains("/") || host.contains("@")) {
                throw bad(entry);
            }
            return new AllowedHost(host, port);
        }

        private static int port(String entry, String text) {
            try {
                int port = Integer.parseInt(text);
                if (port < 1 || port > 65_535) {
                    throw bad(entry);
                }
                return port;
            } catch (NumberFormatException e) {
                throw bad(entry);
            }
        }

        private static IllegalArgumentException bad(String entry) {
            return new IllegalArgumentException(
                    "kiln.webhooks.allowed-hosts: '" + entry + "' is not host or host:port (IPv6 as [addr]:port)");
        }

        boolean matches(String urlHost, int urlPort) {
            return host.equals(urlHost) && (port < 0 || port == urlPort);
        }
    }
}
