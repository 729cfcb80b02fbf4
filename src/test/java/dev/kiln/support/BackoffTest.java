package dev.kiln.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void doublesFromTheFirstWaitUpToTheCap() {
        Backoff backoff = Backoff.doubling(SECOND, Duration.ofSeconds(10));
        assertThat(IntStream.rangeClosed(1, 6).mapToObj(backoff::delay))
                .containsExactly(
                        SECOND,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10));
        assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aLoopKeepingItsLastWaitDoublesItUpToTheCap() {
        Backoff backoff = Backoff.doubling(Duration.ofMillis(100), Duration.ofMillis(500));
        assertThat(backoff.after(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.after(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.after(Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void jitterSpreadsEachWaitWithinItsFraction() {
        Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10), 0.2);
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delay(1, random)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
            assertThat(backoff.delay(3, random)).isBetween(Duration.ofSeconds(16), Duration.ofSeconds(24));
            assertThat(backoff.delay(40, random)).isBetween(Duration.ofMinutes(8), Duration.ofMinutes(12));
        }
        assertThat(IntStream.range(0, 50)
                        .mapToObj(i -> backoff.delay(3, random))
                        .distinct()
                        .count())
                .isGreaterThan(10);
    }

    @Test
    void theExtremesOfTheRandomDrawAreTheEdgesOfTheSpread() {
        Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), 0.5);
        assertThat(backoff.delay(1, fixed(0.0))).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.delay(1, fixed(0.5))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void refusesWhatCannotBeABackoff() {
        assertThatThrownBy(() -> Backoff.doubling(Duration.ZERO, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backoff.doubling(Duration.ofSeconds(2), SECOND))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(SECOND, SECOND, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(SECOND, SECOND, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backoff.doubling(SECOND, SECOND).delay(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A source whose every draw is {@code value}. */
    private static Random fixed(double value) {
        return new Random() {
            @Override
            public double nextDouble() {
                return value;
            }
        };
    }
}
