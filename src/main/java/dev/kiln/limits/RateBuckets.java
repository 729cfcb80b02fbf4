package dev.kiln.limits;

import io.github.bucket4j.Bucket;

/**
 * Where rate limit buckets live: in the database, for every node to share (PostgreSQL), or in
 * this process (SQLite, which is one node by design).
 */
sealed interface RateBuckets permits DatabaseRateBuckets, LocalRateBuckets {

    /** The bucket of {@code key}, made with {@code limit}'s figures the first time. */
    Bucket bucket(String key, RateLimit limit);

    /** Forgets buckets that have filled up again (a full bucket is the same as none); returns how many. */
    int removeExpired();
}
