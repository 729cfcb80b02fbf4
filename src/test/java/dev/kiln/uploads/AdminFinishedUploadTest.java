package dev.kiln.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** A member's one-step upload whose bytes an admin sends: the file and the job are the member's. */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class AdminFinishedUploadTest extends ApiTestBase {

    @Test
    void theJobOfAMembersUploadIsTheMembersWhoeverSendsTheLastByte() {
        String member = api.newMember("owner-" + UUID.randomUUID());
        byte[] content = "finished by an admin".getBytes(StandardCharsets.UTF_8);
        String url = new TusRequests(api, member)
                .create(content.length, Map.of("filename", "note.txt", "processor", "test-echo"));

        Api.Response done = new TusRequests(api, Api.ADMIN_TOKEN).patch(url, 0, content);

        assertThat(done.status()).as(done.toString()).isEqualTo(204);
        String jobId = done.header("Kiln-Job-Id").orElseThrow();
        Api.Response job = api.get("/api/v1/jobs/" + jobId, member);
        assertThat(job.status())
                .as("the member reads the job their upload started")
                .isEqualTo(200);
        assertThat(job.json().get("input").get("fileId").asString())
                .isEqualTo(done.header("Kiln-File-Id").orElseThrow());
        assertThat(api.get("/api/v1/jobs", member).json().get("items")).hasSize(1);
        assertThat(new TusRequests(api, member).head(url).header("Kiln-Job-Id")).contains(jobId);
    }
}
