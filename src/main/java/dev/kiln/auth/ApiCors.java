package dev.kiln.auth;

import dev.kiln.api.ErrorCode;
import dev.kiln.api.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.filter.CorsFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * CORS for {@code /api/**}: a page from an allowed origin ({@link AllowedOrigins}) gets the CORS
 * headers it needs, preflights included; a page from any other site is refused with a problem
 * ({@code origin_not_allowed}), before authentication and before anything runs. Kiln's own pages
 * are not cross-origin and pass untouched. The WebSocket checks origins itself (close code 1008).
 */
final class ApiCors {

    /** Headers a page may send: the API's own, tus's, and what tus clients add. */
    private static final List<String> REQUEST_HEADERS = List.of(
            HttpHeaders.AUTHORIZATION,
            HttpHeaders.CONTENT_TYPE,
            HttpHeaders.ACCEPT,
            HttpHeaders.RANGE,
            "Idempotency-Key",
            "Last-Event-ID",
            "Tus-Resumable",
            "Upload-Length",
            "Upload-Offset",
            "Upload-Metadata",
            "Upload-Checksum",
            "Upload-Defer-Length",
            "Upload-Concat",
            "X-HTTP-Method-Override",
            "X-Requested-With");
    /** Response headers a page may read: without this list a browser hides all but a few. */
    private static final List<String> EXPOSED_HEADERS = List.of(
            HttpHeaders.LOCATION,
            HttpHeaders.RETRY_AFTER,
            HttpHeaders.CONTENT_DISPOSITION,
            "Upload-Offset",
            "Upload-Length",
            "Upload-Expires",
            "Upload-Metadata",
            "Tus-Resumable",
            "Tus-Version",
            "Tus-Extension",
            "Tus-Max-Size",
            "Tus-Checksum-Algorithm",
            "Kiln-File-Id",
            "Kiln-Job-Id",
            "Idempotent-Replayed",
            "RateLimit",
            "RateLimit-Policy");

    private static final String STREAM = "/api/v1/stream";

    private ApiCors() {}

    static CorsFilter filter(AllowedOrigins origins, JsonMapper json) {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOrigins(origins.listed());
        config.setAllowedMethods(List.of("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"));
        config.setAllowedHeaders(REQUEST_HEADERS);
        config.setExposedHeaders(EXPOSED_HEADERS);
        // Bearer tokens, not cookies: a page never needs the browser to attach credentials.
        config.setAllowCredentials(false);
        config.setMaxAge(Duration.ofHours(1));
        CorsFilter filter = new CorsFilter(request -> request.getRequestURI().equals(STREAM) ? null : config);
        filter.setCorsProcessor(new Processor(json));
        return filter;
    }

    private static final class Processor extends DefaultCorsProcessor {

        private final JsonMapper json;

        Processor(JsonMapper json) {
            this.json = json;
        }

        @Override
        public boolean processRequest(
                CorsConfiguration config, HttpServletRequest request, HttpServletResponse response) throws IOException {
            // Kiln's own pages, even when a TLS proxy makes the scheme differ: not a CORS request.
            if (AllowedOrigins.sameOrigin(request.getHeader(HttpHeaders.ORIGIN), request.getHeader(HttpHeaders.HOST))) {
                return true;
            }
            try {
                return super.processRequest(config, request, response);
            } catch (IllegalArgumentException e) {
                // Spring parses the request's headers to answer; a Content-Type such as */* is not a media type.
                SecurityConfiguration.write(
                        json,
                        response,
                        Problems.of(
                                ErrorCode.UNSUPPORTED_CONTENT_TYPE, "The request's Content-Type is not a media type."));
                return false;
            }
        }

        @Override
        protected void rejectRequest(ServerHttpResponse response) throws IOException {
            HttpServletResponse servlet = ((ServletServerHttpResponse) response).getServletResponse();
            SecurityConfiguration.write(
                    json,
                    servlet,
                    Problems.of(
                            ErrorCode.ORIGIN_NOT_ALLOWED,
                            "Pages from this origin may not use this server's API (see kiln.security.allowed-origins)."));
        }
    }
}
