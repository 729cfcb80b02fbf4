package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.Api.Response;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The owner's edits to a transcript's or document's segments, over HTTP, and what every download shows of them. */
abstract class ResultEditsContract extends ApiTestBase {

    String member;

    @BeforeEach
    void member() {
        member = api.newMember("editor-" + UUID.randomUUID());
    }

    private String finished(String type, String fileText, String params) {
        String job = api.submit(member, type, api.textFile(member, fileText), params);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.state(member, job).equals("succeeded"));
        return job;
    }

    private String transcript() {
        return finished("test-transcript", "pretend audio", "{\"segments\":3}");
    }

    private Response patch(String job, String token, String edits) {
        return api.patch("/api/v1/jobs/" + job + "/result", token, "{\"edits\":[" + edits + "]}");
    }

    private JsonNode result(String job, String query) {
        Response response = api.get("/api/v1/jobs/" + job + "/result" + query, member);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private String download(String job, String format) {
        return api.get("/api/v1/jobs/" + job + "/result?format=" + format, member)
                .body();
    }

    @Test
    void anEditedLineShowsInTheResultAndEveryDownloadAndTheOriginalIsKept() {
        String job = transcript();
        JsonNode before = result(job, "");
        assertThat(before.get("segments"))
                .extracting(s -> s.get("id").asInt() + "@" + s.get("version").asInt())
                .containsExactly("0@0", "1@0", "2@0");
        assertThat(before.get("segments").get(1).has("edited")).isFalse();

        Response edited = patch(job, member, "{\"segment\":1,\"version\":0,\"text\":\"Corrected <line> one.\"}");
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        JsonNode segment = edited.json().get("segments").get(0);
        assertThat(segment.get("id").asInt()).isEqualTo(1);
        assertThat(segment.get("version").asInt()).isEqualTo(1);
        assertThat(segment.get("edited").asBoolean()).isTrue();
        assertThat(segment.get("text").asString()).isEqualTo("Corrected <line> one.");
        assertThat(segment.has("words"))
                .as("the engine's word timings went with its words")
                .isFalse();
        assertThat(segment.get("start").asDouble()).isEqualTo(2.0);

        JsonNode after = result(job, "");
        assertThat(after.get("segments").get(1)).isEqualTo(segment);
        assertThat(after.get("text").asString())
                .isEqualTo("Line 0 of the transcript. Corrected <line> one. Line 2 of the transcript.");
        assertThat(download(job, "txt"))
                .isEqualTo("[SPEAKER_00] Line 0 of the transcript.\n[SPEAKER_01] Corrected <line> one.\n"
                        + "[SPEAKER_00] Line 2 of the transcript.\n");
        assertThat(download(job, "srt")).contains("SPEAKER_01: Corrected <line> one.");
        assertThat(download(job, "vtt")).contains("<v SPEAKER_01>Corrected &lt;line&gt; one.");

        JsonNode original = result(job, "?original=true");
        assertThat(original.get("segments").get(1).get("text").asString()).isEqualTo("Line 1 of the transcript.");
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=txt&original=true", member)
                        .body())
                .contains("[SPEAKER_01] Line 1 of the transcript.");
    }

    @Test
    void aStaleVersionIsAConflictAndNothingOfTheRequestIsSaved() {
        String job = transcript();
        assertThat(patch(job, member, "{\"segment\":1,\"version\":0,\"text\":\"First.\"}")
                        .status())
                .isEqualTo(200);
        Response stale = patch(
                job,
                member,
                "{\"segment\":0,\"version\":0,\"text\":\"Zero.\"},{\"segment\":1,\"version\":0,\"text\":\"Second.\"}");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.code()).isEqualTo("edit_conflict");
        assertThat(stale.json().get("segment").asInt()).isEqualTo(1);
        assertThat(stale.json().get("version").asInt()).isEqualTo(1);
        assertThat(stale.header("Content-Type").orElse("")).startsWith("application/problem+json");

        JsonNode segments = result(job, "").get("segments");
        assertThat(segments.get(0).get("text").asString()).as("all or nothing").isEqualTo("Line 0 of the transcript.");
        assertThat(segments.get(0).get("version").asInt()).isZero();
        assertThat(segments.get(1).get("text").asString()).isEqualTo("First.");
    }

    @Test
    void concurrentEditsOfOneVersionLetExactlyOneThrough() throws Exception {
        String job = transcript();
        int writers = 6;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            for (int i = 0; i < writers; i++) {
                String text = "Writer " + i + ".";
                answers.add(pool.submit(() -> {
                    start.await();
                    return patch(job, member, "{\"segment\":2,\"version\":0,\"text\":\"" + text + "\"}")
                            .status();
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }
            assertThat(statuses.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting())))
                    .containsEntry(200, 1L)
                    .containsEntry(409, (long) writers - 1);
        }
        assertThat(result(job, "").get("segments").get(2).get("version").asInt())
                .isEqualTo(1);
    }

    @Test
    void restoringBringsTheOriginalBackAsARevisionThatCanItselfBeUndone() {
        String job = transcript();
        patch(job, member, "{\"segment\":0,\"version\":0,\"text\":\"Wrong.\",\"speaker\":\"SPEAKER_01\"}");
        Response restored = patch(job, member, "{\"segment\":0,\"version\":1,\"restore\":true}");
        assertThat(restored.status()).as(restored.toString()).isEqualTo(200);
        JsonNode segment = restored.json().get("segments").get(0);
        assertThat(segment.get("version").asInt()).isEqualTo(2);
        assertThat(segment.has("edited")).isFalse();
        assertThat(segment.get("text").asString()).isEqualTo("Line 0 of the transcript.");
        assertThat(segment.get("speaker").asString()).isEqualTo("SPEAKER_00");
        assertThat(segment.get("words").size())
                .as("the engine's words are back")
                .isEqualTo(5);
        assertThat(download(job, "txt")).startsWith("[SPEAKER_00] Line 0 of the transcript.\n");

        // Undo of the restore: the edit again, from the version the restore made.
        JsonNode again = patch(job, member, "{\"segment\":0,\"version\":2,\"text\":\"Wrong.\"}")
                .json()
                .get("segments")
                .get(0);
        assertThat(again.get("version").asInt()).isEqualTo(3);
        assertThat(again.get("text").asString()).isEqualTo("Wrong.");
        assertThat(again.get("speaker").asString())
                .as("the restore brought back the engine's speaker")
                .isEqualTo("SPEAKER_00");
    }

    @Test
    void speakersGivenToSegmentsAndSpeakerNamesWorkTogether() {
        String job = transcript();
        Response edited =
                patch(job, member, "{\"segment\":0,\"version\":0,\"speaker\":\"SPEAKER_01\",\"text\":\"Hello.\"}");
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        Response named = api.send(api.request("/api/v1/jobs/" + job + "/speakers", member)
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"names\":{\"SPEAKER_01\":\"Bo\"}}"))
                .build());
        assertThat(named.status()).as(named.toString()).isEqualTo(200);
        assertThat(download(job, "txt"))
                .isEqualTo("[Bo] Hello.\n[Bo] Line 1 of the transcript.\n[SPEAKER_00] Line 2 of the transcript.\n");
        assertThat(download(job, "vtt")).contains("<v Bo>Hello.");
        JsonNode result = result(job, "");
        assertThat(result.get("speakerNames").get("SPEAKER_01").asString()).isEqualTo("Bo");
        assertThat(result.get("segments").get(0).get("speaker").asString()).isEqualTo("SPEAKER_01");
        // A speaker the owner made up for a segment can be named too.
        patch(job, member, "{\"segment\":2,\"version\":0,\"speaker\":\"GUEST\"}");
        Response guest = api.send(api.request("/api/v1/jobs/" + job + "/speakers", member)
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"names\":{\"GUEST\":\"Cy\"}}"))
                .build());
        assertThat(guest.status()).as(guest.toString()).isEqualTo(200);
        assertThat(download(job, "txt")).endsWith("[Cy] Line 2 of the transcript.\n");
        // A name that would break a subtitle cue (a line break, a control character) is refused.
        for (String name : List.of("Ana\\n\\n7\\n00:00:00,000 --> 00:00:09,000\\nX", "Bo\\r\\rY", "Cy\\u0000")) {
            Response refused = api.send(api.request("/api/v1/jobs/" + job + "/speakers", member)
                    .header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"names\":{\"GUEST\":\"" + name + "\"}}"))
                    .build());
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_field");
        }
        assertThat(download(job, "txt")).endsWith("[Cy] Line 2 of the transcript.\n");
    }

    @Test
    void aDocumentSegmentEditShowsInItsTextAndDownloads() {
        String paragraphs = IntStream.range(0, 3)
                .mapToObj(p -> "Paragraph" + p + " lorem".repeat(240) + " end" + p + ".")
                .collect(Collectors.joining("\n\n"));
        String job = finished("extract", paragraphs, "{}");
        JsonNode before = result(job, "");
        assertThat(before.get("segments").size()).isEqualTo(3);

        Response edited = patch(job, member, "{\"segment\":1,\"version\":0,\"text\":\"A short middle.\"}");
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        JsonNode after = result(job, "");
        String text = after.get("text").asString();
        assertThat(text).contains("end0.\n\nA short middle.\n\nParagraph2");
        for (JsonNode segment : after.get("segments")) {
            assertThat(text.substring(
                            segment.get("start").asInt(), segment.get("end").asInt()))
                    .isEqualTo(segment.get("text").asString());
        }
        assertThat(download(job, "txt")).contains("end0.\n\nA short middle.\n\nParagraph2");
        assertThat(download(job, "md")).contains("\n\nA short middle.\n\n");
        assertThat(patch(job, member, "{\"segment\":0,\"version\":0,\"speaker\":\"Ana\"}")
                        .code())
                .as("documents have no speakers")
                .isEqualTo("invalid_field");
    }

    @Test
    void onlyTheOwnerOrAnAdminMayEditAndBadEditsAreRefusedClearly() {
        String job = transcript();
        String stranger = api.newMember("stranger-" + UUID.randomUUID());
        Response other = patch(job, stranger, "{\"segment\":0,\"version\":0,\"text\":\"Mine.\"}");
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.code()).isEqualTo("job_not_found");
        assertThat(patch(job, Api.ADMIN_TOKEN, "{\"segment\":0,\"version\":0,\"text\":\"Admin.\"}")
                        .status())
                .isEqualTo(200);

        Response unknown = patch(job, member, "{\"segment\":3,\"version\":0,\"text\":\"x\"}");
        assertThat(unknown.code()).isEqualTo("invalid_field");
        assertThat(unknown.json().get("field").asString()).isEqualTo("edits[0].segment");
        Response tooLong = patch(job, member, "{\"segment\":1,\"version\":0,\"text\":\"" + "x".repeat(20_001) + "\"}");
        assertThat(tooLong.code()).isEqualTo("invalid_field");
        assertThat(tooLong.json().get("max").asInt()).isEqualTo(20_000);
        for (String bad : List.of(
                "{\"segment\":1,\"version\":0}",
                "{\"segment\":1,\"version\":-1,\"text\":\"x\"}",
                "{\"segment\":\"1\",\"version\":0,\"text\":\"x\"}",
                "{\"segment\":1,\"version\":0,\"text\":\"x\",\"restore\":true}",
                "{\"segment\":1,\"version\":0,\"text\":\"nul \\u0000\"}",
                "{\"segment\":1,\"version\":0,\"speaker\":\" \"}",
                "{\"segment\":1,\"version\":0,\"text\":\"x\",\"colour\":\"red\"}",
                "{\"segment\":1,\"version\":0,\"text\":\"a\"},{\"segment\":1,\"version\":0,\"text\":\"b\"}")) {
            Response refused = patch(job, member, bad);
            assertThat(refused.status()).as(bad + " → " + refused).isEqualTo(400);
            assertThat(refused.code()).as(bad).isEqualTo("invalid_field");
        }
        assertThat(api.patch("/api/v1/jobs/" + job + "/result", member, "{\"edits\":[]}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(result(job, "").get("segments").get(1).get("version").asInt())
                .isZero();
    }

    @Test
    void aRunningJobAndAResultOfNoShapeCannotBeEdited() {
        String running = api.submit(member, "test-sleep", api.textFile(member, "x"), "{\"ms\":60000}");
        try {
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> api.state(member, running).equals("running"));
            Response refused = patch(running, member, "{\"segment\":0,\"version\":0,\"text\":\"x\"}");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.code()).isEqualTo("job_not_finished");
        } finally {
            api.postEmpty("/api/v1/jobs/" + running + "/cancel", member);
        }
        String echo = finished("test-echo", "x", "{\"partials\":0}");
        assertThat(patch(echo, member, "{\"segment\":0,\"version\":0,\"text\":\"x\"}")
                        .code())
                .isEqualTo("result_not_editable");
    }

    @Test
    void deletingAnEditedJobTakesItsEditsAlong() {
        String job = transcript();
        patch(job, member, "{\"segment\":0,\"version\":0,\"text\":\"Gone soon.\"}");
        assertThat(api.delete("/api/v1/jobs/" + job, member).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + job + "/result", member).status()).isEqualTo(404);
    }

    private Response revisions(String job, String segment, String token) {
        return api.get("/api/v1/jobs/" + job + "/result/segments/" + segment + "/revisions", token);
    }

    @Test
    void aSegmentsRevisionsListTheEnginesOriginalThenEachEditAndAnEarlierOneCanBeRestored() {
        String job = transcript();
        String name = api.get("/api/v1/session", member)
                .json()
                .get("user")
                .get("name")
                .asString();
        patch(job, member, "{\"segment\":1,\"version\":0,\"text\":\"First fix.\"}");
        patch(job, member, "{\"segment\":1,\"version\":1,\"speaker\":\"Ada\"}");
        patch(job, member, "{\"segment\":1,\"version\":2,\"restore\":true}");

        Response listed = revisions(job, "1", member);
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        JsonNode history = listed.json();
        assertThat(history.get("segment").asInt()).isEqualTo(1);
        assertThat(history.get("current").asInt()).isEqualTo(3);
        assertThat(history.get("revisions"))
                .extracting(r -> r.get("version").asInt() + " " + r.get("text").asString() + " / "
                        + r.get("speaker").asString() + " " + r.get("edited").asBoolean())
                .containsExactly(
                        "0 Line 1 of the transcript. / SPEAKER_01 false",
                        "1 First fix. / SPEAKER_01 true",
                        "2 First fix. / Ada true",
                        "3 Line 1 of the transcript. / SPEAKER_01 false");
        JsonNode original = history.get("revisions").get(0);
        assertThat(original.has("by")).as("the engine's").isFalse();
        assertThat(original.get("at").asString())
                .isEqualTo(api.job(member, job).get("finishedAt").asString());
        assertThat(history.get("revisions").get(2).get("by").get("name").asString())
                .isEqualTo(name);
        assertThat(history.get("revisions").get(2).get("at").asString()).isNotEmpty();

        // Restoring revision 2 is an edit to its text and speaker from the current version.
        Response restored =
                patch(job, member, "{\"segment\":1,\"version\":3,\"text\":\"First fix.\",\"speaker\":\"Ada\"}");
        assertThat(restored.json().get("segments").get(0).get("version").asInt())
                .isEqualTo(4);
        assertThat(download(job, "txt")).contains("[Ada] First fix.");
        assertThat(patch(job, member, "{\"segment\":1,\"version\":3,\"restore\":true}")
                        .code())
                .as("from a version that moved on")
                .isEqualTo("edit_conflict");
        assertThat(revisions(job, "1", member).json().get("current").asInt()).isEqualTo(4);

        JsonNode untouched = revisions(job, "2", member).json();
        assertThat(untouched.get("current").asInt()).isZero();
        assertThat(untouched.get("revisions")).hasSize(1);
    }

    @Test
    void revisionsAreTheOwnersAndTheSegmentMustExist() {
        String job = transcript();
        String other = api.newMember("other-" + UUID.randomUUID());
        assertThat(revisions(job, "0", other).code()).isEqualTo("job_not_found");
        assertThat(revisions(job, "0", Api.ADMIN_TOKEN).status()).isEqualTo(200);
        for (String bad : List.of("3", "-1", "x", "99999999999")) {
            Response refused = revisions(job, bad, member);
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_field");
        }
        String echo = finished("test-echo", "x", "{\"partials\":0}");
        assertThat(revisions(echo, "0", member).code()).isEqualTo("result_not_editable");
    }
}
