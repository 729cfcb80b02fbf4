package dev.kiln.api;

import java.net.URI;
import java.util.Map;
import org.springframework.http.ProblemDetail;

/** Builds Kiln's problem documents: one shape for every error, wherever it is raised. */
public final class Problems {

    private Problems() {}

    public static ProblemDetail of(ErrorCode code, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(code.status(), detail);
        problem.setType(URI.create("urn:kiln:problem:" + code.code()));
        problem.setTitle(code.title());
        problem.setProperty("code", code.code());
        return problem;
    }

    public static ProblemDetail of(ApiException e) {
        ProblemDetail problem = of(e.code(), e.getMessage());
        for (Map.Entry<String, Object> p : e.properties().entrySet()) {
            problem.setProperty(p.getKey(), p.getValue());
        }
        return problem;
    }
}
