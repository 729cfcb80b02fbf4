package dev.kiln.answers;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A node with no language model configured: the answer is the best passages, with citations, and says so. */
class SqliteExtractiveAnswersTest extends ApiTestBase {

    @Test
    void theAnswerIsThePassagesAndSaysSo() {
        assertThat(api.processor("answer").toString()).contains("\"mode\":\"extractive\"");
        String member = api.newMember("extractive-" + UUID.randomUUID());
        String rare = rareWord();
        String document = api.searchableDocument(member, "The " + rare + " budget rose by ten percent.", rare);

        String job = api.post(
                        "/api/v1/answers", member, "{\"question\": \"How much did the " + rare + " budget rise?\"}")
                .json()
                .get("id")
                .asString();
        List<JsonNode> events = api.events(member, job);

        assertThat(api.state(member, job)).isEqualTo("succeeded");
        JsonNode result = JsonMapper.builder()
                .build()
                .readTree(api.get("/api/v1/jobs/" + job + "/result", member).body());
        assertThat(result.get("mode").asString()).isEqualTo("extractive");
        assertThat(result.get("answer").asString())
                .startsWith("No language model is configured")
                .contains("[1] The " + rare + " budget rose by ten percent.");
        assertThat(result.get("citations").get(0).get("jobId").asString()).isEqualTo(document);
        assertThat(AnswersContract.deltas(events))
                .isEqualTo(result.get("answer").asString());
    }

    /** The same document twice (a reused result, a second upload): its text is one passage, cited once. */
    @Test
    void theSameTextIndexedTwiceIsOnePassage() {
        String member = api.newMember("duplicates-" + UUID.randomUUID());
        String rare = rareWord();
        String text = "The " + rare + " roof was mended in May.";
        String first = api.searchableDocument(member, text, rare);
        String file = api.job(member, first).get("input").get("fileId").asString();
        String again = api.submit(member, "extract", file, "{}");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(member, again).equals("succeeded"));
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.get("/api/v1/search?mode=text&q=" + rare, member)
                                .json()
                                .get("items")
                                .size()
                        == 2);

        String job = api.post("/api/v1/answers", member, "{\"question\": \"When was the " + rare + " roof mended?\"}")
                .json()
                .get("id")
                .asString();
        api.events(member, job);

        JsonNode result = JsonMapper.builder()
                .build()
                .readTree(api.get("/api/v1/jobs/" + job + "/result", member).body());
        List<String> cited = result.get("citations")
                .valueStream()
                .map(c -> c.get("text").asString())
                .toList();
        assertThat(cited).containsOnlyOnce(text).doesNotHaveDuplicates();
    }
}
