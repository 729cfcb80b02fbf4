package dev.kiln.api;

import dev.kiln.support.Texts;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.net.URI;
import org.apache.coyote.BadRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page, in place of Spring Boot's {@code {timestamp, status, error,
 * path}}: a status set outside Spring MVC (Tomcat refusing {@code TRACE}, a WebSocket handshake it
 * refuses) or an exception a filter let through is answered as a problem document, or in the foreign
 * API's shape on its paths, with the status the container chose. Asked for by its own path, {@code
 * /error} is no endpoint: {@code 404 not_found}.
 */
@Hidden
@RestController
class ErrorPageProblems implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ErrorPageProblems.class);

    private final ProblemResponses problems;

    ErrorPageProblems(ProblemResponses problems) {
        this.problems = problems;
    }

    @RequestMapping("/error")
    ResponseEntity<?> error(HttpServletRequest request) {
        if (!(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer status)) {
            return answer(request, 404, new ApiException(ErrorCode.NOT_FOUND, "No such resource: /error"));
        }
        boolean bodyCut = false;
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable thrown) {
            if (status < 500 && thrown instanceof IOException) {
                // Tomcat answers 400 itself when a body's read fails (408 when the client sent nothing for
                // server.tomcat.connection-timeout): whatever the code reading it (a multipart parse, a raw
                // body) then answered is not sent, this is. The client's EOF, reset or silence cut the body;
                // a BadRequestException (a broken chunked encoding) is a malformed one. The first failure
                // tells: reads after a broken chunk fail with a plain IOException.
                bodyCut = (status == 400 || status == 408)
                        && !(FirstReadFailure.of(request, thrown) instanceof BadRequestException);
                // Tomcat records a failed read of the request's body here even when the code reading
                // it coped (a tus PATCH keeps what arrived): the client went away, nothing is wrong.
                log.debug(
                        "Client went away during {} {}: {}",
                        originalMethod(request),
                        originalUri(request),
                        thrown.toString());
            } else {
                log.error("Unexpected failure in {} {}", originalMethod(request), originalUri(request), thrown);
            }
        }
        if (bodyCut) {
            return answer(request, status, interrupted(status));
        }
        ErrorCode code = switch (status) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 415 -> ErrorCode.UNSUPPORTED_CONTENT_TYPE;
            case 501, 505 -> ErrorCode.MALFORMED_REQUEST;
            case 503 -> ErrorCode.SHUTTING_DOWN;
            default -> status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.MALFORMED_REQUEST;
        };
        String detail = switch (code) {
            case UNAUTHENTICATED -> "Send Authorization: Bearer <token>, or sign in (POST /api/v1/session).";
            case FORBIDDEN -> "Your role may not do this.";
            case NOT_FOUND -> "No such resource: " + originalUri(request);
            case METHOD_NOT_ALLOWED -> "Method " + originalMethod(request) + " is not allowed here.";
            case NOT_ACCEPTABLE -> "None of the requested media types can be produced.";
            case UNSUPPORTED_CONTENT_TYPE -> "The request's Content-Type is not supported here.";
            case INTERNAL_ERROR -> "Something went wrong on our side; it has been logged.";
            case SHUTTING_DOWN -> "This node cannot serve requests now; try again, or another node.";
            default ->
                status >= 500
                        ? "The request uses an HTTP feature this server does not support."
                        : "The HTTP request is malformed.";
        };
        return answer(request, status, new ApiException(code, detail));
    }

    private static ApiException interrupted(int status) {
        return new ApiException(
                ErrorCode.UPLOAD_INTERRUPTED,
                (status == 408
                                ? "The rest of the request's body did not come in time"
                                : "The request ended before its body did")
                        + "; send it again (or use the resumable upload API).");
    }

    private ResponseEntity<?> answer(HttpServletRequest request, int status, ApiException why) {
        HttpServletRequest original = new HttpServletRequestWrapper(request) {
            @Override
            public String getRequestURI() {
                return originalUri(request);
            }
        };
        // The one writer of problems and foreign shapes; only the status is the container's, not the code's.
        ResponseEntity<?> answer = problems.api(why, original);
        if (answer.getBody() instanceof ProblemDetail problem) {
            problem.setStatus(status);
            try {
                problem.setInstance(URI.create(originalUri(request)));
            } catch (IllegalArgumentException e) {
                // A path no URI can hold: the problem goes without its instance.
            }
        }
        return ResponseEntity.status(status).headers(answer.getHeaders()).body(answer.getBody());
    }

    /** The container forwards to its error page as GET; the request's own method is kept aside. */
    private static String originalMethod(HttpServletRequest request) {
        return request.getAttribute(RequestDispatcher.ERROR_METHOD) instanceof String method
                ? Texts.safe(method, 20)
                : request.getMethod();
    }

    private static String originalUri(HttpServletRequest request) {
        return request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri
                ? uri
                : request.getRequestURI();
    }
}
