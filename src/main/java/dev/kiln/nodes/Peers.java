package dev.kiln.nodes;

import dev.kiln.auth.AccessEnded;
import dev.kiln.db.Database;
import dev.kiln.drain.DrainOrder;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.Moved;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Tells the other nodes on this database what they may have to act on: events appended (so their
 * followers read the log), jobs deleted (so their followers, and their owners', hear of it), cancels requested (so the node running the job stops it), job types
 * with new claimable work (so their workers claim it) and access that ended (so their live streams
 * opened with it end). It hears
 * of both once their transaction committed, and sends what gathered meanwhile in one statement
 * from its own thread: the writers' transactions carry no notice (PostgreSQL serialises the
 * commits of notifying transactions), and many commits cost one notice round. A notice names the
 * change (job, owner, seqs), never carries it. One lost (a crash between commit and send) only
 * delays the event: every node's catch-up reads the log. Nothing happens on SQLite, where one
 * node runs. {@link PeerListener} is the other end.
 */
@Component
public class Peers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Peers.class);
    static final String EVENTS = "kiln_events";
    static final String CANCELS = "kiln_cancels";
    static final String WORK = "kiln_work";
    static final String ACCESS = "kiln_access";
    static final String DELETED = "kiln_deleted";
    /** Below PostgreSQL's 8000-byte payload limit, with room to spare. */
    static final int MAX_PAYLOAD = 7000;

    private static final Duration RETRY_DELAY = Duration.ofMillis(200);

    /** A job's events to announce: its owner (or null) and the seqs from {@code first} to {@code last}. */
    private record Range(String owner, long first, long last) {
        Range merge(Range other) {
            return new Range(
                    owner != null ? owner : other.owner, Math.min(first, other.first), Math.max(last, other.last));
        }
    }

    private final Database db;
    private final ThisNode node;
    private final Object lock = new Object();
    private Map<String, Range> events = new LinkedHashMap<>();
    /** Jobs deleted, each with its owner. */
    private Map<String, String> deleted = new LinkedHashMap<>();

    private List<String> cancels = new ArrayList<>();
    private Set<String> work = new LinkedHashSet<>();
    private List<String> access = new ArrayList<>();
    private volatile Thread sender;

    public Peers(Database db, ThisNode node) {
        this.db = db;
        this.node = node;
    }

    @EventListener
    void on(EventLog.Committed committed) {
        if (!db.notifiesOtherNodes()) {
            return; // on the per-event path: gather nothing nobody will hear
        }
        synchronized (lock) {
            for (JobEvent event : committed.events()) {
                events.merge(event.job(), new Range(event.owner(), event.seq(), event.seq()), Range::merge);
            }
            lock.notifyAll();
        }
    }

    /** Jobs deleted here: the other nodes' followers of them, and of their owners ("my jobs"), hear of it. */
    @EventListener
    void on(EventLog.Deleted deletion) {
        if (!db.notifiesOtherNodes()) {
            return;
        }
        synchronized (lock) {
            deleted.putAll(deletion.owners());
            lock.notifyAll();
        }
    }

    @EventListener
    void on(Moved.Committed moved) {
        if (!db.notifiesOtherNodes()) {
            return;
        }
        switch (moved.transition()) {
            case REQUEST_CANCEL -> {
                synchronized (lock) {
                    moved.jobs().forEach(job -> cancels.add(job.id()));
                    lock.notifyAll();
                }
            }
            // Claimable work: the other nodes' pools and waiting external workers claim at once, not at their next
            // poll.
            case SUBMIT, PROMOTE, RELEASE, MANUAL_RETRY -> {
                synchronized (lock) {
                    moved.jobs().forEach(job -> work.add(job.type()));
                    lock.notifyAll();
                }
            }
            default -> {}
        }
    }

    /** Access ended here: the other nodes end their streams opened with it (their periodic check is the fallback). */
    @EventListener
    void on(AccessEnded ended) {
        if (ended.relayed() || !db.notifiesOtherNodes()) {
            return;
        }
        synchronized (lock) {
            access.add(String.join(
                    " ",
                    ended.userId(),
                    orDash(ended.tokenId()),
                    orDash(ended.sessionId()),
                    ended.role() == null ? "-" : ended.role().name(),
                    ended.reason().name()));
            lock.notifyAll();
        }
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }

    @Override
    public void start() {
        if (db.notifiesOtherNodes()) {
            Thread thread = Thread.ofPlatform().daemon().name("kiln-notices").unstarted(this::run);
            sender = thread;
            thread.start();
        }
    }

    @Override
    public void stop() {
        Thread thread = sender;
        sender = null;
        if (thread != null) {
            synchronized (lock) {
                lock.notifyAll();
            }
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return sender != null;
    }

    /** The last step of a drain ({@link DrainOrder}): whatever committed until then still reaches the other nodes. */
    @Override
    public int getPhase() {
        return DrainOrder.LAST_NOTICES;
    }

    /** Until stopped, and then once more for what is left: whatever gathered, in one statement. */
    private void run() {
        boolean last = false;
        while (!last) {
            Map<String, Range> announce;
            Map<String, String> gone;
            List<String> cancel;
            Set<String> types;
            List<String> ended;
            synchronized (lock) {
                while (sender == Thread.currentThread()
                        && events.isEmpty()
                        && deleted.isEmpty()
                        && cancels.isEmpty()
                        && work.isEmpty()
                        && access.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                last = sender != Thread.currentThread();
                announce = events;
                gone = deleted;
                cancel = cancels;
                types = work;
                ended = access;
                events = new LinkedHashMap<>();
                deleted = new LinkedHashMap<>();
                cancels = new ArrayList<>();
                work = new LinkedHashSet<>();
                access = new ArrayList<>();
            }
            send(announce, gone, cancel, types, ended);
        }
    }

    private void send(
            Map<String, Range> announce,
            Map<String, String> gone,
            List<String> cancel,
            Set<String> types,
            List<String> ended) {
        List<String> channels = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        ended.forEach(
                line -> { // first: ending access matters more than a moment's delay of an event
                    channels.add(ACCESS);
                    payloads.add(node.id() + "\n" + line);
                });
        if (!types.isEmpty()) {
            channels.add(WORK); // type names are short, and a node runs few: one notice holds them
            payloads.add(node.id() + "\n" + String.join("\n", types));
        }
        cancel.forEach(job -> {
            channels.add(CANCELS);
            payloads.add(node.id() + "\n" + job);
        });
        List<String> ranges = new ArrayList<>();
        announce.forEach((job, range) -> ranges.add(
                job + " " + (range.owner() == null ? "-" : range.owner()) + " " + range.first() + " " + range.last()));
        for (String payload : payloads(ranges)) {
            channels.add(EVENTS);
            payloads.add(payload);
        }
        List<String> deletions = new ArrayList<>();
        gone.forEach((job, owner) -> deletions.add(job + " " + owner));
        for (String payload : payloads(deletions)) {
            channels.add(DELETED);
            payloads.add(payload);
        }
        if (channels.isEmpty()) {
            return;
        }
        try {
            db.notifyNodes(channels, payloads);
        } catch (RuntimeException e) {
            // The other nodes' catch-up reads the log: a lost notice only delays; a cancel still reaches the heartbeat.
            log.warn(
                    "Could not tell the other nodes of {} change(s) ({}); their catch-up will find them",
                    channels.size(),
                    e.getMessage());
            pause();
        }
    }

    /**
     * {@code lines} after a first line naming this node, in as few notices as fit: events are
     * {@code job owner first last} (owner {@code -} when unknown), deletions {@code job owner}.
     */
    private List<String> payloads(List<String> lines) {
        List<String> payloads = new ArrayList<>();
        StringBuilder payload = new StringBuilder(node.id());
        for (String line : lines) {
            if (payload.length() + 1 + line.length() > MAX_PAYLOAD) {
                payloads.add(payload.toString());
                payload.setLength(0);
                payload.append(node.id());
            }
            payload.append('\n').append(line);
        }
        if (payload.length() > node.id().length()) {
            payloads.add(payload.toString());
        }
        return payloads;
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_DELAY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
