package dev.kiln.nodes;

import dev.kiln.KilnHome;
import dev.kiln.auth.AccessEnded;
import dev.kiln.auth.Role;
import dev.kiln.db.Database;
import dev.kiln.db.DatabaseSettings;
import dev.kiln.db.Databases;
import dev.kiln.drain.DrainOrder;
import dev.kiln.events.RemoteEvents;
import dev.kiln.jobs.JobSignals;
import dev.kiln.support.Backoff;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The receiving end of {@link Peers}: one connection of its own (outside the pool, which it would
 * hold forever) LISTENs for the other nodes' notices on its own platform thread. Events wake this
 * node's followers of the job (or of its owner), who read the log; a deletion tells them (and its
 * owner's followers) the job is gone; a cancel stops the job if it
 * runs here, at once rather than at the next heartbeat (which stays the fallback); access that
 * ended there is published here as a relayed {@code AccessEnded}, ending this node's streams opened
 * with it. Between notices
 * it runs the catch-up of {@link RemoteEvents}. A lost connection is opened again with backoff,
 * and a catch-up follows at once, since notices sent meanwhile are gone. Idle on SQLite.
 */
@Component
public class PeerListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PeerListener.class);
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(100);
    /** Longest a wait for notices lasts, so that a stop is noticed soon whatever the catch-up interval. */
    private static final long MAX_WAIT_MILLIS = 500;

    private final Database db;
    private final DatabaseSettings databaseSettings;
    private final KilnHome home;
    private final NodeSettings settings;
    private final ThisNode node;
    private final RemoteEvents remote;
    private final ApplicationEventPublisher publisher;
    private volatile boolean running;
    private volatile boolean listening;
    /** The listening thread; a thread that is no longer this one (stopped, then started again) ends. */
    private volatile Thread thread;

    public PeerListener(
            Database db,
            DatabaseSettings databaseSettings,
            KilnHome home,
            NodeSettings settings,
            ThisNode node,
            RemoteEvents remote,
            ApplicationEventPublisher publisher) {
        this.db = db;
        this.databaseSettings = databaseSettings;
        this.home = home;
        this.settings = settings;
        this.node = node;
        this.remote = remote;
        this.publisher = publisher;
    }

    @Override
    public synchronized void start() {
        running = true;
        if (db.dialect().notifySql() == null) {
            return; // a single node: nobody else to hear from
        }
        Thread listener = Thread.ofPlatform().daemon().name("kiln-peers").unstarted(this::run);
        thread = listener; // before it runs: it checks that it is the current one
        listener.start();
    }

    @Override
    public synchronized void stop() {
        running = false;
        Thread listener = thread;
        thread = null;
        if (listener != null) {
            try {
                listener.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Listens to the end of a drain: while the node still serves, and while its jobs have their grace,
     * its followers need other nodes' events and its jobs their cancels. Its connection is its own.
     */
    @Override
    public int getPhase() {
        return DrainOrder.LAST_NOTICES;
    }

    /** Whether the listening connection is open (false on SQLite, where there is none). */
    public boolean listening() {
        return listening;
    }

    private boolean active() {
        return running && thread == Thread.currentThread();
    }

    private void run() {
        Duration delay = FIRST_RECONNECT_DELAY;
        while (active()) {
            try (Connection connection = open()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + Peers.EVENTS);
                    statement.execute("LISTEN " + Peers.CANCELS);
                    statement.execute("LISTEN " + Peers.WORK);
                    statement.execute("LISTEN " + Peers.ACCESS);
                    statement.execute("LISTEN " + Peers.DELETED);
                }
                listening = true;
                delay = FIRST_RECONNECT_DELAY;
                log.info("Node {} listens for the other nodes' events and cancels", node.id());
                listen(connection);
            } catch (SQLException | RuntimeException e) {
                if (!active()) {
                    break;
                }
                log.warn(
                        "Lost the connection that listens for other nodes ({}); opening it again in {}",
                        e.getMessage(),
                        delay);
                awaitCatchingUp(delay);
                delay = Backoff.doubling(FIRST_RECONNECT_DELAY, settings.maxReconnectDelay())
                        .after(delay);
            } finally {
                listening = false;
            }
        }
    }

    /** Until stopped or the connection fails: notices as they come, a catch-up every interval. */
    private void listen(Connection connection) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        long interval = settings.catchUpInterval().toNanos();
        long nextCatchUp = System.nanoTime(); // at once: notices sent while not listening are lost
        while (active()) {
            long wait = nextCatchUp - System.nanoTime();
            if (wait <= 0) {
                try (Statement probe = connection.createStatement()) {
                    probe.execute("SELECT 1"); // a half-open connection would otherwise wait forever, silently
                }
                guarded(remote::catchUp);
                nextCatchUp = System.nanoTime() + interval;
                continue;
            }
            PGNotification[] notices = pg.getNotifications((int) Math.clamp(wait / 1_000_000, 1, MAX_WAIT_MILLIS));
            if (notices != null) {
                for (PGNotification notice : notices) {
                    guarded(() -> handle(notice.getName(), notice.getParameter()));
                }
            }
        }
    }

    private void handle(String channel, String payload) {
        if (payload.startsWith(node.id() + "\n")) {
            return; // our own: delivered here when it committed (and not worth splitting)
        }
        String[] lines = payload.split("\n");
        if (channel.equals(Peers.CANCELS)) {
            publisher.publishEvent(new JobSignals.CancelRequested(lines[1]));
            return;
        }
        if (channel.equals(Peers.ACCESS)) {
            publisher.publishEvent(accessEnded(lines[1].split(" ")));
            return;
        }
        if (channel.equals(Peers.DELETED)) {
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(" ");
                if (f.length == 2) { // else not a deletion this release can read: the others still count
                    remote.deletedElsewhere(f[0], f[1]);
                }
            }
            return;
        }
        if (channel.equals(Peers.WORK)) {
            publisher.publishEvent(new JobSignals.WorkAvailable(List.of(lines).subList(1, lines.length)));
            return;
        }
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            remote.announced(f[0], f[1].equals("-") ? null : f[1], Long.parseLong(f[2]), Long.parseLong(f[3]));
        }
    }

    /** {@code user token|- session|- role|- reason}, as {@link Peers} wrote it. */
    private static AccessEnded accessEnded(String[] f) {
        return new AccessEnded(
                f[0],
                f[1].equals("-") ? null : f[1],
                f[2].equals("-") ? null : f[2],
                f[3].equals("-") ? null : Role.valueOf(f[3]),
                AccessEnded.Reason.valueOf(f[4]),
                true);
    }

    /** Trouble reading the log (the pool's, not this connection's) must not drop the listening connection. */
    private static void guarded(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.warn("Handling other nodes' notices failed; the next catch-up repairs it", e);
        }
    }

    private Connection open() throws SQLException {
        Properties props = new Properties();
        if (databaseSettings.username() != null) {
            props.setProperty("user", databaseSettings.username());
        }
        if (databaseSettings.password() != null) {
            props.setProperty("password", databaseSettings.password());
        }
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "kiln-peers");
        return DriverManager.getConnection(Databases.url(databaseSettings, home), props);
    }

    /**
     * Waits {@code delay} before the next attempt to listen, catching up every interval meanwhile:
     * the pool may well work while this connection cannot be had (say, the server's connection
     * limit), and then followers still get other nodes' events, only later.
     */
    private void awaitCatchingUp(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        long nextCatchUp = System.nanoTime() + settings.catchUpInterval().toNanos();
        for (long left = delay.toNanos(); active() && left > 0; left = until - System.nanoTime()) {
            try {
                Thread.sleep(Duration.ofNanos(Math.min(left, MAX_WAIT_MILLIS * 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (System.nanoTime() >= nextCatchUp) {
                guarded(remote::catchUp);
                nextCatchUp = System.nanoTime() + settings.catchUpInterval().toNanos();
            }
        }
    }
}
