package dev.kiln.extract;

import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.exception.ZeroByteFileException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.Office;
import org.apache.tika.metadata.PagedText;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.apache.tika.parser.microsoft.OfficeParserConfig;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Office documents, e-books, HTML and text through Apache Tika, read as a stream of block
 * elements (paragraphs, headings, list items, table cells) so headings and slides survive into
 * the segments. Tika's own guards apply (zip bombs, deep nesting); the segmenter bounds the text.
 */
final class TikaDocuments {

    private static final Parser PARSER = new AutoDetectParser();
    private static final Set<String> BLOCKS = Set.of(
            "p",
            "div",
            "li",
            "td",
            "th",
            "blockquote",
            "pre",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "dt",
            "dd",
            "section",
            "article",
            "br");

    private TikaDocuments() {}

    static Extracted read(Path file, JobContext context, Segmenter segmenter, int maxCharacters) throws IOException {
        Metadata metadata = new Metadata();
        Blocks blocks = new Blocks(context, segmenter, maxCharacters);
        try (InputStream in = TikaInputStream.get(file, metadata)) {
            PARSER.parse(in, blocks, metadata, parseContext());
        } catch (EncryptedDocumentException e) {
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_ENCRYPTED, "The document is protected by a password; Kiln cannot open it.");
        } catch (ZeroByteFileException e) {
            throw JobFailure.of(JobErrorCode.DOCUMENT_UNREADABLE, "The file is empty.");
        } catch (TikaException | SAXException | RuntimeException e) {
            if (e instanceof JobFailure || e instanceof JobCancelledException) {
                throw (RuntimeException) e;
            }
            if (e.getCause() instanceof JobFailure failure) {
                throw failure;
            }
            if (e.getCause() instanceof JobCancelledException cancelled) {
                throw cancelled;
            }
            if (isZipBomb(e)) {
                throw JobFailure.of(
                        JobErrorCode.DOCUMENT_TOO_LARGE,
                        "The document expands to far more than its size "
                                + "(a compression bomb); Kiln refuses to unpack it.");
            }
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_UNREADABLE,
                    "The document could not be read: it may be damaged, or not what its content claims to be.",
                    e);
        }
        blocks.flush();
        Integer pages = firstInt(
                metadata.get(PagedText.N_PAGES), metadata.get(Office.PAGE_COUNT), metadata.get(Office.SLIDE_COUNT));
        if (pages == null && blocks.page > 0) {
            pages = blocks.page;
        }
        return new Extracted(
                Extracted.metadata(
                        metadata.get(TikaCoreProperties.TITLE), metadata.get(TikaCoreProperties.CREATOR), pages),
                List.of(),
                List.of());
    }

    /** Streams Word and PowerPoint files (SAX) instead of building their whole XML in memory. */
    private static ParseContext parseContext() {
        OfficeParserConfig office = new OfficeParserConfig();
        office.setUseSAXDocxExtractor(true);
        office.setUseSAXPptxExtractor(true);
        ParseContext context = new ParseContext();
        context.set(OfficeParserConfig.class, office);
        return context;
    }

    /** Turns Tika's XHTML into paragraphs: text between block boundaries, headings marked, pages/slides counted. */
    private static final class Blocks extends DefaultHandler {

        private final JobContext context;
        private final Segmenter segmenter;
        private final StringBuilder buffer = new StringBuilder();
        private final int maxCharacters;
        private boolean inBody;
        private boolean heading;
        private int page;
        private long total;
        private long sinceCheck;

        Blocks(JobContext context, Segmenter segmenter, int maxCharacters) {
            this.context = context;
            this.segmenter = segmenter;
            this.maxCharacters = maxCharacters;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            if (localName.equals("body")) {
                inBody = true;
                return;
            }
            if (BLOCKS.contains(localName)) {
                flush();
            }
            String cls = attributes.getValue("class");
            if (localName.equals("div") && ("page".equals(cls) || "slide-content".equals(cls))) {
                page++;
            }
            if (localName.length() == 2 && localName.charAt(0) == 'h' && Character.isDigit(localName.charAt(1))) {
                heading = true;
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            if (BLOCKS.contains(localName)) {
                flush();
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!inBody) {
                return;
            }
            total += length;
            if (total > maxCharacters) {
                // Before buffering it: one endless paragraph (a compression bomb's) must not fill the heap.
                throw JobFailure.of(
                        JobErrorCode.DOCUMENT_TOO_LARGE,
                        "The document holds more than " + maxCharacters
                                + " characters of text, the most this server extracts.");
            }
            buffer.append(ch, start, length);
            sinceCheck += length;
            if (sinceCheck > 64 * 1024) {
                sinceCheck = 0;
                context.checkCancelled(); // Tika may run long on a big file: look now and then
                context.progress(0, "parsing");
            }
        }

        @Override
        public void ignorableWhitespace(char[] ch, int start, int length) {
            characters(ch, start, length);
        }

        void flush() {
            if (buffer.isEmpty()) {
                heading = false;
                return;
            }
            Integer onPage = page > 0 ? page : null;
            for (String paragraph : buffer.toString().split("\\n\\s*\\n")) {
                String text = paragraph.strip();
                boolean markdownHeading = text.startsWith("#");
                segmenter.add(new Paragraph(
                        markdownHeading ? text.replaceFirst("^#+\\s*", "") : text, onPage, heading || markdownHeading));
            }
            buffer.setLength(0);
            heading = false;
        }
    }

    private static boolean isZipBomb(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t.getClass().getSimpleName().contains("ZipBomb")
                    || message.contains("zip bomb")
                    || message.contains("inflate ratio")
                    || message.contains("exceeds the max")) {
                return true;
            }
        }
        return false;
    }

    private static Integer firstInt(String... values) {
        for (String v : values) {
            if (v != null) {
                try {
                    return Integer.parseInt(v.strip());
                } catch (NumberFormatException ignored) {
                    // try the next
                }
            }
        }
        return null;
    }
}
