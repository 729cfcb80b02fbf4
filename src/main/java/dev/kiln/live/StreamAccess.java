package dev.kiln.live;

import dev.kiln.auth.AccessCheck;
import dev.kiln.auth.AccessEnded;
import dev.kiln.auth.User;
import dev.kiln.drain.DrainOrder;
import dev.kiln.support.Loop;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Ends live streams when the access they were opened with ends. Every WebSocket, SSE stream, long
 * poll and compatibility request waiting for its job is held here with its credential; an
 * {@link AccessEnded} (from this node at once, from another through {@code nodes}) ends those it
 * concerns. Every {@code accessCheckInterval} the credentials of all of them are checked again in a
 * few queries ({@link AccessCheck}): expiry has no event, and a notice from another node may be lost.
 */
@Component
public class StreamAccess extends Loop {

    private final AccessCheck check;
    private final Set<AccessHolder> holders = ConcurrentHashMap.newKeySet();

    StreamAccess(AccessCheck check, StreamSettings settings) {
        super("kiln-stream-access", settings.accessCheckInterval());
        this.check = check;
    }

    /**
     * Holds a stream or poll until {@link #release}, and checks its credential once: an ending that
     * came between the request's authentication and this hold reached no holder, so it ends it now.
     */
    public void hold(AccessHolder holder) {
        holders.add(holder);
        check.recheck(List.of(holder.access())).forEach(this::on);
    }

    public void release(AccessHolder holder) {
        holders.remove(holder);
    }

    /** How many streams and polls of {@code userId} are held here (a test waits on it). */
    long heldBy(String userId) {
        return holders.stream()
                .filter(h -> h.access().user().id().equals(userId))
                .count();
    }

    @EventListener
    void on(AccessEnded ended) {
        for (AccessHolder holder : holders) {
            User now = ended.changes(holder.access());
            if (now != null) {
                holder.roleChanged(now);
            } else if (ended.endsAll(holder.access())) {
                holder.credentialEnded(ended.reason().why());
            }
        }
    }

    /** Checks every held credential again; what ended is ended as if announced. */
    void recheck() {
        if (!holders.isEmpty()) {
            List<AccessEnded> ended =
                    check.recheck(holders.stream().map(AccessHolder::access).toList());
            ended.forEach(this::on);
        }
    }

    @Override
    protected boolean step() {
        recheck();
        return false;
    }

    /**
     * Stopped after the streams closed: Spring stops whatever depends on a lifecycle bean before it,
     * whatever its phase, so stopping this earlier would close every socket before the readiness delay.
     */
    @Override
    public int getPhase() {
        return DrainOrder.CLOSE_STREAMS - 1;
    }
}
