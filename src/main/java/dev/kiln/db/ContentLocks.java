package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The database's locks of content hashes ({@link LockSpace#CONTENT}, PostgreSQL), each held by a
 * transaction on a connection of a small pool of their own: the step under such a lock talks to
 * the blob store (an S3 round trip may take long), and must never hold a connection of the node's
 * pool, which claims, lease renewals and API reads need. Waits are bounded: for one of the pool's
 * connections, and for the lock itself, each by {@code wait}; either ends in a {@link
 * CannotAcquireLockException}. The pool opens its first connection when first used.
 */
final class ContentLocks implements AutoCloseable {

    /** PostgreSQL's SQLState for a lock not granted within {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final HikariConfig config = new HikariConfig();
    private final String lockSql;
    private final int connections;
    private final Semaphore slots;
    private final Duration wait;
    private HikariDataSource pool;

    /** @param lockSql the dialect's lock until commit ({@link Dialect#transactionLockSql}) */
    ContentLocks(HikariDataSource main, String lockSql, int connections, Duration wait) {
        this.lockSql = lockSql;
        this.connections = connections;
        this.slots = new Semaphore(connections, true);
        this.wait = wait;
        config.setPoolName("kiln-db-content-locks");
        config.setJdbcUrl(main.getJdbcUrl());
        config.setUsername(main.getUsername());
        config.setPassword(main.getPassword());
        config.setMaximumPoolSize(connections);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(5_000);
        // Opened at first use, and never refused for a database down at that moment.
        config.setInitializationFailTimeout(-1);
    }

    <T, E extends Exception> T under(LockSpace space, int key, Database.Locked<T, E> work) throws E {
        try {
            if (!slots.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new CannotAcquireLockException(
                        "All " + connections + " connections for content locks stayed busy for " + wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CannotAcquireLockException("Interrupted while waiting for a connection for a content lock");
        }
        try {
            return locked(space, key, work);
        } finally {
            slots.release();
        }
    }

    private <T, E extends Exception> T locked(LockSpace space, int key, Database.Locked<T, E> work) throws E {
        Connection connection;
        try {
            connection = pool().getConnection();
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("No connection for a content lock: " + e.getMessage(), e);
        }
        // Closing it uncommitted (the work failed) rolls back: the lock goes either way.
        try (connection) {
            connection.setAutoCommit(false);
            try (Statement timeout = connection.createStatement()) {
                timeout.execute("SET LOCAL lock_timeout = " + Math.max(1, wait.toMillis()));
            }
            try (PreparedStatement lock = connection.prepareStatement(lockSql)) {
                lock.setInt(1, space.id());
                lock.setObject(2, new int[] {key});
                lock.executeQuery().close();
            }
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException e) {
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw new CannotAcquireLockException("A content lock was not granted within " + wait, e);
            }
            throw new DataAccessResourceFailureException("A content lock failed: " + e.getMessage(), e);
        }
    }

    private synchronized HikariDataSource pool() {
        if (pool == null) {
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
