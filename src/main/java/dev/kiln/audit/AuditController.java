package dev.kiln.audit;

import dev.kiln.api.ApiException;
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

    record Page(List<AuditLog.Entry> items, String nextCursor) {
    }

    @GetMapping("/api/v1/admin/audit")
    Page list(@RequestParam(required = false) String actor, @RequestParam(required = false) String action,
            @RequestParam(required = false) String limit, @RequestParam(required = false) String cursor) {
        if (actor != null && !Ids.looksLike("usr", actor)) {
            throw ApiException.invalidField("actor", "actor must be a user id (usr_…).");
        }
        AuditAction kind = action == null ? null : AuditAction.fromWire(action).orElseThrow(() -> ApiException.invalidField(
                "action", "action must be one of " + Arrays.stream(AuditAction.values()).map(AuditAction::wire).toList() + "."));
        long size = parse(limit, "limit", DEFAULT_PAGE);
        if (size < 1 || size > MAX_PAGE) {
            throw ApiException.invalidField("limit", "limit must be from 1 to " + MAX_PAGE + ".");
        }
        Long before = cursor == null ? null : parse(cursor, "cursor", 0);
        List<AuditLog.Entry> items = log.list(actor, kind, before, (int) size + 1);
        boolean more = items.size() > size;
        List<AuditLog.Entry> page = more ? items.subList(0, (int) size) : items;
        return new Page(page, more ? String.valueOf(page.getLast().seq()) : null);
    }

    private static long parse(String value, String field, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.invalidField(field, field + " must be a whole number.");
        }
    }
}
