package dev.kiln.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void orderedIdsSortByTheirTimeToTheMillisecondAndStayUnguessableWithin() {
        List<Instant> times = List.of(
                Instant.EPOCH,
                Instant.parse("2026-12-06T18:59:59.999Z"),
                Instant.parse("2026-12-06T19:00:00.000Z"),
                Instant.parse("2026-12-06T19:00:00.001Z"),
                Instant.parse("2027-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"));
        List<String> ids = new ArrayList<>();
        for (Instant t : times) {
            ids.add(Ids.nextOrdered("job", t));
        }

        assertThat(ids)
                .isSorted()
                .allSatisfy(id -> assertThat(Ids.looksLike("job", id)).isTrue());
        Set<String> sameMillisecond = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            sameMillisecond.add(Ids.nextOrdered("job", times.get(2)).substring(14));
        }
        assertThat(sameMillisecond).hasSize(1000);
    }

    /** Each character passes from one value to the next somewhere here, z (25) to 2 (26) included. */
    @Test
    void everyMillisecondSortsAfterTheOneBefore() {
        List<String> ids = new ArrayList<>();
        for (long ms = 0; ms < 2048; ms++) {
            ids.add(Ids.nextOrdered("job", Instant.ofEpochMilli(1_767_225_600_000L + ms)));
        }
        assertThat(ids).isSorted();
    }

    @Test
    void randomIdsKeepTheirShape() {
        String id = Ids.next("file");
        assertThat(id).matches("file_[a-z2-7]{26}");
        assertThat(Ids.looksLike("file", id)).isTrue();
        assertThat(Ids.looksLike("job", id)).isFalse();
        assertThat(Ids.looksLike("file", id.replace('_', '-'))).isFalse();
    }
}
