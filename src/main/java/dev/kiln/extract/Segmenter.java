package dev.kiln.extract;

import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Gathers paragraphs, in document order, into segments of about {@value #MIN_WORDS}–{@value
 * #MAX_WORDS} words: a segment ends at a paragraph boundary once it has enough words, before a
 * paragraph that would make it too long, and before a heading; a paragraph longer than a whole
 * segment is cut at sentence ends. Each segment goes to the consumer as soon as it is complete.
 * The full text is the paragraphs joined by blank lines.
 */
final class Segmenter {

    static final int MIN_WORDS = 200;
    static final int MAX_WORDS = 500;

    private final StringBuilder text = new StringBuilder();
    private final List<Segment> segments = new ArrayList<>();
    private final Consumer<Segment> onSegment;
    private final int maxCharacters;
    private int pendingStart = -1;
    private int pendingWords;
    private boolean pendingHasBody;
    private String pendingHeading;
    private Integer pendingFirstPage;
    private Integer pendingLastPage;

    Segmenter(Consumer<Segment> onSegment, int maxCharacters) {
        this.onSegment = onSegment;
        this.maxCharacters = maxCharacters;
    }

    void add(Paragraph paragraph) {
        String cleaned = paragraph.text().replaceAll("\\s+", " ").strip();
        if (cleaned.isEmpty()) {
            return;
        }
        if (paragraph.heading() && pendingHasBody) {
            flush();
        }
        boolean continuation = false;
        for (String piece : pieces(cleaned)) {
            int words = words(piece);
            if (pendingStart >= 0 && pendingWords + words > MAX_WORDS) {
                flush();
            }
            append(piece, paragraph, words, continuation);
            continuation = true;
            if (pendingWords >= MIN_WORDS) {
                flush();
            }
        }
    }

    /** Ends the last segment; returns them all. */
    List<Segment> finish() {
        flush();
        return segments;
    }

    String text() {
        return text.toString();
    }

    private void append(String piece, Paragraph paragraph, int words, boolean continuation) {
        if (!text.isEmpty()) {
            text.append(continuation ? " " : "\n\n");
        }
        if (text.length() + piece.length() > maxCharacters) {
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_TOO_LARGE,
                    "The document holds more than " + maxCharacters
                            + " characters of text, the most this server extracts.");
        }
        if (pendingStart < 0) {
            pendingStart = text.length();
            pendingHeading = paragraph.heading() ? piece : null;
            pendingFirstPage = paragraph.page();
        }
        text.append(piece);
        pendingWords += words;
        pendingHasBody |= !paragraph.heading();
        if (paragraph.page() != null) {
            pendingLastPage = paragraph.page();
        }
    }

    private void flush() {
        if (pendingStart < 0) {
            return;
        }
        Segment.Pages pages = pendingFirstPage == null ? null : new Segment.Pages(pendingFirstPage, pendingLastPage);
        Segment segment = new Segment(
                segments.size(), text.substring(pendingStart), pendingStart, text.length(), pages, pendingHeading);
        segments.add(segment);
        onSegment.accept(segment);
        pendingStart = -1;
        pendingWords = 0;
        pendingHasBody = false;
        pendingHeading = null;
        pendingFirstPage = null;
        pendingLastPage = null;
    }

    /** The paragraph, or its sentences grouped into pieces of at most MAX_WORDS words (words cut as a last resort). */
    private static List<String> pieces(String paragraph) {
        if (words(paragraph) <= MAX_WORDS) {
            return List.of(paragraph);
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int count = 0;
        for (String word : paragraph.split(" ")) {
            boolean sentenceEnd = word.endsWith(".") || word.endsWith("?") || word.endsWith("!");
            piece.append(piece.isEmpty() ? "" : " ").append(word);
            count++;
            if (count >= MAX_WORDS || sentenceEnd && count >= MIN_WORDS) {
                pieces.add(piece.toString());
                piece.setLength(0);
                count = 0;
            }
        }
        if (!piece.isEmpty()) {
            pieces.add(piece.toString());
        }
        return pieces;
    }

    static int words(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }
}
