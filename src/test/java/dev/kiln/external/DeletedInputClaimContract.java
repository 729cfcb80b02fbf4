package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api.Response;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.WorkerCast;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A claim never hands an external worker a job whose input file was deleted, on each database. */
abstract class DeletedInputClaimContract extends ApiTestBase {

    private String worker;
    private String member;
    private String processor;

    @BeforeEach
    void worker() {
        WorkerCast cast =
                WorkerCast.declare(api, "read", "{\"accepts\": [\"text/plain\"], \"limits\": {\"maxAttempts\": 3}}");
        worker = cast.worker();
        member = cast.member();
        processor = cast.processor();
    }

    @Test
    void aRetriedJobWhoseInputWasDeletedFailsAsInputMissingAndTheClaimTakesTheNext() {
        String file = api.textFile(member, "gone " + UUID.randomUUID());
        String lost = api.submit(member, processor, file, "{}");
        String lease = claim(1).get(0).get("lease").asString();
        Response failed = api.post(
                "/api/v1/worker/jobs/" + lost + "/fail",
                worker,
                "{\"lease\":\"" + lease + "\",\"code\":\"bad_text\",\"message\":\"no\",\"retryable\":false}");
        assertThat(failed.json().get("state").asString()).isEqualTo("failed");
        assertThat(api.delete("/api/v1/files/" + file, member).status()).isEqualTo(204);
        assertThat(api.postEmpty("/api/v1/jobs/" + lost + "/retry", member).status())
                .isEqualTo(202);
        String kept = api.submit(member, processor, api.textFile(member, "kept " + UUID.randomUUID()), "{}");

        JsonNode claimed = claim(2); // without the check, the lost job too, with "input": null
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).get("id").asString()).isEqualTo(kept);
        assertThat(claimed.get(0).get("input").get("url").asString()).endsWith("/" + kept + "/input");
        JsonNode job = api.job(member, lost);
        assertThat(job.get("state").asString()).isEqualTo("failed");
        assertThat(job.get("error").get("code").asString()).isEqualTo("input_missing");
        assertThat(job.get("attempt").asInt()).isEqualTo(1);
    }

    private JsonNode claim(int max) {
        Response claimed = api.post(
                "/api/v1/worker/claim",
                worker,
                "{\"worker\":\"test/1\",\"processors\":[\"" + processor + "\"],\"max\":" + max + "}");
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        return claimed.json().get("jobs");
    }
}
