package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** With {@code kiln.reuse.enabled=false} every job runs, however alike (one subclass per database). */
@TestPropertySource(properties = {"kiln.test.own-database=true", "kiln.reuse.enabled=false"})
abstract class ReuseSwitchedOffContract extends ApiTestBase {

    @Test
    void everyJobRunsAndADryRunSaysSo() {
        String token = api.newMember("off-" + UUID.randomUUID());
        String body = "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + api.textFile(token, "same") + "\"}}";
        String first = api.post("/api/v1/jobs", token, body).json().get("id").asString();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.state(token, first).equals("succeeded"));

        Api.Response dry = api.post("/api/v1/jobs?dryRun=true", token, body);
        Api.Response second = api.post("/api/v1/jobs", token, body);

        assertThat(dry.json().get("reuse").get("wouldReuse").asBoolean()).isFalse();
        assertThat(second.json().get("state").asString()).isNotEqualTo("succeeded");
        assertThat(second.json().has("reusedFrom")).isFalse();
        String id = second.json().get("id").asString();
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(token, id).equals("succeeded"));
        assertThat(api.job(token, id).has("reusedFrom")).isFalse();
    }
}
