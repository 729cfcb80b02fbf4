package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.WriteWaits;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The names an owner gives a transcript's speakers, when renames meet. */
abstract class SpeakerNamesContract extends ApiTestBase {

    @Autowired
    SpeakerNames speakerNames;

    @Autowired
    Database db;

    @Autowired
    JsonMapper json;

    /**
     * Two renames of different speakers at once: the second runs while the first is stored but not
     * committed (it reads what it finds, or waits for the first), and both names must stay.
     */
    @Test
    void concurrentRenamesOfDifferentSpeakersBothStick() throws Exception {
        String member = api.newMember("namer-" + UUID.randomUUID());
        String job = api.submit(member, "test-transcript", api.textFile(member, "pretend audio"), "{\"segments\":3}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.state(member, job).equals("succeeded"));
        JsonNode result =
                json.readTree(api.get("/api/v1/jobs/" + job + "/result", member).body());

        FutureTask<ObjectNode> second =
                new FutureTask<>(() -> speakerNames.rename(job, result, json.readTree("{\"SPEAKER_01\":\"Bo\"}")));
        Thread racer = new Thread(second, "rename-speaker-01");
        try {
            db.write(() -> {
                speakerNames.rename(job, result, json.readTree("{\"SPEAKER_00\":\"Ana\"}"));
                racer.start();
                // Commit only once the other rename has run, or waits for this one.
                await().atMost(Duration.ofSeconds(10)).until(() -> second.isDone() || WriteWaits.waiting(db, racer));
            });
            assertThat(second.get(10, TimeUnit.SECONDS).propertyNames()).containsExactly("SPEAKER_00", "SPEAKER_01");
        } finally {
            racer.join(10_000);
        }
        JsonNode names =
                api.get("/api/v1/jobs/" + job + "/result", member).json().get("speakerNames");
        assertThat(names.get("SPEAKER_00").asString()).isEqualTo("Ana");
        assertThat(names.get("SPEAKER_01").asString()).isEqualTo("Bo");
    }
}
