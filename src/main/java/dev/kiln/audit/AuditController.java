package dev.kiln.audit;

import dev.kiln.api.ApiException;
import dev.kiln.api.Paging;
import dev.kiln.support.Ids;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit log, for admins (the path is under /api/v1/admin, which only admins may call). */
@RestController
class AuditController {

    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 500;

    private final AuditLog log;

    AuditController(AuditLog log) {
        this.log = log;
    }

    record Page(List<AuditLog.Entry> items, String nextCursor) {}

    @GetMapping("/api/v1/admin/audit")
    Page list(
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) String action,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        if (actor != null && !Ids.looksLike("usr", actor)) {
            throw ApiException.invalidField("actor", "actor must be a user id (usr_…).");
        }
        AuditAction kind = action == null
                ? null
                : AuditAction.fromWire(action)
                        .orElseThrow(() -> ApiException.invalidField(
                                "action",
                                "action must be one of "
                                        + Arrays.stream(AuditAction.values())
                                                .map(AuditAction::wire)
                                                .toList() + "."));
        // A limit that is no number is refused, naming it, by ProblemResponses (as for /api/v1/jobs).
        int size = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        List<AuditLog.Entry> items = log.list(actor, kind, after(cursor), size + 1);
        boolean more = items.size() > size;
        List<AuditLog.Entry> page = more ? items.subList(0, size) : items;
        return new Page(page, more ? String.valueOf(page.getLast().seq()) : null);
    }

    /** The seq a page resumes before: a positive number as this server returns, not "", -1 or a word. */
    private static Long after(String cursor) {
        if (cursor == null) {
            return null;
        }
        if (!cursor.matches("[1-9][0-9]{0,17}")) {
            throw Paging.badCursor();
        }
        return Long.valueOf(cursor);
    }
}
