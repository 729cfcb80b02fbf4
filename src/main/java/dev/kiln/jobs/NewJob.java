package dev.kiln.jobs;

import tools.jackson.databind.node.ObjectNode;

/**
 * A validated job submission.
 *
 * @param idempotencyKey the client's Idempotency-Key, or null
 * @param requestHash    hash of the request as sent, to tell a retry from a different request
 * @param reuseKey       what makes its result interchangeable with another job's ({@link Reuse#key}); null
 *                       when its processor's results are not reusable
 * @param reuse          whether it may take an earlier job's result instead of running
 * @param callbackUrl    where Kiln posts the job's end (a signed webhook), or null
 */
public record NewJob(
        String ownerId,
        String type,
        String inputFileId,
        ObjectNode params,
        int priority,
        int maxAttempts,
        String idempotencyKey,
        String requestHash,
        String reuseKey,
        boolean reuse,
        String callbackUrl) {

    /** A job without a callback. */
    public NewJob(
            String ownerId,
            String type,
            String inputFileId,
            ObjectNode params,
            int priority,
            int maxAttempts,
            String idempotencyKey,
            String requestHash,
            String reuseKey,
            boolean reuse) {
        this(
                ownerId,
                type,
                inputFileId,
                params,
                priority,
                maxAttempts,
                idempotencyKey,
                requestHash,
                reuseKey,
                reuse,
                null);
    }

    /** A job that neither is a source of reuse nor reuses. */
    public NewJob(
            String ownerId,
            String type,
            String inputFileId,
            ObjectNode params,
            int priority,
            int maxAttempts,
            String idempotencyKey,
            String requestHash) {
        this(ownerId, type, inputFileId, params, priority, maxAttempts, idempotencyKey, requestHash, null, false);
    }
}
