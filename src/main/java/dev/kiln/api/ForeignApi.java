package dev.kiln.api;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Paths where Kiln speaks another service's API (the OpenAI-compatible API, whisper-asr-webservice's),
 * so that the clients written for it work unchanged: requests there are authenticated as under
 * {@code /api}, limited the same, and every failure — a refused token, a limit, a bad upload, anything
 * {@link ProblemResponses} would answer — is written in that API's own error shape instead of a
 * problem document.
 */
public interface ForeignApi {

    /** Set on an {@code unauthenticated} failure when the request carried no credential at all. */
    String NO_CREDENTIAL = "noCredential";

    /** Spring path patterns of the paths this API answers, e.g. {@code /v1/**}. */
    List<String> paths();

    /**
     * A header that may carry a Kiln token instead of {@code Authorization: Bearer} (for clients
     * that cannot send one), or null.
     */
    String tokenHeader();

    /** {@code failure} as this API would answer it: status, headers and body. */
    ResponseEntity<?> answer(ApiException failure);

    default boolean covers(HttpServletRequest request) {
        PathContainer path = PathContainer.parsePath(request.getRequestURI());
        return paths().stream()
                .anyMatch(p -> PathPatternParser.defaultInstance.parse(p).matches(path));
    }
}
