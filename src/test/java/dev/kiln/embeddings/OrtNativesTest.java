package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.KilnHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that loads the embedding model and is then killed leaves nothing in the temporary
 * directory: ONNX Runtime's libraries come from the home's cache, unpacked by the first start
 * and reused by the next. Each start is a JVM of its own (the runtime loads once per JVM), ended
 * by {@link Runtime#halt} so that no exit hook runs, as with SIGKILL.
 */
class OrtNativesTest {

    @TempDir
    Path home;

    @TempDir
    Path tmp;

    @Test
    void aKilledNodeLeavesNoCopyOfTheRuntimeBehindAndTheNextStartReusesTheCache() throws Exception {
        assertThat(embedInAJvmThatIsKilled()).contains("dimension 384");
        assertThat(libraries(tmp)).isEmpty();
        List<Path> cached = libraries(home.resolve("cache").resolve("onnxruntime"));
        assertThat(cached)
                .extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(
                        System.mapLibraryName("onnxruntime"), System.mapLibraryName("onnxruntime4j_jni"));
        FileTime unpacked = Files.getLastModifiedTime(cached.get(0));

        assertThat(embedInAJvmThatIsKilled()).contains("dimension 384");
        assertThat(libraries(tmp)).isEmpty();
        assertThat(libraries(home.resolve("cache").resolve("onnxruntime"))).isEqualTo(cached);
        assertThat(Files.getLastModifiedTime(cached.get(0))).isEqualTo(unpacked);
    }

    private String embedInAJvmThatIsKilled() throws IOException, InterruptedException {
        Path output = tmp.resolveSibling(tmp.getFileName() + "-probe.txt");
        Process probe = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "--enable-native-access=ALL-UNNAMED",
                        "-Djava.io.tmpdir=" + tmp,
                        "-cp",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                        Probe.class.getName(),
                        home.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        assertThat(probe.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        Files.delete(output);
        assertThat(probe.exitValue()).as(printed).isZero();
        return printed;
    }

    private static List<Path> libraries(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().contains("onnxruntime") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        }
    }

    /** The child: loads the model from the home given, embeds one text, and dies without its exit hooks. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            TextEmbedder embedder = new TextEmbedder(EmbeddingSettings.defaults(), new KilnHome(Path.of(args[0])));
            System.out.println("dimension " + embedder.embed("a killed node").length);
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }
}
