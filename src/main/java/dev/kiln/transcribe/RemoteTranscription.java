package dev.kiln.transcribe;

import static dev.kiln.transcribe.Transcriber.round;

import dev.kiln.processors.Eta;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.support.Backoff;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.MDC;

/**
 * One attempt of a {@code transcribe} job on a remote engine: the audio decoded and cut into chunks
 * ({@link AudioChunks}), each sent on its own virtual thread while the engine's permits allow, tried
 * again on failures worth it, and published in chunk order as its utterances come back. Chunks an
 * earlier attempt finished are published again from its partial results instead of being sent.
 */
final class RemoteTranscription {

    /** How often a waiting job thread looks up to report progress and notice a failed chunk. */
    private static final long POLL_MILLIS = 200;

    /** A chunk in order: being transcribed, or already heard (sent this attempt, or taken over). */
    private record Slot(int index, double start, double end, Future<EngineClient.Heard> heard, boolean takenOver) {}

    private final JobContext context;
    private final String name;
    private final TranscribeSettings.Engine engine;
    private final Semaphore permits;
    private final EngineClient client;
    private final EarlierChunks.Done earlier;
    private final Backoff backoff;
    private final boolean words;
    /** The spoken language the job named, or null: the engine detects it. */
    private final String requestedLanguage;

    /** The job asked for English text whatever the language spoken (the engine's translations endpoint). */
    private final boolean translate;

    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private final TreeMap<Integer, Slot> pending = new TreeMap<>();
    private final List<Utterance> segments = new ArrayList<>();
    private final AtomicLong samplesSent = new AtomicLong();
    /** The first chunk that failed for good, set by its request thread. */
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    private long samplesTakenOver;
    private boolean resuming = true;
    private String language;
    private double duration;
    private long started;

    RemoteTranscription(
            JobContext context,
            String name,
            TranscribeSettings.Engine engine,
            Semaphore permits,
            EngineClient client,
            EarlierChunks.Done earlier) {
        this.context = context;
        this.name = name;
        this.engine = engine;
        this.permits = permits;
        this.client = client;
        this.earlier = earlier;
        this.backoff = new Backoff(engine.retryBackoff(), engine.retryBackoff().multipliedBy(16), 0.2);
        this.words = context.params().path("words").asBoolean(false);
        this.requestedLanguage = language(context.params().path("language").asString(null));
        this.translate = "translate".equals(context.params().path("task").asString(""));
    }

    Map<String, Object> run() throws Exception {
        context.progress(0, "decoding");
        started = System.nanoTime();
        try (AudioDecoder audio = AudioDecoder.open(context.input().path())) {
            duration = audio.durationSeconds();
            if (duration > 0) {
                context.inputMeasured(Transcriber.seconds(duration), null);
            }
            AudioChunks chunks = new AudioChunks(audio, engine.chunkSeconds());
            for (AudioChunks.Chunk chunk = chunks.next(); chunk != null; chunk = chunks.next()) {
                context.checkCancelled();
                if (!takeOver(chunk)) {
                    send(chunk);
                }
                publishReady();
            }
            duration = audio.decodedSeconds(); // what was really there, whatever the header said
            awaitAll();
        } finally {
            requests.shutdownNow(); // interrupts requests in flight, which closes them
            requests.close();
        }
        context.inputMeasured(Transcriber.seconds(duration), null);
        return Transcriber.result(
                name,
                translate,
                language != null ? language : requestedLanguage != null ? requestedLanguage : "unknown",
                duration,
                (System.nanoTime() - started) / 1e9,
                segments);
    }

    /** Whether an earlier attempt finished this chunk, cut at the same place; then its utterances stand. */
    private boolean takeOver(AudioChunks.Chunk chunk) {
        if (!resuming || chunk.index() > earlier.lastChunk()) {
            resuming = false;
            return false;
        }
        Double end = earlier.ends().get(chunk.index());
        if (end != null && Math.abs(end - round(chunk.endSeconds())) > 0.0005) {
            resuming = false; // cut elsewhere: the settings changed since
            return false;
        }
        var heard = new EngineClient.Heard(earlier.utterances().getOrDefault(chunk.index(), List.of()), null);
        pending.put(chunk.index(), slot(chunk, CompletableFuture.completedFuture(heard), true));
        samplesTakenOver += chunk.samples();
        return true;
    }

    private void send(AudioChunks.Chunk chunk) throws InterruptedException {
        while (!permits.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            failFast();
            report();
        }
        Future<EngineClient.Heard> heard;
        try {
            failFast(); // the permit may be the one a failed chunk gave back
            byte[] wav = Wave.of(chunk.pcm());
            Map<String, String> logContext = MDC.getCopyOfContextMap(); // the job's id on the request's log lines
            heard = requests.submit(() -> {
                if (logContext != null) {
                    MDC.setContextMap(logContext);
                }
                try {
                    return withTries(chunk, wav);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e); // before the permit goes back: no chunk is sent after it
                    throw e;
                } finally {
                    permits.release();
                }
            });
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        pending.put(chunk.index(), slot(chunk, heard, false));
    }

    private static Slot slot(AudioChunks.Chunk chunk, Future<EngineClient.Heard> heard, boolean takenOver) {
        return new Slot(chunk.index(), chunk.startSeconds(), chunk.endSeconds(), heard, takenOver);
    }

