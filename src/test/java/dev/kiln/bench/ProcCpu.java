package dev.kiln.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

/**
 * CPU time read from {@code /proc}, in microseconds: a process's own (user + system), and a local
 * PostgreSQL server's — the postmaster's own time plus what it has reaped from exited backends
 * (cutime, cstime), plus the user and system time of its live children. Sampled before and after a
 * run, the difference is what the server spent on it, backends that came and went included.
 */
final class ProcCpu {

    private static final long MICROS_PER_TICK = 1_000_000 / clockTicks();

    private ProcCpu() {}

    /** utime + stime of one process, or -1 if it is gone. */
    static long process(long pid) {
        long[] stat = stat(pid);
        return stat == null ? -1 : (stat[UTIME] + stat[STIME]) * MICROS_PER_TICK;
    }

    /** The PostgreSQL server's CPU time so far: the postmaster with its reaped children, and its live children. */
    static long postgresServer(long postmaster) {
        long[] own = stat(postmaster);
        if (own == null) {
            throw new IllegalStateException("PostgreSQL's postmaster " + postmaster + " is gone");
        }
        long ticks = own[UTIME] + own[STIME] + own[CUTIME] + own[CSTIME];
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] child = stat(Long.parseLong(name));
                if (child != null && child[PPID] == postmaster) {
                    ticks += child[UTIME] + child[STIME];
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ticks * MICROS_PER_TICK;
    }

    /**
     * The postmaster of the server behind {@code jdbcUrl}: the parent of this connection's backend. -1 when the
     * server is not on this machine (no such process here, or a process that is not PostgreSQL's).
     */
    static long postmasterOf(String jdbcUrl) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            long[] backend = stat(rows.getLong(1));
            if (backend == null) {
                return -1;
            }
            String command = Files.readString(Path.of("/proc/" + backend[PPID] + "/comm"))
                    .strip();
            return command.startsWith("postgres") ? backend[PPID] : -1;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot find the PostgreSQL server of " + jdbcUrl, e);
        }
    }

    // Indexes into the fields after the command name: field n of proc(5) is at n - 3.
    private static final int PPID = 1;
    private static final int UTIME = 11;
    private static final int STIME = 12;
    private static final int CUTIME = 13;
    private static final int CSTIME = 14;

    private static long[] stat(long pid) {
        String line;
        try {
            line = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null; // exited meanwhile
        }
        // The command name may hold spaces and parentheses; the fields start after the last ')'.
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        long[] values = new long[CSTIME + 1];
        for (int i = PPID; i <= CSTIME; i++) {
            values[i] = i == PPID || i >= UTIME ? Long.parseLong(fields[i]) : 0;
        }
        return values;
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(getconf.getInputStream().readAllBytes()).strip();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100; // Linux's USER_HZ nearly everywhere
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
