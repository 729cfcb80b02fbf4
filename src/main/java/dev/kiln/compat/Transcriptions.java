package dev.kiln.compat;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.files.FileInfo;
import dev.kiln.files.FileIntake;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobRequests;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.ResultRenderer;
import dev.kiln.transcribe.LanguageCodes;
import dev.kiln.transcribe.Wave;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A transcription request made a durable Kiln job, like any other: the upload streamed into a file
 * of the caller's through {@link FileIntake}, then a {@code transcribe} job submitted through {@link
 * JobRequests} — the same limits, idempotency and audit as {@code POST /api/v1/jobs}, so the job is
 * in the caller's web app, list and audit log like one they made there.
 */
@Component
class Transcriptions {

    /** whisper-asr-webservice's {@code encode=false}: the audio is already what its engine reads. */
    static final int PCM_RATE = 16_000;

    private final FileIntake intake;
    private final JobRequests requests;
    private final JobStore jobs;
    private final ResultRenderer results;
    private final JsonMapper json;

    Transcriptions(FileIntake intake, JobRequests requests, JobStore jobs, ResultRenderer results, JsonMapper json) {
        this.intake = intake;
        this.requests = requests;
        this.jobs = jobs;
        this.results = results;
        this.json = json;
    }

    /**
     * Submits a transcription of {@code audio} by {@code engine}. The submission is counted before a
     * byte is stored, so a refused one (429) leaves nothing behind. The audio becomes the caller's file
     * of that content (one file however often it is sent), so with an Idempotency-Key the same request
     * again (same key, same audio, same engine) answers the job the first one made.
     *
     * @param rawPcm   the audio is 16 kHz mono 16-bit little-endian PCM without a header
     * @param language the spoken language the client named, or null: passed on to a remote engine
     * @param translate to English text (a remote engine's translation), not a transcription
     */
    Job submit(
            User user,
            MultipartFile audio,
            boolean rawPcm,
            Engines.Engine engine,
            String language,
            boolean translate,
            String idempotencyKey) {
        String key = JobRequests.idempotencyKey(idempotencyKey);
        if (audio.isEmpty()) {
            throw new ApiException(ErrorCode.EMPTY_FILE, "The audio file is empty.");
        }
        requests.admitUpcoming(user);
        try {
            FileInfo file;
            try (InputStream in = rawPcm ? wave(audio) : audio.getInputStream()) {
                file = intake.acceptOnce(user.id(), in, audio.getOriginalFilename(), Engines.PROCESSOR);
            }
            ObjectNode body = json.createObjectNode().put("type", Engines.PROCESSOR);
            body.putObject("input").put("fileId", file.id());
            // Words always: they time the captions and give verbose_json its words, and every
            // format of one recording is then the same job's result, reused.
            ObjectNode params =
                    body.putObject("params").put("model", engine.name()).put("words", true);
            if (engine.remote() && language != null) {
                params.put("language", LanguageCodes.primary(language));
            }
            if (translate) {
                params.put("task", "translate");
            }
            JobStore.Submission submission = requests.submitAdmittedChecked(user, body, key);
            if (submission.replayed()) {
                requests.giveBackUpcoming(user);
            }
            return submission.job();
        } catch (IOException e) {
            requests.giveBackUpcoming(user);
            throw new UncheckedIOException("Could not read an upload", e);
        } catch (RuntimeException e) {
            requests.giveBackUpcoming(user);
            throw e;
        }
    }

    /**
     * The transcript of a job the request followed until {@code end} (not {@code CLIENT_GONE}), as
     * its owner sees it.
     *
     * @throws CompatFailure when the wait ended first, or the job failed, was cancelled or deleted
     */
    Transcript result(User user, Job submitted, ResultWait.End end) {
        if (end != ResultWait.End.FINISHED) {
            throw CompatFailure.unfinished(
                    end == ResultWait.End.SHUTTING_DOWN
                            ? CompatFailure.Kind.SHUTTING_DOWN
                            : CompatFailure.Kind.STILL_RUNNING,
                    submitted.id());
        }
        Job job = jobs.find(submitted.id(), user).orElseThrow(() -> CompatFailure.gone(submitted.id()));
        if (job.state() != JobState.SUCCEEDED) {
            throw CompatFailure.ended(job);
        }
        return new Transcript(json.readTree(results.render(job, "json", false).body()));
    }

    /** Raw PCM as a WAV file: the same samples behind the 44-byte header that says what they are. */
    private static InputStream wave(MultipartFile pcm) throws IOException {
        long size = pcm.getSize();
        if (size > 0xFFFF_FFFFL - 36) {
            throw CompatFailure.invalid("audio_file", "Raw PCM (encode=false) may be at most 4 GiB.");
        }
        return new SequenceInputStream(new ByteArrayInputStream(Wave.header(size, PCM_RATE)), pcm.getInputStream());
    }
}
