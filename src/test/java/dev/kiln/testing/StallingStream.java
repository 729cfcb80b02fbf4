package dev.kiln.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;

/** Gives its first part, then blocks (a connection gone quiet) until released, then gives the rest. */
public final class StallingStream extends InputStream {
    private final InputStream first;
    private final InputStream rest;
    private final CountDownLatch release;

    public StallingStream(byte[] first, byte[] rest, CountDownLatch release) {
        this.first = new ByteArrayInputStream(first);
        this.rest = new ByteArrayInputStream(rest);
        this.release = release;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = first.read(b, off, len);
        if (n > 0) {
            return n;
        }
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return rest.read(b, off, len);
    }
}
