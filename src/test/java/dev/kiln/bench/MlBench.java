package dev.kiln.bench;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.WordErrorRate;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * Figures for the ML processors, with Kiln in its own process and every input made here, at
 * bench time, from text this class writes (so the word error rate has a reference):
 * <ol>
 *   <li>{@code transcribe}: about {@code --minutes} of espeak-ng speech (several voices and speeds)
 *       as a 16 kHz mono WAV and as an MP3: the job's wall time, its real-time factor (target
 *       ≤ 0.25), segments, WER, Kiln's RSS before and at its peak; against FFmpeg decoding alone;</li>
 *   <li>{@code extract}: a {@code --pages} text PDF and a {@code --scanned}-page image-only PDF
 *       (pages rendered at 200 dpi): pages/s, WER and RSS; against pdftotext and tesseract alone.</li>
 * </ol>
 * Run with {@code bench/ml.sh [--minutes=10] [--pages=100] [--scanned=10] [--parts=transcribe,extract]}.
 */
public final class MlBench {

    private static final String TOKEN = Api.ADMIN_TOKEN;
    private static final int SCAN_DPI = 200;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int minutes = Integer.parseInt(options.getOrDefault("minutes", "10"));
        int pages = Integer.parseInt(options.getOrDefault("pages", "100"));
        int scanned = Integer.parseInt(options.getOrDefault("scanned", "10"));
        Set<String> parts =
                Set.of(options.getOrDefault("parts", "transcribe,extract").split(","));

