package dev.kiln.search;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.RerankServer;
import dev.kiln.testing.RerankServer.Script;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Hybrid search with a reranker: a real HTTP server speaking {@code /rerank} stands in for it. Its
 * order wins for the fused list's first candidates, and says so; a reranker that fails, stalls or
 * answers nonsense leaves the fused order, says why and is counted; paging stays whole either way;
 * only the caller's own texts are ever sent; Ask's passages are reranked too.
 */
abstract class RerankContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String KEY = "rk-test-secret-key";
    private static final String MODEL = "stand-in-reranker";
    private static final int CANDIDATES = 3;
    /** Every line of a test transcript ("Line i of the transcript.") holds both words. */
    private static final String QUERY = "transcript line";

    static final RerankServer RERANKER = start();

    private static RerankServer start() {
        try {
            return new RerankServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void reranker(DynamicPropertyRegistry registry) {
        registry.add("kiln.search.rerank.base-url", RERANKER::baseUrl);
        registry.add("kiln.search.rerank.model", () -> MODEL);
        registry.add("kiln.search.rerank.api-key", () -> KEY);
        registry.add("kiln.search.rerank.candidates", () -> CANDIDATES);
        registry.add("kiln.search.rerank.timeout", () -> "500ms");
    }

    @Autowired
    Passages passages;

    @Autowired
    Users users;

    @Autowired
    MeterRegistry meters;

    String member;
    String memberId;

    @BeforeEach
    void member() {
        member = api.newMember("reranked-" + UUID.randomUUID());
        memberId = api.userId(member);
        RERANKER.next(Script.reverse());
    }

    /** A transcript of five lines, waited for until every line has its vector (so the fused list stays put). */
    private void transcript(String token) {
        String job = api.submit(token, "test-transcript", api.textFile(token, "pretend audio"), "{\"segments\":5}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        await().atMost(WAIT)
                .until(() ->
                        search(token, "transcript", "semantic", "").get("items").size() == 5);
    }

    private JsonNode search(String token, String q, String mode, String more) {
        Api.Response response = api.get(
                "/api/v1/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&mode=" + mode + more, token);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static List<String> texts(JsonNode page) {
        List<String> texts = new ArrayList<>();
        page.get("items").forEach(h -> texts.add(h.get("text").asString()));
        return texts;
    }

    private static List<String> retrievers(JsonNode hit) {
        List<String> names = new ArrayList<>();
        hit.get("retrievers").forEach(r -> names.add(r.asString()));
        return names;
    }

    private double calls(String outcome) {
        return meters.get("kiln.search.rerank.calls")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    @Test
    void hybridHitsFollowTheRerankersOrderAndSaySo() {
        transcript(member);
        int before = RERANKER.received().size();
        double ok = calls("ok");

        JsonNode page = search(member, QUERY, "hybrid", "&limit=10");

        assertThat(RERANKER.received()).hasSize(before + 1);
        RerankServer.Received sent = RERANKER.last();
        assertThat(sent.path()).isEqualTo("/v1/rerank");
        assertThat(sent.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(sent.body().get("model").asString()).isEqualTo(MODEL);
        assertThat(sent.query()).isEqualTo(QUERY);
        assertThat(sent.documents()).hasSize(CANDIDATES);
        assertThat(sent.body().get("top_n").asInt()).isEqualTo(CANDIDATES);
        assertThat(page.get("reranked").asBoolean()).isTrue();
        assertThat(page.has("rerankFailure")).isFalse();
        assertThat(calls("ok")).isEqualTo(ok + 1);

        List<String> texts = texts(page);
        assertThat(texts).hasSize(5);
        assertThat(texts.subList(0, CANDIDATES))
                .containsExactlyElementsOf(Script.reverse().ranked(sent.documents()))
                .isNotEqualTo(sent.documents());
        for (int i = 0; i < CANDIDATES; i++) {
            JsonNode hit = page.get("items").get(i);
            assertThat(retrievers(hit)).contains("text", "semantic").endsWith("rerank");
            assertThat(hit.get("score").asDouble()).isEqualTo(Script.score(i, CANDIDATES));
        }
        for (int i = CANDIDATES; i < texts.size(); i++) {
            assertThat(retrievers(page.get("items").get(i))).doesNotContain("rerank");
            assertThat(sent.documents()).doesNotContain(texts.get(i));
        }

        JsonNode text = search(member, QUERY, "text", "");
        assertThat(text.has("reranked")).as("only hybrid is reranked").isFalse();
        assertThat(RERANKER.received()).hasSize(before + 1);
    }

    private record Failing(Script script, String code) {}

    @Test
    void aFailingRerankerLeavesTheFusedOrderAndSaysWhy() {
        transcript(member);
        List<Failing> failures = List.of(
                new Failing(Script.status(500), "rejected"),
                new Failing(Script.status(401), "rejected"),
                new Failing(Script.stall(), "timeout"),
                new Failing(Script.body("<html>not json</html>"), "malformed"),
                new Failing(Script.body("{\"data\": []}"), "malformed"),
                new Failing(Script.body("{\"results\": [{\"index\": 7, \"relevance_score\": 0.9}]}"), "malformed"),
                new Failing(Script.body("{\"results\": [{\"index\": 0}]}"), "malformed"),
                new Failing(
                        Script.body("{\"results\": [{\"index\": 1, \"relevance_score\": 0.9},"
                                + " {\"index\": 1, \"relevance_score\": 0.5}]}"),
                        "malformed"));
        for (Failing failing : failures) {
            RERANKER.next(failing.script());
            double counted = calls(failing.code());

            JsonNode page = search(member, QUERY, "hybrid", "&limit=10");

            assertThat(page.get("reranked").asBoolean()).as(failing.code()).isFalse();
            assertThat(page.get("rerankFailure").asString()).isEqualTo(failing.code());
            assertThat(texts(page)).hasSize(5);
            assertThat(texts(page).subList(0, CANDIDATES))
                    .as("the fused order, as it was sent")
                    .containsExactlyElementsOf(RERANKER.last().documents());
            page.get("items").forEach(hit -> assertThat(retrievers(hit)).doesNotContain("rerank"));
            assertThat(calls(failing.code())).isEqualTo(counted + 1);
        }
        RERANKER.next(Script.reverse());
        JsonNode status =
                api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN).json().get("rerank");
        assertThat(status.get("lastOutcome").asString()).isEqualTo("malformed");
        assertThat(search(member, QUERY, "hybrid", "").get("reranked").asBoolean())
                .as("answers again")
                .isTrue();
    }

    private List<String> pages(String q, int limit, List<JsonNode> seen) {
        List<String> texts = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page =
                    search(member, q, "hybrid", "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
            seen.add(page);
            texts.addAll(texts(page));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
        } while (cursor != null);
        return texts;
    }

    @Test
    void pagesAreOneListWhetherRerankedOrNot() {
        transcript(member);
        List<String> reranked = texts(search(member, QUERY, "hybrid", "&limit=10"));
        int before = RERANKER.received().size();
        List<JsonNode> seen = new ArrayList<>();
        assertThat(pages(QUERY, 2, seen)).containsExactlyElementsOf(reranked);
        assertThat(seen)
                .hasSize(3)
                .allSatisfy(p -> assertThat(p.get("reranked").asBoolean()).isTrue());
        assertThat(RERANKER.received())
                .as("the third page lies past the candidates: their order is not asked for")
                .hasSize(before + 2);

        RERANKER.next(Script.status(503));
        List<String> fused = texts(search(member, QUERY, "hybrid", "&limit=10"));
        assertThat(fused).isNotEqualTo(reranked).containsExactlyInAnyOrderElementsOf(reranked);
        JsonNode first = search(member, QUERY, "hybrid", "&limit=2");
        RERANKER.next(Script.reverse());
        before = RERANKER.received().size();
        List<String> rest = new ArrayList<>(texts(first));
        String cursor = first.get("nextCursor").asString();
        while (cursor != null) {
            JsonNode page = search(member, QUERY, "hybrid", "&limit=2&cursor=" + cursor);
            assertThat(page.get("reranked").asBoolean()).isFalse();
            assertThat(page.get("rerankFailure").asString()).isEqualTo("rejected");
            rest.addAll(texts(page));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
        }
        assertThat(rest).as("a list that began in fused order keeps it").containsExactlyElementsOf(fused);
        assertThat(RERANKER.received()).hasSize(before);

        String forged = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("s1:2:whatever".getBytes(StandardCharsets.UTF_8));
        Api.Response refused = api.get("/api/v1/search?q=line&mode=hybrid&cursor=" + forged, member);
        SearchContract.assertField(refused, 400, "cursor");
    }

    @Test
    void onlyTheCallersOwnTextsAreSentOrFound() {
        String rare = rareWord();
        String stranger = api.newMember("reranked-stranger-" + UUID.randomUUID());
        String theirs = api.searchableDocument(stranger, "The " + rare + " memo is confidential.", rare);
        String mine = api.searchableDocument(member, "The " + rare + " memo was filed.", rare);
        RERANKER.next(Script.preferring("confidential"));
        int before = RERANKER.received().size();

        JsonNode page = search(member, rare + " memo", "hybrid", "");

        List<RerankServer.Received> sent =
                RERANKER.received().subList(before, RERANKER.received().size());
        assertThat(sent).hasSize(1);
        assertThat(sent.getFirst().documents()).isNotEmpty().noneMatch(d -> d.contains("confidential"));
        assertThat(page.get("items"))
                .isNotEmpty()
                .allSatisfy(hit ->
                        assertThat(hit.get("jobId").asString()).isEqualTo(mine).isNotEqualTo(theirs));

        String strangerId = api.userId(stranger);
        assertThat(search(member, rare, "hybrid", "&owner=" + strangerId).get("items"))
                .isEmpty();
        String nobody = api.newMember("reranked-nobody-" + UUID.randomUUID());
        assertThat(search(nobody, rare + " memo confidential", "hybrid", "").get("items"))
                .isEmpty();
        assertThat(RERANKER.received()).as("nothing of theirs to send").hasSize(before + 1);
    }

    @Test
    void passagesForAnAnswerAreRerankedToo() {
        transcript(member);
        User owner = users.findById(memberId).orElseThrow();

        List<Passage> best = passages.best(owner, QUERY, Set.of(), Set.of(), 5);
        List<String> sent = RERANKER.last().documents();
        assertThat(best).hasSize(5);
        assertThat(best.subList(0, CANDIDATES))
                .extracting(Passage::text)
                .containsExactlyElementsOf(Script.reverse().ranked(sent));
        assertThat(best.getFirst().retrievers()).endsWith("rerank");
        assertThat(best.getFirst().score()).isEqualTo(1.0);

        RERANKER.next(Script.stall());
        List<Passage> fused = passages.best(owner, QUERY, Set.of(), Set.of(), 5);
        assertThat(fused.subList(0, CANDIDATES)).extracting(Passage::text).containsExactlyElementsOf(sent);
        assertThat(fused).allSatisfy(p -> assertThat(p.retrievers()).doesNotContain("rerank"));
    }

    @Test
    void statusSaysAReRankerIsConfiguredAndNeverItsKey() {
        search(member, "anything", "hybrid", "");
        Api.Response status = api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN);
        JsonNode rerank = status.json().get("rerank");
        assertThat(rerank.get("configured").asBoolean()).isTrue();
        assertThat(rerank.get("model").asString()).isEqualTo(MODEL);
        assertThat(rerank.get("candidates").asInt()).isEqualTo(CANDIDATES);
        assertThat(status.body()).doesNotContain(KEY).doesNotContain(RERANKER.baseUrl());
    }
}
