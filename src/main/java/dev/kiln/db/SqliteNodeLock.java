package dev.kiln.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * SQLite is single-node: one Kiln process per database file. Two would both claim jobs, sweep
 * storage and rescue each other's "expired" leases, without the row locks PostgreSQL gives the
 * queue. So at start-up, before the schema is touched, Kiln takes an exclusive OS lock on
 * {@code <database>.lock} beside the file and holds it while it runs; a second process is
 * refused. The OS drops the lock when the process ends, however it ends, so a crash leaves
 * nothing to clean up. PostgreSQL is not locked: it is how several nodes share a queue.
 *
 * <p>Within one process the lock is shared (tests run several Spring contexts on one file): OS
 * file locks belong to processes, so there is nothing to take twice.
 */
public final class SqliteNodeLock implements AutoCloseable {

    private static final SqliteNodeLock NONE = new SqliteNodeLock(null);
    /** Locks this process holds, by lock file, with how many users each has. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock, int users) {}

    private final Path lockFile;
    private boolean closed;

    private SqliteNodeLock(Path lockFile) {
        this.lockFile = lockFile;
    }

    /**
     * Locks the SQLite database {@code url} names for this process; no lock for PostgreSQL or an
     * in-memory database.
     *
     * @throws DatabaseInUseException when another process holds it
     */
    public static SqliteNodeLock acquire(String url) {
        Path database = sqliteFile(url);
        if (database == null) {
            return NONE;
        }
        Path lockFile = database.resolveSibling(database.getFileName() + ".lock");
        synchronized (HELD) {
            Held held = HELD.get(lockFile);
            if (held == null) {
                held = lock(database, lockFile);
            }
            HELD.put(lockFile, new Held(held.channel(), held.lock(), held.users() + 1));
        }
        return new SqliteNodeLock(lockFile);
    }

    private static Held lock(Path database, Path lockFile) {
        try {
            Files.createDirectories(lockFile.getParent());
            FileChannel channel = FileChannel.open(
                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                String holder =
                        Files.readString(lockFile, StandardCharsets.UTF_8).strip();
                channel.close();
                throw new DatabaseInUseException(database, lockFile, holder);
            }
            // Who holds it, for the message the next one gets.
            channel.truncate(0);
            channel.write(
                    ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on " + hostName())
                            .getBytes(StandardCharsets.UTF_8)),
                    0);
            channel.force(false);
            return new Held(channel, lock, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot lock " + lockFile.toAbsolutePath()
                            + " (SQLite is single-node: Kiln locks the database file it uses)",
                    e);
        }
    }

    /** The database file of a {@code jdbc:sqlite:} URL; null for other databases and in-memory ones. */
    static Path sqliteFile(String url) {
        if (!url.startsWith("jdbc:sqlite:")) {
            return null;
        }
        String file = url.substring("jdbc:sqlite:".length());
        if (file.contains(":memory:") || file.contains("mode=memory")) {
            return null;
        }
        int query = file.indexOf('?');
        if (query >= 0) {
            file = file.substring(0, query);
        }
        if (file.startsWith("file:")) {
            file = file.substring("file:".length());
        }
        if (file.isEmpty()) {
            return null;
        }
        return Path.of(file).toAbsolutePath().normalize();
    }

    @Override
    public void close() {
        if (lockFile == null) {
            return;
        }
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Held held = HELD.get(lockFile);
            if (held.users() > 1) {
                HELD.put(lockFile, new Held(held.channel(), held.lock(), held.users() - 1));
                return;
            }
            HELD.remove(lockFile);
            try {
                held.channel().close(); // releases the lock
            } catch (IOException e) {
                // the process keeps a closed-or-not channel; the OS releases the lock at exit
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }
}
