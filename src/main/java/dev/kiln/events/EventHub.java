package dev.kiln.events;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Hands committed events to live subscribers on this node: by job, and by owner (for "my jobs"
 * list views). It is only a wake-up with the payload attached: the durable log stays the truth,
 * and subscribers fill any gap from it.
 */
@Component
public class EventHub {

    private static final Logger log = LoggerFactory.getLogger(EventHub.class);

    private final ConcurrentMap<String, Set<EventSink>> byJob = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<EventSink>> byOwner = new ConcurrentHashMap<>();
    /** Per followed job, the highest seq handed to its followers: what a catch-up compares against. */
    private final ConcurrentMap<String, Long> handed = new ConcurrentHashMap<>();

    /** A subscription; {@link #close()} ends it. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    public Subscription followJob(String jobId, EventSink sink) {
        return add(byJob, jobId, sink);
    }

    public Subscription followOwner(String ownerId, EventSink sink) {
        return add(byOwner, ownerId, sink);
    }

    /**
     * Called once the events' transaction has committed (on this node), or once another node
     * announced them and they were read back from the log ({@link RemoteEvents}).
     */
    void publish(List<JobEvent> committed) {
        for (JobEvent event : committed) {
            Set<EventSink> followers = byJob.get(event.job());
            if (followers != null) {
                handed.merge(event.job(), event.seq(), Math::max);
            }
            deliver(followers, event);
            if (event.owner() != null) {
                deliver(byOwner.get(event.owner()), event);
            }
        }
    }

    /**
     * These jobs (job id to owner id) were deleted, here or on another node: their followers here
     * hear of it, and so do their owners' followers ("my jobs"), each sink once per job ({@link
     * EventSink#deleted}).
     */
    void deleted(Map<String, String> owners) {
        owners.forEach((job, owner) -> {
            tellDeleted(byJob.get(job), job);
            tellDeleted(byOwner.get(owner), job);
        });
    }

    /** {@code jobIds} were found deleted by another node, owners unknown: their followers here hear of it. */
    void deleted(Collection<String> jobIds) {
        jobIds.forEach(job -> tellDeleted(byJob.get(job), job));
    }

    private static void tellDeleted(Set<EventSink> sinks, String job) {
        if (sinks == null) {
            return;
        }
        for (EventSink sink : sinks) {
            try {
                sink.deleted(job);
            } catch (RuntimeException e) {
                log.warn("A live subscriber failed to take the deletion of {}", job, e);
            }
        }
    }

    /** Whether anyone on this node follows {@code jobId}, or the jobs of {@code ownerId} (may be null). */
    boolean followed(String jobId, String ownerId) {
        return byJob.containsKey(jobId) || ownerId != null && byOwner.containsKey(ownerId);
    }

    /** The jobs someone on this node follows, each with the highest seq its followers were handed (0: none yet). */
    Map<String, Long> followedJobs() {
        handed.keySet().retainAll(byJob.keySet()); // forget jobs nobody follows any more
        Map<String, Long> followed = new HashMap<>();
        byJob.keySet().forEach(job -> followed.put(job, handed.getOrDefault(job, 0L)));
        return followed;
    }

    private static void deliver(Set<EventSink> sinks, JobEvent event) {
        if (sinks == null) {
            return;
        }
        for (EventSink sink : sinks) {
            try {
                sink.deliver(event);
            } catch (RuntimeException e) {
                log.warn("A live subscriber failed to take event {}#{}", event.job(), event.seq(), e);
            }
        }
    }

    private static Subscription add(ConcurrentMap<String, Set<EventSink>> index, String key, EventSink sink) {
        index.compute(key, (k, sinks) -> {
            Set<EventSink> set = sinks != null ? sinks : ConcurrentHashMap.newKeySet();
            set.add(sink);
            return set;
        });
        return () -> index.computeIfPresent(key, (k, sinks) -> {
            sinks.remove(sink);
            return sinks.isEmpty() ? null : sinks;
        });
    }
}
