package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** {@code kiln.limits.failed-credentials=0}: refused credentials are never counted, however many. */
@TestPropertySource(
        properties = {"kiln.test.database=sqlite", "kiln.test.own-database=true", "kiln.limits.failed-credentials=0"})
class FailedCredentialsOffTest extends ApiTestBase {

    @Test
    void offMeansNo429() {
        for (int i = 0; i < 30; i++) {
            Api.Response wrong = api.get("/api/v1/jobs", "kiln_guess_" + i);
            assertThat(wrong.status()).as(wrong.toString()).isEqualTo(401);
        }
        assertThat(api.get("/api/v1/jobs", Api.ADMIN_TOKEN).status()).isEqualTo(200);
    }
}
