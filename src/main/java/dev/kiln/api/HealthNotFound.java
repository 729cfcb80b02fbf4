package dev.kiln.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The health endpoint answers a component or group it does not have ({@code /actuator/health/zzz})
 * with a bare 404 and no body, outside Spring MVC's error handling: turned into the container's
 * error, so {@link ErrorPageProblems} answers it as every other 404 is, a {@code not_found} problem.
 */
@Component
class HealthNotFound extends OncePerRequestFilter {

    private static final String HEALTH = "/actuator/health/";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(HEALTH);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(request, new HttpServletResponseWrapper(response) {
            @Override
            public void setStatus(int status) {
                if (status == HttpStatus.NOT_FOUND.value() && !isCommitted()) {
                    try {
                        sendError(status);
                    } catch (IOException e) {
                        super.setStatus(status);
                    }
                } else {
                    super.setStatus(status);
                }
            }
        });
    }
}
