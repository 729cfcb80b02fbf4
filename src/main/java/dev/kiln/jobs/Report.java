package dev.kiln.jobs;

import java.util.List;

/** What one attempt reported since its last write, in order: progress and partial results. */
record Report(String jobId, String token, List<JobQueue.Write> items) {

    /** The latest progress among them, or null; it is what the row keeps. */
    JobQueue.Progress progress() {
        JobQueue.Progress latest = null;
        for (JobQueue.Write item : items) {
            if (item instanceof JobQueue.Progress p) {
                latest = p;
            }
        }
        return latest;
    }
}
