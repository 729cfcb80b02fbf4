package dev.kiln.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterUtils;
import org.springframework.jdbc.core.namedparam.ParsedSql;
import org.springframework.jdbc.core.namedparam.SqlParameterSourceUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Kiln's single door to the database: plain SQL through {@link JdbcClient}, and write
 * transactions through {@link #write}. Reads run outside transactions.
 */
public final class Database implements AutoCloseable {

    private final Dialect dialect;
    private final JdbcClient sql;
    private final JdbcTemplate batch;
    private final NamedParameterJdbcTemplate namedBatch;
    private final TransactionTemplate transactions;
    private final ReentrantLock writeLock;
    private final DataSource dataSource;
    /** Null where one node runs (SQLite): nothing to take turns with. */
    private final ContentLocks contentLocks;

    /** Work that may fail with {@code E}. */
    @FunctionalInterface
    public interface Locked<T, E extends Exception> {
        T run() throws E;
    }

    public Database(Dialect dialect, DataSource dataSource) {
        this(dialect, dataSource, null);
    }

    Database(Dialect dialect, DataSource dataSource, ContentLocks contentLocks) {
        this.dialect = dialect;
        this.contentLocks = contentLocks;
        this.dataSource = dataSource;
        this.sql = JdbcClient.create(dataSource);
        this.batch = new JdbcTemplate(dataSource);
        this.namedBatch = new NamedParameterJdbcTemplate(batch);
        // JdbcTransactionManager: a failed commit is translated like a failed statement.
        this.transactions = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        this.writeLock = dialect.serializesWrites() ? new ReentrantLock(true) : null;
    }

    public Dialect dialect() {
        return dialect;
    }

    public JdbcClient sql() {
        return sql;
    }

    /**
     * Asks the database for {@code SELECT 1} with a statement timeout of {@code timeout} (whole
     * seconds, at least one), so a database that accepts connections but does not answer fails it.
     * Getting a connection is bounded by the pool's own wait; callers bound the whole call.
     */
    public void ping(Duration timeout) {
        JdbcTemplate probe = new JdbcTemplate(dataSource);
        probe.setQueryTimeout((int) Math.max(1, Math.ceilDiv(timeout.toMillis(), 1000)));
        probe.queryForObject("SELECT 1", Integer.class);
    }

    /**
     * Runs {@code work} in one write transaction; it commits when work returns, rolls back when it throws. A
     * transaction that cannot begin (no connection) or commit fails with a {@link DataAccessException}, as a
     * statement would, so that callers' handling of an unreachable database (retries, 503) covers it too.
     */
    public <T> T write(Supplier<T> work) {
        if (writeLock == null) {
            return inTransaction(work);
        }
        writeLock.lock();
        try {
            return inTransaction(work);
        } finally {
            writeLock.unlock();
        }
    }

    private <T> T inTransaction(Supplier<T> work) {
        try {
            return transactions.execute(status -> work.get());
        } catch (CannotCreateTransactionException e) {
            throw new DataAccessResourceFailureException(e.getMessage(), e);
        } catch (TransactionSystemException e) {
            // A rollback that failed after the work failed (a connection lost mid-work): the work's failure tells more.
            if (e.getApplicationException() instanceof RuntimeException workFailure) {
                throw workFailure;
            }
            throw new DataAccessResourceFailureException(e.getMessage(), e);
        }
    }

    public void write(Runnable work) {
        write(() -> {
            work.run();
            return null;
        });
    }

    /** Whether this thread is inside a {@link #write}. */
    public boolean inWrite() {
        return TransactionSynchronizationManager.isSynchronizationActive();
    }

    /**
     * Runs {@code action} once the current {@link #write} commits, never if it rolls back (metrics
     * count only what happened); outside a write, runs it now.
     */
    public void afterCommit(Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }

    /**
     * Inside a {@link #write}, holds a lock per key of {@code space} until the transaction ends, so
     * that transactions on every node taking the lock of the same key run one after another (a count
     * read and then raised stays true). Keys are taken in one order, so two callers never deadlock.
     * SQLite serialises all writes already: nothing to take.
     */
    public void lockUntilCommit(LockSpace space, Collection<String> keys) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a lock until commit needs a write transaction");
        }
        String lock = dialect.transactionLockSql();
        if (lock == null) {
            return;
        }
        // Keys that hash alike share a lock: harmless, they only wait for each other.
        int[] hashes =
                keys.stream().mapToInt(String::hashCode).distinct().sorted().toArray();
        sql.sql(lock).params(space.id(), hashes).query(rs -> {});
    }

    /**
     * Runs {@code work} holding the database's lock of content {@code key} ({@link LockSpace#CONTENT}),
     * so that such work runs one after another on every node (PostgreSQL). The lock is held by a
     * transaction on a connection of its own small pool ({@code kiln.database.content-lock-*}),
     * never one of this pool's, however long {@code work} talks to the blob store; waits for a
     * connection and for the lock are bounded, and end in a {@link
     * org.springframework.dao.CannotAcquireLockException}. Where one node runs (SQLite), runs it.
     */
    public <T, E extends Exception> T underContentLock(String key, Locked<T, E> work) throws E {
        if (contentLocks == null) {
            return work.run();
        }
        return contentLocks.under(LockSpace.CONTENT, key.hashCode(), work);
    }

    /** Closes the content locks' own pool (the main pool is the caller's). */
    @Override
    public void close() {
        if (contentLocks != null) {
            contentLocks.close();
        }
    }

    /** Whether this database carries notices to other nodes (PostgreSQL); SQLite is one node. */
    public boolean notifiesOtherNodes() {
        return dialect.notifySql() != null;
    }

    /**
     * Tells every node listening on this database, in one statement: {@code payloads.get(i)} on
     * {@code channels.get(i)}. Payloads must stay small (PostgreSQL refuses 8000 bytes or more).
     * Nothing to do where one node runs.
     */
    public void notifyNodes(List<String> channels, List<String> payloads) {
        String notify = dialect.notifySql();
        if (notify != null && !channels.isEmpty()) {
            sql.sql(notify)
                    .params(channels.toArray(String[]::new), payloads.toArray(String[]::new))
                    .query(rs -> {});
        }
    }

    /** Runs one statement for many argument rows in a single round trip where the driver allows. */
    public void batch(String statement, List<Object[]> rows) {
        if (!rows.isEmpty()) {
            batch.batchUpdate(statement, rows);
        }
    }

    /** {@link #batch} for a statement with named parameters. */
    public void batchNamed(String statement, List<Map<String, ?>> rows) {
        if (!rows.isEmpty()) {
            namedBatch.batchUpdate(statement, SqlParameterSourceUtils.createBatch(rows));
        }
    }

    /**
     * Runs {@code update} for every row of {@code rows} (each a value per parameter it names), and
     * maps every row it returned. Where the database takes arrays (PostgreSQL) that is one statement
     * and one round trip for all rows; elsewhere (SQLite, in process) the statement is prepared once
     * and run per row, in their order.
     */
    public <T> List<T> updateEach(EachRow update, List<? extends Map<String, ?>> rows, RowMapper<T> mapper) {
        if (rows.isEmpty()) {
            return List.of();
        }
        return batch.execute((Connection connection) -> {
            List<T> out = new ArrayList<>(rows.size());
            if (dialect.updatesRowsAsArrays()) {
                try (PreparedStatement ps = connection.prepareStatement(update.allRows())) {
                    int i = 1;
                    for (Map.Entry<String, ParamType> param : update.params().entrySet()) {
                        Object[] values = rows.stream()
                                .map(row -> row.get(param.getKey()))
                                .toArray();
                        ps.setArray(i++, connection.createArrayOf(param.getValue().arrayElement, values));
                    }
                    try (ResultSet returned = ps.executeQuery()) {
                        map(returned, mapper, out);
                    }
                }
                return out;
            }
            ParsedSql parsed = NamedParameterUtils.parseSqlStatement(update.oneRow());
            try (PreparedStatement ps =
                    connection.prepareStatement(NamedParameterUtils.substituteNamedParameters(parsed, null))) {
                for (Map<String, ?> row : rows) {
                    Object[] values = NamedParameterUtils.buildValueArray(parsed, new MapSqlParameterSource(row), null);
                    for (int i = 0; i < values.length; i++) {
                        ps.setObject(i + 1, values[i]);
                    }
                    try (ResultSet returned = ps.executeQuery()) {
                        map(returned, mapper, out);
                    }
                }
            }
            return out;
        });
    }

    private static <T> void map(ResultSet rows, RowMapper<T> mapper, List<T> out) throws SQLException {
        while (rows.next()) {
            out.add(mapper.mapRow(rows, out.size()));
        }
    }

    /**
     * Whether {@code e} is a foreign key's refusal (a row it points at is gone): SQLState 23503 on
     * PostgreSQL, SQLite's {@code SQLITE_CONSTRAINT_FOREIGNKEY}. Other integrity errors (a unique key,
     * NOT NULL, a CHECK) are not.
     */
    public static boolean foreignKeyViolation(DataAccessException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql
                    && ("23503".equals(sql.getSQLState())
                            || String.valueOf(sql.getMessage()).contains("FOREIGN KEY constraint failed"))) {
                return true;
            }
        }
        return false;
    }
}
