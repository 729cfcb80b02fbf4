package dev.kiln.search;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.KilnHome;
import dev.kiln.db.Database;
import dev.kiln.embeddings.EmbeddingSettings;
import dev.kiln.embeddings.TextEmbedder;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

/**
 * An edit is indexed for words while another job's vectors are still being computed, on each
 * database: the indexer writes the text of jobs changed meanwhile before each batch of texts it
 * embeds. The embedder is a stand-in that holds a transcript's batches (one text each here) at a
 * gate the test opens, so nothing depends on how fast the model is.
 */
@TestPropertySource(properties = "kiln.embeddings.batch-size=1")
abstract class EditWhileEmbeddingContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestBean
    TextEmbedder embedder;

    @Autowired
    Database db;

    static TextEmbedder embedder() {
        return new GatedEmbedder();
    }

    /** Vectors of no meaning at once, except that a transcript's texts wait at the gate while it is shut. */
    static final class GatedEmbedder extends TextEmbedder {

        /** Every text of a test-transcript holds it; the documents here do not. */
        private static final String GATED = "of the transcript";

        final Semaphore entered = new Semaphore(0);
        final Semaphore proceed = new Semaphore(0);
        volatile boolean shut;

        GatedEmbedder() {
            super(new EmbeddingSettings(true, 1, 1, 1, 256, 0), new KilnHome(Path.of("unused")));
        }

        @Override
        public float[][] embed(List<String> texts) throws InterruptedException {
            if (shut && texts.stream().anyMatch(t -> t.contains(GATED))) {
                entered.release();
                proceed.acquire();
            }
            float[][] vectors = new float[texts.size()][dimension()];
            for (float[] v : vectors) {
                v[0] = 1;
            }
            return vectors;
        }
    }

    @Test
    void anEditIsFoundByItsNewWordsWhileAnotherJobIsBeingEmbedded() throws InterruptedException {
        GatedEmbedder gate = (GatedEmbedder) embedder;
        String member = api.newMember("editor-" + UUID.randomUUID());
        String before = rareWord();
        String after = rareWord();
        String document = api.searchableDocument(member, "Notes on " + before + " and the plan.", before);
        gate.shut = true;
        try {
            String transcript =
                    api.submit(member, "test-transcript", api.textFile(member, "pretend audio"), "{\"segments\":2}");
            assertThat(gate.entered.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("the transcript's first text is being embedded")
                    .isTrue();
            Api.Response edited = api.patch(
                    "/api/v1/jobs/" + document + "/result",
                    member,
                    "{\"edits\":[{\"segment\":0,\"version\":0,\"text\":\"Notes on " + after + " and the plan.\"}]}");
            assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
            gate.proceed.release(); // the first text's vector is written; the second waits at the gate

            await().atMost(WAIT).until(() -> hits(member, after) == 1 && hits(member, before) == 0);
            assertThat(gate.entered.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("the transcript's second text is being embedded")
                    .isTrue();
            assertThat(db.sql()
                            .sql("SELECT COUNT(*) FROM search_segments WHERE job_id = ? AND embedding IS NULL")
                            .param(transcript)
                            .query(Long.class)
                            .single())
                    .as("the transcript's embedding is still in progress")
                    .isEqualTo(1);
        } finally {
            gate.shut = false;
            gate.proceed.release(100);
        }
    }

    private int hits(String token, String word) {
        return api.get("/api/v1/search?mode=text&q=" + word, token)
                .json()
                .get("items")
                .size();
    }
}
