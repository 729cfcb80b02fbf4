package dev.kiln.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.processors.JobFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmenterTest {

    private final List<Segment> published = new ArrayList<>();
    private final Segmenter segmenter = new Segmenter(published::add, 10_000_000);

    @Test
    void paragraphsGatherIntoSegmentsOf200To500WordsPublishedAsSoonAsComplete() {
        for (int i = 0; i < 60; i++) {
            segmenter.add(new Paragraph(TestDocuments.paragraph("P" + i, 70), 1 + i / 10, false));
            if (i == 3) {
                assertThat(published)
                        .as("published while the document is still being read")
                        .hasSize(1);
            }
        }
        List<Segment> segments = segmenter.finish();

        assertThat(published).isEqualTo(segments);
        for (Segment s : segments.subList(0, segments.size() - 1)) {
            assertThat(Segmenter.words(s.text())).isBetween(Segmenter.MIN_WORDS, Segmenter.MAX_WORDS);
        }
        assertThat(segments.stream().mapToInt(s -> Segmenter.words(s.text())).sum())
                .isEqualTo(60 * 70);
        assertOffsets(segments);
        assertThat(segments.getFirst().pages()).isEqualTo(new Segment.Pages(1, 1));
        assertThat(segments.getLast().pages().to()).isEqualTo(6);
    }

    @Test
    void aHeadingStartsANewSegment() {
        segmenter.add(new Paragraph("Introduction", null, true));
        segmenter.add(new Paragraph(TestDocuments.paragraph("Short", 30), null, false));
        segmenter.add(new Paragraph("Method", null, true));
        segmenter.add(new Paragraph(TestDocuments.paragraph("Also", 30), null, false));

        List<Segment> segments = segmenter.finish();

        assertThat(segments).extracting(Segment::heading).containsExactly("Introduction", "Method");
        assertThat(segments.get(1).text()).startsWith("Method\n\nAlso ");
        assertThat(segments.getFirst().pages()).isNull();
        assertOffsets(segments);
    }

    @Test
    void aParagraphLongerThanASegmentIsCutAtSentenceEnds() {
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            huge.append(TestDocuments.paragraph("Sentence" + i, 30)).append(' ');
        }
        segmenter.add(new Paragraph(huge.toString(), 2, false));

        List<Segment> segments = segmenter.finish();

        assertThat(segments).hasSizeGreaterThan(2);
        assertThat(segments).allSatisfy(s -> {
            assertThat(Segmenter.words(s.text())).isLessThanOrEqualTo(Segmenter.MAX_WORDS);
            assertThat(s.text()).endsWith(".");
        });
        assertOffsets(segments);
    }

    @Test
    void textBeyondTheLimitIsRefused() {
        Segmenter small = new Segmenter(published::add, 100);

        assertThatThrownBy(() -> {
                    for (int i = 0; i < 10; i++) {
                        small.add(new Paragraph(TestDocuments.paragraph("X", 10), null, false));
                    }
                })
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("document_too_large"));
    }

    private void assertOffsets(List<Segment> segments) {
        String text = segmenter.text();
        for (Segment s : segments) {
            assertThat(text.substring(s.start(), s.end())).isEqualTo(s.text());
        }
        assertThat(segments.getLast().end()).isEqualTo(text.length());
    }
}
