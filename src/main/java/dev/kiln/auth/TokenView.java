package dev.kiln.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A token as the API shows it; {@code token} (the secret) only in the answer that issues it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TokenView(
        String id,
        String label,
        Instant createdAt,
        Instant expiresAt,
        Instant lastUsedAt,
        Instant revokedAt,
        boolean active,
        String token) {

    static TokenView of(ApiTokens.TokenInfo info, Instant now) {
        return new TokenView(
                info.id(),
                info.label(),
                info.createdAt(),
                info.expiresAt(),
                info.lastUsedAt(),
                info.revokedAt(),
                info.active(now),
                null);
    }

    static TokenView issued(ApiTokens.Issued issued, Instant now) {
        ApiTokens.TokenInfo info = issued.info();
        return new TokenView(
                info.id(),
                info.label(),
                info.createdAt(),
                info.expiresAt(),
                null,
                null,
                info.active(now),
                issued.token());
    }

    @Override
    public String toString() {
        return "TokenView[id=" + id + "]";
    }
}
