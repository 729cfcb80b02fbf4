package dev.kiln.auth;

import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

/**
 * The browser's session cookie ({@link ApiAuthenticationFilter#COOKIE}), as it is set on signing in
 * and as it is cleared on signing out: one builder, so a cleared cookie has the name, path and
 * attributes of the one it replaces, or the browser would keep both. A stale cookie is not cleared
 * with its 401: that answer may cross a sign-in in another tab and would clear the new cookie; a
 * stale one presented again is not counted again against its address (limits.CredentialFailures).
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
