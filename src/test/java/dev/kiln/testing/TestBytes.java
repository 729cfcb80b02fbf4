package dev.kiln.testing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Content for upload tests: a real (tiny) PNG, random bytes, a word no other test's text holds,
 * and how Kiln names content (sha256).
 */
public final class TestBytes {

    /** A 1×1 PNG: sniffed as image/png, which the test processors accept. */
    public static final byte[] PNG = HexFormat.of()
            .parseHex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    + "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0000000000049454e44ae426082");

    private TestBytes() {}

    /** Fresh random bytes: content no other test has stored. */
    public static byte[] random(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /**
     * A word no other test's content holds: "kw" and ten random letters (letters only, so every
     * search retriever takes it as one word).
     */
    public static String rareWord() {
        StringBuilder word = new StringBuilder("kw");
        for (int i = 0; i < 10; i++) {
            word.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        }
        return word.toString();
    }

    /**
     * Random bytes no sniffer takes for a known type: plain random ones start with an MP3 frame sync
     * ({@code FF Fx}) or another magic number now and then, and are then served as that type.
     */
    public static byte[] opaque(int n) {
        byte[] bytes = random(n);
        byte[] header = "\0KILN-OPAQUE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, bytes, 0, Math.min(header.length, n));
        return bytes;
    }

    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
