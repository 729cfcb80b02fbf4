package dev.kiln.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Browser sign-in: an API token is exchanged once for a session cookie (HttpOnly, so page scripts
 * never hold a credential; SameSite=Strict and Secure), plus a CSRF token the page sends back on
 * every unsafe request.
 */
@RestController
class SessionController {

    static final String PATH = "/api/v1/session";
    static final String SESSION_ATTRIBUTE = Sessions.Session.class.getName();

    private final ApiTokens tokens;
    private final Sessions sessions;
    private final SessionCookie cookie;
    private final AuditLog audit;

    SessionController(ApiTokens tokens, Sessions sessions, SessionCookie cookie, AuditLog audit) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.cookie = cookie;
        this.audit = audit;
    }

    /** {@code via}: "cookie" for a browser session, "token" for a bearer token (no CSRF token then). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionView(User user, String via, String csrfToken, Instant expiresAt) {

        static SessionView of(Sessions.Session session) {
            return new SessionView(session.user(), "cookie", session.csrfToken(), session.expiresAt());
        }
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<SessionView> signIn(@RequestBody JsonNode body, HttpServletRequest request) {
        // A form on another site cannot send JSON without CORS allowing it; browsers that say where a
        // request comes from are checked too, so nobody is signed in to someone else's account unawares.
        if ("cross-site".equals(request.getHeader("Sec-Fetch-Site"))) {
            throw new ApiException(ErrorCode.CROSS_SITE_SIGN_IN, "Sign in on Kiln's own page.");
        }
        JsonNode token = body == null || !body.isObject() ? null : body.get("token");
        if (token == null || !token.isString() || token.asString().isBlank()) {
            throw ApiException.invalidField("token", "The body must be {\"token\": \"<API token>\"}.");
        }
        ApiTokens.Credential credential =
                tokens.authenticate(token.asString().trim()).orElse(null);
        if (credential == null) {
            audit.record(
                    null,
                    AuditAction.SIGN_IN_FAILED,
                    null,
                    null,
                    Map.of("reason", "unknown, revoked or expired token"));
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "The token is unknown, revoked or expired.");
        }
        Sessions.Opened opened =
                sessions.open(credential, request.getRemoteAddr(), request.getHeader(HttpHeaders.USER_AGENT));
        audit.record(
                credential.user(),
                AuditAction.SIGN_IN,
                "session",
                opened.session().id(),
                Map.of("tokenId", credential.tokenId()));
        return ResponseEntity.status(HttpStatus.CREATED)
                .header(HttpHeaders.SET_COOKIE, cookie.issued(opened.secret()).toString())
                .body(SessionView.of(opened.session()));
    }

    @GetMapping(PATH)
    SessionView current(@AuthenticationPrincipal User user, HttpServletRequest request) {
        return request.getAttribute(SESSION_ATTRIBUTE) instanceof Sessions.Session session
                ? SessionView.of(session)
                : new SessionView(user, "token", null, null);
    }

    /** Signs this browser out; the cookie is cleared even if the session had already ended. */
    @DeleteMapping(PATH)
    ResponseEntity<Void> signOut(HttpServletRequest request) {
        if (request.getAttribute(SESSION_ATTRIBUTE) instanceof Sessions.Session session) {
            sessions.end(session);
            audit.record(session.user(), AuditAction.SIGN_OUT, "session", session.id());
        }
        return ResponseEntity.noContent()
                .header(HttpHeaders.SET_COOKIE, cookie.cleared().toString())
                .build();
    }
}
