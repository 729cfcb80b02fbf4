package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Common words crowd nothing out, on each database. The candidates of a common word are the newest
 * in the caller's scope: other owners' newer rows do not crowd the caller's out. A long question's
 * function words do not take the places of the words Ask's text search looks for. Embeddings are
 * off: thousands of segments are indexed for words only, no vectors are left to compute when the
 * suite ends, and Ask finds by words alone.
 */
@TestPropertySource(properties = "kiln.embeddings.enabled=false")
abstract class CommonWordsInScopeContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CROWD = SearchSql.CANDIDATES + 100;

    @Autowired
    Database db;

    @Autowired
    TextSearch text;

    @Autowired
    Passages passages;

    @Autowired
    Users users;

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

    @Test
    void askLooksForACodeAskedAfterMoreFunctionWordsThanASearchHolds() {
        String member = api.newMember("asker-" + UUID.randomUUID());
        String job = api.submit(member, "extract", api.textFile(member, "Invoice KX-4471 overdue since March."), "{}");
        await().atMost(WAIT).until(() -> segments(job) == 1);
        // More different function words than a search holds, then the code: the text search's only lead.
        String question = TextSearch.FUNCTION_WORDS.stream()
                        .sorted()
                        .limit(SearchController.MAX_TERMS)
                        .collect(Collectors.joining(" "))
                + " KX-4471?";
        User owner = users.findById(api.userId(member)).orElseThrow();
        assertThat(passages.best(owner, question, Set.of(), Set.of(), 5))
                .extracting(Passage::jobId)
                .containsExactly(job);
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
