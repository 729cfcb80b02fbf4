package dev.kiln.auth;

import dev.kiln.db.Database;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

/**
 * Checks credentials held open (by live streams) against the database, a few queries for all of
 * them: tokens past their expiry (which no event announces), and anything a lost notice from
 * another node did not end.
 */
@Component
public class AccessCheck {

    /** Ids per query: well under every database's limit on bound parameters. */
    private static final int CHUNK = 500;

    private final Database db;
    private final Clock clock;

    AccessCheck(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** What has ended of {@code open}: one ending per dead token, per dead session, per user whose role changed. */
    public List<AccessEnded> recheck(Collection<Access> open) {
        long now = clock.millis();
        Set<String> tokens = ids(open, Access::tokenId);
        Set<String> sessions = ids(open, Access::sessionId);
        Set<String> users = ids(open, a -> a.user().id());
        // A token of a user who is gone is as dead as a revoked one: the join finds neither.
        Set<String> liveTokens = new HashSet<>(inChunks(tokens, """
                SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.id IN (:ids) AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > :now)""", now, (rs, n) -> rs.getString(1)));
        Set<String> liveSessions = new HashSet<>(inChunks(
                sessions,
                "SELECT id FROM sessions WHERE id IN (:ids) AND ended_at IS NULL AND expires_at > :now",
                now,
                (rs, n) -> rs.getString(1)));
        Map<String, Role> roles = new HashMap<>();
        Set<String> deleted = new HashSet<>();
        inChunks(users, "SELECT id, role, deleted_at FROM users WHERE id IN (:ids)", now, (rs, n) -> {
                    if (rs.getObject("deleted_at") != null) {
                        deleted.add(rs.getString("id"));
                    }
                    return Map.entry(rs.getString("id"), Role.fromDb(rs.getString("role")));
                })
                .forEach(e -> roles.put(e.getKey(), e.getValue()));
        Set<AccessEnded> ended = new LinkedHashSet<>();
        for (Access access : open) {
            String user = access.user().id();
            if (deleted.contains(user)) {
                ended.add(AccessEnded.userDeleted(user));
            } else if (access.tokenId() != null && !liveTokens.contains(access.tokenId())) {
                ended.add(AccessEnded.tokenEnded(user, access.tokenId()));
            } else if (access.sessionId() != null && !liveSessions.contains(access.sessionId())) {
                ended.add(AccessEnded.sessionEnded(user, access.sessionId()));
            } else if (roles.containsKey(user)
                    && roles.get(user) != access.user().role()) {
                ended.add(AccessEnded.roleChanged(user, roles.get(user)));
            }
        }
        return new ArrayList<>(ended);
    }

    private static Set<String> ids(Collection<Access> open, Function<Access, String> id) {
        Set<String> ids = new HashSet<>();
        open.stream().map(id).filter(Objects::nonNull).forEach(ids::add);
        return ids;
    }

    private <T> List<T> inChunks(Set<String> ids, String sql, long now, RowMapper<T> row) {
        List<T> found = new ArrayList<>();
        List<String> all = new ArrayList<>(ids);
        for (int from = 0; from < all.size(); from += CHUNK) {
            found.addAll(db.sql()
                    .sql(sql)
                    .param("ids", all.subList(from, Math.min(all.size(), from + CHUNK)))
                    .param("now", now)
                    .query(row)
                    .list());
        }
        return found;
    }
}
