package dev.kiln.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;

/**
 * A failure the client can act on; rendered as an RFC 9457 problem with a stable {@code code}.
 */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Duration retryAfter;

    public ApiException(ErrorCode code, String detail) {
        super(detail);
        this.code = code;
    }

    /** A 400 that names the offending field (a JSON path such as {@code input.fileId}, or a query parameter). */
    public static ApiException invalidField(String field, String detail) {
        return new ApiException(ErrorCode.INVALID_FIELD, detail).with("field", field);
    }

    public ApiException with(String property, Object value) {
        properties.put(property, value);
        return this;
    }

    /** A header the answer carries besides the problem (e.g. {@code Content-Range} on a 416, the rate limit it broke). */
    public ApiException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public ApiException retryAfter(Duration delay) {
        this.retryAfter = delay;
        return this;
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> properties() {
        return properties;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** The headers an answer carries, in whichever shape: the {@link #header}s, and Retry-After in whole seconds. */
    public HttpHeaders responseHeaders() {
        HttpHeaders all = new HttpHeaders();
        headers.forEach(all::set);
        if (retryAfter != null) {
            all.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        return all;
    }
}
