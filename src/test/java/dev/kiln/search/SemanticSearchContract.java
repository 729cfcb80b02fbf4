package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.embeddings.EmbeddingSettings;
import dev.kiln.embeddings.TextEmbedder;
import dev.kiln.embeddings.VectorHit;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Semantic and hybrid search over HTTP with the real embedding model, and {@link Passages}: a
 * paraphrase is found by meaning, fusion names both retrievers, ownership holds in every mode, an
 * edit is embedded again and a deleted job is never a hit.
 */
abstract class SemanticSearchContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String BUDGET = "The committee approved the annual budget for road repairs.";
    private static final String RECIPE = "Mix two cups of flour with a pinch of salt and bake for an hour.";
    /** Shares no word with BUDGET. */
    private static final String PARAPHRASE = "council agreed spending money fixing streets";

    @Autowired
    Database db;

    @Autowired
    Passages passages;

    @Autowired
    Users users;

    @Autowired
    TextEmbedder embedder;

    @Autowired
    EmbeddingSettings embeddingSettings;

    String member;
    String memberId;

    @BeforeEach
    void member() {
        member = api.newMember("semantic-" + UUID.randomUUID());
        memberId = api.userId(member);
    }

    private String document(String token, String text) {
        String job = api.submit(token, "extract", api.textFile(token, text), "{}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        return job;
    }

    private JsonNode hits(String token, String query, String mode) {
        Api.Response response = api.get(
                "/api/v1/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&mode=" + mode, token);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("items");
    }

    /** Waits until the job's rows all have a vector. */
    private void embedded(String job) {
        await().atMost(WAIT)
                .until(() -> db.sql()
                                        .sql(
                                                "SELECT COUNT(*) FROM search_segments WHERE job_id = ? AND embedding IS NULL")
                                        .param(job)
                                        .query(Long.class)
                                        .single()
                                == 0
                        && db.sql()
                                        .sql("SELECT COUNT(*) FROM search_segments WHERE job_id = ?")
                                        .param(job)
                                        .query(Long.class)
                                        .single()
                                > 0);
    }

    private static List<String> retrievers(JsonNode hit) {
        List<String> names = new ArrayList<>();
        hit.get("retrievers").forEach(r -> names.add(r.asString()));
        return names;
    }

    @Test
    void semanticFindsAParaphraseThatTextSearchDoesNot() {
        String budget = document(member, BUDGET);
        embedded(document(member, RECIPE));
        embedded(budget);
        assertThat(hits(member, PARAPHRASE, "text")).isEmpty();
        JsonNode semantic = hits(member, PARAPHRASE, "semantic");
        assertThat(semantic).hasSize(2);
        assertThat(semantic.get(0).get("jobId").asString()).isEqualTo(budget);
        assertThat(semantic.get(0).get("text").asString()).isEqualTo(BUDGET);
        assertThat(retrievers(semantic.get(0))).containsExactly("semantic");
        assertThat(semantic.get(0).get("score").asDouble())
                .isGreaterThan(semantic.get(1).get("score").asDouble());
        assertThat(semantic.get(0).has("owner")).isFalse();
    }

    @Test
    void vectorsAnotherNodeWritesAfterThisOneCachedTheOwnerAreFound() throws InterruptedException {
        // This Kiln plays the node that writes; `node` is another node's vectors over the same database.
        SegmentVectors node = new SegmentVectors(db, embedder, embeddingSettings);
        Scope owner = new Scope(memberId, null, Set.of(), Set.of(), false);
        Scope everyone = new Scope(null, null, Set.of(), Set.of(), true);
        float[] question = node.query(PARAPHRASE);
        String recipe = document(member, RECIPE);
        embedded(recipe);
        assertThat(node.nearest(owner, question, 5)).hasSize(1); // the owner is cached now, and every owner
        node.nearest(everyone, question, 5);

        String budget = document(member, BUDGET);
        embedded(budget);
        long row = db.sql()
                .sql("SELECT id FROM search_segments WHERE job_id = ?")
                .param(budget)
                .query(Long.class)
                .single();
        assertThat(node.nearest(owner, question, 5))
                .extracting(VectorHit::id)
                .hasSize(2)
                .first()
                .isEqualTo(row);
        assertThat(node.nearest(everyone, question, 100_000))
                .extracting(VectorHit::id)
                .contains(row);
    }

    @Test
    void hybridFusesBoth() {
        String budget = document(member, BUDGET);
        String recipe = document(member, RECIPE);
        embedded(budget);
        embedded(recipe);
        // "flour" is the recipe's word; the rest paraphrases the budget.
        JsonNode hybrid = hits(member, PARAPHRASE + " flour", "hybrid");
        assertThat(hybrid).hasSize(2);
        JsonNode recipeHit = find(hybrid, recipe);
        assertThat(retrievers(recipeHit)).containsExactly("text", "semantic");
        assertThat(retrievers(find(hybrid, budget))).containsExactly("semantic");
        assertThat(recipeHit.get("snippet").toString()).contains("\"match\":true");
        Api.Response byDefault = api.get("/api/v1/search?q=flour", member);
        assertThat(retrievers(byDefault.json().get("items").get(0))).containsExactly("text");
    }

    private static List<String> jobs(JsonNode hits) {
        List<String> jobs = new ArrayList<>();
        hits.forEach(h -> jobs.add(h.get("jobId").asString()));
        return jobs;
    }

    private static JsonNode find(JsonNode hits, String job) {
        for (JsonNode hit : hits) {
            if (hit.get("jobId").asString().equals(job)) {
                return hit;
            }
        }
        throw new AssertionError(job + " not among " + hits);
    }

    @Test
    void everyModeFindsOnlyTheCallersOwnUnlessAnAdminAsks() {
        String budget = document(member, BUDGET);
        embedded(budget);
        String other = api.newMember("semantic-other-" + UUID.randomUUID());
        for (String mode : List.of("text", "semantic", "hybrid")) {
            assertThat(hits(other, "budget " + PARAPHRASE, mode)).as(mode).isEmpty();
            assertThat(hits(other, "budget", mode + "&owner=" + memberId))
                    .as(mode)
                    .isEmpty();
            JsonNode admin = hits(Api.ADMIN_TOKEN, "budget", mode + "&owner=" + memberId);
            assertThat(admin).as(mode).hasSize(1);
            assertThat(admin.get(0).get("owner").asString()).isEqualTo(memberId);
            assertThat(hits(member, "budget", mode + "&type=test-transcript"))
                    .as(mode)
                    .isEmpty();
        }
        JsonNode everyone = hits(Api.ADMIN_TOKEN, BUDGET, "semantic&limit=100");
        assertThat(jobs(everyone)).contains(budget);
    }

    @Test
    void anEditIsEmbeddedAgain() {
        String job = api.submit(member, "test-transcript", api.textFile(member, "pretend audio"), "{\"segments\":3}");
        await().atMost(WAIT).until(() -> api.state(member, job).equals("succeeded"));
        embedded(job);
        byte[] before = vector(job, 1);
        String storm = "The ferry crossing was cancelled because of the storm.";
        Api.Response edited = api.patch(
                "/api/v1/jobs/" + job + "/result",
                member,
                "{\"edits\":[{\"segment\":1,\"version\":0,\"text\":\"" + storm + "\"}]}");
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        await().atMost(WAIT).until(() -> {
            byte[] now = vector(job, 1);
            return now != null && !java.util.Arrays.equals(now, before);
        });
        assertThat(vector(job, 0)).as("an untouched segment keeps its vector").isNotNull();
        JsonNode top = hits(member, "boat trip called off due to bad weather", "semantic")
                .get(0);
        assertThat(top.get("segment").asInt()).isEqualTo(1);
        assertThat(top.get("text").asString()).isEqualTo(storm);
    }

    private byte[] vector(String job, int segment) {
        return db.sql()
                .sql("SELECT embedding FROM search_segments WHERE job_id = ? AND segment = ?")
                .params(job, segment)
                .query((rs, n) -> rs.getBytes(1))
                .single();
    }

    @Test
    void aDeletedJobIsNeverASemanticHit() {
        String budget = document(member, BUDGET);
        embedded(budget);
        assertThat(hits(member, PARAPHRASE, "semantic")).hasSize(1);
        assertThat(api.delete("/api/v1/jobs/" + budget, member).status()).isEqualTo(204);
        for (String mode : List.of("semantic", "hybrid")) {
            assertThat(hits(member, PARAPHRASE, mode)).as(mode).isEmpty();
            assertThat(jobs(hits(Api.ADMIN_TOKEN, BUDGET, mode + "&limit=100")))
                    .as(mode)
                    .doesNotContain(budget);
        }
    }

    @Test
    void statusCountsSegmentsWaitingForAVectorAndSaysThereIsNoReranker() {
        JsonNode status =
                api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN).json();
        assertThat(status.get("vectorsWaiting").isIntegralNumber())
                .as(status.toString())
                .isTrue();
        assertThat(status.get("rerank").toString()).isEqualTo("{\"configured\":false}");
    }

    @Test
    void passagesAreTheOwnersBestForAQuestionWithinTheirScope() {
        String budget = document(member, BUDGET);
        String recipe = document(member, RECIPE);
        embedded(budget);
        embedded(recipe);
        User owner = users.findById(memberId).orElseThrow();
        List<Passage> best = passages.best(owner, "Which council agreed to fix the streets?", Set.of(), Set.of(), 5);
        assertThat(best).hasSize(2);
        assertThat(best.getFirst().jobId()).isEqualTo(budget);
        assertThat(best.getFirst().text()).isEqualTo(BUDGET);
        assertThat(best.getFirst().fileName()).isEqualTo("note.txt");
        assertThat(best.getFirst().retrievers()).contains("semantic");
        assertThat(best.getFirst().score()).isGreaterThan(best.get(1).score());
        assertThat(passages.best(owner, "flour", Set.of(budget), Set.of(), 5))
                .extracting(Passage::jobId)
                .containsExactly(budget);
        String recipeFile = db.sql()
                .sql("SELECT input_file_id FROM jobs WHERE id = ?")
                .param(recipe)
                .query(String.class)
                .single();
        assertThat(passages.best(owner, "streets", Set.of(), Set.of(recipeFile), 1))
                .extracting(Passage::jobId)
                .containsExactly(recipe);
        User stranger = users.findById(api.get("/api/v1/session", api.newMember("stranger-" + UUID.randomUUID()))
                        .json()
                        .get("user")
                        .get("id")
                        .asString())
                .orElseThrow();
        assertThat(passages.best(stranger, "budget for road repairs", Set.of(), Set.of(), 5))
                .isEmpty();
    }
}
