package dev.kiln.uploads;

import java.time.Instant;

/**
 * A resumable upload as stored.
 *
 * @param offset     bytes durably received
 * @param jobRequest for the one-step flow, the job to submit on completion (JSON), or null
 */
record Upload(
        String id,
        String ownerId,
        long length,
        long offset,
        String metadata,
        String filename,
        String jobRequest,
        Instant createdAt,
        Instant expiresAt,
        String sha256,
        String fileId,
        String jobId,
        Instant completedAt) {

    boolean complete() {
        return completedAt != null;
    }

    boolean expired(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
