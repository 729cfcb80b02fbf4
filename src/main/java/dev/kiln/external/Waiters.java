package dev.kiln.external;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Long polls waiting for something about a key (a job type with new work, a job asked to cancel):
 * a waiter registers before it looks, so a signal between its look and its wait is not missed.
 */
final class Waiters {

    private final ConcurrentHashMap<String, Set<CountDownLatch>> byKey = new ConcurrentHashMap<>();

    /** A registration to look, then {@link Wait#await}, then close. */
    final class Wait implements AutoCloseable {
        private final CountDownLatch latch = new CountDownLatch(1);
        private final Iterable<String> keys;

        private Wait(Iterable<String> keys) {
            this.keys = keys;
            // The add is inside compute: a close() emptying and removing the key's set in between
            // would otherwise leave this latch in a set no signal reaches.
            keys.forEach(key -> byKey.compute(key, (k, latches) -> {
                Set<CountDownLatch> set = latches == null ? ConcurrentHashMap.newKeySet() : latches;
                set.add(latch);
                return set;
            }));
        }

        /** Whether it was signalled before {@code timeout}. */
        boolean await(Duration timeout) throws InterruptedException {
            return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void close() {
            keys.forEach(key -> byKey.computeIfPresent(key, (k, latches) -> {
                latches.remove(latch);
                return latches.isEmpty() ? null : latches;
            }));
        }
    }

    Wait register(Iterable<String> keys) {
        return new Wait(keys);
    }

    /** Whether anyone waits now (a signal that costs a look-up can be skipped when nobody does). */
    boolean idle() {
        return byKey.isEmpty();
    }

    void signalAll() {
        byKey.values().forEach(latches -> latches.forEach(CountDownLatch::countDown));
    }

    void signal(String key) {
        Set<CountDownLatch> latches = byKey.get(key);
        if (latches != null) {
            latches.forEach(CountDownLatch::countDown);
        }
    }
}
