package dev.kiln.compat;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.ForeignApi;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Failures under {@code /v1} in OpenAI's shape, {@code {"error": {"message", "type", "param",
 * "code"}}}, with the status OpenAI would give. Kiln's own failures keep their codes (docs/errors.md),
 * but for those OpenAI has a code of its own for ({@code invalid_api_key}, {@code
 * rate_limit_exceeded}). An answer about a job that exists names it in {@code Kiln-Job-Id} and carries
 * {@code x-should-retry: false}: OpenAI's SDKs would otherwise retry a 5xx, and so transcribe again.
 */
@Component
class OpenAiErrors implements ForeignApi {

    static final String JOB_HEADER = "Kiln-Job-Id";

    private final CompatSettings settings;

    OpenAiErrors(CompatSettings settings) {
        this.settings = settings;
    }

    @Override
    public List<String> paths() {
        return List.of("/v1/**");
    }

    @Override
    public String tokenHeader() {
        return settings.tokenHeader();
    }

    @Override
    public ResponseEntity<?> answer(ApiException failure) {
        ErrorCode code = failure.code();
        int status = code.status().value();
        String message = failure.getMessage();
        String openAiCode = code.code();
        if (code == ErrorCode.UNAUTHENTICATED) {
            boolean none = failure.properties().containsKey(NO_CREDENTIAL);
            openAiCode = none ? "missing_api_key" : "invalid_api_key";
            message = none
                    ? "You didn't provide an API key: send your Kiln token as 'Authorization: Bearer <token>'."
                    : "Incorrect API key provided: the Kiln token is unknown, revoked or expired.";
        } else if (code == ErrorCode.RATE_LIMITED || code == ErrorCode.TOO_MANY_QUEUED_JOBS) {
            openAiCode = "rate_limit_exceeded";
        }
        Object field = failure.properties().get("field");
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        response.headers(failure.responseHeaders());
        return response.contentType(MediaType.APPLICATION_JSON)
                .body(body(message, type(status), field == null ? null : field.toString(), openAiCode));
    }

    /** One of the compatibility layer's own refusals. */
    ResponseEntity<?> answer(CompatFailure failure) {
        HttpStatus status = status(failure.kind());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (failure.jobId() != null) {
            response.header(JOB_HEADER, failure.jobId()).header("x-should-retry", "false");
        }
        return response.body(body(failure.getMessage(), type(status.value()), failure.param(), code(failure)));
    }

    /** The status of each of the layer's own refusals (docs/compat.md lists them; a test keeps the two in step). */
    static HttpStatus status(CompatFailure.Kind kind) {
        return switch (kind) {
            case INVALID_VALUE, MISSING_FILE, UNSUPPORTED_LANGUAGE, CANNOT_TRANSLATE, CANNOT_DETECT, BAD_INPUT ->
                HttpStatus.BAD_REQUEST;
            case UNKNOWN_MODEL -> HttpStatus.NOT_FOUND;
            case JOB_CANCELLED -> HttpStatus.CONFLICT;
            case JOB_FAILED -> HttpStatus.INTERNAL_SERVER_ERROR;
            case STILL_RUNNING -> HttpStatus.GATEWAY_TIMEOUT;
            case SHUTTING_DOWN, ENGINE_GONE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }

    /** The body of an error event in a stream ({@code data: {"error": …}}), which OpenAI's SDKs raise. */
    static Map<String, Object> body(CompatFailure failure) {
        return body(failure.getMessage(), type(status(failure.kind()).value()), failure.param(), code(failure));
    }

    private static String code(CompatFailure failure) {
        String code = code(failure.kind());
        return code == null ? failure.jobError() : code;
    }

    /** The {@code code} of each of the layer's own refusals; null where it is the failed job's error code. */
    static String code(CompatFailure.Kind kind) {
        return switch (kind) {
            case INVALID_VALUE -> "invalid_value";
            case MISSING_FILE -> "missing_required_parameter";
            case UNKNOWN_MODEL -> "model_not_found";
            case UNSUPPORTED_LANGUAGE -> "unsupported_language";
            case CANNOT_TRANSLATE -> "translation_not_supported";
            case CANNOT_DETECT -> "language_detection_not_supported";
            case BAD_INPUT, JOB_FAILED -> null;
            case JOB_CANCELLED -> "job_cancelled";
            case STILL_RUNNING -> "job_still_running";
            case SHUTTING_DOWN -> "shutting_down";
            case ENGINE_GONE -> "engine_unavailable";
        };
    }

    /** OpenAI's error types: a request's fault, a rate limit ({@code requests}), or the server's. */
    static String type(int status) {
        return status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
    }

    static Map<String, Object> body(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
