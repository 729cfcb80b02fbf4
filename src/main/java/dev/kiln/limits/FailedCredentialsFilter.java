package dev.kiln.limits;

import dev.kiln.api.ForeignApi;
import dev.kiln.api.ServletProblems;
import dev.kiln.auth.Access;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.util.OnCommittedResponseWrapper;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refused credentials, counted per client address: it runs before the security filters, so a
 * client cannot guess tokens at full speed. A request that presents a credential (an
 * {@code Authorization} header, a foreign API's token header, the session cookie, or a sign-in) and
 * is answered 401 counts one failure, before the answer leaves (the same credential refused again
 * within the window counts no more, {@link CredentialFailures}; a sign-in's token is in its body, so
 * every failed sign-in counts); once an address has none left, every
 * request from it that presents a credential is refused with 429 until the window ends, valid or
 * not (else the 429 itself would tell a right guess from a wrong one), but for credentials that
 * authenticated from there lately ({@link CredentialFailures}). Requests without one are neither counted
 * nor refused here.
 */
class FailedCredentialsFilter extends OncePerRequestFilter {

    /** {@code auth.ApiAuthenticationFilter.COOKIE}, {@code auth.SessionController.PATH} (auth cannot depend on limits). */
    private static final String SESSION_COOKIE = "kiln_session";

    private static final String SIGN_IN = "/api/v1/session";
    private static final String BEARER = "Bearer ";

    private final CredentialFailures failures;
    private final List<ForeignApi> foreign;
    private final ServletProblems problems;

    FailedCredentialsFilter(CredentialFailures failures, List<ForeignApi> foreign, ServletProblems problems) {
        this.failures = failures;
        this.foreign = foreign;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return failures.off();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String credential = credential(request);
        if (credential == null) {
            chain.doFilter(request, response);
            return;
        }
        String address = ClientAddress.of(request.getRemoteAddr());
        RateDecision decision = failures.refusal(address, rememberable(credential));
        if (decision != null) {
            problems.write(RateLimiter.exceeded(decision), foreign, request, response);
            return;
        }
        FailureCounting counting = new FailureCounting(request, response, address, credential);
        chain.doFilter(request, counting);
        if (!request.isAsyncStarted()) {
            counting.finish(); // an answer that never wrote or flushed anything
        }
    }

    /**
     * The credential the request presents, picked as {@code auth.ApiAuthenticationFilter} picks it (an
     * {@code Authorization} header, a foreign API's token header, the session cookie) and without
     * its scheme, so a token is one credential over HTTP and WebSocket alike; "" for a sign-in (its
     * token is in the body); null: none.
     */
    private String credential(HttpServletRequest request) {
        if ("POST".equals(request.getMethod()) && SIGN_IN.equals(request.getRequestURI())) {
            return "";
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            return authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    ? authorization.substring(BEARER.length()).trim()
                    : authorization;
        }
        for (ForeignApi api : foreign) {
            if (api.tokenHeader() != null && request.getHeader(api.tokenHeader()) != null && api.covers(request)) {
                return request.getHeader(api.tokenHeader());
            }
        }
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (SESSION_COOKIE.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    private static String rememberable(String credential) {
        return credential == null || credential.isEmpty() ? null : credential;
    }

    /** Counts a 401 as it is committed, so the client's next request already sees it counted. */
    private final class FailureCounting extends OnCommittedResponseWrapper {

        private final HttpServletRequest request;
        private final String address;
        private final String credential;

        FailureCounting(HttpServletRequest request, HttpServletResponse response, String address, String credential) {
            super(response);
            this.request = request;
            this.address = address;
            this.credential = credential;
        }

        @Override
        protected void onResponseCommitted() {
            disableOnResponseCommitted();
            if (getStatus() == HttpStatus.UNAUTHORIZED.value()) {
                failures.failed(address, rememberable(credential));
            } else if (Access.of(request) != null) {
                // Authenticated, with this credential (the same one the authentication filter picked):
                // not merely answered, as a public page answers whatever a request presents.
                failures.worked(address, rememberable(credential));
            }
        }

        void finish() {
            if (!isDisableOnResponseCommitted()) {
                onResponseCommitted();
            }
        }
    }
}
