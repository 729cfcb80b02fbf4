package dev.kiln.transcribe;

import dev.kiln.processors.Eta;
import dev.kiln.processors.InputFile;
import dev.kiln.processors.InputMeasure;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.processors.Param;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorLimits;
import dev.kiln.processors.ResultShape;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;
import org.vosk.Recognizer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code transcribe}: speech in any audio or video file to text with Vosk, each utterance
 * published as it is recognised. Decoding and recognition stream together, so memory does not
 * grow with the file's length.
 */
@Component
class Transcriber implements Processor {

    private final SpeechModels models;
    private final RemoteEngines engines;
    private final JsonMapper json;
    private final MeterRegistry meters;
    /** Per model: a remote engine on a GPU and a small Vosk model run at speeds far apart. */
    private final Map<String, DistributionSummary> realTimeFactors = new ConcurrentHashMap<>();

    private final Counter audioSeconds;
    /** Vosk runs at once: one recognizer keeps one core busy, whatever else the attempts wait on. */
    private final Semaphore recognizers;

    private final int recognizerCount;

    Transcriber(
            TranscribeSettings settings,
            SpeechModels models,
            RemoteEngines engines,
            JsonMapper json,
            MeterRegistry meters) {
        this.models = models;
        this.engines = engines;
        this.recognizerCount = settings.recognizersOrDefault();
        this.recognizers = new Semaphore(recognizerCount);
        this.json = json;
        this.meters = meters;
        modelNames().forEach(this::realTimeFactor); // every model's series is there before its first run
        this.audioSeconds = Counter.builder("kiln.transcribe.audio")
                .baseUnit("seconds")
                .description("Seconds of audio transcribed (finished transcriptions)")
                .register(meters);
    }

    @Override
    public String name() {
        return "transcribe";
    }

    @Override
    public String description() {
        return "Speech to text (Vosk, or a remote engine) from audio or video: wav, mp3, m4a/aac, ogg/opus, flac, webm, mp4, mkv, mov. "
                + "Utterances arrive as partial results; the result exports as json, txt, srt and vtt.";
    }

    @Override
    public List<String> acceptedMediaTypes() {
        // Whatever the sniffer calls it, FFmpeg decides whether it can be decoded.
        return List.of("audio/*", "video/*", "application/ogg", "application/mp4");
    }

    @Override
    public ParamsSchema params() {
        return ParamsSchema.of(
                Param.string(
                                "model",
                                "Speech model: the bundled " + SpeechModels.BUNDLED
                                        + ", one installed in the models directory, or a remote engine's name")
                        .withDefault(SpeechModels.BUNDLED)
                        .withAllowed(this::modelNames),
                Param.bool("words", "Include per-word timings and confidence").withDefault(false),
                Param.string(
                        "language",
                        "The spoken language (ISO-639-1, e.g. en), for a remote engine so that it need not detect it;"
                                + " a Vosk model speaks one language and ignores it"),
                // No default: absent is transcribe, so the reuse keys of jobs before this param stand.
                Param.string(
                                "task",
                                "transcribe (speech to text in the language spoken) or translate (to English text:"
                                        + " remote engines, through their /audio/translations)")
                        .withAllowed(() -> List.of("transcribe", "translate")));
    }

    @Override
    public ProcessorLimits limits() {
        // The recognizers, plus a job for every request the remote engines may have in flight: those
        // wait on the network, and must not queue behind Vosk runs for this node's cores.
        return new ProcessorLimits(3, Duration.ofHours(12), recognizerCount + engines.concurrency());
    }

    @Override
    public boolean cpuBound() {
        return true;
    }

    @Override
    public Map<String, Object> details() {
        List<Map<String, Object>> installed = models.installed().stream()
                .map(m -> Map.<String, Object>of("name", m.name(), "language", m.language(), "bundled", m.bundled()))
                .toList();
        return Map.of("models", installed, "engines", engines.details());
    }

    private List<String> modelNames() {
        List<String> names = new ArrayList<>(models.names());
        names.addAll(engines.names());
        return names;
    }

    @Override
    public ResultShape shape() {
        return ResultShape.TRANSCRIPT;
    }

    /** The model is a param (so part of what a reused result must match); this is the code around it. */
    @Override
    public String version() {
        String vosk = Recognizer.class.getPackage().getImplementationVersion();
        return "kiln-transcribe/1" + (vosk == null ? "" : " vosk/" + vosk) + engines.version();
    }

    @Override
    public boolean reusable() {
        return true;
    }

    /** Opens the file with FFmpeg and decodes its first block of audio: the header's length, or none. */
    @Override
    public InputMeasure inspect(InputFile input) {
        try (AudioDecoder audio = AudioDecoder.open(input.path())) {
            double duration = audio.durationSeconds();
            if (audio.next() == null && duration <= 0) {
                throw JobFailure.of(JobErrorCode.NO_AUDIO, "The file's audio stream holds no sound to transcribe.");
            }
            return new InputMeasure(duration > 0 ? seconds(duration) : null, null);
        }
    }

    /** The length times this node's mean real-time factor so far with the model asked for. */
    @Override
    public Duration expectedRunTime(InputMeasure measure, JsonNode params) {
        DistributionSummary factor = realTimeFactors.get(params.path("model").asString(""));
        if (measure == null || measure.length() == null || factor == null || factor.count() == 0) {
            return null;
        }
        return Duration.ofMillis(Math.round(measure.length().toMillis() * factor.mean()));
    }

