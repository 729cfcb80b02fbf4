package dev.kiln.processors;

import java.time.Duration;

/** The time left, at the pace so far: what {@link JobContext#progress(double, String, Duration)} wants as an estimate. */
public final class Eta {

    private Eta() {}

    /**
     * @param startedNanos {@link System#nanoTime()} when the work began
     * @param done         units done (seconds of audio, pages…)
     * @param total        units in all
     * @return null until something is done
     */
    public static Duration remaining(long startedNanos, double done, double total) {
        if (done <= 0) {
            return null;
        }
        double elapsed = (System.nanoTime() - startedNanos) / 1e9;
        return Duration.ofMillis((long) (elapsed / done * Math.max(0, total - done) * 1000));
    }
}
