package dev.kiln.jobs;

import java.util.List;

/**
 * Published <em>inside</em> the write transaction that gave jobs their result or changed what it
 * shows: a job that succeeded (ran or reused a result) or whose segments its owner edited. Listeners
 * run on the writer's thread in that transaction, so what they write (a row of durable work) commits
 * or rolls back with the change itself; they must be quick and must not call back into jobs.
 */
public record ResultsChanged(List<Changed> jobs) {

    /** One job whose result changed, with its processor's name (what a listener filters on). */
    public record Changed(String id, String ownerId, String type) {}
}
