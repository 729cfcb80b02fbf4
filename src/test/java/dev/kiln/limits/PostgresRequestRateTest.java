package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresRequestRateTest extends RequestRateContract {

    @Autowired
    Database db;

    @Test
    void bucketsLiveInTheDatabaseAndAreDeletedOnceFullAgain() {
        String token = member();
        api.get("/api/v1/jobs", token);
        assertThat(buckets()).isPositive();

        // Full again after the 5 s window; the sweeper, running once a window, deletes it.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> buckets() == 0);
    }

    private long buckets() {
        return db.sql()
                .sql("SELECT count(*) FROM rate_limit_buckets")
                .query(Long.class)
                .single();
    }
}
