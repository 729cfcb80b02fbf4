package dev.kiln.nodes;

import dev.kiln.db.Database;
import dev.kiln.events.JobEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Tells the other nodes on this database what they may have to act on: events appended (so
 * their subscribers read the log) and cancels requested (so the node running the job stops it).
 * Each notice goes out with the transaction that made the change, so it is only heard once that
 * commits; it names the change (job, owner, seqs), never carries it. Nothing happens on SQLite,
 * where one node runs. {@link PeerListener} is the other end.
 */
@Component
public class Peers {

    static final String EVENTS = "kiln_events";
    static final String CANCELS = "kiln_cancels";
    /** Below PostgreSQL's 8000-byte payload limit, with room to spare. */
    static final int MAX_PAYLOAD = 7000;

    private final Database db;
    private final ThisNode node;

    public Peers(Database db, ThisNode node) {
        this.db = db;
        this.node = node;
    }

    /**
     * Inside the transaction that appends {@code events}: one line per job, {@code job owner first
     * last} (owner {@code -} when unknown), after a first line naming this node.
     */
    public void eventsAppended(List<JobEvent> events) {
        if (!db.notifiesOtherNodes()) {
            return; // on the per-event path: build no notice nobody will hear
        }
        Map<String, long[]> ranges = new LinkedHashMap<>();
        Map<String, String> owners = new LinkedHashMap<>();
        for (JobEvent event : events) {
            ranges.merge(event.job(), new long[] {event.seq(), event.seq()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            if (event.owner() != null) {
                owners.put(event.job(), event.owner());
            }
        }
        StringBuilder payload = new StringBuilder(node.id());
        for (Map.Entry<String, long[]> range : ranges.entrySet()) {
            String line = "\n" + range.getKey() + " " + owners.getOrDefault(range.getKey(), "-") + " "
                    + range.getValue()[0] + " " + range.getValue()[1];
            if (payload.length() + line.length() > MAX_PAYLOAD) {
                db.notifyOnCommit(EVENTS, payload.toString());
                payload.setLength(0);
                payload.append(node.id());
            }
            payload.append(line);
        }
        db.notifyOnCommit(EVENTS, payload.toString());
    }

    /** Inside the transaction that records the cancel request of a running job. */
    public void cancelRequested(String jobId) {
        db.notifyOnCommit(CANCELS, node.id() + "\n" + jobId);
    }
}
