package dev.kiln.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The one origin policy for browsers, shared by CORS on the API and the WebSocket's origin check:
 * a request without {@code Origin} is not from a browser page; a page of Kiln's own origin is
 * always allowed; any other origin only when {@code kiln.security.allowed-origins} lists it.
 */
@Component
public class AllowedOrigins {

    private final Set<String> listed = new LinkedHashSet<>();

    AllowedOrigins(SecuritySettings settings) {
        for (String origin : settings.allowedOrigins()) {
            listed.add(normalize(origin));
        }
    }

    /** The configured origins, as browsers send them. */
    public List<String> listed() {
        return List.copyOf(listed);
    }

    /** Whether a page at {@code origin} may talk to this server, reached at {@code host} (the Host header). */
    public boolean allows(String origin, String host) {
        return origin == null || listed.contains(origin.toLowerCase(Locale.ROOT)) || sameOrigin(origin, host);
    }

    /**
     * Whether {@code origin} is this server's own: the same host and port as the Host header the
     * browser sent. The scheme is not compared, so a TLS-terminating proxy in front changes nothing.
     */
    public static boolean sameOrigin(String origin, String host) {
        if (origin == null || host == null) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            if (uri.getHost() == null) {
                return false; // "null" (sandboxed pages, file:) and garbage
            }
            int defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            String withPort = uri.getHost() + ":" + (uri.getPort() == -1 ? defaultPort : uri.getPort());
            String withoutPort = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
            return host.equalsIgnoreCase(withoutPort) || host.equalsIgnoreCase(withPort);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** {@code scheme://host[:port]}, lower case, as a browser's Origin header has it; anything else is a mistake. */
    private static String normalize(String configured) {
        String origin = configured.strip();
        if (origin.endsWith("/")) {
            origin = origin.substring(0, origin.length() - 1);
        }
        try {
            URI uri = new URI(origin);
            boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            if (!web
                    || uri.getHost() == null
                    || !uri.getRawPath().isEmpty()
                    || uri.getRawQuery() != null
                    || uri.getRawFragment() != null
                    || uri.getRawUserInfo() != null) {
                throw new URISyntaxException(configured, "not an origin");
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException("kiln.security.allowed-origins: '" + configured
                    + "' is not an origin; write scheme://host[:port], e.g. https://app.example");
        }
        return origin.toLowerCase(Locale.ROOT);
    }
}
