package dev.kiln.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.db.Database;
import dev.kiln.support.LogFields;
import dev.kiln.support.Texts;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who did what, when, and from where. Entries are written in the request that does the thing,
 * which supplies the address and user agent; details never hold a secret.
 */
@Component
public class AuditLog {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final int MAX_USER_AGENT = 200;

    private final Database db;
    private final Clock clock;
    private final JsonMapper json;

    AuditLog(Database db, Clock clock, JsonMapper json) {
        this.db = db;
        this.clock = clock;
        this.json = json;
    }

    /** One entry, as admins read it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(
            long seq,
            Instant at,
            Who actor,
            String action,
            Target target,
            String ip,
            String userAgent,
            JsonNode detail) {}

    /** The actor as the entry stored it. */
    public record Who(String id, String name) {}

    public record Target(String type, String id) {}

    /**
     * @param actor  who did it; null when nobody is signed in (a failed sign-in)
     * @param action what, e.g. {@link AuditAction#JOB_SUBMITTED}
     */
    public void record(Actor actor, AuditAction action, String targetType, String targetId, Map<String, ?> detail) {
        Map<String, Map<String, ?>> one = new LinkedHashMap<>(); // a target or detail may be null
        one.put(targetId, detail);
        recordAll(actor, action, targetType, one);
    }

    /** One entry per target ({@code targetId → detail}), all in one transaction (a worker's claim of many jobs). */
    public void recordAll(
            Actor actor, AuditAction action, String targetType, Map<String, ? extends Map<String, ?>> details) {
        HttpServletRequest request = currentRequest();
        String ip = request == null ? null : request.getRemoteAddr();
        String userAgent = request == null ? null : Texts.safe(request.getHeader("User-Agent"), MAX_USER_AGENT);
        long at = clock.millis();
        List<Object[]> rows = new ArrayList<>(details.size());
        details.forEach((targetId, detail) -> rows.add(new Object[] {
            at,
            actor == null ? null : actor.id(),
            actor == null ? null : actor.name(),
            action.wire(),
            targetType,
            targetId,
            ip,
            userAgent,
            detail == null || detail.isEmpty() ? null : json.writeValueAsString(detail)
        }));
        db.write(() -> db.batch("""
                INSERT INTO audit_log (at, actor_id, actor_name, action, target_type, target_id, ip, user_agent, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows));
        details.forEach((targetId, detail) -> logLine(actor, action, targetType, targetId, detail));
    }

    /**
     * Each entry is also a log line, so operators following the logs see submissions, cancels,
     * sign-ins… with the request's correlation fields, and the actor's and job's ids where the
     * request did not set them (a sign-in, a submission).
     */
    private static void logLine(
            Actor actor, AuditAction action, String targetType, String targetId, Map<String, ?> detail) {
        boolean addUser = actor != null && MDC.get(LogFields.USER_ID) == null;
        boolean addJob = "job".equals(targetType) && targetId != null && MDC.get(LogFields.JOB_ID) == null;
        if (addUser) {
            MDC.put(LogFields.USER_ID, actor.id());
        }
        if (addJob) {
            MDC.put(LogFields.JOB_ID, targetId);
        }
        try {
            log.info(
                    "Audit {}: {} {}{}",
                    action.wire(),
                    targetType,
                    targetId,
                    detail == null || detail.isEmpty() ? "" : " " + detail);
        } finally {
            if (addUser) {
                MDC.remove(LogFields.USER_ID);
            }
            if (addJob) {
                MDC.remove(LogFields.JOB_ID);
            }
        }
    }

    public void record(Actor actor, AuditAction action, String targetType, String targetId) {
        record(actor, action, targetType, targetId, Map.of());
    }

    /** Newest first, before {@code beforeSeq} (exclusive) if given. */
    List<Entry> list(String actorId, AuditAction action, Long beforeSeq, int limit) {
        StringBuilder sql = new StringBuilder("""
                SELECT seq, at, actor_id, actor_name, action, target_type, target_id, ip, user_agent, detail
                FROM audit_log WHERE 1 = 1""");
        ArrayList<Object> params = new ArrayList<>();
        if (actorId != null) {
            sql.append(" AND actor_id = ?");
            params.add(actorId);
        }
        if (action != null) {
            sql.append(" AND action = ?");
            params.add(action.wire());
        }
        if (beforeSeq != null) {
            sql.append(" AND seq < ?");
            params.add(beforeSeq);
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        params.add(limit);
        return db.sql()
                .sql(sql.toString())
                .params(params)
                .query((rs, n) -> {
                    String detail = rs.getString("detail");
                    String actor = rs.getString("actor_id");
                    String targetType = rs.getString("target_type");
                    return new Entry(
                            rs.getLong("seq"),
                            Instant.ofEpochMilli(rs.getLong("at")),
                            actor == null ? null : new Who(actor, rs.getString("actor_name")),
                            rs.getString("action"),
                            targetType == null ? null : new Target(targetType, rs.getString("target_id")),
                            rs.getString("ip"),
                            rs.getString("user_agent"),
                            detail == null ? null : json.readTree(detail));
                })
                .list();
    }

    private static HttpServletRequest currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? attributes.getRequest()
                : null;
    }
}
