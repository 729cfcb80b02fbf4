package dev.kiln.search;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kiln.db.Database;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An integrity error that is not the job gone (here a trigger refusing one document's rows, as a
 * CHECK would) is a failure of the indexer's: logged at WARN with the job, its request kept and
 * tried again, not taken for a deleted job and dropped from view at DEBUG.
 */
abstract class IndexingFailureContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    Database db;

    @Autowired
    SearchIndexer indexer;

    private final Logger log = (Logger) LoggerFactory.getLogger(SearchIndexer.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final String marker = rareWord();

    @BeforeEach
    void listen() {
        logged.start();
        log.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        log.detachAppender(logged);
        dropTrigger();
    }

    @Test
    void anIntegrityErrorThatIsNotTheJobGoneIsAWarningAndTriedAgain() {
        String token = api.newMember("index-" + UUID.randomUUID());
        refuseRowsWith(marker);
        String job = api.submit(token, "extract", api.textFile(token, "The " + marker + " minutes."), "{}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));

        await().atMost(WAIT)
                .until(() -> logged.list.stream()
                        .anyMatch(e -> e.getLevel() == Level.WARN
                                && e.getFormattedMessage().contains(job)));
        assertThat(queued(job)).as("its request waits to be tried again").isEqualTo(1);

        dropTrigger();
        db.write(() -> db.sql() // its claim runs out
                .sql("UPDATE search_queue SET claimed_until = 0 WHERE job_id = ?")
                .param(job)
                .update());
        indexer.wake();
        await().atMost(WAIT)
                .until(() -> api.get("/api/v1/search?mode=text&q=" + marker, token)
                                .json()
                                .get("items")
                                .size()
                        == 1);
    }

    private long queued(String job) {
        return db.sql()
                .sql("SELECT count(*) FROM search_queue WHERE job_id = ?")
                .param(job)
                .query(Long.class)
                .single();
    }

    private void refuseRowsWith(String word) {
        if (db.dialect().serializesWrites()) {
            db.write(() -> db.sql()
                    .sql("CREATE TRIGGER test_refuse_rows BEFORE INSERT ON search_segments WHEN NEW.text LIKE '%" + word
                            + "%' BEGIN SELECT RAISE(ABORT, 'refused by a test'); END")
                    .update());
        } else {
            db.write(() -> {
                db.sql()
                        .sql("CREATE OR REPLACE FUNCTION test_refuse_rows() RETURNS trigger AS $f$ BEGIN"
                                + " IF NEW.text LIKE '%" + word + "%' THEN RAISE EXCEPTION 'refused by a test'"
                                + " USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $f$ LANGUAGE plpgsql")
                        .update();
                return db.sql()
                        .sql("CREATE TRIGGER test_refuse_rows BEFORE INSERT ON search_segments"
                                + " FOR EACH ROW EXECUTE FUNCTION test_refuse_rows()")
                        .update();
            });
        }
    }

    private void dropTrigger() {
        db.write(() -> db.sql()
                .sql(
                        db.dialect().serializesWrites()
                                ? "DROP TRIGGER IF EXISTS test_refuse_rows"
                                : "DROP TRIGGER IF EXISTS test_refuse_rows ON search_segments")
                .update());
    }
}
