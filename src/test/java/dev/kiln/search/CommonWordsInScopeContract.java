package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The candidates of a common word are the newest in the caller's scope, on each database: other
 * owners' newer rows do not crowd the caller's out. Embeddings are off: thousands of segments are
 * indexed for words only, and no vectors are left to compute when the suite ends.
 */
@TestPropertySource(properties = "kiln.embeddings.enabled=false")
abstract class CommonWordsInScopeContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CROWD = SearchSql.CANDIDATES + 100;

    @Autowired
    Database db;

    @Autowired
    TextSearch text;

    @Test
    void anOlderHitOfTheCallerIsRankedThoughOthersHoldMoreThanTheCandidatesOfACommonWord() {
        String member = api.newMember("scoped-" + UUID.randomUUID());
        String mine = transcript(member, 1);
        String crowd = transcript(api.newMember("crowd-" + UUID.randomUUID()), CROWD);
        await().atMost(WAIT).until(() -> segments(mine) == 1 && segments(crowd) == CROWD);
        db.write(() -> db.sql().sql("ANALYZE search_segments").update()); // the statistics rarity is read from

        Scope scope = new Scope(api.userId(member), null, Set.of(), Set.of(), false);
        assertThat(text.ranked(scope, TextSearch.terms("line transcript"), 10))
                .as("the member's one segment, though %s newer ones of another owner hold both words", CROWD)
                .hasSize(1);
    }

    private String transcript(String token, int segments) {
        String job = api.submit(
                token, "test-transcript", api.textFile(token, "pretend audio"), "{\"segments\":" + segments + "}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        return job;
    }

    private long segments(String job) {
        return db.sql()
                .sql("SELECT COUNT(*) FROM search_segments WHERE job_id = ?")
                .param(job)
                .query(Long.class)
                .single();
    }
}
