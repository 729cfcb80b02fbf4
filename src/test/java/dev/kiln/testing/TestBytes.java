package dev.kiln.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
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

    private static final byte[] OPAQUE_HEADER = "\0KILN-OPAQUE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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
        System.arraycopy(OPAQUE_HEADER, 0, bytes, 0, Math.min(OPAQUE_HEADER.length, n));
        return bytes;
    }

    /**
     * Bytes {@code from} to {@code to} of a large opaque file made on the fly from {@code seed}: the
     * same seed gives the same bytes at every offset, so a test can send gigabytes in pieces, and
     * again from any offset, without holding them in memory or on disk.
     */
    public static InputStream generated(long seed, long from, long to) {
        return new Generated(seed, from, to);
    }

    /** The sha256 of a whole stream (closed at the end). */
    public static String sha256(InputStream in) {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /** Blocks of 64 KiB, each from its own seed, so any offset is reached without making what is before it. */
    private static final class Generated extends InputStream {
        private static final int BLOCK = 1 << 16;
        private final long seed;
        private final long to;
        private final byte[] block = new byte[BLOCK];
        private long position;
        private long blockIndex = -1;

        Generated(long seed, long from, long to) {
            this.seed = seed;
            this.position = from;
            this.to = to;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= to) {
                return -1;
            }
            long index = position / BLOCK;
            if (index != blockIndex) {
                new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextBytes(block);
                if (index == 0) {
                    System.arraycopy(OPAQUE_HEADER, 0, block, 0, OPAQUE_HEADER.length);
                }
                blockIndex = index;
            }
            int at = (int) (position % BLOCK);
            int n = (int) Math.min(Math.min(length, BLOCK - at), to - position);
            System.arraycopy(block, at, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
