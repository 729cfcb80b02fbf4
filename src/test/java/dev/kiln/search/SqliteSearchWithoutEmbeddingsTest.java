package dev.kiln.search;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** A node with embeddings off: text only, by default too; semantic and hybrid are refused; nothing is embedded. */
@TestPropertySource(properties = "kiln.embeddings.enabled=false")
class SqliteSearchWithoutEmbeddingsTest extends ApiTestBase {

    @Autowired
    Database db;

    @Test
    void semanticModesAreUnavailableAndNothingIsEmbedded() {
        String member = api.newMember("no-vectors-" + UUID.randomUUID());
        String rare = rareWord();
        String job = api.searchableDocument(member, "The " + rare + " minutes.", rare);
        assertThat(api.get("/api/v1/search?q=" + rare, member)
                        .json()
                        .get("items")
                        .get(0)
                        .get("retrievers")
                        .toString())
                .isEqualTo("[\"text\"]");
        for (String mode : new String[] {"semantic", "hybrid"}) {
            Api.Response refused = api.get("/api/v1/search?q=" + rare + "&mode=" + mode, member);
            SearchContract.assertField(refused, 409, "mode");
            assertThat(refused.code()).isEqualTo("search_mode_unavailable");
        }
        assertThat(db.sql()
                        .sql("SELECT COUNT(*) FROM search_segments WHERE job_id = ? AND embedding IS NOT NULL")
                        .param(job)
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN)
                        .json()
                        .has("vectorsWaiting"))
                .isFalse();
    }
}
