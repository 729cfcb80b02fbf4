package dev.kiln.limits;

import dev.kiln.auth.User;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * The API request rate: per user once authenticated (it runs after the security filters), per
 * client address otherwise. Every answer says where the caller stands ({@code RateLimit-Policy},
 * {@code RateLimit}); past the limit the request is refused with 429 before it does anything.
 */
class RequestRateInterceptor implements HandlerInterceptor {

    private final RateLimiter limiter;
    private final RateLimit users;
    private final RateLimit anonymous;

    RequestRateInterceptor(RateLimiter limiter, LimitSettings settings) {
        this.limiter = limiter;
        this.users = settings.requestLimit();
        this.anonymous = settings.anonymousRequestLimit();
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            return true; // an async or error dispatch of a request already counted
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        boolean known = authentication != null && authentication.getPrincipal() instanceof User;
        RateLimit limit = known ? users : anonymous;
        if (limit.off()) {
            return true;
        }
        String subject =
                known ? ((User) authentication.getPrincipal()).id() : ClientAddress.of(request.getRemoteAddr());
        RateDecision decision = limiter.take(limit, subject);
        if (decision == null) {
            return true;
        }
        if (!decision.allowed()) {
            throw RateLimiter.exceeded(decision);
        }
        response.addHeader(RateLimiter.POLICY_HEADER, limit.policyHeader());
        response.addHeader(RateLimiter.HEADER, decision.header());
        return true;
    }
}
