package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * API tokens: everyone manages their own under /me; admins manage anyone's under /admin/users/{id}
 * (only admins reach /api/v1/admin). A new token's secret is in the answer that issues it, and never again.
 */
@RestController
class TokenController {

    private final ApiTokens tokens;
    private final Users users;
    private final AuditLog audit;
    private final Clock clock;

    TokenController(ApiTokens tokens, Users users, AuditLog audit, Clock clock) {
        this.tokens = tokens;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    record TokenList(List<TokenView> items) {}

    @GetMapping("/api/v1/me/tokens")
    TokenList mine(@AuthenticationPrincipal User user) {
        return list(user.id());
    }

    @PostMapping("/api/v1/me/tokens")
    ResponseEntity<TokenView> issueMine(
            @AuthenticationPrincipal User user, @RequestBody(required = false) JsonNode body) {
        return issue(user, user.id(), body, "/api/v1/me/tokens/");
    }

    @DeleteMapping("/api/v1/me/tokens/{tokenId}")
    TokenView revokeMine(@AuthenticationPrincipal User user, @PathVariable String tokenId) {
        return revoke(user, user.id(), tokenId);
    }

    @GetMapping("/api/v1/admin/users/{userId}/tokens")
    TokenList ofUser(@PathVariable String userId) {
        return list(existing(userId));
    }

    @PostMapping("/api/v1/admin/users/{userId}/tokens")
    ResponseEntity<TokenView> issueFor(
            @AuthenticationPrincipal User admin,
            @PathVariable String userId,
            @RequestBody(required = false) JsonNode body) {
        String id = existing(userId);
        return issue(admin, id, body, "/api/v1/admin/users/" + id + "/tokens/");
    }

    @DeleteMapping("/api/v1/admin/users/{userId}/tokens/{tokenId}")
    TokenView revokeFor(
            @AuthenticationPrincipal User admin, @PathVariable String userId, @PathVariable String tokenId) {
        return revoke(admin, existing(userId), tokenId);
    }

    private TokenList list(String userId) {
        return new TokenList(tokens.list(userId).stream()
                .map(t -> TokenView.of(t, clock.instant()))
                .toList());
    }

    private ResponseEntity<TokenView> issue(User actor, String userId, JsonNode body, String location) {
        TokenRequest request = TokenRequest.parse(body, clock);
        ApiTokens.Issued issued = tokens.issue(userId, request.label(), request.expiresAt());
        audit.record(
                actor,
                AuditAction.TOKEN_ISSUED,
                "token",
                issued.info().id(),
                request.expiresAt() == null
                        ? Map.of("userId", userId, "label", request.label())
                        : Map.of(
                                "userId",
                                userId,
                                "label",
                                request.label(),
                                "expiresAt",
                                request.expiresAt().toString()));
        return ResponseEntity.created(URI.create(location + issued.info().id()))
                .body(TokenView.issued(issued, clock.instant()));
    }

    private TokenView revoke(User actor, String userId, String tokenId) {
        ApiTokens.TokenInfo revoked = tokens.revoke(userId, tokenId)
                .orElseThrow(() -> new ApiException(ErrorCode.TOKEN_NOT_FOUND, "No token " + tokenId + "."));
        audit.record(actor, AuditAction.TOKEN_REVOKED, "token", tokenId, Map.of("userId", userId));
        return TokenView.of(revoked, clock.instant());
    }

    private String existing(String userId) {
        return users.findById(userId)
                .orElseThrow(() -> AdminUserController.userNotFound(userId))
                .id();
    }
}
