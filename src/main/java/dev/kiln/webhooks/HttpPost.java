package dev.kiln.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST over a socket connected to the address the guard checked, and nothing else:
 * no redirect followed, no connection kept, the answer read up to {@value #MAX_RESPONSE} bytes, the
 * whole exchange within a deadline.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it resolves the host itself when it connects, with
 * no hook to hand it an address, so the name would be looked up a second time after the check and
 * could lead elsewhere by then (DNS rebinding). Giving it the IP in the URL and the name in a Host
 * header does not work either: Host is a restricted header, and for https the certificate would be
 * checked against the IP and no SNI sent. Here TLS runs over the connected socket with the URL's
 * name for SNI and for the certificate check (endpoint identification "HTTPS"), as a browser does.
 * A delivery needs only the status line, so a small client is all it takes.
 */
final class HttpPost {

    /** Most bytes of an answer read (status line, headers and body); the rest is left unread. */
    static final int MAX_RESPONSE = 64 * 1024;

    /** Most characters of an answer's body kept for the delivery log. */
    static final int EXCERPT = 500;

    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    private HttpPost() {}

    /** The receiver's answer: its status, the start of its body, and where it redirected to (not followed). */
    record Answer(int status, String excerpt, String location) {}

    static Answer send(
            UrlGuard.Destination to,
            Map<String, String> headers,
            byte[] body,
            Duration connectTimeout,
            Duration timeout)
            throws IOException {
        return send(to, headers, body, connectTimeout, timeout, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** As above, trusting what {@code tls} trusts (the JVM's certificate authorities for a delivery). */
    static Answer send(
            UrlGuard.Destination to,
            Map<String, String> headers,
            byte[] body,
            Duration connectTimeout,
            Duration timeout,
            SSLSocketFactory tls)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(to.address(), to.port()), (int)
                    Math.max(1, Math.min(connectTimeout.toMillis(), remaining(deadline))));
            Socket socket = to.https() ? tls(tls, plain, to, deadline) : plain;
            try {
                OutputStream out = socket.getOutputStream();
                out.write(head(to, headers, body.length));
                out.write(body);
                out.flush();
                return read(socket, deadline);
            } finally {
                socket.close();
            }
        }
    }

    private static Socket tls(SSLSocketFactory factory, Socket plain, UrlGuard.Destination to, long deadline)
            throws IOException {
        SSLSocket tls = (SSLSocket) factory.createSocket(plain, to.host(), to.port(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isAddressLiteral(to.host())) {
            parameters.setServerNames(List.of(new SNIHostName(to.host())));
        }
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(timeoutMillis(deadline));
        tls.startHandshake();
        return tls;
    }

    static boolean isAddressLiteral(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static byte[] head(UrlGuard.Destination to, Map<String, String> headers, int length) {
        StringBuilder head = new StringBuilder("POST ")
                .append(to.target())
                .append(" HTTP/1.1\r\nHost: ")
                .append(to.hostHeader())
                .append("\r\n");
        headers.forEach(
                (name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(length).append("\r\nConnection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads until the answer is complete, the connection closes, the cap or the deadline; fails only without a status. */
    private static Answer read(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[MAX_RESPONSE];
        int filled = 0;
        Head head = null;
        try {
            while (filled < buffer.length) {
                socket.setSoTimeout(timeoutMillis(deadline));
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
                if (head == null) {
                    head = Head.parse(buffer, filled);
                }
                if (head != null && head.complete(buffer, filled)) {
                    break;
                }
            }
        } catch (SocketTimeoutException late) {
            if (head == null) {
                throw late;
            }
            // The status is in: a body that trickles past the deadline changes nothing.
        }
        if (head == null || head.status == NOT_HTTP) {
            throw new IOException(filled == 0 ? "the connection closed without an answer" : "the answer is not HTTP");
        }
        return new Answer(head.status, head.excerpt(buffer, filled), head.location);
    }

    private static int timeoutMillis(long deadline) throws SocketTimeoutException {
        long left = remaining(deadline);
        if (left <= 0) {
            throw new SocketTimeoutException("the delivery's time ran out");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static long remaining(long deadline) {
        return Duration.ofNanos(deadline - System.nanoTime()).toMillis();
    }

    /** The status of a head whose first line is no HTTP status line. */
    private static final int NOT_HTTP = -1;

    /** A final (not 1xx) answer's status line and the headers that tell where its body ends. */
    private record Head(int status, int bodyStart, long contentLength, boolean chunked, String location) {

        /** The head of the last answer in {@code buffer}, skipping interim (1xx) ones; null while incomplete. */
        static Head parse(byte[] buffer, int filled) {
            int start = 0;
            while (true) {
                int end = indexOf(buffer, start, filled, HEAD_END);
                if (end < 0) {
                    return null;
                }
                String[] lines = new String(buffer, start, end - start, StandardCharsets.ISO_8859_1).split("\r\n");
                String[] status = lines[0].split(" ", 3);
                if (status.length < 2 || !status[0].startsWith("HTTP/") || !status[1].matches("\\d{3}")) {
                    return new Head(NOT_HTTP, end + 4, 0, false, null);
                }
                int code = Integer.parseInt(status[1]);
                if (code >= 100 && code < 200) {
                    start = end + 4;
                    continue;
                }
                long length = -1;
                boolean chunked = false;
                String location = null;
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon <= 0) {
                        continue;
                    }
                    String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = lines[i].substring(colon + 1).trim();
                    switch (name) {
                        case "content-length" -> length = parseLength(value);
                        case "transfer-encoding" ->
                            chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                        case "location" -> location = value.length() > 300 ? value.substring(0, 300) : value;
                        default -> {}
                    }
                }
                return new Head(code, end + 4, chunked ? -1 : length, chunked, location);
            }
        }

        private static long parseLength(String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        boolean complete(byte[] buffer, int filled) {
            if (status == 204 || status == 304) {
                return true;
            }
            if (contentLength >= 0) {
                return filled - bodyStart >= contentLength;
            }
            // A chunked body ends with an empty chunk (trailers are not expected from a webhook receiver).
            return chunked
                    && filled - bodyStart >= 5
                    && indexOf(buffer, filled - 5, filled, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) >= 0;
        }

        String excerpt(byte[] buffer, int filled) {
            byte[] body = chunked ? dechunk(buffer, bodyStart, filled) : slice(buffer, bodyStart, filled);
            String text = new String(body, StandardCharsets.UTF_8).strip();
            return text.length() > EXCERPT ? text.substring(0, EXCERPT) : text;
        }

        private byte[] slice(byte[] buffer, int from, int to) {
            int end = contentLength >= 0 ? (int) Math.min(to, from + contentLength) : to;
            byte[] out = new byte[Math.max(0, end - from)];
            System.arraycopy(buffer, from, out, 0, out.length);
            return out;
        }

        /** The data of the chunks read so far; stops at what is cut off. */
        private static byte[] dechunk(byte[] buffer, int from, int to) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int at = from;
            while (at < to) {
                int lineEnd = indexOf(buffer, at, to, new byte[] {'\r', '\n'});
                if (lineEnd < 0) {
                    break;
                }
                String size = new String(buffer, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
                int length;
                try {
                    length = Integer.parseInt(size, 16);
                } catch (NumberFormatException e) {
                    break;
                }
                if (length <= 0) {
                    break;
                }
                int dataStart = lineEnd + 2;
                int take = Math.min(length, to - dataStart);
                out.write(buffer, dataStart, Math.max(0, take));
                at = dataStart + length + 2;
            }
            return out.toByteArray();
        }
    }

    private static int indexOf(byte[] buffer, int from, int to, byte[] needle) {
        for (int i = Math.max(0, from); i + needle.length <= to; i++) {
            boolean found = true;
            for (int j = 0; j < needle.length && found; j++) {
                found = buffer[i + j] == needle[j];
            }
            if (found) {
                return i;
            }
        }
        return -1;
    }
}
