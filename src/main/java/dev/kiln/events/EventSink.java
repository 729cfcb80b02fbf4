package dev.kiln.events;

import java.util.function.Consumer;

/** A live subscriber of job events. */
@FunctionalInterface
public interface EventSink {

    /**
     * Called on the thread that committed the event: enqueue it and return, never block. A sink
     * that cannot keep up drops its subscriber (who then replays from the log), never the producer.
     */
    void deliver(JobEvent event);

    /**
     * The followed job, or a job of the followed owner, was deleted (with its log): no event,
     * terminal or not, will come. Called like {@link #deliver}, on this node once the deletion
     * committed; on the others, for a job's followers when the deletion's notice arrives or at
     * their catch-up, for its owner's followers when the notice arrives ({@link RemoteEvents}).
     */
    default void deleted(String jobId) {}

    /** A sink that hands events to {@code events} and deletions to {@code deletions}. */
    static EventSink of(EventSink events, Consumer<String> deletions) {
        return new EventSink() {
            @Override
            public void deliver(JobEvent event) {
                events.deliver(event);
            }

            @Override
            public void deleted(String jobId) {
                deletions.accept(jobId);
            }
        };
    }
}
