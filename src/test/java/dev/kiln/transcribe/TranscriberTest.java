package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.kiln.KilnHome;
import dev.kiln.processors.JobFailure;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RecordingContext;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.WordErrorRate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The transcribe processor on real media with the bundled model, run directly (no server). */
class TranscriberTest {

    /**
     * Measured on the espeak-ng fixtures with the bundled small English model (2026-11-23): WAV
     * 0.20, MP4 (AAC) 0.24, MP3 at 32 kbit/s 0.32. Synthetic speech is hard for every engine.
     */
    static final double MAX_WER = 0.40;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SpeechModels models;
    private static Transcriber transcriber;
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();

    @BeforeAll
    static void load() throws Exception {
        Path home = TestDatabases.tempDir("kiln-transcribe-");
        TranscribeSettings settings = new TranscribeSettings(home.resolve("models"), 0, null);
        models = new SpeechModels(new KilnHome(home), settings);
        transcriber = new Transcriber(settings, models, new RemoteEngines(settings, models, null, null), JSON, METERS);
    }

    @AfterAll
    static void close() {
        models.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"speech.wav", "speech.mp3", "speech.mp4"})
    void transcribesSpeechFromEachContainer(String fixture) throws Exception {
        RecordingContext context = context(fixture, "{}");
        double audioBefore = METERS.get("kiln.transcribe.audio").counter().count();
        long runsBefore = METERS.get("kiln.transcribe.realtime.factor")
                .tag("model", "en-us")
                .summary()
                .count();

        JsonNode result = JSON.valueToTree(transcriber.run(context));

        // The metrics saw this run: its audio, and one real-time factor.
        assertThat(METERS.get("kiln.transcribe.audio").counter().count() - audioBefore)
                .isCloseTo(result.get("duration").asDouble(), within(0.01));
        assertThat(METERS.get("kiln.transcribe.realtime.factor")
                        .tag("model", "en-us")
                        .summary()
                        .count())
                .isEqualTo(runsBefore + 1);

        String text = result.get("text").asString();
        assertThat(text).contains("report", "friday", "meeting", "conference room", "second floor");
        assertThat(WordErrorRate.of(Files.readString(Fixtures.path("speech.txt")), text))
                .isLessThanOrEqualTo(MAX_WER);
        assertThat(result.get("duration").asDouble()).isBetween(8.0, 11.0);
        assertThat(result.get("model").asString()).isEqualTo("en-us");
        assertThat(result.get("realTimeFactor").asDouble()).isPositive();
        // The partial results are the segments, in order, and make up the text.
        assertThat(context.partials()).isEqualTo(iterate(result.get("segments")));
        assertThat(String.join(
                        " ",
                        context.partials().stream()
                                .map(p -> p.get("text").asString())
                                .toList()))
                .isEqualTo(text);
        assertThat(result.get("segments").get(0).has("words")).isFalse();
    }

    @Test
    void reportsStagesProgressAndAnEstimate() throws Exception {
        RecordingContext context = context("speech.wav", "{}");

        transcriber.run(context);

        List<RecordingContext.Report> reports = context.reports();
        assertThat(reports.getFirst().stage()).isEqualTo("decoding");
        assertThat(reports.getLast().stage()).isEqualTo("finalizing");
        assertThat(reports).anySatisfy(r -> assertThat(r.stage()).isEqualTo("transcribing"));
        assertThat(reports)
                .extracting(RecordingContext.Report::fraction)
                .isSorted()
                .allSatisfy(f -> assertThat(f).isBetween(0.0, 1.0));
        assertThat(reports).filteredOn(r -> r.remaining() != null).isNotEmpty();
    }

    @Test
    void wordsCarryTheirTimingsAndConfidenceWhenAskedFor() throws Exception {
        JsonNode result = JSON.valueToTree(transcriber.run(context("speech.wav", "{\"words\":true}")));

        double last = 0;
        for (JsonNode segment : result.get("segments")) {
            for (JsonNode word : segment.get("words")) {
                assertThat(word.get("start").asDouble()).isGreaterThanOrEqualTo(last);
                assertThat(word.get("end").asDouble())
                        .isGreaterThanOrEqualTo(word.get("start").asDouble());
                assertThat(word.get("conf").asDouble()).isBetween(0.0, 1.0);
                last = word.get("start").asDouble();
            }
            assertThat(segment.get("start").asDouble())
                    .isEqualTo(segment.get("words").get(0).get("start").asDouble());
        }
    }

    @Test
    void silenceGivesAnEmptyTranscript() throws Exception {
        JsonNode result = JSON.valueToTree(transcriber.run(context("silence.wav", "{}")));

        assertThat(result.get("text").asString()).isEmpty();
        assertThat(result.get("segments")).isEmpty();
        assertThat(result.get("duration").asDouble()).isCloseTo(3.0, org.assertj.core.data.Offset.offset(0.05));
    }

    @Test
    void aFileFfmpegCannotReadFailsAsUnreadable() {
        assertThatThrownBy(() -> transcriber.run(context("corrupt.wav", "{}")))
                .isInstanceOfSatisfying(JobFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("media_unreadable");
                    assertThat(f.retryable()).isFalse();
                    assertThat(f.getMessage()).contains("could not be read").doesNotContain("/fixtures/");
                });
    }

    @Test
    void aVideoWithoutSoundFailsAsNoAudio() {
        assertThatThrownBy(() -> transcriber.run(context("video-only.mp4", "{}")))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("no_audio"));
    }

    @Test
    void aCancelStopsTheWorkAtTheNextBlockOfAudio() throws Exception {
        RecordingContext context = context("speech.wav", "{}");

        context.cancelWhen(transcriber, r -> r.stage().equals("transcribing"));
        // Each block of audio decoded is reported: at most the one in hand when the cancel came.
        assertThat(context.reportsSinceCancel()).isLessThanOrEqualTo(1);
    }

    /** Vosk runs beyond the node's recognizers wait for one (cancellable meanwhile); none is lost to a cancel. */
    @Test
    void aRunBeyondTheNodesRecognizersWaitsForOneAndMayBeCancelledMeanwhile() throws Exception {
        TranscribeSettings one = new TranscribeSettings(null, 1, null);
        Transcriber single = transcriberWith(one);
        RecordingContext first =
                context("speech.wav", "{}").holdAt(r -> r.stage().equals("decoding"));
        // Its own thread: the common pool, which cancelWhen runs the second on, may have only one.
        try (ExecutorService own = Executors.newSingleThreadExecutor()) {
            try {
                Future<Object> running = own.submit(() -> single.run(first));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !first.reports().isEmpty());

                RecordingContext second = context("speech.wav", "{}");
                assertThat(second.cancelWhen(single, r -> r.stage().equals("waiting for a recognizer")))
                        .isLessThan(2000);
                assertThat(second.reports()).noneMatch(r -> r.stage().equals("decoding"));

                first.release();
                assertThat(JSON.valueToTree(running.get(60, TimeUnit.SECONDS))
                                .get("text")
                                .asString())
                        .contains("report");
                RecordingContext third = context("speech.wav", "{}");
                own.submit(() -> single.run(third)).get(60, TimeUnit.SECONDS);
                assertThat(third.reports().getFirst().stage()).isEqualTo("decoding");
            } finally {
                first.release(); // a failed check must not leave the first run waiting for ever
            }
        }
    }

    /** A remote engine's jobs need no recognizer: each engine's requests in flight add to the concurrency. */
    @Test
    void theConcurrencyIsTheRecognizersPlusWhatTheEnginesTakeInFlight() {
        TranscribeSettings settings = new TranscribeSettings(
                null,
                2,
                Map.of(
                        "whisper",
                        new TranscribeSettings.Engine(
                                URI.create("http://gpu-1:8000/v1"),
                                "large-v3",
                                null,
                                5,
                                30,
                                Duration.ofSeconds(5),
                                1,
                                Duration.ofSeconds(1))));
        assertThat(transcriberWith(settings).limits().concurrency()).isEqualTo(2 + 5);
        assertThat(transcriberWith(new TranscribeSettings(null, 1, null))
                        .limits()
                        .concurrency())
                .isEqualTo(1);
    }

    /** A remote engine's address or model changed: its earlier results are no longer reused (the version is the reuse key's). */
    @Test
    void theVersionChangesWithAnEnginesAddressOrModelAndNeverShowsThem() {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String[] engine : new String[][] {
            {"http://gpu-1:8000/v1", "large-v3"}, {"http://gpu-1:8000/v1", "large-v3"},
            {"http://gpu-2:8000/v1", "large-v3"}, {"http://gpu-1:8000/v1", "medium"}
        }) {
            TranscribeSettings settings = new TranscribeSettings(
                    null,
                    0,
                    Map.of(
                            "whisper",
                            new TranscribeSettings.Engine(
                                    URI.create(engine[0]),
                                    engine[1],
                                    "sk-secret",
                                    2,
                                    30,
                                    Duration.ofSeconds(5),
                                    1,
                                    Duration.ofSeconds(1))));
            String version = transcriberWith(settings).version();
            assertThat(version).startsWith(transcriber.version()).doesNotContain("gpu", "large", "medium", "sk-");
            versions.merge(version, engine[0] + " " + engine[1], (a, b) -> a + " | " + b);
        }
        assertThat(versions).as("one version per address and model").hasSize(3);
    }

    @Test
    void listsTheBundledModelAndOnesDroppedIntoTheModelsDirectory() throws Exception {
        Path home = TestDatabases.tempDir("kiln-models-");
        Files.createDirectories(home.resolve("models/vosk-model-small-de-0.15/am"));
        Files.createDirectories(home.resolve("models/vosk-model-small-cn-0.22/am")); // named by country
        Files.createDirectories(home.resolve("models/my-model/conf"));
        Files.writeString(home.resolve("models/my-model/language"), "fr\n");
        Files.createDirectories(home.resolve("models/not-a-model"));
        TranscribeSettings settings = new TranscribeSettings(null, 0, null);
        SpeechModels listed = new SpeechModels(new KilnHome(home), settings);

        assertThat(listed.installed())
                .extracting(SpeechModels.Installed::name, SpeechModels.Installed::language)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("en-us", "en-us"),
                        org.assertj.core.groups.Tuple.tuple("my-model", "fr"),
                        org.assertj.core.groups.Tuple.tuple("vosk-model-small-cn-0.22", "zh"),
                        org.assertj.core.groups.Tuple.tuple("vosk-model-small-de-0.15", "de"));
        var engines = new RemoteEngines(settings, listed, null, null);
        assertThat(new Transcriber(settings, listed, engines, JSON, new SimpleMeterRegistry()).details())
                .isEqualTo(Map.of(
                        "models",
                        List.of(
                                Map.of("name", "en-us", "language", "en-us", "bundled", true),
                                Map.of("name", "my-model", "language", "fr", "bundled", false),
                                Map.of("name", "vosk-model-small-cn-0.22", "language", "zh", "bundled", false),
                                Map.of("name", "vosk-model-small-de-0.15", "language", "de", "bundled", false)),
                        "engines",
                        List.of()));
    }

    /** A transcriber of its own, over the shared models, with these settings. */
    private static Transcriber transcriberWith(TranscribeSettings settings) {
        return new Transcriber(
                settings, models, new RemoteEngines(settings, models, null, null), JSON, new SimpleMeterRegistry());
    }

    private static RecordingContext context(String fixture, String params) {
        return new RecordingContext(
                Fixtures.path(fixture), "audio/*", transcriber.params().validate(JSON.readTree(params)));
    }

    private static List<JsonNode> iterate(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
