package dev.kiln.processors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class TranscriptFormatsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SRT_CUE = Pattern.compile(
            "(\\d+)\\n(\\d{2}):(\\d{2}):(\\d{2}),(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2}),(\\d{3})\\n((?:.+\\n)+)\\n");
    private static final Pattern VTT_CUE = Pattern.compile(
            "(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3})\\n((?:.+\\n)+)\\n");

    record Parsed(double start, double end, List<String> lines) {}

    @Test
    void srtCuesAreNumberedTimedInOrderAndWithinTwoLinesOf42Characters() {
        JsonNode transcript = transcript();
        String srt = TranscriptFormats.srt(transcript);

        List<Parsed> cues = parse(SRT_CUE, srt, 1);

        assertThat(srt.length()).as("every character belongs to a cue").isEqualTo(consumed(SRT_CUE, srt));
        assertWellFormed(cues);
        assertThat(String.join(
                        " ", cues.stream().flatMap(c -> c.lines().stream()).toList()))
                .isEqualTo(transcript.get("text").asString());
        assertThat(cues.size()).as("the long utterance is split").isGreaterThan(3);
    }

    @Test
    void vttHasItsHeaderAndTheSameCuesWithDots() {
        String vtt = TranscriptFormats.vtt(transcript());

        assertThat(vtt).startsWith("WEBVTT\n\n");
        List<Parsed> cues = parse(VTT_CUE, vtt.substring("WEBVTT\n\n".length()), 0);
        assertWellFormed(cues);
        assertThat(cues).hasSameSizeAs(parse(SRT_CUE, TranscriptFormats.srt(transcript()), 1));
    }

    @Test
    void aSpeakerNameWithLineBreaksStaysOnItsCuesLine() {
        ObjectNode transcript = JSON.createObjectNode();
        for (int i = 0; i < 2; i++) {
            ObjectNode segment = transcript.withArray("segments").addObject();
            segment.put("start", i * 2.0)
                    .put("end", i * 2.0 + 1.5)
                    .put("text", "line " + i)
                    .put("speaker", "SPEAKER_0" + i);
        }
        transcript
                .putObject("speakerNames")
                .put("SPEAKER_00", "Ana\n\n7\n00:00:00,000 --> 00:00:09,000\nX")
                .put("SPEAKER_01", "Bo\r\r00:00:00.000 --> 00:00:09.000\r\u2028Y");

        String srt = TranscriptFormats.srt(transcript);
        String vtt = TranscriptFormats.vtt(transcript).substring("WEBVTT\n\n".length());

        assertThat(srt.length()).as("every character belongs to a cue").isEqualTo(consumed(SRT_CUE, srt));
        assertThat(parse(SRT_CUE, srt, 1)).hasSize(2);
        assertThat(vtt.length()).isEqualTo(consumed(VTT_CUE, vtt));
        assertThat(parse(VTT_CUE, vtt, 0)).hasSize(2);
        assertThat(vtt).doesNotContain("\r").contains("<v Bo 00:00:00.000 --");
    }

    @Test
    void timestampsPastAnHourAndRounding() {
        assertThat(TranscriptFormats.timestamp(3723.4567, ',')).isEqualTo("01:02:03,457");
        assertThat(TranscriptFormats.timestamp(0, '.')).isEqualTo("00:00:00.000");
        assertThat(TranscriptFormats.timestamp(59.9996, '.')).isEqualTo("00:01:00.000");
    }

    @Test
    void withoutWordTimingsALongSegmentIsSplitInProportionToItsText() {
        ObjectNode transcript = JSON.createObjectNode();
        ObjectNode segment = transcript.putArray("segments").addObject();
        segment.put(
                "text",
                "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen");
        segment.put("start", 10.0);
        segment.put("end", 18.0);

        List<TranscriptFormats.Cue> cues = TranscriptFormats.cues(transcript, false);

        assertThat(cues).hasSizeGreaterThan(1);
        assertThat(cues.getFirst().start()).isEqualTo(10.0);
        assertThat(cues.getLast().end()).isCloseTo(18.0, org.assertj.core.data.Offset.offset(0.001));
        for (int i = 1; i < cues.size(); i++) {
            assertThat(cues.get(i).start())
                    .isGreaterThanOrEqualTo(cues.get(i - 1).end());
        }
    }

    @Test
    void plainTextHasOneLinePerSegment() {
        assertThat(TranscriptFormats.text(transcript()).lines().toList()).hasSize(3);
    }

    private static void assertWellFormed(List<Parsed> cues) {
        assertThat(cues).isNotEmpty();
        double previousEnd = 0;
        for (Parsed cue : cues) {
            assertThat(cue.start()).isGreaterThanOrEqualTo(previousEnd);
            assertThat(cue.end()).isGreaterThan(cue.start());
            assertThat(cue.end() - cue.start()).isLessThanOrEqualTo(TranscriptFormats.MAX_CUE_SECONDS);
            assertThat(cue.lines())
                    .hasSizeBetween(1, TranscriptFormats.LINES)
                    .allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(TranscriptFormats.LINE));
            previousEnd = cue.end();
        }
    }

    private static List<Parsed> parse(Pattern pattern, String text, int timeGroup) {
        List<Parsed> cues = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int n = 0;
        while (m.find()) {
            if (timeGroup == 1) {
                assertThat(Integer.parseInt(m.group(1))).isEqualTo(++n);
            }
            int g = timeGroup + 1;
            cues.add(new Parsed(
                    seconds(m, g), seconds(m, g + 4), m.group(g + 8).lines().toList()));
        }
        return cues;
    }

    private static int consumed(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        int total = 0;
        while (m.find()) {
            total += m.group().length();
        }
        return total;
    }

    private static double seconds(Matcher m, int group) {
        return Integer.parseInt(m.group(group)) * 3600
                + Integer.parseInt(m.group(group + 1)) * 60
                + Integer.parseInt(m.group(group + 2))
                + Integer.parseInt(m.group(group + 3)) / 1000.0;
    }

    /** A short utterance, a 40-word one spoken over 16 s, and one more. */
    private static JsonNode transcript() {
        ObjectNode transcript = JSON.createObjectNode();
        ArrayNode segments = transcript.putArray("segments");
        List<String> texts = new ArrayList<>();
        double t = 0.5;
        t = segment(segments, texts, t, "hello there", 0.4);
        StringBuilder long_ = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            long_.append(i == 0 ? "" : " ").append(i % 3 == 0 ? "transcription" : "word");
        }
        t = segment(segments, texts, t + 1, long_.toString(), 0.4);
        segment(segments, texts, t + 0.2, "the end", 0.3);
        transcript.put("text", String.join(" ", texts));
        return transcript;
    }

    private static double segment(ArrayNode segments, List<String> texts, double t, String text, double perWord) {
        ObjectNode segment = segments.addObject();
        segment.put("text", text);
        segment.put("start", t);
        ArrayNode words = segment.putArray("words");
        for (String w : text.split(" ")) {
            ObjectNode word = words.addObject();
            word.put("word", w);
            word.put("start", t);
            word.put("end", t + perWord * 0.9);
            word.put("conf", 1.0);
            t += perWord;
        }
        segment.put("end", t - perWord * 0.1);
        texts.add(text);
        return t;
    }
}
