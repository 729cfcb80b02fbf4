package dev.kiln.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void unpairedSurrogatesBecomeReplacementCharactersAndPairsStay() {
        String emoji = "\uD83C\uDFB5";
        assertThat(Texts.wellFormed("a\uDFFFb\uD800")).isEqualTo("a\uFFFDb\uFFFD");
        assertThat(Texts.wellFormed(emoji + "\uDC00" + emoji)).isEqualTo(emoji + "\uFFFD" + emoji);
        String clean = "plain " + emoji;
        assertThat(Texts.wellFormed(clean)).isSameAs(clean);
        String mixed = Texts.wellFormed("\uD800\uD800\uDC00");
        assertThat(new String(mixed.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .isEqualTo(mixed);
    }
}
