package dev.kiln.support;

import java.security.SecureRandom;

/**
 * Unguessable identifiers: a readable prefix and 130 random bits in lowercase base32
 * (26 characters), e.g. {@code job_q3k…}.
 */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int CHARS = 26;

    private Ids() {}

    public static String next(String prefix) {
        return prefix + "_" + randomToken(CHARS);
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
