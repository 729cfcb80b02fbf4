package dev.kiln.library;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An admin deletes a user ({@code DELETE /api/v1/admin/users/{id}}). Their sessions and tokens end
 * at once, and with them every stream they hold open on every node. What they own is deleted too,
 * but only when asked ({@code ?data=delete}): a user with jobs or files is otherwise refused
 * ({@code user_has_data}, with the counts), so that a script or a slip never destroys someone's
 * work unseen. Waiting jobs are cancelled, running ones asked to stop; those still stopping are
 * deleted by {@link UserDeletions} once they have (202, naming them), everything else at once (204).
 * Admins cannot delete themselves, nor the last administrator.
 */
@RestController
class UserDeletionController {

    private final Users users;
    private final UserDeletions deletions;
    private final AuditLog audit;

    UserDeletionController(Users users, UserDeletions deletions, AuditLog audit) {
        this.users = users;
        this.deletions = deletions;
        this.audit = audit;
    }

    /** Deleted, but these jobs of theirs were still running: asked to stop, deleted once they have. */
    record Stopping(List<String> runningJobs) {}

    @DeleteMapping("/api/v1/admin/users/{id}")
    ResponseEntity<Stopping> delete(
            @AuthenticationPrincipal User admin,
            @PathVariable String id,
            @RequestParam(name = "data", required = false) String data) {
        if (data != null && !data.equals("delete")) {
            throw ApiException.invalidField("data", "data may only be 'delete' (what the user owns goes with them).");
        }
        Users.Holdings holdings = users.holdings(id).stream().findFirst().orElseThrow(() -> notFound(id));
        User user = holdings.user();
        if (user.id().equals(admin.id())) {
            throw new ApiException(
                    ErrorCode.CANNOT_DELETE_SELF, "You cannot delete yourself; another administrator can.");
        }
        if (data == null && (holdings.jobs() > 0 || holdings.files() > 0)) {
            throw new ApiException(
                            ErrorCode.USER_HAS_DATA,
                            user.name() + " owns " + holdings.jobs() + " job(s) and " + holdings.files()
                                    + " file(s); delete them with the user (?data=delete), or first.")
                    .with("jobs", holdings.jobs())
                    .with("files", holdings.files())
                    .with("storedBytes", holdings.storedBytes());
        }
        if (!users.delete(id)) {
            // Gone meanwhile, or the other administrators went first.
            throw users.findById(id).isEmpty() ? notFound(id) : lastAdmin(user);
        }
        // Audited once the user is gone, before their data goes: what does not go now, the sweep finishes.
        audit.record(
                admin,
                AuditAction.USER_DELETED,
                "user",
                id,
                Map.of(
                        "name", user.name(),
                        "role", user.role().name().toLowerCase(Locale.ROOT),
                        "jobs", holdings.jobs(),
                        "files", holdings.files(),
                        "storedBytes", holdings.storedBytes()));
        List<String> stopping = deletions.purge(user);
        return stopping.isEmpty()
                ? ResponseEntity.noContent().build()
                : ResponseEntity.status(HttpStatus.ACCEPTED).body(new Stopping(stopping));
    }

    private static ApiException lastAdmin(User user) {
        return new ApiException(
                ErrorCode.LAST_ADMIN, user.name() + " is the only administrator; make someone else one first.");
    }

    private static ApiException notFound(String id) {
        return new ApiException(ErrorCode.USER_NOT_FOUND, "No user " + id + ".");
    }
}
