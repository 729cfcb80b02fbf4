package dev.kiln.events;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Events committed on other nodes, for this node's followers. A notice from another node only
 * names them (job, seqs); they are read back from the durable log, once for all followers here,
 * and handed over as if committed here. A periodic {@link #catchUp} compares followed jobs with
 * the log, so a lost notice only delays an event.
 */
@Component
public class RemoteEvents {

    private static final int PAGE = 500;
    /** Followed jobs looked up per catch-up query. */
    private static final int CHUNK = 500;

    private final EventHub hub;
    private final EventLog log;
    private final Database db;

    public RemoteEvents(EventHub hub, EventLog log, Database db) {
        this.hub = hub;
        this.log = log;
        this.db = db;
    }

    /** Another node committed events {@code first..last} of {@code jobId}; {@code ownerId} may be null. */
    public void announced(String jobId, String ownerId, long first, long last) {
        if (!hub.followed(jobId, ownerId)) {
            return; // nobody here cares: no read at all
        }
        long after = first - 1;
        while (after < last) {
            List<JobEvent> page = log.after(jobId, after, (int) Math.min(PAGE, last - after));
            if (page.isEmpty()) {
                return;
            }
            hub.publish(page.stream()
                    .map(e -> new JobEvent(e.job(), ownerId, e.seq(), e.kind(), e.data(), e.ts()))
                    .toList());
            after = page.getLast().seq();
        }
    }

    /**
     * Another node deleted {@code jobId} of {@code ownerId}: its followers here, and its owner's,
     * hear of it. Only the notice tells the owner's followers (nothing here tracks their jobs); a
     * job's followers would also find it gone at the next {@link #catchUp}.
     */
    public void deletedElsewhere(String jobId, String ownerId) {
        hub.deleted(Map.of(jobId, ownerId));
    }

    /**
     * For every followed job whose log went further than its followers were handed, hands them
     * its latest event: each follower fills the gap before it from the log itself; a followed job no
     * longer there was deleted on another node, and its followers hear so. One indexed query per
     * {@value #CHUNK} followed jobs when nothing was missed. Returns the jobs caught up.
     */
    public int catchUp() {
        Map<String, Long> followed = hub.followedJobs();
        List<String> ids = new ArrayList<>(followed.keySet());
        int caughtUp = 0;
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
            String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
            List<Map.Entry<String, Long>> seqs = db.sql()
                    .sql("SELECT id, seq FROM jobs WHERE id IN (" + marks + ")")
                    .params(chunk)
                    .query((rs, n) -> Map.entry(rs.getString("id"), rs.getLong("seq")))
                    .list();
            Set<String> gone = new HashSet<>(chunk);
            seqs.forEach(job -> gone.remove(job.getKey()));
            hub.deleted(gone);
            for (Map.Entry<String, Long> job : seqs) {
                if (job.getValue() > followed.get(job.getKey())) {
                    List<JobEvent> latest = log.after(job.getKey(), job.getValue() - 1, 1);
                    if (!latest.isEmpty()) {
                        hub.publish(latest);
                        caughtUp++;
                    }
                }
            }
        }
        return caughtUp;
    }
}
