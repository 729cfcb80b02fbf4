package dev.kiln.files;

import dev.kiln.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.core.io.AbstractResource;

/**
 * A stored blob as a Spring resource for serving ranges: Spring skips to a range's start, and the
 * skip before the first read only moves where the blob is opened, so a range is fetched from its
 * start (a ranged GET on object storage), not read from the beginning and dropped.
 */
final class BlobResource extends AbstractResource {

    private final BlobStore blobs;
    private final String sha256;
    private final long size;

    BlobResource(BlobStore blobs, String sha256, long size) {
        this.blobs = blobs;
        this.sha256 = sha256;
        this.size = size;
    }

    @Override
    public InputStream getInputStream() {
        return new OpenedAtFirstRead();
    }

    @Override
    public long contentLength() {
        return size;
    }

    @Override
    public boolean exists() {
        return true;
    }

    @Override
    public String getDescription() {
        return "blob " + sha256;
    }

    private final class OpenedAtFirstRead extends InputStream {

        private long offset;
        private InputStream in;

        @Override
        public long skip(long n) throws IOException {
            if (in != null) {
                return in.skip(n);
            }
            long skipped = Math.max(0, Math.min(n, size - offset));
            offset += skipped;
            return skipped;
        }

        @Override
        public int read() throws IOException {
            return opened().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return opened().read(b, off, len);
        }

        private InputStream opened() throws IOException {
            if (in == null) {
                in = offset >= size ? InputStream.nullInputStream() : blobs.open(sha256, offset);
            }
            return in;
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
