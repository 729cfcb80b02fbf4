package dev.kiln.compat;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.ForeignApi;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Failures of {@code /asr} and {@code /detect-language} as whisper-asr-webservice (a FastAPI
 * service) answers them: {@code {"detail": "…"}}, and a request that does not validate as 422 with
 * {@code {"detail": [{"type", "loc", "msg", "input"}]}}. An answer about a job that exists names it
 * in {@code Kiln-Job-Id}.
 */
@Component
class AsrErrors implements ForeignApi {

    private final CompatSettings settings;

    AsrErrors(CompatSettings settings) {
        this.settings = settings;
    }

    /** A request that does not validate, with every error FastAPI would list. */
    static final class Invalid extends RuntimeException {
        private final List<Map<String, Object>> errors = new ArrayList<>();

        Invalid() {
            super("The request does not validate", null, false, false);
        }

        /** @param where {@code query} or {@code body} */
        Invalid add(String type, String where, String name, String message, Object input) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("type", type);
            error.put("loc", List.of(where, name));
            error.put("msg", message);
            error.put("input", input);
            errors.add(error);
            return this;
        }

        boolean any() {
            return !errors.isEmpty();
        }
    }

    @Override
    public List<String> paths() {
        return List.of("/asr", "/asr/**", "/detect-language", "/detect-language/**");
    }

    @Override
    public String tokenHeader() {
        return settings.tokenHeader();
    }

    @Override
    public ResponseEntity<?> answer(ApiException failure) {
        String detail = failure.getMessage();
        if (failure.code() == ErrorCode.UNAUTHENTICATED) {
            detail = failure.properties().containsKey(NO_CREDENTIAL)
                    ? "Not authenticated"
                    : "Invalid authentication credentials";
        }
        ResponseEntity.BodyBuilder response =
                ResponseEntity.status(failure.code().status());
        response.headers(failure.responseHeaders());
        return response.contentType(MediaType.APPLICATION_JSON).body(Map.of("detail", detail));
    }

    ResponseEntity<?> answer(CompatFailure failure) {
        HttpStatus status = switch (failure.kind()) {
            case INVALID_VALUE -> HttpStatus.UNPROCESSABLE_CONTENT;
            case MISSING_FILE, UNKNOWN_MODEL, UNSUPPORTED_LANGUAGE, CANNOT_TRANSLATE, BAD_INPUT ->
                HttpStatus.BAD_REQUEST;
            case CANNOT_DETECT -> HttpStatus.NOT_IMPLEMENTED;
            case JOB_CANCELLED -> HttpStatus.CONFLICT;
            case JOB_FAILED -> HttpStatus.INTERNAL_SERVER_ERROR;
            case STILL_RUNNING -> HttpStatus.GATEWAY_TIMEOUT;
            case SHUTTING_DOWN, ENGINE_GONE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
        if (failure.kind() == CompatFailure.Kind.INVALID_VALUE) {
            return answer(new Invalid().add("value_error", "query", failure.param(), failure.getMessage(), null));
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (failure.jobId() != null) {
            response.header(OpenAiErrors.JOB_HEADER, failure.jobId());
        }
        return response.body(Map.of("detail", failure.getMessage()));
    }

    ResponseEntity<?> answer(Invalid invalid) {
        return ResponseEntity.status(HttpStatus.UNPROCESSABLE_CONTENT)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("detail", invalid.errors));
    }
}