        Path home = TestDatabases.tempDir("kiln-ml-bench-");
        Path work = Files.createDirectories(home.resolve("bench-inputs"));
        try (KilnProcess kiln = KilnProcess.measured(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                home,
                Map.of(
                        "kiln.files.max-size", "2GB",
                        "kiln.files.quota-per-user", "100GB",
                        "kiln.limits.max-running-jobs", "0",
                        "logging.level.root", "WARN",
                        "logging.level.dev.kiln", "WARN"),
                List.of())) {
            System.out.printf(
                    Locale.ROOT,
                    "kiln       pid %d, data in %s, %d CPUs%n",
                    kiln.pid(),
                    home,
                    Runtime.getRuntime().availableProcessors());
            if (parts.contains("transcribe")) {
                transcription(kiln, work, minutes);
            }
            if (parts.contains("extract")) {
                extraction(kiln, work, pages, scanned);
            }
        }
        FileSystemUtils.deleteRecursively(home); // the inputs and Kiln's copies of them
    }

    // ---- transcribe ----

    private static void transcription(KilnProcess kiln, Path work, int minutes) throws Exception {
        Speech speech = speech(work, minutes * 60);
        Path mp3 = work.resolve("speech.mp3");
        run(
                "ffmpeg",
                "-v",
                "error",
                "-i",
                speech.wav().toString(),
                "-c:a",
                "libmp3lame",
                "-b:a",
                "64k",
                "-y",
                mp3.toString());
        System.out.printf(
                Locale.ROOT,
                "speech     %.2f min, %d words, %d espeak-ng clips; wav %.1f MB, mp3 %.1f MB%n",
                speech.seconds() / 60,
                WordErrorRate.words(speech.script()).length,
                speech.clips(),
                Files.size(speech.wav()) / 1e6,
                Files.size(mp3) / 1e6);

        // The first job loads the Vosk model; warm it up so the measured jobs time recognition only.
        Measured warmup = measure(kiln, speech.firstClip(), "transcribe");
        System.out.printf(
                Locale.ROOT,
                "warm-up    transcribe of one %.0f s clip (loads the model): %.1f s%n",
                warmup.result().path("duration").asDouble(),
                warmup.seconds());

        for (Path audio : List.of(speech.wav(), mp3)) {
            String ext = extension(audio);
            double decode = run(
                    "ffmpeg",
                    "-v",
                    "error",
                    "-i",
                    audio.toString(),
                    "-ar",
                    "16000",
                    "-ac",
                    "1",
                    "-f",
                    "s16le",
                    "-y",
                    "/dev/null");
            Measured job = measure(kiln, audio, "transcribe");
            if (job.failed()) {
                continue;
            }
            double duration = job.result().path("duration").asDouble();
            System.out.printf(
                    Locale.ROOT,
                    "transcribe %s: %.2f audio min in %.1f s: RTF %.3f (target <= 0.25; processor's own %.3f);"
                            + " %d segments, WER %.1f%%; Kiln RSS %d MiB before, peak %d MiB%n",
                    ext,
                    duration / 60,
                    job.seconds(),
                    job.seconds() / duration,
                    job.result().path("realTimeFactor").asDouble(),
                    job.result().path("segments").size(),
                    100
                            * WordErrorRate.of(
                                    speech.script(), job.result().path("text").asString()),
                    job.rssBefore() / 1024,
                    job.peakRss() / 1024);
            System.out.printf(
                    Locale.ROOT,
                    "ffmpeg     %s decode alone to 16 kHz mono s16le: %.2f s (RTF %.4f)%n",
                    ext,
                    decode,
                    decode / duration);
        }
    }

    record Speech(Path wav, Path firstClip, String script, double seconds, int clips) {}

    /** Clips of about a minute, each in another voice and speed, until {@code seconds} are spoken; one 16 kHz mono WAV. */
    private static Speech speech(Path work, int seconds) throws Exception {
        String[] voices = {"en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp"};
        int[] speeds = {150, 165, 180};
        Random random = new Random(42);
        List<String> command = new ArrayList<>(List.of("sox"));
        StringBuilder script = new StringBuilder();
        double spoken = 0;
        int clips = 0;
        while (spoken < seconds) {
            String text = sentences(random, 12);
            Path clip = work.resolve("clip-" + clips + ".wav");
            Path textFile = Files.writeString(work.resolve("clip-" + clips + ".txt"), text);
            run(
                    "espeak-ng",
                    "-v",
                    voices[clips % voices.length],
                    "-s",
                    Integer.toString(speeds[clips % speeds.length]),
                    "-w",
                    clip.toString(),
                    "-f",
                    textFile.toString());
            spoken += Double.parseDouble(output("soxi", "-D", clip.toString()).strip());
            script.append(text).append(' ');
            command.add(clip.toString());
            clips++;
        }
        Path wav = work.resolve("speech.wav");
        command.addAll(List.of("-r", "16000", "-c", "1", "-b", "16", wav.toString()));
        run(command.toArray(String[]::new));
        return new Speech(wav, work.resolve("clip-0.wav"), script.toString(), spoken, clips);
    }

    // ---- extract ----

    private static void extraction(KilnProcess kiln, Path work, int pages, int scanned) throws Exception {
        Path textPdf = work.resolve("text.pdf");
        String textScript = textPdf(textPdf, pages, new Random(7));
        Path scanSource = work.resolve("scan-source.pdf");
        String scanScript = textPdf(scanSource, scanned, new Random(8));
        Path images = Files.createDirectories(work.resolve("scan-pages"));
        run(
                "pdftoppm",
                "-r",
                Integer.toString(SCAN_DPI),
                "-gray",
                "-png",
                scanSource.toString(),
                images.resolve("page").toString());
        List<Path> pngs;
        try (Stream<Path> listed = Files.list(images)) {
            pngs = listed.sorted().toList();
        }
        Path scannedPdf = imagePdf(pngs, work.resolve("scanned.pdf"));
        System.out.printf(
                Locale.ROOT,
                "documents  %d-page text PDF %.2f MB; %d-page image-only PDF at %d dpi %.1f MB%n",
                pages,
                Files.size(textPdf) / 1e6,
                scanned,
                SCAN_DPI,
                Files.size(scannedPdf) / 1e6);

        double pdftotext = run(
                "pdftotext", textPdf.toString(), work.resolve("pdftotext.txt").toString());
        System.out.printf(
                Locale.ROOT, "pdftotext  %d pages alone: %.2f s, %.1f pages/s%n", pages, pdftotext, pages / pdftotext);
        // Tesseract's OpenMP threads fight over a small machine's cores; OMP_THREAD_LIMIT=1 shows how much.
        for (List<String> env : List.of(List.of("env"), List.of("env", "OMP_THREAD_LIMIT=1"))) {
            double tesseract = 0;
            for (Path png : pngs) {
                List<String> command = new ArrayList<>(env);
                command.addAll(List.of(
                        "tesseract",
                        png.toString(),
                        work.resolve("ocr-" + png.getFileName()).toString(),
                        "-l",
                        "eng"));
                tesseract += run(command.toArray(String[]::new));
            }
            System.out.printf(
                    Locale.ROOT,
                    "tesseract  %d page images alone, one after another, %s: %.1f s, %.2f pages/s%n",
                    scanned,
                    env.size() == 1 ? "default threads" : env.getLast(),
                    tesseract,
                    scanned / tesseract);
        }

        if (!installed(kiln, "extract")) {
            System.out.println("extract: not installed");
            return;
        }
        report("text PDF", measure(kiln, textPdf, "extract"), textScript);
        report("scanned PDF", measure(kiln, scannedPdf, "extract"), scanScript);
    }

    private static void report(String what, Measured job, String script) {
        if (job.failed()) {
            return;
        }
        int pages = job.result().path("metadata").path("pages").asInt();
        System.out.printf(
                Locale.ROOT,
                "extract    %s: %d pages in %.1f s: %.2f pages/s; %d chars, %d segments, WER %.1f%%;"
                        + " Kiln RSS %d MiB before, peak %d MiB%n",
                what,
                pages,
                job.seconds(),
                pages / job.seconds(),
                job.result().path("text").asString().length(),
                job.result().path("segments").size(),
                100 * WordErrorRate.of(script, job.result().path("text").asString()),
                job.rssBefore() / 1024,
                job.peakRss() / 1024);
    }

    /** A text PDF of {@code pages} full A4 pages of sentences in 11 pt Helvetica; returns its text. */
    private static String textPdf(Path target, int pages, Random random) throws IOException {
        PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        float size = 11, leading = 14, margin = 60;
        float width = PDRectangle.A4.getWidth() - 2 * margin, top = PDRectangle.A4.getHeight() - margin;
        int lines = (int) ((PDRectangle.A4.getHeight() - 2 * margin) / leading);
        Deque<String> pending = new ArrayDeque<>();
        StringBuilder script = new StringBuilder();
        try (PDDocument document = new PDDocument()) {
            for (int p = 0; p < pages; p++) {
                PDPage page = new PDPage(PDRectangle.A4);
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, size);
                    content.setLeading(leading);
                    content.newLineAtOffset(margin, top);
                    for (int l = 0; l < lines; l++) {
                        String line = "";
                        while (true) { // as many words as fit; a sentence runs on across lines and pages
                            if (pending.isEmpty()) {
                                pending.addAll(List.of(sentences(random, 1).split(" ")));
                            }
                            String longer = line.isEmpty() ? pending.peek() : line + " " + pending.peek();
                            if (!line.isEmpty() && font.getStringWidth(longer) / 1000 * size > width) {
                                break;
                            }
                            line = longer;
                            pending.pop();
                        }
                        content.showText(line);
                        content.newLine();
                        script.append(line).append('\n');
                    }
                    content.endText();
                }
            }
            document.save(target.toFile());
        }
        return script.toString();
    }

    /** A "scan": one page per image, sized so the image is {@value SCAN_DPI} dpi; no text layer. */
    private static Path imagePdf(List<Path> images, Path target) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (Path png : images) {
                PDImageXObject image = PDImageXObject.createFromFile(png.toString(), document);
                float width = image.getWidth() * 72f / SCAN_DPI, height = image.getHeight() * 72f / SCAN_DPI;
                PDPage page = new PDPage(new PDRectangle(width, height));
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.drawImage(image, 0, 0, width, height);
                }
            }
            document.save(target.toFile());
        }
        return target;
    }

    // ---- jobs in Kiln ----

    record Measured(JsonNode result, double seconds, long rssBefore, long peakRss, boolean failed) {}

    /**
     * Uploads {@code input}, runs one {@code type} job on it and waits for it. Wall time is the
     * job's own startedAt to finishedAt; Kiln's peak RSS is reset just before the job starts.
     */
    private static Measured measure(KilnProcess kiln, Path input, String type) throws Exception {
        Api api = kiln.api();
        Api.Response uploaded = api.send(api.request("/api/v1/files?name=" + input.getFileName(), TOKEN)
                .timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(input))
                .build());
        if (uploaded.status() != 201) {
            throw new IllegalStateException("could not upload " + input + ": " + uploaded);
        }
        long rssBefore = status(kiln.pid(), "VmRSS");
        Files.writeString(Path.of("/proc/" + kiln.pid() + "/clear_refs"), "5"); // resets VmHWM to the current RSS
        // reuse: false — the same content measured again must run again, not take the earlier result.
        String id = api.post(
                        "/api/v1/jobs",
                        TOKEN,
                        "{\"type\":\"" + type + "\",\"input\":{\"fileId\":\""
                                + uploaded.json().get("id").asString() + "\"},\"reuse\":false}")
                .json()
                .get("id")
                .asString();
        JsonNode job = api.job(TOKEN, id);
        while (!Set.of("succeeded", "failed", "cancelled")
                .contains(job.get("state").asString())) {
            Thread.sleep(250);
            job = api.job(TOKEN, id);
        }
        long peak = status(kiln.pid(), "VmHWM");
        double seconds = Duration.between(
                                Instant.parse(job.get("startedAt").asString()),
                                Instant.parse(job.get("finishedAt").asString()))
                        .toMillis()
                / 1000.0;
        if (!job.get("state").asString().equals("succeeded")) {
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %s %s after %.1f s: %s%n",
                    type,
                    input.getFileName(),
                    job.get("state").asString(),
                    seconds,
                    job.path("error"));
            return new Measured(MissingNode.getInstance(), seconds, rssBefore, peak, true);
        }
        JsonNode result = api.get("/api/v1/jobs/" + id + "/result", TOKEN).json();
        return new Measured(result, seconds, rssBefore, peak, false);
    }

    private static boolean installed(KilnProcess kiln, String type) {
        for (JsonNode processor :
                kiln.api().get("/api/v1/processors", TOKEN).json().path("items")) {
            if (processor.path("name").asString().equals(type)) {
                return true;
            }
        }
        return false;
    }

    /** A field of /proc/PID/status, in KiB. */
    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no " + field + " for process " + pid);
    }

    // ---- text, words and commands ----

    private static final String[] SUBJECTS = {
        "The old fisherman",
        "My neighbour",
        "A young teacher",
        "The committee",
        "Our small team",
        "The farmer next door",
        "Every student",
        "The doctor",
        "Her brother",
        "The mayor of the town"
    };
    private static final String[] VERBS = {
        "carried",
        "painted",
        "repaired",
        "forgot",
        "described",
        "ordered",
        "borrowed",
        "washed",
        "explained",
        "discovered"
    };
    private static final String[] OBJECTS = {
        "a heavy wooden table",
        "the broken window",
        "three bags of apples",
        "the morning newspaper",
        "a letter from the bank",
        "the red bicycle",
        "an old map of the river",
        "the kitchen door",
        "a box of candles",
        "the winter coats"
    };
    private static final String[] TAILS = {
        "before the storm arrived",
        "on a quiet Sunday morning",
        "while the children were sleeping",
        "near the railway station",
        "after a long day at work",
        "without saying a word",
        "during the summer holidays",
        "at the end of the street",
        "because nobody else would",
        "in the middle of the night"
    };

    /** {@code count} plain English sentences, without digits, so speech and OCR have words to get right. */
    private static String sentences(Random random, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(pick(random, SUBJECTS))
                    .append(' ')
                    .append(pick(random, VERBS))
                    .append(' ')
                    .append(pick(random, OBJECTS))
                    .append(' ')
                    .append(pick(random, TAILS))
                    .append(". ");
        }
        return text.toString().strip();
    }

    private static String pick(Random random, String[] from) {
        return from[random.nextInt(from.length)];
    }

    /** Runs a command to completion, failing on a non-zero exit; returns its wall time in seconds. */
    private static double run(String... command) throws Exception {
        long start = System.nanoTime();
        output(command);
        return (System.nanoTime() - start) / 1e9;
    }

    private static String output(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
