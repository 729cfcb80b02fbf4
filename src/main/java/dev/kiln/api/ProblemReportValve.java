package dev.kiln.api;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's own error answers — for requests refused before any of Kiln's code runs (an encoded
 * slash in the path, a header Tomcat cannot parse, a transfer coding it does not know) — as
 * problem documents like every other error, instead of Tomcat's HTML page. Installed by
 * {@link TomcatErrorAnswers}.
 */
public class ProblemReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        ErrorCode code = switch (status) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 500 -> ErrorCode.INTERNAL_ERROR;
            default -> ErrorCode.MALFORMED_REQUEST;
        };
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "urn:kiln:problem:" + code.code());
        problem.put("title", code.title());
        problem.put("status", status); // the status the HTTP layer chose, e.g. 501 for an unknown Transfer-Encoding
        problem.put(
                "detail",
                status >= 500 && status != 500
                        ? "The request uses an HTTP feature this server does not support."
                        : code == ErrorCode.INTERNAL_ERROR
                                ? "Something went wrong on our side."
                                : "The HTTP request is malformed.");
        problem.put("code", code.code());
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            OutputStream out = response.getOutputStream();
            out.write(JSON.writeValueAsBytes(problem));
            out.flush();
        } catch (IOException | IllegalStateException e) {
            // The client is gone, or the response cannot take a body: nothing more to say.
        }
    }
}
