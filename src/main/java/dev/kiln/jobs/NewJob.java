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

    /** A job with no idempotency key that is not reusable and has no callback; the {@code with…} methods add them. */
    public static NewJob of(
            String ownerId, String type, String inputFileId, ObjectNode params, int priority, int maxAttempts) {
        return new NewJob(ownerId, type, inputFileId, params, priority, maxAttempts, null, null, null, false, null);
    }

    /** This job under the client's Idempotency-Key (null: none), and the hash of its request. */
    public NewJob withIdempotencyKey(String key, String hash) {
        return with(key, hash, reuseKey, reuse, callbackUrl);
    }

    /** This job with its reuse key (null: its results are not reusable), and whether it may reuse. */
    public NewJob withReuse(String key, boolean mayReuse) {
        return with(idempotencyKey, requestHash, key, mayReuse, callbackUrl);
    }

    /** This job with the URL its end is posted to (null: none). */
    public NewJob withCallback(String url) {
        return with(idempotencyKey, requestHash, reuseKey, reuse, url);
    }

    private NewJob with(String key, String hash, String newReuseKey, boolean mayReuse, String url) {
        return new NewJob(
                ownerId, type, inputFileId, params, priority, maxAttempts, key, hash, newReuseKey, mayReuse, url);
    }
}
