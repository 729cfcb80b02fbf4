package dev.kiln.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A local file into one object: one PUT carrying its SHA-256 (the server refuses bytes that do not
 * match) up to the part size, above it a multipart upload, so a failed request costs one part, not
 * the whole file, and no object is limited to S3's 5 GiB for one PUT.
 */
final class S3Uploads {

    /** Smallest part by default, and the size up to which one PUT does. */
    static final long PART = 64L << 20;

    private static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final String bucket;
    private final long part;

    S3Uploads(S3Client s3, String bucket, long part) {
        this.s3 = s3;
        this.bucket = bucket;
        this.part = part;
    }

    void upload(Path file, String key, long size, String sha256Base64) {
        if (size <= part) {
            s3.putObject(
                    r -> r.bucket(bucket).key(key).contentLength(size).checksumSHA256(sha256Base64),
                    RequestBody.fromFile(file));
        } else {
            uploadInParts(file, key, size);
        }
    }

    private void uploadInParts(Path file, String key, long size) {
        inParts(key, uploadId -> {
            long partSize = Math.max(part, (size + MAX_PARTS - 1) / MAX_PARTS);
            List<CompletedPart> parts = new ArrayList<>();
            for (long from = 0; from < size; from += partSize) {
                int number = parts.size() + 1;
                long start = from;
                long length = Math.min(partSize, size - from);
                String etag = s3.uploadPart(
                                r -> r.bucket(bucket)
                                        .key(key)
                                        .uploadId(uploadId)
                                        .partNumber(number)
                                        .contentLength(length),
                                RequestBody.fromContentProvider(
                                        () -> slice(file, start, length), length, "application/octet-stream"))
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            return parts;
        });
    }

    /**
     * One object joined by the server from others in the bucket, in order (each but the last at
     * least 5 MiB, S3's least part): no byte passes through Kiln again.
     */
    void join(List<String> sources, String key) {
        inParts(key, uploadId -> {
            List<CompletedPart> parts = new ArrayList<>();
            for (String source : sources) {
                int number = parts.size() + 1;
                String etag = s3.uploadPartCopy(r -> r.sourceBucket(bucket)
                                .sourceKey(source)
                                .destinationBucket(bucket)
                                .destinationKey(key)
                                .uploadId(uploadId)
                                .partNumber(number))
                        .copyPartResult()
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            return parts;
        });
    }

    /** A multipart upload of {@code key} whose parts {@code send} sends; aborted if anything fails. */
    private void inParts(String key, Function<String, List<CompletedPart>> send) {
        String uploadId =
                s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        try {
            complete(key, uploadId, send.apply(uploadId));
        } catch (SdkException | UncheckedIOException e) {
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed); // the bucket's lifecycle rule for incomplete uploads cleans up
            }
            throw e;
        }
    }

    /**
     * A completion can outlast the read timeout (a server joining gigabytes of parts) and its retry
     * then find the upload gone, completed by the first try: the object being there is the answer.
     */
    private void complete(String key, String uploadId, List<CompletedPart> parts) {
        try {
            s3.completeMultipartUpload(
                    r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            try {
                s3.headObject(r -> r.bucket(bucket).key(key));
            } catch (SdkException notThere) {
                e.addSuppressed(notThere);
                throw e;
            }
        }
    }

    /** {@code length} bytes of {@code file} from {@code start}, opened afresh for each try of the part. */
    static InputStream slice(Path file, long start, long length) {
        try {
            FileChannel channel =
                    FileChannel.open(file, StandardOpenOption.READ).position(start);
            return new InputStream() {
                private long left = length;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left == 0) {
                        return -1;
                    }
                    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
