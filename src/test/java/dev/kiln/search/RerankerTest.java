package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.RerankServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The rerank client alone: what it sends without a model or key, and a server that is not there. */
class RerankerTest {

    private static Reranker reranker(String baseUrl, SimpleMeterRegistry meters) {
        return new Reranker(
                new RerankSettings(URI.create(baseUrl), null, null, 50, Duration.ofSeconds(2)),
                JsonMapper.builder().build(),
                meters);
    }

    @Test
    void withoutAModelOrKeyNeitherIsSent() throws Exception {
        try (RerankServer server = new RerankServer();
                Reranker reranker = reranker(server.baseUrl() + "/", new SimpleMeterRegistry())) {
            Reranker.Outcome outcome = reranker.rerank("q", List.of("a", "b"));

            assertThat(outcome)
                    .isEqualTo(new Reranker.Outcome.Ordered(
                            List.of(new Reranker.Ranked(1, 1.0), new Reranker.Ranked(0, 0.5))));
            RerankServer.Received sent = server.last();
            assertThat(sent.path()).isEqualTo("/v1/rerank");
            assertThat(sent.authorization()).isNull();
            assertThat(sent.body().has("model")).isFalse();
        }
    }

    @Test
    void aServerThatIsNotThereIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Reranker reranker = reranker("http://127.0.0.1:" + port + "/v1", meters)) {
            assertThat(reranker.rerank("q", List.of("a")))
                    .isEqualTo(new Reranker.Outcome.Failed(Reranker.Failure.UNREACHABLE));
            assertThat(reranker.status().lastOutcome()).isEqualTo("unreachable");
            assertThat(meters.get("kiln.search.rerank.calls")
                            .tag("outcome", "unreachable")
                            .counter()
                            .count())
                    .isEqualTo(1);
        }
    }

    @Test
    void anEmptyBaseUrlIsNoReranker() {
        assertThat(new RerankSettings(URI.create(""), null, null, 50, Duration.ofSeconds(2)).configured())
                .isFalse();
        assertThat(new RerankSettings(null, null, null, 50, Duration.ofSeconds(2)).configured())
                .isFalse();
    }
}
