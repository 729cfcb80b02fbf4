package dev.kiln.answers;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.ApiTestBase;
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
}
