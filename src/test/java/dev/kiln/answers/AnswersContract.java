package dev.kiln.answers;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.ChatCompletionsServer;
import dev.kiln.testing.ChatCompletionsServer.Ending;
import dev.kiln.testing.ChatCompletionsServer.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asking questions with a language model: a real HTTP server speaking the chat-completions stream
 * stands in for it. The answer streams as partial events and cites the owner's passages; an error,
 * a busy server and a cancel each end the job as they should; a follow-up carries the earlier turn.
 */
abstract class AnswersContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final ChatCompletionsServer LLM = start();

    private static ChatCompletionsServer start() {
        try {
            return new ChatCompletionsServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void llm(DynamicPropertyRegistry registry) {
        registry.add("kiln.llm.base-url", LLM::baseUrl);
        registry.add("kiln.llm.model", () -> "stand-in-7b");
        registry.add("kiln.llm.api-key", () -> "sk-test-secret-key");
        registry.add("kiln.jobs.retry-initial-backoff", () -> "200ms");
        // short enough for a stalled reply to fail well within WAIT; the stand-in sends far faster
        registry.add("kiln.llm.stall-timeout", () -> "3s");
    }

    String member;
    String rare;
    String document;

    @BeforeEach
    void content() {
        member = api.newMember("asker-" + UUID.randomUUID());
        rare = rareWord();
        document =
                api.searchableDocument(member, "The " + rare + " project was approved by the board on Tuesday.", rare);
    }

    String ask(String token, String body) {
        Api.Response asked = api.post("/api/v1/answers", token, body);
        assertThat(asked.status()).as(asked.toString()).isEqualTo(202);
        return asked.json().get("id").asString();
    }

    static String question(String text) {
        return "{\"question\": \"" + text + "\"}";
    }

    static String deltas(List<JsonNode> events) {
        StringBuilder text = new StringBuilder();
        events.stream()
                .filter(e -> e.get("kind").asString().equals("partial")
                        && e.get("data").has("delta"))
                .forEach(e -> text.append(e.get("data").get("delta").asString()));
        return text.toString();
    }

    @Test
    void anAnswerStreamsAsPartialsAndCitesTheOwnersPassage() throws Exception {
        LLM.next(Script.answer("The ", rare, " project was approved on Tuesday [1]."));
        String job = ask(member, question("When was the " + rare + " project approved?"));

        List<JsonNode> events = api.events(member, job);
        assertThat(api.state(member, job)).isEqualTo("succeeded");
        assertThat(deltas(events)).isEqualTo("The " + rare + " project was approved on Tuesday [1].");
        JsonNode first = events.stream()
                .filter(e -> e.get("kind").asString().equals("partial"))
                .findFirst()
                .orElseThrow();
        assertThat(first.get("data").get("citations").get(0).get("jobId").asString())
                .isEqualTo(document);

        JsonNode result =
                JSON.readTree(api.get("/api/v1/jobs/" + job + "/result", member).body());
        assertThat(result.get("answer").asString()).isEqualTo(deltas(events));
        assertThat(result.get("mode").asString()).isEqualTo("llm");
        assertThat(result.get("complete").asBoolean()).isTrue();
        JsonNode citation = result.get("citations").get(0);
        assertThat(citation.get("n").asInt()).isEqualTo(1);
        assertThat(citation.get("jobId").asString()).isEqualTo(document);
        assertThat(citation.get("fileName").asString()).isEqualTo("note.txt");
        assertThat(citation.get("text").asString()).contains(rare + " project was approved");

        ChatCompletionsServer.Received sent = LLM.received().getLast();
        assertThat(sent.authorization()).isEqualTo("Bearer sk-test-secret-key");
        JsonNode messages = JSON.readTree(sent.body()).get("messages");
        assertThat(messages.get(0).get("role").asString()).isEqualTo("system");
        assertThat(messages.get(messages.size() - 1).get("content").asString())
                .contains("[1] (note.txt")
                .contains(rare + " project was approved")
                .contains("Question: When was the " + rare + " project approved?");
    }

    @Test
    void anErrorMidStreamFailsWithLlmErrorAndKeepsWhatCame() {
        LLM.next(Script.answer("The project ", "was").endingWith(Ending.ERROR_IN_STREAM));
        String job = ask(member, question("What happened to " + rare + "?"));

        List<JsonNode> events = api.events(member, job);
        assertThat(api.state(member, job)).isEqualTo("failed");
        assertThat(deltas(events)).isEqualTo("The project was");
        JsonNode error = api.job(member, job).get("error");
        assertThat(error.get("code").asString()).isEqualTo("llm_error");
        assertThat(error.get("message").asString()).contains("incomplete").doesNotContain("model crashed");
        assertThat(api.get("/api/v1/jobs/" + job + "/result", member).status()).isEqualTo(404);
    }

    @Test
    void aReplyCutAtMaxTokensOrEmptyFailsInsteadOfPassingForAnAnswer() {
        LLM.next(Script.answer("The ", rare, " project was").endingWith(Ending.LENGTH));
        String cut = ask(member, question("What happened to the " + rare + " project?"));

        List<JsonNode> events = api.events(member, cut);
        assertThat(api.state(member, cut)).isEqualTo("failed");
        assertThat(deltas(events)).isEqualTo("The " + rare + " project was");
        JsonNode error = api.job(member, cut).get("error");
        assertThat(error.get("code").asString()).isEqualTo("llm_error");
        assertThat(error.get("message").asString()).contains("kiln.llm.max-tokens");
        assertThat(api.get("/api/v1/jobs/" + cut + "/result", member).status()).isEqualTo(404);

        // a reasoning model that spent every token thinking: nothing but the end of the stream
        LLM.next(Script.answer());
        String empty = ask(member, question("Who approved the " + rare + " project?"));
        api.events(member, empty);
        assertThat(api.state(member, empty)).isEqualTo("failed");
        assertThat(api.job(member, empty).get("error").get("code").asString()).isEqualTo("llm_error");
        assertThat(api.get("/api/v1/jobs/" + empty + "/result", member).status())
                .isEqualTo(404);
    }

    @Test
    void aBusyServerIsRetriedAndTheRetryAnswers() {
        LLM.next(Script.status(503));
        String job = ask(member, question("Who approved " + rare + "?"));
        await().atMost(WAIT).until(() -> api.job(member, job).path("attempt").asInt() >= 2);
        LLM.next(Script.answer("The board [1]."));

        List<JsonNode> events = api.events(member, job);
        assertThat(api.state(member, job)).isEqualTo("succeeded");
        assertThat(events.stream().filter(e -> e.get("kind").asString().equals("error")))
                .allSatisfy(
                        e -> assertThat(e.get("data").get("code").asString()).isEqualTo("llm_unavailable"))
                .isNotEmpty();
    }

    @Test
    void aBusyStatusWhoseBodyStallsIsRetriedNotLeftToTimeOut() {
        LLM.next(Script.status(503).endingWith(Ending.STALL), Script.answer("The board [1]."));
        String job = ask(member, question("Who signed off on " + rare + "?"));

        // before: the attempt hung on the error's body until the 15-minute limit, then failed `timeout`
        List<JsonNode> events = api.events(member, job);
        assertThat(api.state(member, job)).isEqualTo("succeeded");
        assertThat(events.stream().filter(e -> e.get("kind").asString().equals("error")))
                .singleElement()
                .satisfies(e -> assertThat(e.get("data").get("code").asString()).isEqualTo("llm_unavailable"));
        assertThat(deltas(events)).isEqualTo("The board [1].");
    }

    @Test
    void cancellingStopsGenerationAndClosesTheUpstreamRequest() throws Exception {
        String[] words = new String[3_000];
        Arrays.fill(words, "word ");
        LLM.next(Script.answer(words).paced(Duration.ofMillis(10)));
        String job = ask(member, question("Tell me everything about " + rare));
        await().atMost(WAIT)
                .until(() -> api.eventsSoFar(member, job).stream()
                        .anyMatch(e -> e.get("data").has("delta")));

        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", member).status())
                .isEqualTo(202);

        await().atMost(WAIT).until(() -> api.state(member, job).equals("cancelled"));
        assertThat(LLM.clientGone().await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFollowUpCarriesTheEarlierTurn() throws Exception {
        LLM.next(Script.answer("On Tuesday [1]."));
        String first = ask(member, question("When was " + rare + " approved?"));
        api.events(member, first);
        LLM.next(Script.answer("The board [1]."));
        String second = ask(member, "{\"question\": \"And by whom?\", \"conversation\": \"" + first + "\"}");
        api.events(member, second);

        JsonNode messages = JSON.readTree(LLM.received().getLast().body()).get("messages");
        assertThat(messages.get(1).get("content").asString()).isEqualTo("When was " + rare + " approved?");
        assertThat(messages.get(2).get("role").asString()).isEqualTo("assistant");
        assertThat(messages.get(2).get("content").asString()).isEqualTo("On Tuesday [1].");
    }

    @Test
    void anotherUsersContentIsNeverCitedNorSent() {
        String other = api.newMember("other-" + UUID.randomUUID());
        int calls = LLM.received().size();
        String job = ask(other, question("When was the " + rare + " project approved?"));

        api.events(other, job);
        JsonNode result =
                JSON.readTree(api.get("/api/v1/jobs/" + job + "/result", other).body());
        assertThat(result.get("citations").toString()).doesNotContain(document);
        assertThat(result.get("mode").asString()).isEqualTo("none");
        assertThat(LLM.received()).hasSize(calls);
    }

    @Test
    void badQuestionsAreRefusedNamingTheField() {
        Api.Response none = api.post("/api/v1/answers", member, "{}");
        assertThat(none.status()).as(none.toString()).isEqualTo(400);
        assertThat(none.json().get("field").asString()).isEqualTo("question");
        Api.Response huge = api.post("/api/v1/answers", member, question("x".repeat(2_001)));
        assertThat(huge.json().get("field").asString()).isEqualTo("question");
        Api.Response scope = api.post("/api/v1/answers", member, "{\"question\": \"x\", \"scope\": 3}");
        assertThat(scope.status()).isEqualTo(400);
        assertThat(scope.json().get("field").asString()).isEqualTo("scope");
        String other = api.newMember("other-" + UUID.randomUUID());
        LLM.next(Script.answer("Fine."));
        String theirs = ask(other, question("anything?"));
        Api.Response foreign =
                api.post("/api/v1/answers", member, "{\"question\": \"x\", \"conversation\": \"" + theirs + "\"}");
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(foreign.json().get("field").asString()).isEqualTo("conversation");
        // Was 500 on PostgreSQL, which refuses NUL in a query's text: the id went to the query as given.
        Api.Response nul =
                api.post("/api/v1/answers", member, "{\"question\": \"x\", \"conversation\": \"job_\\u0000\"}");
        assertThat(nul.status()).as(nul.toString()).isEqualTo(400);
        assertThat(nul.json().get("field").asString()).isEqualTo("conversation");
    }

    @Test
    void anEmptyScopeListIsRefusedNotReadAsEverything() {
        for (String list : List.of("jobs", "files")) {
            Api.Response empty = api.post(
                    "/api/v1/answers",
                    member,
                    "{\"question\": \"When was " + rare + " approved?\", \"scope\": {\"" + list + "\": []}}");
            assertThat(empty.status()).as(empty.toString()).isEqualTo(400);
            assertThat(empty.json().get("code").asString()).isEqualTo("invalid_field");
            assertThat(empty.json().get("field").asString()).isEqualTo("scope." + list);
        }
        Api.Response direct = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\": \"answer\", \"params\": {\"question\": \"When was " + rare
                        + " approved?\", \"files\": []}}");
        assertThat(direct.status()).as(direct.toString()).isEqualTo(400);
        assertThat(direct.json().get("code").asString()).isEqualTo("invalid_params");

        // a scope naming none of the caller's jobs finds nothing, so no model is asked
        int calls = LLM.received().size();
        String job = ask(
                member,
                "{\"question\": \"When was " + rare + " approved?\", \"scope\": {\"jobs\": [\"job_elsewhere\"]}}");
        api.events(member, job);
        JsonNode result =
                JSON.readTree(api.get("/api/v1/jobs/" + job + "/result", member).body());
        assertThat(result.get("mode").asString()).isEqualTo("none");
        assertThat(LLM.received()).hasSize(calls);
    }

    @Test
    void theProcessorListSaysWhichModeAndNeverTheKey() {
        JsonNode answer = api.processor("answer");
        assertThat(answer.toString())
                .contains("\"mode\":\"llm\"")
                .contains("stand-in-7b")
                .doesNotContain("sk-test");
    }
}
