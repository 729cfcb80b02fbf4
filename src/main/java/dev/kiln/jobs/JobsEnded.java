package dev.kiln.jobs;

import java.util.List;

/**
 * Published <em>inside</em> the write transaction that moved jobs into a final state ({@code
 * succeeded}, {@code failed}, {@code cancelled}), with their last event's seq (the terminal
 * {@code state} event). Like {@link ResultsChanged}, listeners run on the writer's thread in that
 * transaction, so the durable work they write (webhook deliveries) commits with the job's end or not
 * at all; they must be quick, must not throw, and must not call back into jobs.
 */
public record JobsEnded(JobState state, List<Moved> jobs) {}
