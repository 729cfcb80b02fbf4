package dev.kiln.files;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileNamesTest {

    @Test
    void keepsOnlyAHarmlessLastSegment() {
        assertThat(FileNames.sanitize("../../etc/passwd")).isEqualTo("passwd");
        assertThat(FileNames.sanitize("C:\\Users\\me\\talk.mp3")).isEqualTo("talk.mp3");
        assertThat(FileNames.sanitize("a\u0000b\nc\u202e.txt")).isEqualTo("abc.txt");
        assertThat(FileNames.sanitize("..")).isNull();
        assertThat(FileNames.sanitize("dir/")).isNull();
        assertThat(FileNames.sanitize("   ")).isNull();
        assertThat(FileNames.sanitize(null)).isNull();
        assertThat(FileNames.sanitize("x".repeat(300))).hasSize(255);
        assertThat(FileNames.sanitize("Interview — 2026 (final).m4a")).isEqualTo("Interview — 2026 (final).m4a");
    }

    @Test
    void neverLeavesHalfACharacter() {
        String emoji = "\uD83C\uDFB5"; // one character, two chars in Java
        String cut = FileNames.sanitize("x".repeat(254) + emoji + ".mp3");
        assertThat(cut).isEqualTo("x".repeat(254));
        assertThat(FileNames.sanitize("a\uD800b\uDFFFc.txt")).isEqualTo("abc.txt");
        assertThat(FileNames.sanitize("x".repeat(253) + emoji + "yy")).isEqualTo("x".repeat(253) + emoji);
    }
}
