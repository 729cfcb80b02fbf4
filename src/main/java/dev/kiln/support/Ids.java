package dev.kiln.support;

import java.security.SecureRandom;
import java.time.Instant;

/**
 * Unguessable identifiers: a readable prefix and 26 lowercase base32 characters, e.g. {@code file_q3k…}.
 * The alphabet is in ASCII order (digits before letters, as in SQLite's and PostgreSQL's C and glibc
 * collations), so an id's characters sort as the values they encode.
 */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "234567abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int CHARS = 26;
    private static final int TIME_CHARS = 10; // 50 bits of milliseconds: until the year 37,648

    private Ids() {}

    /** 130 random bits. */
    public static String next(String prefix) {
        return prefix + "_" + randomToken(CHARS);
    }

    /**
     * The time {@code at} to the millisecond, then 80 random bits. Ids made later sort later, so
     * inserts into a table that grows by thousands of rows a second land at its key's right edge
     * instead of on random pages of a large index (fewer pages dirtied and logged in full per
     * checkpoint). The id reveals when it was made, which its row shows its owner anyway.
     */
    public static String nextOrdered(String prefix, Instant at) {
        long millis = at.toEpochMilli();
        char[] out = new char[TIME_CHARS];
        for (int i = 0; i < TIME_CHARS; i++) {
            out[i] = ALPHABET[(int) (millis >>> (5 * (TIME_CHARS - 1 - i))) & 31];
        }
        return prefix + "_" + new String(out) + randomToken(CHARS - TIME_CHARS);
    }

    /** {@code chars} random base32 characters: 5 bits each. */
    public static String randomToken(int chars) {
        byte[] bytes = new byte[chars];
        RANDOM.nextBytes(bytes);
        char[] out = new char[chars];
        for (int i = 0; i < chars; i++) {
            out[i] = ALPHABET[bytes[i] & 31];
        }
        return new String(out);
    }

    /** Whether {@code id} has the shape of an id with this prefix; anything else cannot exist. */
    public static boolean looksLike(String prefix, String id) {
        if (id == null || id.length() != prefix.length() + 1 + CHARS || !id.startsWith(prefix + "_")) {
            return false;
        }
        for (int i = prefix.length() + 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        return true;
    }
}
