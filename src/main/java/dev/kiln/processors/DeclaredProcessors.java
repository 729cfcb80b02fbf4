package dev.kiln.processors;

import dev.kiln.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The processors external workers declared, and which worker instances serve them. Kept in the
 * database, so every node knows them; read through a snapshot at most a second old, so a
 * submission costs no query for them.
 */
@Component
public class DeclaredProcessors {

    /** An instance counts as serving its processors this long after it last claimed. */
    static final Duration PRESENCE_WINDOW = Duration.ofSeconds(60);

    private static final Duration FRESH = Duration.ofSeconds(1);
    private static final Duration SEEN_EVERY = Duration.ofSeconds(10);
    private static final int MAX_REMEMBERED = 100_000;

    private final Database db;
    private final JsonMapper json;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Instant.MIN, 0);
    /** Declarations stored by this node so far: a read that began before one may lack it. */
    private final AtomicLong declared = new AtomicLong();

    private final Map<String, Long> lastWritten = new ConcurrentHashMap<>();

    /** @param declarations how many of this node's declarations were stored when the read began */
    private record Snapshot(Map<String, DeclaredProcessor> byName, Instant readAt, long declarations) {}

    private record Parsed(String text, DeclaredProcessor processor) {}

    /** Declarations as last read, parsed: read again only when their text changed. */
    private volatile Map<String, Parsed> parsed = Map.of();

    public DeclaredProcessors(Database db, JsonMapper json, Clock clock) {
        this.db = db;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Stores (or replaces) a declaration. {@code declaration} is already checked and normalised:
     * {@code {description, accepts, params, limits: {maxAttempts, timeoutSeconds, concurrency}, shape, version,
     * reusable}}.
     */
    public DeclaredProcessor declare(String name, JsonNode declaration, String userId) {
        DeclaredProcessor processor = parse(name, declaration);
        String text = json.writeValueAsString(declaration);
        db.write(() ->
                db.sql().sql("""
                        INSERT INTO worker_processors (name, declaration, declared_by, declared_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET declaration = excluded.declaration,
                            declared_by = excluded.declared_by, declared_at = excluded.declared_at""").params(name, text, userId, clock.millis()).update());
        declared.incrementAndGet(); // every snapshot read before this is stale now
        return find(name).orElse(processor);
    }

    /**
     * A worker instance claimed for {@code processors} just now. Written at most every
     * {@link #SEEN_EVERY} per instance and processor: presence is counted over a minute, and a busy
     * worker claims many times a second.
     */
    public void seen(String userId, String instance, List<String> processors) {
        long now = clock.millis();
        List<Object[]> rows = new ArrayList<>();
        for (String processor : processors) {
            String key = userId + "\n" + instance + "\n" + processor;
            Long written = lastWritten.get(key);
            if (written == null || now - written >= SEEN_EVERY.toMillis()) {
                lastWritten.put(key, now);
                rows.add(new Object[] {userId, instance, processor, now});
            }
        }
        if (lastWritten.size() > MAX_REMEMBERED) {
            lastWritten.clear(); // many short-lived instances: start over rather than grow
        }
        if (!rows.isEmpty()) {
            db.write(() -> db.batch("""
                    INSERT INTO worker_presence (user_id, instance, processor, last_seen_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id, instance, processor) DO UPDATE SET last_seen_at = excluded.last_seen_at""", rows));
        }
    }

    /** Forgets instances not seen since {@code before}: a name counts once per live instance, not forever. */
    public int forgetUnseen(Instant before) {
        return db.write(() -> db.sql()
                .sql("DELETE FROM worker_presence WHERE last_seen_at < ?")
                .params(before.toEpochMilli())
                .update());
    }

    public Optional<DeclaredProcessor> find(String name) {
        return Optional.ofNullable(current().get(name));
    }

    public List<DeclaredProcessor> all() {
        return List.copyOf(current().values());
    }

    /** Checks a declaration as {@link #declare} would store it, without storing it. */
    public DeclaredProcessor parse(String name, JsonNode declaration) {
        JsonNode limits = declaration.path("limits");
        List<String> accepts = new ArrayList<>();
        declaration.path("accepts").values().forEach(a -> accepts.add(a.asString()));
        return new DeclaredProcessor(
                name,
                declaration.path("description").asString(""),
                List.copyOf(accepts),
                JsonSchemaParams.of(declaration.get("params"), json),
                DeclaredProcessor.limits(
                        limits.path("maxAttempts").asInt(),
                        limits.path("timeoutSeconds").asLong(),
                        limits.path("concurrency").asInt()),
                ResultShape.fromWire(declaration.path("shape").asString("")).orElse(null),
                declaration.path("version").asString(""),
                declaration.path("reusable").asBoolean(false),
                0,
                null);
    }

    private Map<String, DeclaredProcessor> current() {
        Snapshot now = snapshot;
        long declarations = declared.get();
        // A snapshot read before a declaration here would hide it, for a second, from a submission
        // that follows the declaration's 200, whichever look wrote the snapshot last.
        if (now.declarations() == declarations && now.readAt().plus(FRESH).isAfter(clock.instant())) {
            return now.byName();
        }
        Map<String, DeclaredProcessor> read = read();
        snapshot = new Snapshot(read, clock.instant(), declarations);
        return read;
    }

    private Map<String, DeclaredProcessor> read() {
        long since = clock.instant().minus(PRESENCE_WINDOW).toEpochMilli();
        Map<String, Integer> workers = new HashMap<>();
        Map<String, Long> lastSeen = new HashMap<>();
        db.sql().sql("SELECT processor, last_seen_at FROM worker_presence").query(rs -> {
            long at = rs.getLong("last_seen_at");
            String name = rs.getString("processor");
            lastSeen.merge(name, at, Math::max);
            if (at >= since) {
                workers.merge(name, 1, Integer::sum);
            }
        });
        Map<String, DeclaredProcessor> byName = new TreeMap<>();
        Map<String, Parsed> parsedNow = new HashMap<>();
        db.sql().sql("SELECT name, declaration FROM worker_processors").query(rs -> {
            String name = rs.getString("name");
            String text = rs.getString("declaration");
            // A schema is checked against the meta-schema once per declaration, not at every read.
            Parsed known = parsed.get(name);
            Parsed current = known != null && known.text().equals(text)
                    ? known
                    : new Parsed(text, parse(name, json.readTree(text)));
            parsedNow.put(name, current);
            Long seen = lastSeen.get(name);
            byName.put(
                    name,
                    current.processor()
                            .seen(workers.getOrDefault(name, 0), seen == null ? null : Instant.ofEpochMilli(seen)));
        });
        parsed = parsedNow;
        return byName;
    }
}
