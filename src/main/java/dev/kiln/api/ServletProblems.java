package dev.kiln.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * A refusal written by a servlet filter, before Spring MVC (and {@link ProblemResponses}) could
 * answer it: in the shape of the foreign API whose paths the request is on, else as Kiln's problem;
 * a limit's refusal counted in {@link RefusalMetrics} as {@link ProblemResponses} counts its own.
 */
@Component
public final class ServletProblems {

    private final JsonMapper json;
    private final RefusalMetrics refusals;

    ServletProblems(JsonMapper json, RefusalMetrics refusals) {
        this.json = json;
        this.refusals = refusals;
    }

    public void write(
            ApiException why, List<ForeignApi> foreign, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        refusals.answered(why.code());
        for (ForeignApi api : foreign) {
            if (api.covers(request)) {
                ResponseEntity<?> answer = api.answer(why);
                response.setStatus(answer.getStatusCode().value());
                answer.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
                if (answer.getHeaders().getContentType() == null) {
                    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
                }
                json.writeValue(response.getOutputStream(), answer.getBody());
                return;
            }
        }
        why.responseHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        response.setStatus(why.code().status().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), Problems.of(why));
    }
}