    private EngineClient.Heard withTries(AudioChunks.Chunk chunk, byte[] wav) throws InterruptedException {
        for (int tried = 1; ; tried++) {
            try {
                EngineClient.Heard heard = client.transcribe(name, engine, wav, requestedLanguage, words, translate);
                samplesSent.addAndGet(chunk.samples());
                return heard;
            } catch (EngineClient.Refused refused) {
                if (!refused.retryable() || tried >= engine.tries()) {
                    throw failure(refused, chunk, tried);
                }
                context.log()
                        .info(
                                "Engine {} failed on the chunk at {} s ({}), try {} of {}; trying again",
                                name,
                                round(chunk.startSeconds()),
                                refused.getMessage(),
                                tried,
                                engine.tries());
                Thread.sleep(backoff.delay(tried));
            }
        }
    }

    /** The job's failure: what happened, where, and what an administrator can change; the details to the log. */
    private JobFailure failure(EngineClient.Refused refused, AudioChunks.Chunk chunk, int tried) {
        String engineName = "The transcription engine '" + name + "'";
        String setting = "kiln.transcribe.engines." + name;
        String message = switch (refused.code) {
            case ENGINE_AUTH ->
                engineName + " refused Kiln's credentials (HTTP " + refused.status + "); an administrator should check "
                        + setting + ".api-key.";
            case ENGINE_CHUNK_TOO_LARGE ->
                engineName + " refused a chunk of " + Math.round(chunk.samples() / (double) AudioDecoder.SAMPLE_RATE)
                        + " s as too large (HTTP 413); an administrator should lower "
                        + setting + ".chunk-seconds.";
            case ENGINE_UNAVAILABLE ->
                engineName
                        + (refused.status > 0
                                ? " answered that it is busy or failing (HTTP " + refused.status + ")"
                                : refused.getCause() instanceof HttpTimeoutException
                                        ? " did not answer within " + within(engine.timeout())
                                        : " could not be reached")
                        + ", " + tried + (tried == 1 ? " time" : " times") + " for the audio at "
                        + clock(chunk.startSeconds())
                        + ".";
            default ->
                engineName
                        + (refused.status == 200
                                ? " sent an answer that is not a transcription."
                                : " refused the request (HTTP " + refused.status + "); an administrator should check "
                                        + setting + ".model.");
        };
        return JobFailure.of(refused.code, message, refused);
    }

    /** Publishes the chunks at the head of the line that are done; fails if any chunk failed. */
    private void publishReady() throws InterruptedException {
        failFast();
        while (!pending.isEmpty() && pending.firstEntry().getValue().heard().isDone()) {
            publish(pending.pollFirstEntry().getValue());
        }
        report();
    }

    private void awaitAll() throws InterruptedException {
        while (!pending.isEmpty()) {
            Slot first = pending.firstEntry().getValue();
            try {
                first.heard().get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                publishReady();
            } catch (TimeoutException e) {
                failFast();
                report();
            } catch (ExecutionException e) {
                throw unwrap(e);
            }
        }
    }

    /**
     * A chunk that failed fails the job now; the chunks before it that are done are published first,
     * so that the next attempt need not send them again.
     */
    private void failFast() {
        RuntimeException failed = failure.get();
        if (failed != null) {
            while (!pending.isEmpty() && pending.firstEntry().getValue().heard().state() == Future.State.SUCCESS) {
                publish(pending.pollFirstEntry().getValue());
            }
            throw failed;
        }
    }

    private static RuntimeException unwrap(Throwable e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof RuntimeException runtime
                ? runtime
                : JobFailure.of(JobErrorCode.PROCESSOR_ERROR, "Transcribing a chunk failed.", cause);
    }

    private void publish(Slot slot) {
        EngineClient.Heard heard = slot.heard().resultNow();
        if (heard.language() != null) {
            language = heard.language();
        }
        List<Utterance> utterances = heard.utterances();
        for (int i = 0; i < utterances.size(); i++) {
            Utterance u = slot.takenOver() ? utterances.get(i) : shifted(utterances.get(i), slot.start());
            segments.add(u);
            boolean last = i == utterances.size() - 1;
            context.emit(ChunkPartial.of(u, slot.index(), last ? round(slot.end()) : null));
        }
    }

    private Utterance shifted(Utterance u, double offset) {
        List<Utterance.Word> timed = u.words() == null || !words
                ? null
                : u.words().stream()
                        .map(w -> new Utterance.Word(
                                w.word(), round(w.start() + offset), round(w.end() + offset), round(w.conf())))
                        .toList();
        return new Utterance(u.text(), round(u.start() + offset), round(u.end() + offset), timed);
    }

    private void report() {
        double taken = samplesTakenOver / (double) AudioDecoder.SAMPLE_RATE;
        double sent = samplesSent.get() / (double) AudioDecoder.SAMPLE_RATE;
        if (duration <= 0) {
            context.progress(0, "transcribing");
            return;
        }
        double fraction = Math.min((taken + sent) / duration, 1) * 0.99;
        context.progress(fraction, "transcribing", sent > 0 ? Eta.remaining(started, sent, duration - taken) : null);
    }

    private static String language(String requested) {
        if (requested == null || requested.isBlank()) {
            return null;
        }
        if (!requested.matches("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")) {
            throw JobFailure.of(JobErrorCode.INVALID_INPUT, "language must be an ISO-639-1 code such as 'en'.");
        }
        return requested.toLowerCase(Locale.ROOT);
    }

    private static String within(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
