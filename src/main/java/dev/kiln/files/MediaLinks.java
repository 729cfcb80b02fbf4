package dev.kiln.files;

import dev.kiln.db.Database;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Signed, expiring links to a file's content, for what cannot send a token: an audio or video
 * element seeking through a recording makes its own range requests. The key lives in the database,
 * so a link made on one node works on every node.
 */
@Component
public class MediaLinks {

    static final Duration LIFETIME = Duration.ofHours(6);
    private static final String KEY_NAME = "media-link-key";

    private final Database db;
    private final Clock clock;
    private volatile byte[] key;

    MediaLinks(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public record Link(String href, Instant expiresAt) {}

    public Link link(String fileId) {
        Instant expires = clock.instant().plus(LIFETIME);
        long epoch = expires.getEpochSecond();
        return new Link(
                "/api/v1/files/" + fileId + "/content?expires=" + epoch + "&sig=" + signature(fileId, epoch), expires);
    }

    /** Whether {@code sig} was made here for this file and this expiry, and the expiry has not passed. */
    public boolean valid(String fileId, long expires, String sig) {
        if (sig == null || expires < clock.instant().getEpochSecond()) {
            return false;
        }
        return MessageDigest.isEqual(
                signature(fileId, expires).getBytes(StandardCharsets.US_ASCII),
                sig.getBytes(StandardCharsets.US_ASCII));
    }

    private String signature(String fileId, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((fileId + "\n" + expires).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] key() {
        byte[] known = key;
        if (known == null) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            // The first node to ask creates it; everyone reads the one that won.
            db.write(() -> {
                db.sql()
                        .sql("INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
                        .params(KEY_NAME, HexFormat.of().formatHex(fresh))
                        .update();
            });
            known = HexFormat.of()
                    .parseHex(db.sql()
                            .sql("SELECT value FROM server_secrets WHERE name = ?")
                            .param(KEY_NAME)
                            .query(String.class)
                            .single());
            key = known;
        }
        return known;
    }
}
