package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.support.LogFields;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.MDC;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Who is calling the API: {@code Authorization: Bearer <token>} (API and CLI; on a foreign API's
 * paths also a token in its configured header), or else the browser's session cookie. A request with neither goes on anonymous (refused later if the endpoint needs a
 * user); a bad bearer token is refused here; a stale cookie is ignored. A cookie is ambient — the
 * browser sends it whoever made the page — so an unsafe request it authenticates must also carry
 * the session's CSRF token, which only Kiln's own pages can read.
 */
class ApiAuthenticationFilter extends OncePerRequestFilter {

    static final String COOKIE = "kiln_session";
    static final String CSRF_HEADER = "X-Kiln-CSRF";
    private static final String BEARER = "Bearer ";
    private static final String BASIC = "Basic ";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final ApiTokens tokens;
    private final Sessions sessions;
    private final Function<HttpServletRequest, String> tokenHeader;
    private final boolean basic;
    private final Refusal refuse;

    /** Answers a request the filter refuses (in Kiln's problem shape, or a foreign API's). */
    @FunctionalInterface
    interface Refusal {
        void refuse(HttpServletRequest request, HttpServletResponse response, ApiException why) throws IOException;
    }

    /** Kiln's API: a bearer token or the session cookie. */
    ApiAuthenticationFilter(ApiTokens tokens, Sessions sessions, Refusal refuse) {
        this(tokens, sessions, request -> null, false, refuse);
    }

    /**
     * @param tokenHeader the header that may carry a request's token instead of {@code Authorization:
     *                    Bearer} (for clients that cannot send one), or null for none
     * @param basic       whether {@code Authorization: Basic} may carry the token as its password (for
     *                    clients configured with a URL only: {@code http://any:<token>@host/})
     */
    ApiAuthenticationFilter(
            ApiTokens tokens,
            Sessions sessions,
            Function<HttpServletRequest, String> tokenHeader,
            boolean basic,
            Refusal refuse) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.tokenHeader = tokenHeader;
        this.basic = basic;
        this.refuse = refuse;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String other = tokenHeader.apply(request);
        if (header == null && other != null && request.getHeader(other) != null) {
            header = BEARER + request.getHeader(other);
        }
        if (basic && header != null && header.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            header = BEARER + basicPassword(header.substring(BASIC.length()).trim());
        }
        try {
            if (header != null) {
                Optional<ApiTokens.Credential> credential = header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                        ? tokens.authenticate(header.substring(BEARER.length()).trim())
                        : Optional.empty();
                if (credential.isEmpty()) {
                    SecurityContextHolder.clearContext();
                    refuse.refuse(
                            request,
                            response,
                            new ApiException(
                                            ErrorCode.UNAUTHENTICATED,
                                            "The bearer token is unknown, revoked or expired.")
                                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
                    return;
                }
                signIn(request, Access.of(credential.get()));
            } else {
                Optional<Sessions.Session> session =
                        signingIn(request) ? Optional.empty() : cookie(request).flatMap(sessions::find);
                if (session.isPresent()) {
                    if (!SAFE_METHODS.contains(request.getMethod()) && !csrfMatches(request, session.get())) {
                        refuse.refuse(
                                request,
                                response,
                                new ApiException(
                                        ErrorCode.CSRF_TOKEN_INVALID,
                                        "A request made with the session cookie "
                                                + "must send the session's CSRF token in " + CSRF_HEADER
                                                + " (from GET /api/v1/session)."));
                        return;
                    }
                    request.setAttribute(SessionController.SESSION_ATTRIBUTE, session.get());
                    Sessions.Session open = session.get();
                    signIn(request, new Access(open.user(), open.tokenId(), open.id()));
                }
            }
        } catch (DataAccessResourceFailureException | TransientDataAccessException e) {
            // Not a bad credential: we cannot check it now. Say so, rather than 401 or 500.
            refuse.refuse(
                    request,
                    response,
                    new ApiException(
                                    ErrorCode.DATABASE_UNAVAILABLE, "The database is not answering; try again shortly.")
                            .retryAfter(Duration.ofSeconds(5)));
            return;
        }
        chain.doFilter(request, response);
    }

    /** The password of {@code user:password} in Base64; what cannot be decoded is no token. */
    private static String basicPassword(String encoded) {
        try {
            String pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            return pair.substring(pair.indexOf(':') + 1);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** Signing in replaces whatever session the browser had, so an old cookie must not get in its way. */
    private static boolean signingIn(HttpServletRequest request) {
        return "POST".equals(request.getMethod()) && SessionController.PATH.equals(request.getRequestURI());
    }

    /** The caller is {@code access}'s user; streams it opens end with its credential. */
    private static void signIn(HttpServletRequest request, Access access) {
        User user = access.user();
        request.setAttribute(Access.ATTRIBUTE, access);
        MDC.put(LogFields.USER_ID, user.id()); // removed with the request's other fields (RequestCorrelationFilter)
        var authority = new SimpleGrantedAuthority("ROLE_" + user.role().name());
        var authentication = new UsernamePasswordAuthenticationToken(user, null, List.of(authority));
        SecurityContextHolder.getContext().setAuthentication(authentication);
    }

    static Optional<String> cookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        for (Cookie cookie : cookies) {
            if (COOKIE.equals(cookie.getName()) && !cookie.getValue().isEmpty()) {
                return Optional.of(cookie.getValue());
            }
        }
        return Optional.empty();
    }

    private static boolean csrfMatches(HttpServletRequest request, Sessions.Session session) {
        String sent = request.getHeader(CSRF_HEADER);
        return sent != null
                && MessageDigest.isEqual(
                        sent.getBytes(StandardCharsets.UTF_8),
                        session.csrfToken().getBytes(StandardCharsets.UTF_8));
    }
}
