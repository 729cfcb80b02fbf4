package dev.kiln.webhooks;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.jobs.CallbackGuard;
import dev.kiln.support.Texts;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import org.springframework.stereotype.Component;

/**
 * Where Kiln may send a webhook: an http or https URL whose host resolves only to public addresses
 * ({@link Addresses}), unless an admin allowlisted that host ({@code kiln.webhooks.allowed-hosts}).
 * Checked when an endpoint or a job's callback is registered, and again at every delivery, when the
 * address found is the one connected to ({@link Destination}): a name that resolves elsewhere by
 * then (DNS rebinding) is judged by where it leads now.
 */
@Component
class UrlGuard implements CallbackGuard {

    static final int MAX_URL_LENGTH = 2048;

    private final List<WebhookSettings.AllowedHost> allowed;

    UrlGuard(WebhookSettings settings) {
        this.allowed = settings.allowed();
    }

    /** Where one delivery goes: the URL's parts, and the one address it connects to. */
    record Destination(boolean https, String host, int port, String target, InetAddress address) {

        /** The Host header: the name as written, with the port when it is not the scheme's. */
        String hostHeader() {
            String name = host.contains(":") ? "[" + host + "]" : host;
            return port == (https ? 443 : 80) ? name : name + ":" + port;
        }
    }

    /** A destination Kiln does not deliver to, and why ({@code loopback}, {@code private}…). */
    static final class Refused extends Exception {

        private final String reason;
        private final String address;

        Refused(String reason, String address) {
            super(
                    address == null ? reason : address + " is " + article(reason) + reason + " address",
                    null,
                    false,
                    false);
            this.reason = reason;
            this.address = address;
        }

        private static String article(String reason) {
            return "aeiou".indexOf(reason.charAt(0)) >= 0 ? "an " : "a ";
        }

        String reason() {
            return reason;
        }

        String address() {
            return address;
        }
    }

    @Override
    public String check(String field, String url) {
        URI uri = parse(field, url);
        try {
            resolve(uri);
        } catch (Refused refused) {
            throw new ApiException(
                            ErrorCode.URL_NOT_ALLOWED,
                            "Kiln does not send requests to " + uri.getHost() + ": " + refused.getMessage()
                                    + ". An admin can allow this host (kiln.webhooks.allowed-hosts).")
                    .with("field", field)
                    .with("host", uri.getHost())
                    .with("reason", refused.reason());
        } catch (UnknownHostException e) {
            throw new ApiException(
                            ErrorCode.URL_NOT_ALLOWED,
                            "The host " + uri.getHost() + " does not resolve to any address.")
                    .with("field", field)
                    .with("host", uri.getHost())
                    .with("reason", "unresolvable");
        }
        return uri.toASCIIString();
    }

    /**
     * An absolute http or https URL with a host, no user info and no fragment, as Kiln will call it.
     *
     * @throws ApiException {@code invalid_field} naming {@code field}
     */
    static URI parse(String field, String text) {
        String problem = null;
        URI uri = null;
        if (text == null || text.isBlank()) {
            problem = field + " is required.";
        } else if (text.length() > MAX_URL_LENGTH) {
            problem = field + " is at most " + MAX_URL_LENGTH + " characters.";
        } else if (!Texts.wellFormed(text).equals(text)) {
            // java.net.URI takes it, then cannot encode it as UTF-8 to call it.
            problem = field + " is not a valid URL: it holds half a character (an unpaired surrogate).";
        } else {
            try {
                uri = new URI(text.trim());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    problem = field + " must be an http or https URL.";
                } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    problem = field + " must name a host (letters, digits, dots and dashes, or an IP address).";
                } else if (uri.getRawUserInfo() != null) {
                    problem = field + " must not carry a user name or password; deliveries are signed instead.";
                } else if (uri.getRawFragment() != null) {
                    problem = field + " must not have a #fragment.";
                } else if (uri.getPort() == 0 || uri.getPort() > 65535) {
                    problem = field + " must have a port from 1 to 65535.";
                } else if (scheme.equals("https") && !isServerName(uri.getHost())) {
                    problem = field
                            + " must name a host TLS can present: no trailing dot, labels of at most 63 characters.";
                }
            } catch (URISyntaxException e) {
                problem = field + " is not a valid URL: " + e.getReason() + ".";
            }
        }
        if (problem != null) {
            throw ApiException.invalidField(field, problem);
        }
        return uri;
    }

    /** Whether TLS can send {@code host} as its server name (SNI); an IP address needs none. */
    private static boolean isServerName(String host) {
        if (HttpPost.isAddressLiteral(unbracketed(host))) {
            return true;
        }
        try {
            new SNIHostName(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Resolves the URL's host once and picks the address to connect to.
     *
     * @throws Refused             when the host is not allowlisted and any address it has is not public
     * @throws UnknownHostException when it has none (which may pass: the caller retries later)
     */
    Destination resolve(URI uri) throws Refused, UnknownHostException {
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        String host = unbracketed(uri.getHost().toLowerCase(Locale.ROOT));
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        InetAddress[] found = InetAddress.getAllByName(host);
        if (allowed.stream().noneMatch(a -> a.matches(host, port))) {
            // Every address must pass: a name with one public and one private address is refused
            // rather than left to which one the connection would have used.
            for (InetAddress address : found) {
                String reason = Addresses.refusal(address);
                if (reason != null) {
                    throw new Refused(reason, address.getHostAddress());
                }
            }
        }
        return new Destination(https, host, port, target, found[0]);
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
