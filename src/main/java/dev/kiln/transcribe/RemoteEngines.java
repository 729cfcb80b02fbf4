package dev.kiln.transcribe;

import dev.kiln.processors.JobContext;
import dev.kiln.support.Digests;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The remote transcription engines configured under {@code kiln.transcribe.engines}, each with the
 * permits that bound its requests in flight across every job on this node.
 */
@Component
class RemoteEngines {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Map<String, TranscribeSettings.Engine> engines;
    private final Map<String, Semaphore> permits = new LinkedHashMap<>();
    private final EngineClient client;
    private final EarlierChunks earlier;
    private final String version;

    RemoteEngines(TranscribeSettings settings, SpeechModels models, EngineClient client, EarlierChunks earlier) {
        this.engines = new TreeMap<>(settings.engines());
        this.client = client;
        this.earlier = earlier;
        List<String> vosk = models.names();
        engines.forEach((name, engine) -> {
            String setting = "kiln.transcribe.engines." + name;
            require(
                    NAME.matcher(name).matches(),
                    setting + ": an engine's name is lowercase letters, digits, '.', '_', '-'");
            require(!vosk.contains(name), setting + ": the name is already that of an installed Vosk model");
            require(engine.baseUrl() != null, setting + ".base-url is required");
            require(engine.maxConcurrency() >= 1, setting + ".max-concurrency must be at least 1");
            require(engine.chunkSeconds() >= 1, setting + ".chunk-seconds must be at least 1");
            require(engine.tries() >= 1, setting + ".tries must be at least 1");
            require(
                    engine.timeout().isPositive() && engine.retryBackoff().isPositive(),
                    setting + ".timeout and .retry-backoff must be positive");
            permits.put(name, new Semaphore(engine.maxConcurrency(), true));
        });
        this.version = version(engines);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    List<String> names() {
        return List.copyOf(engines.keySet());
    }

    boolean has(String name) {
        return engines.containsKey(name);
    }

    /** Requests in flight to every engine at once: as many jobs as could be sending one each. */
    int concurrency() {
        return engines.values().stream()
                .mapToInt(TranscribeSettings.Engine::maxConcurrency)
                .sum();
    }

    /**
     * For the reuse key: where each engine is and which model it runs. A result an engine gave is
     * not reused once its address or model has changed (nor, more cautiously, any other result).
     */
    String version() {
        return version;
    }

    /** Fixed with the settings, so worked out once rather than on every submission's reuse key. */
    private static String version(Map<String, TranscribeSettings.Engine> engines) {
        if (engines.isEmpty()) {
            return "";
        }
        StringBuilder what = new StringBuilder();
        engines.forEach((name, engine) -> what.append(name)
                .append('=')
                .append(engine.baseUrl())
                .append('#')
                .append(engine.model())
                .append('\n'));
        return " engines/"
                + Digests.sha256Hex(what.toString()).substring(0, 12); // not the address itself: listed publicly
    }

    /** For {@code GET /api/v1/processors}: what a client may know of each engine — never its key or address. */
    List<Map<String, Object>> details() {
        return engines.entrySet().stream()
                .map(e -> {
                    Map<String, Object> engine = new LinkedHashMap<>();
                    engine.put("name", e.getKey());
                    engine.put("remote", true);
                    engine.put("model", e.getValue().model());
                    engine.put("maxConcurrency", e.getValue().maxConcurrency());
                    engine.put("chunkSeconds", e.getValue().chunkSeconds());
                    return engine;
                })
                .toList();
    }

    /** Transcribes the job's input with the engine {@code name}: the job's result. */
    Map<String, Object> run(JobContext context, String name) throws Exception {
        return new RemoteTranscription(
                        context,
                        name,
                        engines.get(name),
                        permits.get(name),
                        client,
                        earlier.of(context.jobId(), context.attempt()))
                .run();
    }
}
