package dev.kiln.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testing.SelfSignedTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one POST a delivery makes, against a raw socket that answers exactly as each test writes. */
class HttpPostTest {

    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    private final CountDownLatch done = new CountDownLatch(1);

    HttpPostTest() throws IOException {}

    @AfterEach
    void close() throws IOException {
        done.countDown();
        server.close();
    }

    /** Accepts one connection, reads the request's head and body, writes {@code answer}, keeps it open until the test ends. */
    private CompletableFuture<String> serve(byte[]... answer) {
        CompletableFuture<String> request = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                request.complete(readRequest(s.getInputStream()));
                OutputStream out = s.getOutputStream();
                for (byte[] part : answer) {
                    out.write(part);
                    out.flush();
                }
                done.await(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                request.completeExceptionally(e);
            }
        });
        return request;
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int contentLength = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            seen.write(b);
            String text = seen.toString(StandardCharsets.US_ASCII);
            if (contentLength < 0 && text.endsWith("\r\n\r\n")) {
                contentLength = Integer.parseInt(text.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                seen.write(in.readNBytes(contentLength));
                return seen.toString(StandardCharsets.UTF_8);
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private HttpPost.Answer post(Duration timeout) throws IOException {
        UrlGuard.Destination to = new UrlGuard.Destination(
                false, "receiver.test", server.getLocalPort(), "/hook?x=1", server.getInetAddress());
        return HttpPost.send(
                to,
                Map.of("webhook-id", "msg_1"),
                "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(1),
                timeout);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void sendsToTheCheckedAddressWithTheNameInTheHostHeader() throws Exception {
        CompletableFuture<String> request = serve(ascii("HTTP/1.1 204 No Content\r\n\r\n"));
        HttpPost.Answer answer = post(Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(204);
        assertThat(request.get(5, TimeUnit.SECONDS))
                .startsWith("POST /hook?x=1 HTTP/1.1\r\nHost: receiver.test:" + server.getLocalPort() + "\r\n")
                .contains("webhook-id: msg_1\r\n", "Content-Length: 7\r\n", "Connection: close\r\n")
                .endsWith("\r\n\r\n{\"a\":1}");
    }

    @Test
    void aBodyThatNeverEndsIsReadOnlyUpToTheCap() throws Exception {
        byte[] endless = new byte[200 * 1024];
        java.util.Arrays.fill(endless, (byte) 'x');
        serve(ascii("HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n\r\n"), endless);
        long start = System.nanoTime();
        HttpPost.Answer answer = post(Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.excerpt()).hasSize(HttpPost.EXCERPT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aChunkedAnswerEndsAtItsLastChunkAndItsTextIsKept() throws Exception {
        serve(ascii("HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        HttpPost.Answer answer = post(Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.excerpt()).isEqualTo("hello world");
    }

    @Test
    void interimAnswersAreSkippedAndRedirectsAreReportedNotFollowed() throws Exception {
        serve(ascii("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\n"
                + "Content-Length: 0\r\n\r\n"));
        HttpPost.Answer answer = post(Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(302);
        assertThat(answer.location()).isEqualTo("http://10.0.0.1/");
    }

    @Test
    void aReceiverThatNeverAnswersRunsOutOfTime() {
        serve();
        assertThatThrownBy(() -> post(Duration.ofMillis(300))).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void aStatusThatCameInTimeStandsWhenTheBodyTrickles() throws Exception {
        serve(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok"));
        assertThat(post(Duration.ofMillis(300)).status()).isEqualTo(200);
    }

    @Test
    void somethingThatIsNotHttpIsAFailure() {
        serve(ascii("SSH-2.0-OpenSSH\r\n\r\n"));
        assertThatThrownBy(() -> post(Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not HTTP");
    }

    /**
     * https: TLS over the socket connected to the checked address, with the URL's name sent as SNI
     * and the certificate checked against that name; a name the certificate does not hold fails the
     * handshake before a byte of the delivery is sent.
     */
    @Test
    void httpsChecksTheCertificateAgainstTheUrlsNameAndSendsItAsSni() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(Files.createTempDirectory("kiln-webhook-tls-"));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<String> requests = new CopyOnWriteArrayList<>();
        List<List<SNIServerName>> serverNames = new CopyOnWriteArrayList<>();
        try (SSLServerSocket secure =
                (SSLServerSocket) tls.serverContext().getServerSocketFactory().createServerSocket(0, 2, loopback)) {
            Thread.ofVirtual().start(() -> {
                while (!secure.isClosed()) {
                    try (SSLSocket s = (SSLSocket) secure.accept()) {
                        s.startHandshake();
                        serverNames.add(((ExtendedSSLSession) s.getSession()).getRequestedServerNames());
                        requests.add(readRequest(s.getInputStream()));
                        s.getOutputStream().write(ascii("HTTP/1.1 204 No Content\r\n\r\n"));
                        s.getOutputStream().flush();
                    } catch (IOException handshakeRefusedOrClosed) {
                        // the client gave up on the certificate, or the test is over
                    }
                }
            });
            byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
            UrlGuard.Destination named =
                    new UrlGuard.Destination(true, "localhost", secure.getLocalPort(), "/hook", loopback);
            HttpPost.Answer answer = HttpPost.send(
                    named,
                    Map.of("webhook-id", "msg_1"),
                    body,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(10),
                    tls.context().getSocketFactory());
            assertThat(answer.status()).isEqualTo(204);
            assertThat(requests).singleElement().asString().startsWith("POST /hook HTTP/1.1\r\nHost: localhost:");
            assertThat(serverNames).singleElement().isEqualTo(List.of(new SNIHostName("localhost")));

            UrlGuard.Destination misnamed =
                    new UrlGuard.Destination(true, "receiver.test", secure.getLocalPort(), "/hook", loopback);
            assertThatThrownBy(() -> HttpPost.send(
                            misnamed,
                            Map.of(),
                            body,
                            Duration.ofSeconds(2),
                            Duration.ofSeconds(10),
                            tls.context().getSocketFactory()))
                    .isInstanceOf(SSLHandshakeException.class);
            assertThat(requests)
                    .as("nothing sent to a receiver whose certificate is not for the name")
                    .hasSize(1);
        }
    }
}
