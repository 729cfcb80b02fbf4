package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.JsonFields;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Admins create users (each with a first API token, shown once in the answer), change their role,
 * and see what each one owns. Only admins reach /api/v1/admin.
 */
@RestController
class AdminUserController {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Users users;
    private final ApiTokens tokens;
    private final AuditLog audit;
    private final Clock clock;

    AdminUserController(Users users, ApiTokens tokens, AuditLog audit, Clock clock) {
        this.users = users;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    record Created(User user, String token) {
        @Override
        public String toString() {
            return "Created[user=" + user + "]";
        }
    }

    /** A user and what they own. */
    record UserView(
            String id,
            String name,
            String role,
            Instant createdAt,
            long jobs,
            long activeJobs,
            long files,
            long storedBytes,
            long activeTokens) {

        static UserView of(Users.Holdings h) {
            return new UserView(
                    h.user().id(),
                    h.user().name(),
                    h.user().role().dbValue(),
                    h.createdAt(),
                    h.jobs(),
                    h.activeJobs(),
                    h.files(),
                    h.storedBytes(),
                    h.activeTokens());
        }
    }

    record UserList(List<UserView> items) {}

    @GetMapping("/api/v1/admin/users")
    UserList list() {
        return new UserList(users.holdings(null).stream().map(UserView::of).toList());
    }

    @GetMapping("/api/v1/admin/users/{id}")
    UserView get(@PathVariable String id) {
        return users.holdings(id).stream().findFirst().map(UserView::of).orElseThrow(() -> userNotFound(id));
    }

    @PostMapping(
            path = "/api/v1/admin/users",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Created> create(@AuthenticationPrincipal User admin, @RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField("body", "The body must be a JSON object {name, role?}.");
        }
        JsonFields.only(body, "name", "role");
        JsonNode name = body.get("name");
        if (name == null || !name.isString() || !NAME.matcher(name.asString()).matches()) {
            throw ApiException.invalidField("name", "name must be 1 to 64 letters, digits, '.', '_' or '-'.");
        }
        JsonNode roleField = body.get("role");
        Role role = roleField == null || roleField.isNull() ? Role.MEMBER : role(roleField);
        User user = users.create(name.asString(), role)
                .orElseThrow(() -> new ApiException(
                                ErrorCode.USER_EXISTS, "A user named '" + name.asString() + "' already exists.")
                        .with("field", "name"));
        ApiTokens.Issued token = tokens.issue(user.id(), "first token", null);
        audit.record(
                admin,
                AuditAction.USER_CREATED,
                "user",
                user.id(),
                Map.of("name", user.name(), "role", role.dbValue()));
        audit.record(
                admin,
                AuditAction.TOKEN_ISSUED,
                "token",
                token.info().id(),
                Map.of("userId", user.id(), "label", "first token"));
        return ResponseEntity.created(URI.create("/api/v1/admin/users/" + user.id()))
                .body(new Created(user, token.token()));
    }

    /** {@code {role}}: the only thing about a user that changes. The last admin cannot be demoted. */
    @PatchMapping(path = "/api/v1/admin/users/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    UserView change(@AuthenticationPrincipal User admin, @PathVariable String id, @RequestBody JsonNode body) {
        User user = users.findById(id).orElseThrow(() -> userNotFound(id));
        if (body == null || !body.isObject() || !body.has("role") || body.size() != 1) {
            throw ApiException.invalidField(
                    "role", "The body must be {\"role\": \"member\" | \"admin\" | \"worker\"}.");
        }
        Role role = role(body.get("role"));
        if (role != user.role()) {
            if (!users.changeRole(id, role)) {
                // Deleted meanwhile (get answers 404), given this role meanwhile, or, still an admin
                // when demoted, the last one: the statement counts the admins as it changes the role.
                if (role != Role.ADMIN && users.findById(id).map(User::role).orElse(null) == Role.ADMIN) {
                    throw new ApiException(
                            ErrorCode.LAST_ADMIN,
                            user.name() + " is the only administrator; make someone else one first.");
                }
                return get(id);
            }
            audit.record(
                    admin,
                    AuditAction.USER_ROLE_CHANGED,
                    "user",
                    id,
                    Map.of("from", user.role().dbValue(), "to", role.dbValue()));
        }
        return get(id);
    }

    private static Role role(JsonNode field) {
        if (field != null
                && field.isString()
                && List.of("member", "admin", "worker").contains(field.asString())) {
            return Role.valueOf(field.asString().toUpperCase(Locale.ROOT));
        }
        throw ApiException.invalidField("role", "role must be \"member\", \"admin\" or \"worker\".");
    }

    static ApiException userNotFound(String id) {
        return new ApiException(ErrorCode.USER_NOT_FOUND, "No user " + id + ".");
    }
}
