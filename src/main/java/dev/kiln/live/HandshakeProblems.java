package dev.kiln.live;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.ServletProblems;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * A request to {@code /api/v1/stream} that is no WebSocket handshake at all (another method, no
 * {@code Upgrade: websocket}, no {@code Connection: Upgrade}) is answered with a problem saying what
 * the path is, instead of Spring's empty body or its plain-text line. Handshakes themselves, good or
 * bad (a version or key the container refuses), go on to Spring and Tomcat unchanged.
 */
final class HandshakeProblems implements HandshakeInterceptor {

    private final ServletProblems problems;

    HandshakeProblems(ServletProblems problems) {
        this.problems = problems;
    }

    @Override
    public boolean beforeHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            Map<String, Object> attributes)
            throws IOException {
        ApiException refusal = null;
        if (request.getMethod() != HttpMethod.GET) {
            refusal = new ApiException(
                            ErrorCode.METHOD_NOT_ALLOWED,
                            "Method " + request.getMethod() + " is not allowed here: /api/v1/stream is a WebSocket.")
                    .header(HttpHeaders.ALLOW, "GET");
        } else if (!has(request, HttpHeaders.UPGRADE, "websocket")
                || !has(request, HttpHeaders.CONNECTION, "upgrade")) {
            refusal = new ApiException(
                    ErrorCode.MALFORMED_REQUEST,
                    "/api/v1/stream is a WebSocket: connect with Upgrade: websocket (docs/protocol.md). To follow a"
                            + " job over plain HTTP, use GET /api/v1/jobs/{id}/events.");
        }
        if (refusal == null) {
            return true;
        }
        problems.write(
                refusal,
                List.of(),
                ((ServletServerHttpRequest) request).getServletRequest(),
                ((ServletServerHttpResponse) response).getServletResponse());
        return false;
    }

    /** Whether the header lists {@code token}, case-insensitively (Spring splits the comma-separated values). */
    private static boolean has(ServerHttpRequest request, String header, String token) {
        return request.getHeaders().getValuesAsList(header).stream().anyMatch(token::equalsIgnoreCase);
    }

    @Override
    public void afterHandshake(
            ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Exception failure) {}
}
