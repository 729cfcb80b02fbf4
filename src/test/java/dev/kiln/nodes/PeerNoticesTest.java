package dev.kiln.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StreamClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * One node on PostgreSQL, and "another node" played by the test: it writes an event straight into
 * the log, as another node's transaction would. With its notice the event reaches this node's
 * follower at once; without one it does not (the catch-up is set far apart here), until the
 * listening connection is cut: the node opens it again and catches up from the log at once.
 */
@TestPropertySource(
        properties = {"kiln.test.database=postgres", "kiln.test.own-database=true", "kiln.nodes.catch-up-interval=10m"})
class PeerNoticesTest extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    Database db;

    @Autowired
    PeerListener listener;

    @Test
    void anotherNodesEventArrivesByNoticeAndALostNoticeByTheCatchUpAfterAReconnect() throws Exception {
        String token = api.newMember("peer-" + UUID.randomUUID());
        String file = api.textFile(token, "peer");
        String gate = UUID.randomUUID().toString();
        String job = api.submit(token, "test-gate", file, "{\"gate\":\"" + gate + "\"}");
        // Quiet once it waits at its gate: from then on only "the other node" writes events.
        await().atMost(WAIT)
                .until(() -> "waiting at gate"
                        .equals(api.job(token, job).path("stage").asString(null)));
        await().atMost(WAIT).until(listener::listening);

        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.await("welcome", WAIT);
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
            long snapshot = client.await("snapshot", WAIT).get("job").get("seq").asLong();

            long noticed = appendElsewhere(job, "noticed");
            db.sql()
                    .sql("SELECT pg_notify('kiln_events', ?)")
                    .param("another-node\n" + job + " - " + noticed + " " + noticed)
                    .query(rs -> {});
            JsonNode first = nextEvent(client, Duration.ofSeconds(5));
            assertThat(first.get("seq").asLong()).isEqualTo(snapshot + 1).isEqualTo(noticed);
            assertThat(first.get("data").get("stage").asString()).isEqualTo("noticed");

            long lost = appendElsewhere(job, "notice lost");
            // Pings may come meanwhile (the test runs with short intervals); no event may.
            assertThatThrownBy(() -> nextEvent(client, Duration.ofMillis(1500)))
                    .as("no notice, no catch-up due: nothing yet")
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("no matching message");

            int cut = db.sql().sql("""
                            SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
                            WHERE application_name = 'kiln-peers' AND datname = current_database()""").query(Integer.class).single();
            assertThat(cut).isEqualTo(1);
            JsonNode caughtUp = nextEvent(client, WAIT);
            assertThat(caughtUp.get("seq").asLong()).isEqualTo(lost);
            assertThat(caughtUp.get("data").get("stage").asString()).isEqualTo("notice lost");
        }
    }

    /** What another node's writer does: the job's seq raised and the event stored, in one transaction. */
    private long appendElsewhere(String job, String stage) {
        return db.write(() -> {
            long seq = db.sql()
                    .sql("UPDATE jobs SET seq = seq + 1 WHERE id = ? RETURNING seq")
                    .param(job)
                    .query(Long.class)
                    .single();
            db.sql()
                    .sql("INSERT INTO job_events (job_id, seq, kind, data, created_at) VALUES (?, ?, 'progress', ?, ?)")
                    .params(job, seq, "{\"progress\":0.6,\"stage\":\"" + stage + "\"}", System.currentTimeMillis())
                    .update();
            return seq;
        });
    }

    private static JsonNode nextEvent(StreamClient client, Duration patience) throws InterruptedException {
        return client.await(m -> m.path("type").asString("").equals("event"), patience, new ArrayList<>());
    }
}
