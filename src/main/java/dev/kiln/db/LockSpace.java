package dev.kiln.db;

/**
 * What a {@link Database#lockUntilCommit lock until commit} protects: one space per purpose, so the
 * locks of different purposes never collide.
 */
public enum LockSpace {
    /** An owner's running jobs: claims that may raise the count take it. */
    RUNNING_JOBS,
    /** An owner's waiting jobs: submissions that may raise the count take it. */
    WAITING_JOBS,
    /** A job's result files: uploads that may add one take it (the count stays within its limit). */
    RESULT_FILES,
    /** A job's result edits: a version read and then raised stays the latest. */
    RESULT_EDITS,
    /** An owner's webhooks: a registration that may raise their count takes it. */
    WEBHOOKS,
    /** The administrators (one key): a demotion or deletion that may leave none takes it. */
    ADMINS,
    /** A job's speaker names: a rename reads them and writes them back whole. */
    SPEAKER_NAMES,
    /**
     * A content hash: a put that finds the content stored checks and refreshes its time, and a
     * sweep's delete checks that time and deletes, one after the other on every node sharing the store.
     */
    CONTENT;

    /** The lock's first integer: "KL" and the purpose. */
    int id() {
        return 0x4B4C0000 + ordinal();
    }
}
