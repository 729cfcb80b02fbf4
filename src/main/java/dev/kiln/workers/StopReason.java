package dev.kiln.workers;

/** Why a running job is being stopped. A stronger reason replaces a weaker one. */
enum StopReason {
    /** The node is shutting down: give the job back to the queue. */
    SHUTDOWN,
    /** It ran past its processor's timeout: fail it. */
    TIMEOUT,
    /** A user cancelled it. */
    CANCEL,
    /** Another attempt owns the job now (our lease expired and it was rescued): write nothing more. */
    LEASE_LOST;

    boolean outranks(StopReason other) {
        return other == null || ordinal() > other.ordinal();
    }
}
