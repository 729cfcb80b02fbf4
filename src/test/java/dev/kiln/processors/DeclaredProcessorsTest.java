package dev.kiln.processors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.MutableClock;
import dev.kiln.testing.QueueFixture;
import dev.kiln.testing.TestDatabases;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

class DeclaredProcessorsTest {

    private static final String DECLARATION = """
            {"description": "", "accepts": ["none"], "params": {"type": "object"},
             "limits": {"maxAttempts": 3, "timeoutSeconds": 60, "concurrency": 1},
             "shape": null, "version": "", "reusable": false}""";

    /**
     * A look that read the catalogue before a declaration and installs its snapshot after the
     * declaration's own must not hide the processor: a submission follows the declaration's 200 at once.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.Kind.class)
    void aReadOlderThanADeclarationNeverHidesIt(TestDatabases.Kind kind) throws Exception {
        try (QueueFixture fixture = new QueueFixture(kind)) {
            String worker = fixture.user("worker").id();
            MutableClock clock = fixture.clock;
            DeclaredProcessors declared = new DeclaredProcessors(fixture.db, fixture.json, clock);
            JsonNode declaration = fixture.json.readTree(DECLARATION);

            // The look's third reading of the clock is the one after its queries, before its install.
            clock.pauseAt("older-look", 3);
            CompletableFuture<Optional<DeclaredProcessor>> older = new CompletableFuture<>();
            Thread.ofPlatform().name("older-look").start(() -> older.complete(declared.find("render")));
            assertThat(clock.awaitPaused()).as("the look paused").isTrue();

            assertThat(declared.declare("render", declaration, worker).name()).isEqualTo("render");
            assertThat(declared.find("render")).isPresent();
            clock.resume();
            assertThat(older.get(10, TimeUnit.SECONDS))
                    .as("it read before the declaration")
                    .isEmpty();

            assertThat(declared.find("render"))
                    .as("after the older look installed its snapshot")
                    .isPresent();
        }
    }
}
