package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.TranscriptionServer;
import dev.kiln.testing.TranscriptionServer.Reply;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A Kiln killed while a remote engine transcribes its job: after the restart, the job's new attempt
 * sends only the chunks not yet done, and the transcript is whole.
 */
class RemoteEngineRestartTest {

    @Test
    void afterACrashTheChunksDoneAreNotSentAgain() throws Exception {
        try (TranscriptionServer engine = TranscriptionServer.start()
                .script("e", (chunk, request) -> chunk == 2 && request == 1 ? Reply.hang() : Reply.ok())) {
            Map<String, String> settings = new HashMap<>(Map.of(
                    "kiln.workers.lease-duration", "2s",
                    "kiln.workers.heartbeat-interval", "500ms",
                    "kiln.workers.maintenance-interval", "250ms",
                    "kiln.workers.poll-interval", "200ms",
                    "kiln.jobs.retry-initial-backoff", "100ms"));
            settings.put("kiln.transcribe.engines.e.base-url", engine.baseUrl("e"));
            settings.put("kiln.transcribe.engines.e.chunk-seconds", "3");
            settings.put("kiln.transcribe.engines.e.max-concurrency", "1");
            KilnProcess kiln = KilnProcess.start(
                    TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                    TestDatabases.tempDir("kiln-engine-crash-"),
                    settings);
            try {
                Api api = kiln.api();
                String file = api.file(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("speech.wav")), "speech.wav");
                String job = api.submit(Api.ADMIN_TOKEN, "transcribe", file, "{\"model\":\"e\"}");
                // Chunks 0 and 1 are done, chunk 2 is in flight: then the node dies.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> engine.inFlight("e") == 1
                                && engine.requestsPerChunk("e").containsKey(2));
                // As long as the wait above: on a loaded machine the outcome writer's commit of chunk 1's
                // partial once took longer than 5 s (CI, 2026-12-06).
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> api.eventsSoFar(Api.ADMIN_TOKEN, job).stream()
                                        .filter(e -> e.get("kind").asString().equals("partial"))
                                        .count()
                                == 2);

                kiln = kiln.crashAndRestart();

                List<JsonNode> events = kiln.api().events(Api.ADMIN_TOKEN, job);
                assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
                Map<Integer, Integer> requests = engine.requestsPerChunk("e");
                assertThat(requests).hasSizeGreaterThanOrEqualTo(4);
                requests.forEach((chunk, n) ->
                        assertThat(n).as("requests for chunk " + chunk).isEqualTo(chunk == 2 ? 2 : 1));
                JsonNode result = kiln.api()
                        .get("/api/v1/jobs/" + job + "/result?original=true", Api.ADMIN_TOKEN)
                        .json();
                assertThat(result.get("segments")).hasSize(requests.size());
                for (int i = 0; i < requests.size(); i++) {
                    assertThat(result.get("segments").get(i).get("text").asString())
                            .isEqualTo("Chunk " + i + ".");
                }
            } finally {
                kiln.close();
            }
        }
    }
}
