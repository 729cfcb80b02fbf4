package dev.kiln.extract;

import dev.kiln.processors.Eta;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * A PDF, page by page, with PDFBox (the engine Tika itself uses for PDFs): the page's text layer,
 * or, for a page with none (a scan), the page rendered and read by OCR. Page by page is what
 * makes per-page progress and streaming segments possible.
 */
final class PdfPages {

    /** Fewer characters than this on a page means it is an image of text. */
    private static final int SCANNED_BELOW = 16;
    /** Bounds the memory of one rendered page whatever size the PDF claims (about 40 MB as grey). */
    private static final double MAX_PIXELS = 40e6;

    private PdfPages() {}

    static Extracted read(Path file, JobContext context, Ocr ocr, int dpi, Segmenter segmenter) throws IOException {
        try (PDDocument pdf = open(file)) {
            int pages = pdf.getNumberOfPages();
            if (pages == 0) {
                throw JobFailure.of(JobErrorCode.DOCUMENT_UNREADABLE, "The PDF has no pages that could be read.");
            }
            context.inputMeasured(null, pages);
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            stripper.setParagraphEnd("\n\n");
            PDFRenderer renderer = new PDFRenderer(pdf);
            List<Integer> ocrPages = new ArrayList<>();
            List<Integer> blankPages = new ArrayList<>();
            long started = System.nanoTime();
            for (int page = 1; page <= pages; page++) {
                context.checkCancelled();
                report(context, "parsing page " + page + "/" + pages, page - 1, pages, started);
                stripper.setStartPage(page);
                stripper.setEndPage(page);
                String text = stripper.getText(pdf);
                if (text.strip().length() < SCANNED_BELOW && hasImages(pdf.getPage(page - 1))) {
                    report(context, "ocr page " + page + "/" + pages, page - 1, pages, started);
                    text = ocr(renderer, pdf.getPage(page - 1), page - 1, dpi, context, ocr);
                    ocrPages.add(page);
                }
                if (text.isBlank()) {
                    blankPages.add(page);
                }
                for (String paragraph : text.split("\\n\\s*\\n")) {
                    segmenter.add(new Paragraph(paragraph, page, false));
                }
            }
            PDDocumentInformation info = pdf.getDocumentInformation();
            return new Extracted(Extracted.metadata(info.getTitle(), info.getAuthor(), pages), ocrPages, blankPages);
        }
    }

    /** The number of pages, after opening the PDF as {@link #read} does. */
    static int count(Path file) throws IOException {
        try (PDDocument pdf = open(file)) {
            int pages = pdf.getNumberOfPages();
            if (pages == 0) {
                throw JobFailure.of(JobErrorCode.DOCUMENT_UNREADABLE, "The PDF has no pages that could be read.");
            }
            return pages;
        }
    }

    /** Parsed with its streams cached in temporary files, not memory, whatever the PDF's size. */
    private static PDDocument open(Path file) {
        try {
            return Loader.loadPDF(file.toFile(), "", null, null, IOUtils.createTempFileOnlyStreamCache());
        } catch (InvalidPasswordException e) {
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_ENCRYPTED, "The PDF is protected by a password; Kiln cannot open it.");
        } catch (IOException e) {
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_UNREADABLE, "The PDF could not be read: it may be damaged or cut short.", e);
        }
    }

    private static boolean hasImages(PDPage page) throws IOException {
        var resources = page.getResources();
        if (resources == null) {
            return false;
        }
        for (var name : resources.getXObjectNames()) {
            if (resources.isImageXObject(name)) {
                return true;
            }
        }
        // Images inside form XObjects are missed here: OCR such a page anyway if it has any XObject.
        return resources.getXObjectNames().iterator().hasNext();
    }

    private static String ocr(PDFRenderer renderer, PDPage page, int index, int dpi, JobContext context, Ocr ocr)
            throws IOException {
        PDRectangle box = page.getCropBox();
        double pixels = (box.getWidth() / 72 * dpi) * (box.getHeight() / 72 * dpi);
        float scaledDpi = (float) (pixels > MAX_PIXELS ? dpi * Math.sqrt(MAX_PIXELS / pixels) : dpi);
        BufferedImage image = renderer.renderImageWithDPI(index, scaledDpi, ImageType.GRAY);
        Path png = Files.createTempFile("kiln-page-", ".png");
        try {
            ImageIO.write(image, "png", png.toFile());
            image.flush();
            return ocr.read(png, context);
        } finally {
            Files.deleteIfExists(png);
        }
    }

    private static void report(JobContext context, String stage, int done, int total, long started) {
        context.progress(0.95 * done / total, stage, Eta.remaining(started, done, total));
    }
}
