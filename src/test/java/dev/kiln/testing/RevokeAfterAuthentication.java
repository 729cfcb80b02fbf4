package dev.kiln.testing;

import dev.kiln.auth.Access;
import dev.kiln.auth.ApiTokens;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * With {@code kiln.test.revoke-after-authentication=true}, a request that carries {@value #HEADER}
 * has its token revoked once it is authenticated and before its handler runs: a client revoking
 * the moment it has sent a request, when no stream holds it yet for the revocation to reach.
 * Unset (every other test), nothing changes.
 */
@Configuration(proxyBeanMethods = false)
public class RevokeAfterAuthentication {

    public static final String HEADER = "X-Kiln-Test-Revoke";

    @Bean
    @ConditionalOnProperty("kiln.test.revoke-after-authentication")
    static FilterRegistrationBean<Filter> revokingFilter(ApiTokens tokens) {
        FilterRegistrationBean<Filter> filter = new FilterRegistrationBean<>((request, response, chain) -> {
            if (request instanceof HttpServletRequest http
                    && http.getHeader(HEADER) != null
                    && Access.of(http) instanceof Access access
                    && access.tokenId() != null) {
                tokens.revoke(access.user().id(), access.tokenId());
            }
            chain.doFilter(request, response);
        });
        filter.setOrder(Ordered.LOWEST_PRECEDENCE); // after Spring Security's chain, which authenticates
        return filter;
    }
}
