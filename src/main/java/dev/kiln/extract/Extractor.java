package dev.kiln.extract;

import dev.kiln.processors.InputFile;
import dev.kiln.processors.InputMeasure;
import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorLimits;
import dev.kiln.processors.ResultShape;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.tika.Tika;
import org.apache.tika.langdetect.optimaize.OptimaizeLangDetector;
import org.apache.tika.language.detect.LanguageDetector;
import org.apache.tika.language.detect.LanguageResult;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * {@code extract}: a document's text, metadata and segments of a few hundred words, each segment
 * published as soon as it is complete. PDFs are read page by page (OCR for scanned pages), images
 * by OCR, everything else through Apache Tika.
 */
@Component
class Extractor implements Processor {

    static final List<String> ACCEPTED = List.of(
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.oasis.opendocument.text",
            "application/rtf",
            "application/epub+zip",
            "text/html",
            "application/xhtml+xml",
            "text/plain",
            "text/markdown",
            "text/x-web-markdown",
            "image/png",
            "image/jpeg",
            "image/tiff");
    /** Enough text to tell a language; more only costs time. */
    private static final int LANGUAGE_SAMPLE = 20_000;

    private final Ocr ocr;
    private final ExtractSettings settings;
    private volatile LanguageDetector languages;
    private final Counter textPages;
    private final Counter ocrPages;
    private final DistributionSummary secondsPerPage;

    Extractor(Ocr ocr, ExtractSettings settings, MeterRegistry meters) {
        this.ocr = ocr;
        this.settings = settings;
        this.textPages = pages(meters, "text");
        this.ocrPages = pages(meters, "ocr");
        this.secondsPerPage = DistributionSummary.builder("kiln.extract.page.seconds")
                .description("Seconds of work per page, per finished extraction of a paged document")
                .register(meters);
    }

    private static Counter pages(MeterRegistry meters, String method) {
        return Counter.builder("kiln.extract.pages")
                .tag("method", method)
                .description(
                        "Pages of finished extractions (paged documents only), by whether their text came from OCR")
                .register(meters);
    }

    @Override
    public String name() {
        return "extract";
    }

    @Override
    public String description() {
        return "Text, metadata and segments from PDF (scanned pages by OCR), DOCX, PPTX, XLSX, ODT, RTF, EPUB, HTML, "
                + "text and Markdown, and images by OCR. Segments arrive as partial results; the result exports as json, txt and md.";
    }

    @Override
    public List<String> acceptedMediaTypes() {
        return ACCEPTED;
    }

    @Override
    public ParamsSchema params() {
        return ParamsSchema.of();
    }

