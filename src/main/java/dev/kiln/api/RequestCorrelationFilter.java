package dev.kiln.api;

import dev.kiln.support.Ids;
import dev.kiln.support.LogFields;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id, so its log lines can be found together and matched with what the
 * client saw: the caller's {@code X-Request-Id} when it is a sane value (a proxy's or a client's),
 * else a new one; echoed in the response either way. Requests about one job
 * ({@code /api/v1/jobs/{id}…}) carry its id too; the caller's id is added once authenticated. The
 * fields are removed when the request ends: the thread goes on to serve others.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestCorrelationFilter extends OncePerRequestFilter {

    public static final String HEADER = "X-Request-Id";
    /** Short and plain: it ends up in log lines and headers, so nothing that could forge either. */
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final Pattern JOB_PATH = Pattern.compile("^/api/v1/jobs/([^/]+)");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String sent = request.getHeader(HEADER);
        String requestId = sent != null && SANE.matcher(sent).matches() ? sent : Ids.randomToken(20);
        response.setHeader(HEADER, requestId);
        MDC.put(LogFields.REQUEST_ID, requestId);
        Matcher job = JOB_PATH.matcher(request.getRequestURI());
        if (job.find() && Ids.looksLike("job", job.group(1))) {
            MDC.put(LogFields.JOB_ID, job.group(1));
        }
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(LogFields.REQUEST_ID);
            MDC.remove(LogFields.USER_ID);
            MDC.remove(LogFields.JOB_ID);
        }
    }
}
