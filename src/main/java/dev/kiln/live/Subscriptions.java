package dev.kiln.live;

import dev.kiln.auth.User;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventSink;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.Job;
import dev.kiln.live.ClientMessage.Problem;
import dev.kiln.live.WireEvents.WireEvent;
import dev.kiln.support.Ids;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one WebSocket client follows: jobs, each with its {@link JobFollow}, and "my jobs". Only the
 * client's actor touches it, except {@link #worthListing}, which runs where events are produced.
 */
final class Subscriptions {

    private static final long MINE_PROGRESS_SPACING_MILLIS = 1_000;

    private record Followed(JobFollow follow, EventHub.Subscription subscription, String owner) {}

    private final StreamConnections connections;
    private final StreamSender sender;
    /** Where the hub hands a followed job's events, and "my jobs" events. */
    private final EventSink jobSink;

    private final EventSink mineSink;
    private final Map<String, Followed> follows = new HashMap<>();
    /** Per job, when "my jobs" last passed on its progress; touched on producers' threads. */
    private final Map<String, Long> mineProgressSentAt = new ConcurrentHashMap<>();

    private EventHub.Subscription mine;

    Subscriptions(StreamConnections connections, StreamSender sender, EventSink jobSink, EventSink mineSink) {
        this.connections = connections;
        this.sender = sender;
        this.jobSink = jobSink;
        this.mineSink = mineSink;
    }

    void subscribe(User user, ClientMessage.Subscribe message) {
        message.problems().forEach(sender::sendError);
        message.jobs().forEach((id, after) -> follow(user, id, after));
        if (message.mineProblem() != null) {
            sender.sendError(message.mineProblem());
        } else if (message.mine() && mine == null) {
            mine = connections.hub().followOwner(user.id(), mineSink);
            sender.send(sender.message("subscribed").put("mine", true));
        }
    }

    void unsubscribe(ClientMessage.Unsubscribe message) {
        if (message.problem() != null) {
            sender.sendError(message.problem());
            return;
        }
        for (String id : message.jobs()) {
            Followed followed = follows.remove(id);
            if (followed != null) {
                followed.subscription().close();
            }
        }
        if (message.mine() && mine != null) {
            mine.close();
            mine = null;
            mineProgressSentAt.clear();
        }
    }

    /**
     * Follows a job: subscribe to live events first, then read, so nothing can slip between.
     * Without {@code after}: a snapshot, then events after its seq. With it: the events after it
     * ({@code recovered: true}), or, when the server cannot replay from there, a fresh snapshot
     * ({@code recovered: false}).
     */
    private void follow(User user, String id, Long after) {
        Followed previous = follows.remove(id);
        if (previous != null) {
            previous.subscription().close();
        }
        int max = connections.settings().maxSubscriptions();
        if (follows.size() >= max) {
            sender.sendError(
                    new Problem("too_many_subscriptions", "A connection may follow at most " + max + " jobs.", id));
            return;
        }
        EventHub.Subscription subscription =
                Ids.looksLike("job", id) ? connections.hub().followJob(id, jobSink) : null;
        Optional<Job> job = subscription == null ? Optional.empty() : find(user, id, subscription);
        if (job.isEmpty()) {
            if (subscription != null) {
                subscription.close();
            }
            sender.sendError(new Problem("job_not_found", "No job " + id + ".", id));
            return;
        }
        Job snapshot = job.get();
        boolean replay = after != null && after <= snapshot.seq();
        JobFollow follow = new JobFollow(id, replay ? after : snapshot.seq(), connections.log()::after);
        follows.put(id, new Followed(follow, subscription, snapshot.ownerId()));
        ObjectNode subscribed = sender.message("subscribed").put("job", id);
        if (after != null) {
            subscribed.put("recovered", replay);
            connections.metrics().websocket.resubscribed(replay);
        }
        sender.send(subscribed);
        if (replay) {
            for (List<JobEvent> page = follow.nextFromLog(); !page.isEmpty(); page = follow.nextFromLog()) {
                page.forEach(event -> sender.send(connections.wireEvents().once(event)));
            }
        } else {
            ObjectNode message = sender.message("snapshot");
            message.set("job", connections.json().valueToTree(snapshot));
            sender.send(message);
        }
    }

    private Optional<Job> find(User user, String id, EventHub.Subscription subscription) {
        try {
            return connections.jobs().find(id, user);
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
    }

    /** A live event of a followed job: on to the client in order, with any gap before it filled from the log. */
    void onLive(WireEvent live) {
        Followed followed = follows.get(live.event().job());
        if (followed == null) {
            return;
        }
        for (JobEvent event : followed.follow().onLive(live.event())) {
            if (event == live.event()) {
                sender.sendLive(live);
            } else {
                sender.send(connections.wireEvents().once(event));
            }
        }
    }

    /**
     * A job was deleted. Its own follow ends as a new one would be answered ({@code job_not_found});
     * "my jobs" ({@code listed}: its owner's subscription heard of it) is told {@code deleted}, even
     * when the job is followed too: the list and the job's view are told apart, each in its terms.
     */
    void onDeleted(String jobId, boolean listed) {
        if (listed) {
            if (mine != null) {
                sender.send(sender.message("deleted").put("job", jobId));
            }
            return;
        }
        Followed followed = follows.remove(jobId);
        if (followed != null) {
            followed.subscription().close();
            sender.sendError(new Problem("job_not_found", "Job " + jobId + " was deleted.", jobId));
        }
    }

    /** A "my jobs" event; a job followed on its own gets its events from its follow instead. */
    void onListed(WireEvent listed) {
        if (mine != null && !follows.containsKey(listed.event().job())) {
            sender.send(listed);
        }
    }

    /** "My jobs" is for list views: every state, error and result; progress at most once a second per job. */
    boolean worthListing(JobEvent event) {
        return switch (event.kind()) {
            case PARTIAL -> false;
            case PROGRESS -> {
                long now = System.currentTimeMillis();
                Long last = mineProgressSentAt.get(event.job());
                if (last != null && now - last < MINE_PROGRESS_SPACING_MILLIS) {
                    yield false;
                }
                mineProgressSentAt.put(event.job(), now);
                yield true;
            }
            case STATE -> {
                if (JobFollow.isTerminal(event)) {
                    mineProgressSentAt.remove(event.job()); // keeps the map to jobs that are running
                }
                yield true;
            }
            case RESULT, ERROR -> true;
        };
    }

    /** A followed job {@code user} may not see (say, after a demotion), or null. */
    String firstNotVisibleTo(User user) {
        return follows.entrySet().stream()
                .filter(f -> !user.canSee(f.getValue().owner()))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null);
    }

    /** The socket is gone: every subscription goes with it. */
    void releaseAll() {
        follows.values().forEach(f -> f.subscription().close());
        follows.clear();
        if (mine != null) {
            mine.close();
            mine = null;
        }
    }
}