    @Override
    public ProcessorLimits limits() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ProcessorLimits(3, Duration.ofHours(2), Math.max(1, cores / 2));
    }

    @Override
    public boolean cpuBound() {
        return true;
    }

    @Override
    public Map<String, Object> details() {
        return Map.of("ocr", ocr.describe());
    }

    @Override
    public ResultShape shape() {
        return ResultShape.DOCUMENT;
    }

    /** Tika and Tesseract decide the text; their versions are part of the engine's. */
    @Override
    public String version() {
        Ocr.Availability o = ocr.availability();
        return "kiln-extract/1 " + Tika.getString() + (o.available() ? " tesseract/" + o.version() : "");
    }

    @Override
    public boolean reusable() {
        return true;
    }

    /**
     * Opens a PDF and counts its pages; refuses a zip-based document that would expand like a bomb.
     * Other documents are only read by a job: parsing them is most of the work.
     */
    @Override
    public InputMeasure inspect(InputFile input) throws IOException {
        if (input.mediaType().equals("application/pdf")) {
            return new InputMeasure(null, PdfPages.count(input.path()));
        }
        if (CompressionGuard.isZip(input.path())) {
            CompressionGuard.check(input.path(), () -> {
                if (Thread.currentThread().isInterrupted()) {
                    throw new JobCancelledException();
                }
            });
        }
        return null;
    }

    /** The pages times this node's mean seconds per page so far. */
    @Override
    public Duration expectedRunTime(InputMeasure measure, JsonNode params) {
        if (measure == null || measure.pages() == null || secondsPerPage.count() == 0) {
            return null;
        }
        return Duration.ofMillis(Math.round(measure.pages() * secondsPerPage.mean() * 1000));
    }

    @Override
    public Object run(JobContext context) throws IOException {
        long started = System.nanoTime();
        String mediaType = context.input().mediaType();
        Segmenter segmenter = new Segmenter(context::emit, settings.maxCharacters());
        context.progress(0, "parsing");
        Extracted extracted;
        if (mediaType.equals("application/pdf")) {
            extracted = PdfPages.read(context.input().path(), context, ocr, settings.ocrDpi(), segmenter);
        } else if (mediaType.startsWith("image/")) {
            extracted = image(context, segmenter);
        } else {
            if (CompressionGuard.isZip(context.input().path())) {
                CompressionGuard.check(context.input().path(), context);
            }
            extracted = TikaDocuments.read(context.input().path(), context, segmenter, settings.maxCharacters());
        }
        context.progress(0.97, "segmenting");
        List<Segment> segments = segmenter.finish();
        String text = segmenter.text();
        if (text.isEmpty()
                && !extracted.ocrPages().isEmpty()
                && !ocr.availability().available()) {
            throw JobFailure.of(
                    JobErrorCode.OCR_UNAVAILABLE,
                    "The document is scanned images and needs OCR, which is not installed here.");
        }
        Map<String, Object> metadata = new LinkedHashMap<>(extracted.metadata());
        metadata.put("mediaType", mediaType);
        String language = language(text);
        if (language != null) {
            metadata.put("language", language);
        }
        int pages = countPages(extracted, context);
        if (pages > 0) {
            secondsPerPage.record((System.nanoTime() - started) / 1e9 / pages);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("metadata", metadata);
        result.put("text", text);
        result.put("segments", segments);
        result.put("ocrPages", extracted.ocrPages());
        return result;
    }

    private int countPages(Extracted extracted, JobContext context) {
        int ocrd = extracted.ocrPages().size();
        int pages = extracted.metadata().get("pages") instanceof Integer n ? Math.max(n, ocrd) : ocrd;
        if (pages > 0) {
            context.inputMeasured(null, pages);
        }
        textPages.increment(pages - ocrd);
        ocrPages.increment(ocrd);
        return pages;
    }

    /** An image (a multi-page TIFF too): its pages come back from Tesseract separated by form feeds. */
    private Extracted image(JobContext context, Segmenter segmenter) throws IOException {
        context.progress(0, "ocr page 1/1");
        String[] pages = ocr.read(context.input().path(), context).split("\f");
        int count = 0;
        for (int page = 1; page <= pages.length; page++) {
            if (page == pages.length && pages[page - 1].isBlank() && page > 1) {
                break; // Tesseract ends its output with a form feed
            }
            count = page;
            for (String paragraph : pages[page - 1].split("\\n\\s*\\n")) {
                segmenter.add(new Paragraph(paragraph, page, false));
            }
        }
        List<Integer> all = IntStream.rangeClosed(1, count).boxed().toList();
        return new Extracted(Extracted.metadata(null, null, count), all, List.of());
    }

    private String language(String text) {
        if (text.length() < 20) {
            return null;
        }
        LanguageDetector detector = languages;
        if (detector == null) {
            synchronized (this) {
                if (languages == null) {
                    try {
                        languages = new OptimaizeLangDetector().loadModels();
                    } catch (RuntimeException e) {
                        return null; // the language is a nicety; the text is what was asked for
                    }
                }
                detector = languages;
            }
        }
        LanguageResult result;
        synchronized (detector) { // one detector, not safe for concurrent use
            detector.reset();
            detector.addText(text.substring(0, Math.min(text.length(), LANGUAGE_SAMPLE)));
            result = detector.detect();
        }
        return result.isUnknown() ? null : result.getLanguage();
    }
}
