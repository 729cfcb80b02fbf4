package dev.kiln.answers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kiln.processors.JobFailure;
import dev.kiln.testing.ChatCompletionsServer;
import dev.kiln.testing.ChatCompletionsServer.Ending;
import dev.kiln.testing.ChatCompletionsServer.Script;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The client against a real HTTP server speaking the chat-completions streaming format. */
class ChatCompletionsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<ChatCompletions.Message> QUESTION = List.of(
            new ChatCompletions.Message("system", "Answer briefly."), new ChatCompletions.Message("user", "Hi?"));

    private ChatCompletionsServer server;
    private ChatCompletions client;

    @BeforeEach
    void start() throws Exception {
        server = new ChatCompletionsServer();
        client = client(server.baseUrl(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static ChatCompletions client(String baseUrl, Duration stall) {
        return new ChatCompletions(
                new LlmSettings(URI.create(baseUrl), "tiny", "sk-secret", Duration.ofSeconds(2), stall, 256), JSON);
    }

    @Test
    void streamsEveryPieceInOrderAndSendsTheConversationWithTheKey() throws Exception {
        server.next(Script.answer("The ", "answer ", "is 42."));
        List<String> pieces = new CopyOnWriteArrayList<>();

        ChatCompletions.Reply reply = client.stream(QUESTION, pieces::add);

        assertThat(pieces).containsExactly("The ", "answer ", "is 42.");
        assertThat(reply.text()).isEqualTo("The answer is 42.");
        assertThat(reply.finishReason()).isEqualTo("stop");
        ChatCompletionsServer.Received sent = server.received().getFirst();
        assertThat(sent.authorization()).isEqualTo("Bearer sk-secret");
        JsonNode body = JSON.readTree(sent.body());
        assertThat(body.get("model").asString()).isEqualTo("tiny");
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("messages")).hasSize(2);
        assertThat(body.get("messages").get(1).get("content").asString()).isEqualTo("Hi?");
    }

    @Test
    void anErrorInTheStreamFailsWithLlmErrorAfterThePiecesThatCame() {
        server.next(Script.answer("Partial ", "answer").endingWith(Ending.ERROR_IN_STREAM));
        List<String> pieces = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> client.stream(QUESTION, pieces::add)).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo("llm_error");
            assertThat(f.retryable()).isFalse();
            assertThat(f.getMessage()).contains("incomplete").doesNotContain("model crashed");
        });
        assertThat(pieces).containsExactly("Partial ", "answer");
    }

    @Test
    void aConnectionDroppedBeforeDoneIsNotAShortAnswer() {
        server.next(Script.answer("Cut ").endingWith(Ending.DROP));

        assertThatThrownBy(() -> client.stream(QUESTION, piece -> {}))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("llm_error"));
    }

    @Test
    void aReplyCutAtMaxTokensOrByAFilterOrWithNoTextIsNotAnAnswer() {
        server.next(Script.answer("A long ", "answer").endingWith(Ending.LENGTH));
        List<String> pieces = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> client.stream(QUESTION, pieces::add)).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo("llm_error");
            assertThat(f.retryable()).isFalse();
            assertThat(f.getMessage()).contains("kiln.llm.max-tokens", "256 tokens", "incomplete");
        });
        assertThat(pieces).containsExactly("A long ", "answer");

        server.next(Script.answer("Half").endingWith(Ending.CONTENT_FILTER));
        assertThatThrownBy(() -> client.stream(QUESTION, piece -> {})).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo("llm_error");
            assertThat(f.getMessage()).contains("content filter");
        });

        server.next(Script.answer(" ", "\n"));
        assertThatThrownBy(() -> client.stream(QUESTION, piece -> {})).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo("llm_error");
            assertThat(f.getMessage()).contains("without writing an answer");
        });
    }

    @Test
    void aStallFailsAfterTheStallTimeout() {
        ChatCompletions impatient = client(server.baseUrl(), Duration.ofMillis(300));
        server.next(Script.answer("Thinking").endingWith(Ending.STALL));

        assertThatThrownBy(() -> impatient.stream(QUESTION, piece -> {}))
                .isInstanceOfSatisfying(JobFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("llm_error");
                    assertThat(f.getMessage()).contains("stopped sending");
                });
        impatient.close();
    }

    @Test
    void aLineThatTricklesInIsNotAStall() throws Exception {
        ChatCompletions patient = client(server.baseUrl(), Duration.ofSeconds(1));
        // one line in 10 slices 200 ms apart: 2 s for the line, never 1 s without a byte
        server.next(Script.answer("Slowly but surely.")
                .paced(Duration.ofMillis(200))
                .trickled());
        try {
            assertThat(patient.stream(QUESTION, piece -> {}).text()).isEqualTo("Slowly but surely.");
        } finally {
            patient.close();
        }
    }

    @Test
    void anErrorStatusWhoseBodyStallsIsStillUnavailableAndRetryable() {
        ChatCompletions impatient = client(server.baseUrl(), Duration.ofMillis(300));
        server.next(Script.status(503).endingWith(Ending.STALL));
        try {
            // without a bound the read of the error's body waits as long as the proxy does
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> impatient.stream(QUESTION, piece -> {}))
                            .isInstanceOfSatisfying(JobFailure.class, f -> {
                                assertThat(f.code()).isEqualTo("llm_unavailable");
                                assertThat(f.retryable()).isTrue();
                            }));
        } finally {
            impatient.close();
        }
    }

    @Test
    void busyOrFailingServersAreUnavailableAndRetryable() {
        for (int status : new int[] {429, 500, 503}) {
            server.next(Script.status(status));
            assertThatThrownBy(() -> client.stream(QUESTION, piece -> {}))
                    .isInstanceOfSatisfying(JobFailure.class, f -> {
                        assertThat(f.code()).isEqualTo("llm_unavailable");
                        assertThat(f.retryable()).isTrue();
                    });
        }
    }

    @Test
    void aRefusedRequestIsAnErrorThatNamesTheSettingsNotTheKey() {
        server.next(Script.status(401));

        assertThatThrownBy(() -> client.stream(QUESTION, piece -> {})).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo("llm_error");
            assertThat(f.getMessage()).contains("kiln.llm.api-key").doesNotContain("sk-secret");
        });
    }

    @Test
    void anUnreachableServerIsUnavailable() throws Exception {
        String gone = server.baseUrl();
        server.close();
        ChatCompletions toNowhere = client(gone, Duration.ofSeconds(5));

        assertThatThrownBy(() -> toNowhere.stream(QUESTION, piece -> {}))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("llm_unavailable"));
        toNowhere.close();
    }

    @Test
    void interruptingTheCallerClosesTheUpstreamRequest() throws Exception {
        String[] many = new String[2_000];
        java.util.Arrays.fill(many, "word ");
        server.next(Script.answer(many).paced(Duration.ofMillis(5)));
        CountDownLatch firstPiece = new CountDownLatch(1);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.stream(QUESTION, piece -> firstPiece.countDown());
            } catch (Throwable e) {
                ended.set(e);
            }
        });

        assertThat(firstPiece.await(5, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();
        caller.join(Duration.ofSeconds(5));

        assertThat(ended.get()).isInstanceOf(InterruptedException.class);
        assertThat(server.clientGone().await(5, TimeUnit.SECONDS))
                .as("the server saw the client go before its 2,000 pieces were sent")
                .isTrue();
    }
}
