package dev.kiln.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.KilnHome;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The health endpoint of a Kiln whose disk is "full": the free-disk threshold is set far above any
 * disk, so readiness fails on that check alone. Anyone sees which check failed; only an admin sees
 * why; nothing else of the actuator is reachable.
 */
@TestPropertySource(properties = {"kiln.test.database=sqlite", "kiln.health.min-free-disk=1000000TB"})
class HealthEndpointTest extends ApiTestBase {

    private static final String READINESS = "/actuator/health/readiness";

    @Autowired
    KilnHome home;

    @Test
    void aFailingCheckMakesReadiness503AndIsNamedToAnyone() {
        Api.Response readiness = api.get(READINESS, null);

        assertThat(readiness.status()).isEqualTo(503);
        JsonNode body = readiness.json();
        assertThat(body.get("status").asString()).isEqualTo("DOWN");
        assertThat(body.at("/components/freeDisk/status").asString()).isEqualTo("DOWN");
        assertThat(body.at("/components/database/status").asString()).isEqualTo("UP");
        assertThat(body.at("/components/blobStore/status").asString()).isEqualTo("UP");
        assertThat(body.at("/components/workers/status").asString()).isEqualTo("UP");
        assertNoDetails(body);
    }

    @Test
    void livenessIsTheProcessOnly() {
        Api.Response liveness = api.get("/actuator/health/liveness", null);

        assertThat(liveness.status()).isEqualTo(200);
        assertThat(liveness.json().get("status").asString()).isEqualTo("UP");
        assertThat(liveness.json().get("components").propertyNames()).containsExactly("livenessState");
    }

    @Test
    void onlyAnAdminSeesDetails() {
        String member = api.newMember("health-member");

        assertNoDetails(api.get(READINESS, member).json());
        JsonNode admin = api.get(READINESS, Api.ADMIN_TOKEN).json();
        assertThat(admin.at("/components/freeDisk/details/thresholdBytes").asLong())
                .isEqualTo(1_000_000L << 40);
        assertThat(admin.at("/components/freeDisk/details/freeBytes").asLong()).isPositive();
        assertThat(admin.at("/components/database/details/database").asString()).isEqualTo("sqlite");
        assertThat(admin.at("/components/database/details/responseTimeMs").isNumber())
                .isTrue();
        assertThat(admin.at("/components/workers/details/kiln-claim").asString())
                .startsWith("last step ended");
    }

    @Test
    void aBlobStoreThatCannotBeWrittenIsNotReady() throws Exception {
        // A file where the store's tmp directory should be: writes fail even for root, whom chmod does not stop.
        Path tmp = home.resolve("blobs").resolve("tmp");
        Path moved = home.resolve("blobs-tmp-aside");
        Files.move(tmp, moved);
        Files.writeString(tmp, "not a directory");
        try {
            Api.Response readiness = api.get(READINESS, null);
            assertThat(readiness.status()).isEqualTo(503);
            assertThat(readiness.json().at("/components/blobStore/status").asString())
                    .isEqualTo("DOWN");
            assertThat(api.get(READINESS, Api.ADMIN_TOKEN)
                            .json()
                            .at("/components/blobStore/details/error")
                            .asString())
                    .contains("Cannot write to the blob store");
        } finally {
            Files.delete(tmp);
            Files.move(moved, tmp);
        }
        assertThat(api.get(READINESS, null)
                        .json()
                        .at("/components/blobStore/status")
                        .asString())
                .isEqualTo("UP");
    }

    @Test
    void nothingButHealthIsExposed() {
        for (String path : List.of(
                "/actuator",
                "/actuator/env",
                "/actuator/beans",
                "/actuator/configprops",
                "/actuator/metrics",
                "/actuator/heapdump",
                "/actuator/health/nonsense",
                "/actuator/health/nonsense/deeper")) {
            for (String token : new String[] {null, Api.ADMIN_TOKEN}) {
                Api.Response missing = api.get(path, token);
                assertThat(missing.status()).as(path + " " + token).isEqualTo(404);
                assertThat(missing.header("Content-Type").orElseThrow())
                        .as(path + ": a problem, as every other 404")
                        .startsWith("application/problem+json");
                assertThat(missing.code()).as(path).isEqualTo("not_found");
            }
        }
    }

    @Test
    void everyResponseCarriesARequestId() {
        assertThat(api.send(api.request(READINESS, null)
                                .header("X-Request-Id", "probe-7.a_b")
                                .GET()
                                .build())
                        .header("X-Request-Id"))
                .contains("probe-7.a_b");
        for (String insane : List.of("has space", "x".repeat(65), "semi;colon", "slash/ed")) {
            String echoed = api.send(api.request("/api/v1/processors", Api.ADMIN_TOKEN)
                            .header("X-Request-Id", insane)
                            .GET()
                            .build())
                    .header("X-Request-Id")
                    .orElseThrow();
            assertThat(echoed).as(insane).isNotEqualTo(insane).matches("[A-Za-z0-9._-]{1,64}");
        }
        assertThat(api.get("/api/v1/processors", null).header("X-Request-Id")).isPresent();
    }

    private static void assertNoDetails(JsonNode health) {
        assertThat(health.get("components").size()).isGreaterThan(1);
        health.get("components")
                .forEach(component -> assertThat(component.has("details"))
                        .as(component.toString())
                        .isFalse());
    }
}
