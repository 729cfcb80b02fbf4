package dev.kiln.search;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The search index over HTTP: what succeeds is found, edits and deletions follow, only the
 * caller's own content is found, pages, snippets, hostile queries, and a reindex that resumes.
 */
abstract class SearchContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    Database db;

    @Autowired
    TextSearch text;

    String member;
    String memberId;

    @BeforeEach
    void member() {
        member = api.newMember("searcher-" + UUID.randomUUID());
        memberId = api.userId(member);
    }

    private String finished(String token, String type, String fileId, String params) {
        String job = api.submit(token, type, fileId, params);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        return job;
    }

    private String document(String token, String text) {
        return finished(token, "extract", api.textFile(token, text), "{}");
    }

    private String transcript(String token, int segments) {
        return finished(
                token, "test-transcript", api.textFile(token, "pretend audio"), "{\"segments\":" + segments + "}");
    }

    /** A search by words only unless the query names a mode (semantic and hybrid: SemanticSearchContract). */
    Api.Response search(String token, String query) {
        return api.get("/api/v1/search?" + query + (query.contains("mode=") ? "" : "&mode=text"), token);
    }

    static String q(String text) {
        return "q=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private JsonNode hits(String token, String query) {
        Api.Response response = search(token, query);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("items");
    }

    private JsonNode awaitHits(String token, String query, int count) {
        return await().atMost(WAIT).until(() -> hits(token, query), h -> h.size() == count);
    }

    @Test
    void aSucceededDocumentIsFoundByItsWordsWithAMarkedSnippet() {
        String rare = rareWord();
        String job = document(member, "The committee met on Tuesday. The " + rare + " budget was approved at once.");
        JsonNode hit = awaitHits(member, q(rare.toUpperCase()), 1).get(0);
        assertThat(hit.get("jobId").asString()).isEqualTo(job);
        assertThat(hit.get("jobType").asString()).isEqualTo("extract");
        assertThat(hit.get("fileName").asString()).isEqualTo("note.txt");
        assertThat(hit.get("fileId").asString()).startsWith("file_");
        assertThat(hit.get("segment").asInt()).isZero();
        assertThat(hit.get("text").asString()).contains(rare + " budget");
        assertThat(hit.get("retrievers")).extracting(JsonNode::asString).containsExactly("text");
        assertThat(hit.get("score").asDouble()).isPositive();
        assertThat(hit.has("owner")).as("only admins are told owners").isFalse();
        List<String> marked = new ArrayList<>();
        hit.get("snippet").forEach(p -> {
            if (p.path("match").asBoolean()) {
                marked.add(p.get("text").asString());
            }
        });
        assertThat(marked).containsExactly(rare);
        StringBuilder whole = new StringBuilder();
        hit.get("snippet").forEach(p -> whole.append(p.get("text").asString()));
        assertThat(whole.toString()).contains("The " + rare + " budget was approved");
        // Every word must be there: one that is not finds nothing.
        assertThat(hits(member, q(rare + " " + rareWord()))).isEmpty();
        assertThat(hits(member, q("budget " + rare))).hasSize(1);
    }

    @Test
    void aTranscriptHitCarriesItsMomentAndFollowsAnEdit() {
        String job = transcript(member, 3);
        JsonNode hit = awaitHits(member, q("line 1"), 1).get(0);
        assertThat(hit.get("segment").asInt()).isEqualTo(1);
        assertThat(hit.get("anchor").get("startSeconds").asDouble()).isEqualTo(2.0);
        assertThat(hit.get("anchor").get("endSeconds").asDouble()).isEqualTo(3.5);
        assertThat(hit.get("anchor").has("pageFrom")).isFalse();

        String rare = rareWord();
        Api.Response edited = api.patch(
                "/api/v1/jobs/" + job + "/result",
                member,
                "{\"edits\":[{\"segment\":1,\"version\":0,\"text\":\"A <b>" + rare + "</b> crossing.\"}]}");
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        JsonNode after = awaitHits(member, q(rare), 1).get(0);
        assertThat(after.get("segment").asInt()).isEqualTo(1);
        assertThat(after.get("text").asString()).isEqualTo("A <b>" + rare + "</b> crossing.");
        StringBuilder whole = new StringBuilder();
        after.get("snippet").forEach(p -> whole.append(p.get("text").asString()));
        assertThat(whole.toString())
                .as("markup in a segment is text, not markers: " + after)
                .contains("<b>");
        assertThat(hits(member, q("line 1"))).as("the old words are gone").isEmpty();
        assertThat(hits(member, q("line")))
                .as("the other segments are untouched")
                .hasSize(2);
    }

    @Test
    void punctuationSplitsWordsAsAQueryDoes() {
        String rare = rareWord();
        String job = document(member, "Invoice KX-4471 (" + rare + ") is due; pi is 3.14, mail ops@kiln.example.");
        awaitHits(member, q(rare), 1);
        for (String query : List.of("4471", "KX-4471", "kx 4471 " + rare, "14", "3.14", "example", "ops")) {
            JsonNode found = hits(member, q(query) + "&type=extract");
            assertThat(found).as(query).hasSize(1);
            assertThat(found.get(0).get("jobId").asString()).isEqualTo(job);
        }
        List<String> marked = new ArrayList<>();
        StringBuilder whole = new StringBuilder();
        hits(member, q("4471")).get(0).get("snippet").forEach(p -> {
            whole.append(p.get("text").asString());
            if (p.path("match").asBoolean()) {
                marked.add(p.get("text").asString());
            }
        });
        assertThat(marked).containsExactly("4471");
        assertThat(whole.toString()).contains("Invoice KX-4471 (" + rare + ") is due; pi is 3.14");
    }

    @Test
    void anAnyWordListPutsARareWordBeforeACommonOne() {
        transcript(member, 30);
        String rare = rareWord();
        String job = document(member, "The " + rare + " report.");
        awaitHits(member, q(rare), 1);
        awaitHits(member, q("transcript") + "&limit=100", 30);
        db.write(() -> db.sql().sql("ANALYZE search_segments").update()); // the statistics rarity is read from
        Scope scope = new Scope(memberId, null, Set.of(), Set.of(), false);
        List<TextSearch.Ranked> ranked = text.ranked(scope, TextSearch.terms("line " + rare), 100);
        assertThat(ranked).hasSize(31);
        assertThat(db.sql()
                        .sql("SELECT job_id FROM search_segments WHERE id = ?")
                        .param(ranked.getFirst().id())
                        .query(String.class)
                        .single())
                .isEqualTo(job);
        assertThat(ranked.getFirst().score()).isGreaterThan(ranked.get(1).score());
    }

    @Test
    void aWorkersTranscriptShapedResultIsIndexedLikeABuiltInOne() {
        String worker = api.newWorker("indexed-worker-" + UUID.randomUUID());
        String processor = "diarize-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(
                worker,
                processor,
                "{\"description\": \"Who said what\", \"accepts\": [\"none\"], \"shape\": \"transcript\"}");
        Api.Response submitted = api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\",\"params\":{}}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        String job = submitted.json().get("id").asString();
        Api.Response claimed = api.post(
                "/api/v1/worker/claim",
                worker,
                "{\"worker\":\"w/1\",\"processors\":[\"" + processor + "\"],\"max\":1,\"waitSeconds\":5}");
        String lease = claimed.json().get("jobs").get(0).get("lease").asString();
        String rare = rareWord();
        Api.Response done = api.post(
                "/api/v1/worker/jobs/" + job + "/complete",
                worker,
                "{\"lease\":\"" + lease + "\",\"result\":{\"language\":\"en\",\"segments\":["
                        + "{\"start\":0,\"end\":4,\"text\":\"Good morning.\"},"
                        + "{\"start\":61.25,\"end\":65,\"text\":\"The " + rare + " is\\u0000ready.\"}]}}");
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        JsonNode hit = awaitHits(member, q(rare), 1).get(0);
        assertThat(hit.get("jobId").asString()).isEqualTo(job);
        assertThat(hit.get("jobType").asString()).isEqualTo(processor);
        assertThat(hit.get("segment").asInt()).isEqualTo(1);
        assertThat(hit.get("anchor").get("startSeconds").asDouble()).isEqualTo(61.25);
        // A NUL in a worker's text was never indexed on PostgreSQL, which refuses it in text; it parts words.
        assertThat(hit.get("text").asString()).isEqualTo("The " + rare + " is ready.");
        assertThat(hit.has("fileId")).as("a job without an input has no file").isFalse();
    }

    @Test
    void aDeletedJobOrFileLeavesNoHitBehind() {
        String rare = rareWord();
        String job = document(member, "Minutes of the " + rare + " meeting.");
        awaitHits(member, q(rare), 1);
        assertThat(api.delete("/api/v1/jobs/" + job, member).status()).isEqualTo(204);
        assertThat(hits(member, q(rare)))
                .as("gone in the deletion's own transaction")
                .isEmpty();

        String other = rareWord();
        String file = api.textFile(member, "Notes on the " + other + " project.");
        finished(member, "extract", file, "{}");
        awaitHits(member, q(other), 1);
        assertThat(api.delete("/api/v1/files/" + file + "?jobs=delete", member).status())
                .isEqualTo(204);
        assertThat(hits(member, q(other))).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM search_queue WHERE job_id = ?", job))
                .isZero();
        assertThat(count("SELECT COUNT(*) FROM search_segments WHERE job_id = ?", job))
                .isZero();
        if (db.dialect().name().equals("sqlite")) {
            // The FTS5 index matches its content: the cascade fired the delete trigger (this throws if not).
            db.write(() -> db.sql()
                    .sql("INSERT INTO search_text (search_text) VALUES ('integrity-check')")
                    .update());
        }
    }

    @Test
    void aFileDeletedWithoutItsJobsLeavesHitsWithoutAFile() {
        String rare = rareWord();
        String file = api.textFile(member, "The " + rare + " survives its file.");
        finished(member, "extract", file, "{}");
        awaitHits(member, q(rare), 1);
        assertThat(api.delete("/api/v1/files/" + file, member).status()).isEqualTo(204);
        JsonNode hit = hits(member, q(rare)).get(0);
        assertThat(hit.has("fileId")).isFalse();
        assertThat(hit.has("fileName")).isFalse();
    }

    @Test
    void onlyTheCallersOwnContentIsFoundButAnAdminFindsAllAndMayNarrowByOwner() {
        String rare = rareWord();
        document(member, "Private " + rare + " notes.");
        awaitHits(member, q(rare), 1);
        String other = api.newMember("other-" + UUID.randomUUID());
        assertThat(hits(other, q(rare))).isEmpty();
        assertThat(hits(other, q(rare) + "&owner=" + memberId))
                .as("owner only narrows")
                .isEmpty();
        JsonNode admin = hits(Api.ADMIN_TOKEN, q(rare));
        assertThat(admin).hasSize(1);
        assertThat(admin.get(0).get("owner").asString()).isEqualTo(memberId);
        assertThat(hits(Api.ADMIN_TOKEN, q(rare) + "&owner=" + memberId)).hasSize(1);
        assertThat(hits(Api.ADMIN_TOKEN, q(rare) + "&owner=usr_nobody")).isEmpty();
        assertThat(hits(member, q(rare) + "&type=extract")).hasSize(1);
        assertThat(hits(member, q(rare) + "&type=test-transcript")).isEmpty();
    }

    @Test
    void pagesWalkEveryHitOnceAndAnEmptyIndexIsAnEmptyPage() {
        Api.Response empty = search(member, q("anything"));
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().get("items")).isEmpty();
        assertThat(empty.json().get("nextCursor").isNull()).isTrue();

        transcript(member, 25);
        awaitHits(member, q("transcript") + "&limit=100", 25);
        Set<Integer> seen = new HashSet<>();
        String cursor = null;
        List<Integer> sizes = new ArrayList<>();
        do {
            Api.Response page =
                    search(member, q("transcript") + "&limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            page.json().get("items").forEach(h -> seen.add(h.get("segment").asInt()));
            sizes.add(page.json().get("items").size());
            JsonNode next = page.json().get("nextCursor");
            cursor = next.isNull() ? null : next.asString();
        } while (cursor != null);
        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(seen).hasSize(25);
    }

    @Test
    void queryTextIsOnlyEverWordsNeverSyntax() {
        String rare = rareWord();
        document(
                member,
                "Quotes \"and\" stars * and NEAR things: " + rare + " OR not. Text to drop from the jobs table.");
        awaitHits(member, q(rare), 1);
        for (String nasty : List.of(
                "\"" + rare,
                rare + "*",
                "NEAR(" + rare + " and)",
                rare + " OR",
                "-" + rare,
                "'" + rare + "'",
                "text:" + rare,
                "^" + rare,
                rare + " AND NOT",
                "(" + rare + ")",
                rare + "\\",
                rare + "; DROP TABLE jobs; --",
                "{" + rare + "}")) {
            Api.Response response = search(member, q(nasty));
            assertThat(response.status()).as(nasty + " → " + response).isEqualTo(200);
            assertThat(response.json().get("items")).as(nasty).hasSize(1);
        }
        for (String nothing : List.of("\"", "*", "()", "-- ;", "\"\"\"", "%", "_")) {
            Api.Response response = search(member, q(nothing));
            assertThat(response.status()).as(nothing + " → " + response).isEqualTo(400);
            assertThat(response.json().get("field").asString()).isEqualTo("q");
        }
        assertThat(hits(member, q("bücher \u00e9t\u00e9 日本語 " + rare))).isEmpty();
    }

    @Test
    void badParametersAreRefusedNamingTheField() {
        assertField(search(member, ""), 400, "q");
        assertField(search(member, "q="), 400, "q");
        assertField(search(member, q("x".repeat(501))), 400, "q");
        assertField(
                search(member, q("a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh")),
                400,
                "q");
        assertField(search(member, q("word") + "&limit=0"), 400, "limit");
        assertField(search(member, q("word") + "&limit=101"), 400, "limit");
        assertField(search(member, q("word") + "&limit=ten"), 400, "limit");
        assertField(search(member, q("word") + "&cursor=nope"), 400, "cursor");
        assertField(search(member, q("word") + "&cursor=czE6MTAwMDAw"), 400, "cursor");
        assertField(search(member, q("word") + "&mode=fuzzy"), 400, "mode");
        assertField(search(member, q("word") + "&type=" + "t".repeat(101)), 400, "type");
        assertThat(search(member, q("word") + "&mode=text").status()).isEqualTo(200);
    }

    static void assertField(Api.Response response, int status, String field) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.json().get("field").asString())
                .as(response.toString())
                .isEqualTo(field);
    }

    @Test
    void aReindexResumesFromWhereItStoppedAndShowsInTheStatus() {
        String first = rareWord();
        String second = rareWord();
        String a = document(member, "The " + first + " report.");
        String b = document(member, "The " + second + " report.");
        awaitHits(member, q(first), 1);
        awaitHits(member, q(second), 1);
        // The index lost both, and a reindex had walked up to job a when its node stopped.
        db.write(() -> {
            db.sql()
                    .sql("DELETE FROM search_segments WHERE job_id IN (?, ?)")
                    .params(a, b)
                    .update();
            long createdAt = db.sql()
                    .sql("SELECT created_at FROM jobs WHERE id = ?")
                    .param(a)
                    .query(Long.class)
                    .single();
            db.sql().sql("DELETE FROM search_reindex").update();
            db.sql()
                    .sql("INSERT INTO search_reindex (id, started_at, after_created_at, after_id) VALUES (1, 0, ?, ?)")
                    .params(createdAt, a)
                    .update();
        });
        Api.Response start = api.postEmpty("/api/v1/admin/search/reindex", Api.ADMIN_TOKEN);
        assertThat(start.status()).as(start.toString()).isEqualTo(202);
        assertThat(start.json().get("startedAt").asLong())
                .as("the one in progress goes on")
                .isZero();
        awaitHits(member, q(second), 1);
        await().atMost(WAIT)
                .until(() -> !api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN)
                        .json()
                        .has("reindex"));
        assertThat(hits(member, q(first))).as("before where it resumed").isEmpty();

        assertThat(api.postEmpty("/api/v1/admin/search/reindex", Api.ADMIN_TOKEN)
                        .status())
                .isEqualTo(202);
        awaitHits(member, q(first), 1);
        JsonNode status =
                api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN).json();
        assertThat(status.get("segments").asLong()).isPositive();
        assertThat(status.has("waiting")).isTrue();
        assertThat(api.get("/api/v1/admin/search/status", member).status()).isEqualTo(403);
        assertThat(api.postEmpty("/api/v1/admin/search/reindex", member).status())
                .isEqualTo(403);
    }

    private long count(String query, String arg) {
        return db.sql().sql(query).param(arg).query(Long.class).single();
    }
}
