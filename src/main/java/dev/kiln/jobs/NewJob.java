package dev.kiln.jobs;

import tools.jackson.databind.node.ObjectNode;

/**
 * A validated job submission.
 *
 * @param idempotencyKey the client's Idempotency-Key, or null
 * @param requestHash    hash of the request as sent, to tell a retry from a different request
 */
public record NewJob(
        String ownerId,
        String type,
        String inputFileId,
        ObjectNode params,
        int priority,
        int maxAttempts,
        String idempotencyKey,
        String requestHash) {}
