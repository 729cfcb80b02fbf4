package dev.kiln.extract;

import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * OCR through the Tesseract command, one image at a time. Whether it is installed is asked once
 * (and reported by {@code GET /processors}); without it an image fails as {@code ocr_unavailable}
 * rather than yielding a silently empty text.
 */
@Component
class Ocr {

    private static final long PAGE_TIMEOUT_SECONDS = 600;

    record Availability(boolean available, String version, List<String> languages) {}

    private final ExtractSettings settings;
    private volatile Availability availability;

    Ocr(ExtractSettings settings) {
        this.settings = settings;
    }

    Availability availability() {
        Availability known = availability;
        if (known == null) {
            known = probe();
            availability = known;
        }
        return known;
    }

    Map<String, Object> describe() {
        Availability a = availability();
        return a.available()
                ? Map.of(
                        "available",
                        true,
                        "engine",
                        "tesseract " + a.version(),
                        "languages",
                        a.languages(),
                        "using",
                        settings.ocrLanguages())
                : Map.of("available", false);
    }

    /** The text in {@code image} (any format Tesseract reads, multi-page TIFF included). */
    String read(Path image, JobContext context) throws IOException {
        if (!availability().available()) {
            throw JobFailure.of(
                    JobErrorCode.OCR_UNAVAILABLE,
                    "This needs OCR, and Tesseract is not installed on this server "
                            + "(Debian: apt-get install tesseract-ocr tesseract-ocr-eng).");
        }
        Path out = Files.createTempFile("kiln-ocr-", ".txt");
        try {
            ProcessBuilder command = new ProcessBuilder(
                            settings.tesseract(), image.toString(), "stdout", "-l", settings.ocrLanguages())
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            // Tesseract's OpenMP threads spin against each other and everything else: measured on
            // 2 cores, a page took 15 s with them and 2 s with one (bench/ml.sh).
            command.environment().put("OMP_THREAD_LIMIT", "1");
            Process tesseract = command.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PAGE_TIMEOUT_SECONDS);
            try {
                // Polled, not waited on for good: a cancel must stop the work within a second.
                while (!tesseract.waitFor(100, TimeUnit.MILLISECONDS)) {
                    if (context.isCancelled()) {
                        throw new JobCancelledException();
                    }
                    if (System.nanoTime() > deadline) {
                        throw JobFailure.of(
                                JobErrorCode.TIMEOUT,
                                "OCR of one page took longer than " + PAGE_TIMEOUT_SECONDS + " s.");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobCancelledException();
            } finally {
                tesseract.destroyForcibly();
            }
            if (tesseract.exitValue() != 0) {
                throw JobFailure.of(JobErrorCode.DOCUMENT_UNREADABLE, "OCR could not read an image in the document.");
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private Availability probe() {
        try {
            String version = run(settings.tesseract(), "--version")
                    .lines()
                    .findFirst()
                    .orElse("")
                    .replace("tesseract", "")
                    .strip();
            List<String> languages = run(settings.tesseract(), "--list-langs")
                    .lines()
                    .skip(1)
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.equals("osd"))
                    .toList();
            return new Availability(true, version, languages);
        } catch (IOException e) {
            return new Availability(false, null, List.of());
        }
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(command[0] + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            process.destroyForcibly();
        }
    }
}
