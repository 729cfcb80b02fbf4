package dev.kiln.events;

/** A live subscriber of job events. */
@FunctionalInterface
public interface EventSink {

    /**
     * Called on the thread that committed the event: enqueue it and return, never block. A sink
     * that cannot keep up drops its subscriber (who then replays from the log), never the producer.
     */
    void deliver(JobEvent event);
}
