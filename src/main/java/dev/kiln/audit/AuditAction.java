package dev.kiln.audit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What the audit log records. The wire form ({@code job.submitted}) is stable: admins filter on it. */
public enum AuditAction {
    SIGN_IN("session.signed_in"),
    SIGN_IN_FAILED("session.sign_in_failed"),
    SIGN_OUT("session.signed_out"),
    USER_CREATED("user.created"),
    USER_ROLE_CHANGED("user.role_changed"),
    USER_DELETED("user.deleted"),
    TOKEN_ISSUED("token.issued"),
    TOKEN_REVOKED("token.revoked"),
    JOB_SUBMITTED("job.submitted"),
    JOB_CANCELLED("job.cancelled"),
    JOB_RETRIED("job.retried"),
    JOB_DELETED("job.deleted"),
    JOB_CLAIMED("job.claimed"),
    BATCH_SUBMITTED("batch.submitted"),
    BATCH_CANCELLED("batch.cancelled"),
    BATCH_RETRIED("batch.retried"),
    BATCH_DOWNLOADED("batch.downloaded"),
    PROCESSOR_DECLARED("processor.declared"),
    RESULT_DOWNLOADED("result.downloaded"),
    SPEAKERS_RENAMED("result.speakers_renamed"),
    RESULT_EDITED("result.edited"),
    FILE_DOWNLOADED("file.downloaded"),
    FILE_DELETED("file.deleted"),
    WEBHOOK_CREATED("webhook.created"),
    WEBHOOK_DELETED("webhook.deleted"),
    WEBHOOK_SECRET_ROTATED("webhook.secret_rotated"),
    WEBHOOK_REDELIVERED("webhook.redelivered");

    private final String wire;

    AuditAction(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    static Optional<AuditAction> fromWire(String wire) {
        return Arrays.stream(values())
                .filter(a -> a.wire.equals(wire.toLowerCase(Locale.ROOT)))
                .findFirst();
    }
}
