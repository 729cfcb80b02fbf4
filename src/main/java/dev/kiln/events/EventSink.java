package dev.kiln.events;

/** A live subscriber of job events. */
@FunctionalInterface
public interface EventSink {

    /**
     * Called on the thread that committed the event: enqueue it and return, never block. A sink
     * that cannot keep up drops its subscriber (who then replays from the log), never the producer.
     */
    void deliver(JobEvent event);

    /**
     * The followed job was deleted (with its log): no event, terminal or not, will come. Called like
     * {@link #deliver}, on this node once the deletion committed, on the others at their catch-up.
     */
    default void deleted(String jobId) {}
}