    private DistributionSummary realTimeFactor(String model) {
        return realTimeFactors.computeIfAbsent(
                model,
                name -> DistributionSummary.builder("kiln.transcribe.realtime.factor")
                        .description(
                                "Seconds of work per second of audio, per finished transcription (below 1: faster than real time)")
                        .tag("model", name)
                        .serviceLevelObjectives(0.05, 0.1, 0.25, 0.5, 1, 2, 4)
                        .register(meters));
    }

    /** A finished transcription (a later attempt of a remote one may have taken over chunks: its factor is 0). */
    private void measured(String model, double audio, double factor) {
        audioSeconds.increment(audio);
        if (factor > 0) {
            realTimeFactor(model).record(factor);
        }
    }

    @Override
    public Object run(JobContext context) throws Exception {
        String model = context.params().get("model").asString();
        if (engines.has(model)) {
            Map<String, Object> result = engines.run(context, model);
            measured(
                    model,
                    ((Number) result.get("duration")).doubleValue(),
                    context.attempt() == 1 ? ((Number) result.get("realTimeFactor")).doubleValue() : 0);
            return result;
        }
        if ("translate".equals(context.params().path("task").asString(""))) {
            throw JobFailure.of(
                    JobErrorCode.INVALID_INPUT,
                    "The Vosk model " + model + " transcribes only; to translate, choose a remote engine"
                            + (engines.names().isEmpty() ? " (none is configured)." : ": " + engines.names() + "."));
        }
        SpeechModels.Installed installed = models.find(model)
                .orElseThrow(() -> JobFailure.of(
                        JobErrorCode.MODEL_MISSING,
                        "The model " + context.params().get("model").asString() + " is no longer installed; installed: "
                                + models.names() + "."));
        if (!recognizers.tryAcquire()) {
            context.progress(0, "waiting for a recognizer");
            while (!recognizers.tryAcquire(1, TimeUnit.SECONDS)) {
                context.checkCancelled();
            }
        }
        try {
            return recognize(context, installed);
        } finally {
            recognizers.release();
        }
    }

    private Object recognize(JobContext context, SpeechModels.Installed installed) throws Exception {
        boolean withWords = context.params().get("words").asBoolean();
        context.progress(0, "decoding");
        long started = System.nanoTime();
        List<Utterance> segments = new ArrayList<>();
        double duration;
        try (AudioDecoder audio = AudioDecoder.open(context.input().path());
                Recognizer recognizer = new Recognizer(models.model(installed), AudioDecoder.SAMPLE_RATE)) {
            recognizer.setWords(true); // utterance times come from the words, asked for or not
            duration = audio.durationSeconds();
            if (duration > 0) {
                context.inputMeasured(seconds(duration), null);
            }
            AudioDecoder.Block block;
            while ((block = audio.next()) != null) {
                context.checkCancelled();
                if (recognizer.acceptWaveForm(block.bytes(), block.length())) {
                    publish(recognizer.getResult(), withWords, segments, context);
                }
                report(context, audio.decodedSeconds(), duration, started);
            }
            context.progress(duration > 0 ? 0.99 : 0, "finalizing");
            publish(recognizer.getFinalResult(), withWords, segments, context);
            duration = audio.decodedSeconds(); // what was really there, whatever the header said
        }
        context.inputMeasured(seconds(duration), null);
        double seconds = (System.nanoTime() - started) / 1e9;
        measured(installed.name(), duration, duration > 0 ? seconds / duration : 0);
        return result(installed.name(), false, installed.language(), duration, seconds, segments);
    }

    /**
     * A job's result, the same shape from a Vosk model and from a remote engine.
     *
     * @param elapsed the seconds the transcription took, for the real-time factor
     */
    static Map<String, Object> result(
            String model,
            boolean translated,
            String language,
            double duration,
            double elapsed,
            List<Utterance> segments) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model);
        if (translated) {
            result.put("task", "translate");
        }
        result.put("language", language);
        result.put("duration", round(duration));
        result.put("realTimeFactor", duration > 0 ? round(elapsed / duration) : 0);
        result.put(
                "text", String.join(" ", segments.stream().map(Utterance::text).toList()));
        result.put("segments", segments);
        return result;
    }

    static Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** One of Vosk's results, if it holds any words: kept and published as a partial result. */
    private void publish(String voskJson, boolean withWords, List<Utterance> segments, JobContext context) {
        JsonNode result = json.readTree(voskJson);
        JsonNode words = result.path("result");
        String text = result.path("text").asString("").strip();
        if (text.isEmpty() || words.isEmpty()) {
            return;
        }
        List<Utterance.Word> timed = new ArrayList<>();
        for (JsonNode w : words) {
            timed.add(new Utterance.Word(
                    w.path("word").asString(),
                    round(w.path("start").asDouble()),
                    round(w.path("end").asDouble()),
                    round(w.path("conf").asDouble())));
        }
        Utterance utterance =
                new Utterance(text, timed.getFirst().start(), timed.getLast().end(), withWords ? timed : null);
        segments.add(utterance);
        context.emit(utterance);
    }

    private static void report(JobContext context, double decoded, double duration, long started) {
        if (duration <= 0) {
            context.progress(0, "transcribing");
            return;
        }
        double fraction = Math.min(decoded / duration, 1) * 0.99;
        // The first second of audio says little about the pace.
        context.progress(fraction, "transcribing", decoded > 1 ? Eta.remaining(started, decoded, duration) : null);
    }

    /** Times and figures to the millisecond (or thousandth) in results and partials. */
    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
