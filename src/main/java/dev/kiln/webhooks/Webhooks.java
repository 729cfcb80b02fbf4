package dev.kiln.webhooks;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.AccessEnded;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.support.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code webhooks} table: a user's endpoints, and the one callback entry whose secret signs
 * deliveries to their jobs' own callback URLs. Only whoever may see the owner's things (the owner,
 * an admin) finds one; to anyone else it does not exist.
 */
@Component
class Webhooks {

    static final String ENDPOINT = "endpoint";
    static final String CALLBACK = "callback";

    private static final String COLUMNS = "id, owner_id, kind, url, events, processors, description, created_at";
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    private final Database db;
    private final Clock clock;
    private final JsonMapper json;
    private final RowMapper<Webhook> rows;

    Webhooks(Database db, Clock clock, JsonMapper json) {
        this.db = db;
        this.clock = clock;
        this.json = json;
        this.rows = (rs, n) -> new Webhook(
                rs.getString("id"),
                rs.getString("owner_id"),
                rs.getString("kind"),
                rs.getString("url"),
                json.readValue(rs.getString("events"), STRINGS),
                rs.getString("processors") == null ? null : json.readValue(rs.getString("processors"), STRINGS),
                rs.getString("description"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    /**
     * A webhook as its owner sees it (never its secret).
     *
     * @param processors only jobs of these processors; null: every processor
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"id", "kind", "url", "events", "processors", "description", "createdAt"})
    record Webhook(
            String id,
            @JsonIgnore String ownerId,
            String kind,
            String url,
            List<String> events,
            List<String> processors,
            String description,
            Instant createdAt) {

        boolean wants(String event, String processor) {
            return events.contains(event) && (processors == null || processors.contains(processor));
        }
    }

    /**
     * Registers an endpoint of {@code owner}'s with a new {@code secret}, unless they have as many as
     * {@code max} already (counted under their lock, so two registrations at once cannot both pass).
     */
    Webhook create(
            User owner,
            String url,
            List<String> events,
            List<String> processors,
            String description,
            String secret,
            int max) {
        return db.write(() -> {
            db.lockUntilCommit(LockSpace.WEBHOOKS, List.of(owner.id()));
            long count = db.sql()
                    .sql("SELECT COUNT(*) FROM webhooks WHERE owner_id = ? AND kind = 'endpoint'")
                    .param(owner.id())
                    .query(Long.class)
                    .single();
            if (count >= max) {
                throw new ApiException(
                                ErrorCode.TOO_MANY_WEBHOOKS,
                                "You have " + count + " webhooks, the most allowed; delete one you no longer use.")
                        .with("max", max);
            }
            Webhook hook = new Webhook(
                    Ids.next("wh"),
                    owner.id(),
                    ENDPOINT,
                    url,
                    events,
                    processors,
                    description,
                    Instant.ofEpochMilli(clock.millis()));
            insert(hook, secret);
            return hook;
        });
    }

    private void insert(Webhook hook, String secret) {
        db.sql()
                .sql("INSERT INTO webhooks (" + COLUMNS + ", secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(
                        hook.id(),
                        hook.ownerId(),
                        hook.kind(),
                        hook.url(),
                        json.writeValueAsString(hook.events()),
                        hook.processors() == null ? null : json.writeValueAsString(hook.processors()),
                        hook.description(),
                        hook.createdAt().toEpochMilli(),
                        secret)
                .update();
    }

    /** The webhook, if {@code viewer} may see it. */
    Optional<Webhook> find(String id, User viewer) {
        if (!Ids.looksLike("wh", id)) {
            return Optional.empty();
        }
        return db.sql()
                .sql("SELECT " + COLUMNS + " FROM webhooks WHERE id = ?")
                .param(id)
                .query(rows)
                .optional()
                .filter(hook -> viewer.canSee(hook.ownerId()));
    }

    /** The webhook or {@code webhook_not_found}, alike for one that is not there and one that is not the viewer's. */
    Webhook get(String id, User viewer) {
        return find(id, viewer)
                .orElseThrow(() -> new ApiException(ErrorCode.WEBHOOK_NOT_FOUND, "No webhook " + id + "."));
    }

    /** {@code owner}'s webhooks, their callback entry first, then endpoints oldest first. */
    List<Webhook> of(String ownerId) {
        return db.sql()
                .sql("SELECT " + COLUMNS + " FROM webhooks WHERE owner_id = ? ORDER BY kind, created_at, id")
                .param(ownerId)
                .query(rows)
                .list();
    }

    /**
     * The endpoints of these owners, for matching ended jobs, in the caller's transaction; where
     * writers run at once (PostgreSQL) each is held until it commits, so a deletion meanwhile waits
     * rather than pulling a delivery's foreign key from under the job's end.
     */
    List<Webhook> endpointsOf(Collection<String> ownerIds) {
        return db.sql()
                .sql("SELECT " + COLUMNS + " FROM webhooks WHERE kind = 'endpoint' AND owner_id IN (:owners)"
                        + keyShare())
                .param("owners", ownerIds)
                .query(rows)
                .list();
    }

    /** Deletes it with its deliveries (pending ones are never sent); false when it went meanwhile. */
    boolean delete(String id) {
        return db.write(() ->
                db.sql().sql("DELETE FROM webhooks WHERE id = ?").param(id).update() > 0);
    }

    /**
     * A deleted user's webhooks go, with their deliveries: nothing more is sent on their behalf (their
     * jobs' ends written meanwhile find no owner: {@link Outbox} skips deleted users).
     */
    @EventListener
    void accessEnded(AccessEnded ended) {
        if (ended.reason() == AccessEnded.Reason.USER_DELETED && !ended.relayed()) {
            db.write(() -> db.sql()
                    .sql("DELETE FROM webhooks WHERE owner_id = ?")
                    .param(ended.userId())
                    .update());
        }
    }

    /**
     * {@code owner}'s callback entry, made (with a secret nobody has seen yet) if they have none; in
     * the caller's write transaction.
     */
    String callbackOf(String ownerId) {
        db.sql()
                .sql("INSERT INTO webhooks (" + COLUMNS
                        + ", secret) VALUES (?, ?, 'callback', NULL, ?, NULL, NULL, ?, ?)"
                        + " ON CONFLICT (owner_id) WHERE kind = 'callback' DO NOTHING")
                .params(
                        Ids.next("wh"),
                        ownerId,
                        json.writeValueAsString(EventType.wires()),
                        clock.millis(),
                        Signatures.newSecret())
                .update();
        return db.sql()
                .sql("SELECT id FROM webhooks WHERE owner_id = ? AND kind = 'callback'" + keyShare())
                .param(ownerId)
                .query(String.class)
                .single();
    }

    private String keyShare() {
        return db.dialect().serializesWrites() ? "" : " FOR KEY SHARE";
    }

    /** A new secret for {@code owner}'s callback entry (made if they have none); the entry. */
    Webhook rotateCallbackSecret(User owner, String secret) {
        return db.write(() -> {
            String id = callbackOf(owner.id());
            db.sql()
                    .sql("UPDATE webhooks SET secret = ? WHERE id = ?")
                    .params(secret, id)
                    .update();
            return db.sql()
                    .sql("SELECT " + COLUMNS + " FROM webhooks WHERE id = ?")
                    .param(id)
                    .query(rows)
                    .single();
        });
    }
}
