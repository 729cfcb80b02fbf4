package dev.kiln.testing;

import dev.kiln.db.Database;

/** For race tests that hold a write open: whether another thread's write now waits for it. */
public final class WriteWaits {

    private WriteWaits() {}

    /** Whether {@code thread} waits for another's write: on SQLite's write lock, or a PostgreSQL lock. */
    public static boolean waiting(Database db, Thread thread) {
        if (db.dialect().serializesWrites()) {
            return thread.getState() == Thread.State.WAITING;
        }
        return db.sql()
                        .sql("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
                        .query(Long.class)
                        .single()
                > 0;
    }
}
