package dev.kiln.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Buckets as rows of {@code rate_limit_buckets}, changed under a row lock in short transactions
 * of their own: every node draws on the same budget. Each row carries when it will be full again;
 * past that any node may delete it (the delete skips rows another node holds).
 */
final class DatabaseRateBuckets implements RateBuckets {

    private static final int BATCH = 1000;

    private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;

    DatabaseRateBuckets(DataSource dataSource) {
        this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_buckets")
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                .expirationAfterWrite(
                        ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
                .build();
    }

    @Override
    public Bucket bucket(String key, RateLimit limit) {
        return buckets.builder().build(key, limit::configuration);
    }

    @Override
    public int removeExpired() {
        int total = 0;
        int removed;
        do {
            removed = buckets.removeExpired(BATCH);
            total += removed;
        } while (removed == BATCH);
        return total;
    }
}
