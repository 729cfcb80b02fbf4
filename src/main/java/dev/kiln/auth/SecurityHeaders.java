package dev.kiln.auth;

import java.util.List;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;

/**
 * The headers every answer carries (no sniffing, no caching, no framing, no referrer for other
 * sites): Spring Security's defaults plus Kiln's two. One filter writes them, ahead of the filters
 * that may refuse a request before the security filter chains run (the API's CORS,
 * limits.FailedCredentialsFilter): a refusal is an answer like any other. The chains write none of
 * their own. Each writer leaves a header the answer already set alone (a result's own CSP, an
 * asset's Cache-Control).
 */
final class SecurityHeaders {

    private SecurityHeaders() {}

    private static List<HeaderWriter> writers() {
        return List.of(
                new XContentTypeOptionsHeaderWriter(),
                new XXssProtectionHeaderWriter(),
                new CacheControlHeadersWriter(),
                new HstsHeaderWriter(),
                new XFrameOptionsHeaderWriter(XFrameOptionsHeaderWriter.XFrameOptionsMode.DENY),
                // No page of Kiln's may be framed by another site, and no URL (with ids) leaks to one.
                new ReferrerPolicyHeaderWriter(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN),
                new StaticHeadersWriter("Content-Security-Policy", "frame-ancestors 'none'"));
    }

    /**
     * The filter that writes them ahead of the security filter chains, on every dispatch (Spring Boot
     * registers a once-per-request filter for all of them), the container's error dispatch too:
     * Tomcat's own answers (a body's failed read, TRACE refused) reach the error page only there.
     */
    static HeaderWriterFilter filter() {
        return new HeaderWriterFilter(writers()) {
            @Override
            protected boolean shouldNotFilterErrorDispatch() {
                return false;
            }
        };
    }
}
