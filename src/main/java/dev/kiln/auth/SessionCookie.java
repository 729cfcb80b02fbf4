package dev.kiln.auth;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.stereotype.Component;

/**
 * The browser's session cookie ({@link ApiAuthenticationFilter#COOKIE}), as it is set on signing in
 * and as it is cleared (signing out, or a stale one refused): one builder, so a cleared cookie has
 * the name, path and attributes of the one it replaces, or the browser would keep both.
 */
@Component
class SessionCookie {

    private final SessionSettings settings;

    SessionCookie(SessionSettings settings) {
        this.settings = settings;
    }

    /** The cookie that opens a new session, for the session's lifetime. */
    ResponseCookie issued(String secret) {
        return cookie(secret, settings.lifetime().toSeconds());
    }

    /** Expires the browser's cookie. */
    ResponseCookie cleared() {
        return cookie("", 0);
    }

    /**
     * Clears a stale cookie ({@link ApiAuthenticationFilter#STALE_COOKIE}: its session is unknown,
     * ended or expired) with the 401 it earned, so the browser stops presenting it and every page
     * load does not count one more refused credential against its address (limits). Written as the
     * answer is committed, whichever part of Kiln answered 401; an answer that needed no user leaves
     * the cookie alone.
     */
    HeaderWriter clearsStale() {
        return (request, response) -> {
            if (response.getStatus() == HttpServletResponse.SC_UNAUTHORIZED
                    && request.getAttribute(ApiAuthenticationFilter.STALE_COOKIE) != null) {
                response.addHeader(HttpHeaders.SET_COOKIE, cleared().toString());
            }
        };
    }

    private ResponseCookie cookie(String value, long maxAgeSeconds) {
        return ResponseCookie.from(ApiAuthenticationFilter.COOKIE, value)
                .httpOnly(true)
                .secure(settings.secureCookie())
                .sameSite("Strict")
                .path("/api")
                .maxAge(maxAgeSeconds)
                .build();
    }
}
