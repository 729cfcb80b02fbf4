package dev.kiln.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/1.1 written byte by byte, for requests {@link Api}'s client refuses to send: malformed
 * percent-escapes, control characters in header values, any bytes in a request line. One
 * request per connection ({@code Connection: close}); the answer is read to the end.
 */
public final class RawHttp {

    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /**
     * Sends {@code method target} with these header lines (each "Name: value", sent as
     * ISO-8859-1 bytes as given) and body; Host, Content-Length and Connection are added.
     */
    public Api.Response send(String method, String target, List<String> headers, byte[] body) {
        List<String> all = new ArrayList<>(headers);
        if (body.length > 0 || method.equals("POST") || method.equals("PATCH") || method.equals("PUT")) {
            all.add("Content-Length: " + body.length);
        }
        return exchange(method, target, all, body, false);
    }

    /**
     * Sends {@code method target} declaring a body of {@code declared} bytes, sends only {@code sent}
     * of them and shuts its side of the connection, as a client cut off mid-upload whose connection
     * still reads (a proxy passing on the abort): the server meets the body's end early.
     */
    public Api.Response cut(String method, String target, List<String> headers, long declared, byte[] sent) {
        return partial(method, target, headers, declared, sent, true);
    }

    /**
     * As {@link #cut}, but the connection stays open and silent: the server's read of the rest times
     * out ({@code server.tomcat.connection-timeout}).
     */
    public Api.Response stalled(String method, String target, List<String> headers, long declared, byte[] sent) {
        return partial(method, target, headers, declared, sent, false);
    }

    /**
     * Sends {@code method target} with {@code Transfer-Encoding: chunked} and {@code body} as it is:
     * the caller writes the chunks' framing, a broken one too.
     */
    public Api.Response chunked(String method, String target, List<String> headers, byte[] body) {
        List<String> all = new ArrayList<>(headers);
        all.add("Transfer-Encoding: chunked");
        return exchange(method, target, all, body, false);
    }

    private Api.Response partial(
            String method, String target, List<String> headers, long declared, byte[] sent, boolean shut) {
        List<String> all = new ArrayList<>(headers);
        all.add("Content-Length: " + declared);
        return exchange(method, target, all, sent, shut);
    }

    private Api.Response exchange(String method, String target, List<String> headers, byte[] body, boolean shut) {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            line(request, method + " " + target + " HTTP/1.1");
            line(request, "Host: localhost:" + port);
            for (String header : headers) {
                line(request, header);
            }
            line(request, "Connection: close");
            line(request, "");
            request.write(body);
            OutputStream out = socket.getOutputStream();
            out.write(request.toByteArray());
            out.flush();
            if (shut) {
                socket.shutdownOutput();
            }
            return parse(socket.getInputStream().readAllBytes(), method.equals("HEAD"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(ByteArrayOutputStream out, String line) {
        out.writeBytes((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Api.Response parse(byte[] raw, boolean head) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete answer: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).strip(), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        boolean chunked = headers.entrySet().stream()
                .anyMatch(e -> e.getKey().equalsIgnoreCase("Transfer-Encoding")
                        && e.getValue().stream().anyMatch(v -> v.equalsIgnoreCase("chunked")));
        if (chunked && !head) {
            body = unchunk(body);
        }
        return new Api.Response(status, headers, head ? "" : new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] unchunk(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new java.io.ByteArrayInputStream(body);
        while (true) {
            StringBuilder size = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    size.append((char) c);
                }
            }
            String hex = size.toString().split(";")[0].strip();
            if (hex.isEmpty()) {
                return out.toByteArray();
            }
            int length = Integer.parseInt(hex, 16);
            if (length == 0) {
                return out.toByteArray();
            }
            out.write(in.readNBytes(length));
            in.read();
            in.read(); // CRLF after the chunk
        }
    }
}
