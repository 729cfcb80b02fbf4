package dev.kiln.db;

import java.nio.file.Path;

/** Another process already runs Kiln on this SQLite database; see {@link SqliteNodeLock}. */
public final class DatabaseInUseException extends RuntimeException {

    DatabaseInUseException(Path database, Path lockFile, String holder) {
        super("Another Kiln is using " + database.getParent() + (holder.isEmpty() ? "" : " (" + holder + ")")
                + ": SQLite is single-node, use PostgreSQL (kiln.database.url) for several nodes. The lock is "
                + lockFile + "; it is released when that Kiln stops.");
    }
}
