package dev.kiln.auth;

import java.util.List;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
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
 * sites): Spring Security's defaults plus Kiln's two. The security filter chains write them, and so
 * does a filter ahead of the filters that may refuse a request before those chains run (the API's
 * CORS, limits.FailedCredentialsFilter): a refusal is an answer like any other. Each writer leaves a
 * header already set alone, so the two never double one.
 */
final class SecurityHeaders {

    private SecurityHeaders() {}

    static List<HeaderWriter> writers() {
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

    /** A security filter chain's headers: these, in place of Spring Security's defaults. */
    static void configure(HeadersConfigurer<HttpSecurity> headers) {
        headers.defaultsDisabled();
        writers().forEach(headers::addHeaderWriter);
    }

    /**
     * The filter that writes them ahead of the security filter chains, also on the container's error
     * dispatch: Tomcat's own answers (a body's failed read, TRACE refused) reach the error page only
     * there, where the chains' header writers do not run.
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
