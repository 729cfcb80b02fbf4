package dev.kiln.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An unfinished upload's durable ranges as objects {@code <prefix>uploads/<id>/<from>-<to>} (hex
 * offsets), one per checkpoint. A range is saved before its end is recorded as the upload's offset,
 * so every recorded offset ends a chain of ranges from 0. A writer that died between the two
 * leaves a range nobody recorded; restoring walks the chains and takes one that reaches the
 * recorded offset, so such leftovers are never read.
 */
final class S3UploadParts implements UploadParts {

    private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final Pattern RANGE = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})");

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    /** S3's least part, but for the last; a range shorter than this cannot be joined by the server. */
    private static final long LEAST_PART = 5L << 20;
    /** S3's largest part. */
    private static final long LARGEST_PART = 5L << 30;

    private static final int MAX_PARTS = 10_000;

    private final S3BlobStore store;

    S3UploadParts(S3Client s3, S3Settings settings, S3BlobStore store) {
        this.s3 = s3;
        this.bucket = settings.bucket();
        this.prefix = settings.prefix() + "uploads/";
        this.store = store;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void save(String uploadId, Path file, long from, long to, byte[] sha256) throws IOException {
        String key = rangeKey(uploadId, from, to);
        long length = to - from;
        String checksum = Base64.getEncoder().encodeToString(sha256);
        try {
            s3.putObject(
                    r -> r.bucket(bucket).key(key).contentLength(length).checksumSHA256(checksum),
                    RequestBody.fromContentProvider(
                            () -> S3Uploads.slice(file, from, length), length, "application/octet-stream"));
        } catch (SdkException e) {
            throw store.failure("save " + key, e);
        }
    }

    @Override
    public void restore(String uploadId, FileChannel into, long from, long to) throws IOException {
        Map<Long, List<Long>> ranges = ranges(uploadId);
        List<Long> chain = chain(ranges, from, to);
        long start = from;
        if (chain == null && from > 0) {
            chain = chain(ranges, 0, to);
            start = 0;
        }
        if (chain == null) {
            throw new LostBytes("upload " + uploadId + " has lost bytes: the ranges saved in " + store.describe()
                    + " do not reach offset " + to);
        }
        into.truncate(start);
        for (long end : chain) {
            copy(rangeKey(uploadId, start, end), into, start, end - start);
            start = end;
        }
    }

    @Override
    public void delete(String uploadId) throws IOException {
        // One request per object: not every S3-compatible server takes DeleteObjects.
        for (S3Object object : list(folder(uploadId))) {
            try {
                s3.deleteObject(r -> r.bucket(bucket).key(object.key()));
            } catch (SdkException e) {
                throw store.failure("delete " + object.key(), e);
            }
        }
    }

    @Override
    public List<String> savedBefore(Instant before) throws IOException {
        Map<String, Instant> newest = new HashMap<>();
        for (S3Object object : list(prefix)) {
            String name = object.key().substring(prefix.length());
            int slash = name.indexOf('/');
            if (slash > 0) {
                newest.merge(name.substring(0, slash), object.lastModified(), (x, y) -> x.isAfter(y) ? x : y);
            }
        }
        return newest.entrySet().stream()
                .filter(e -> e.getValue().isBefore(before))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /** The blob store takes the file, the server joining the saved ranges into it when it can. */
    @Override
    public Optional<StoredBlob> store(String uploadId, Path file, long length, String sha256) throws IOException {
        return Optional.of(store.adopt(file, sha256, joinable(uploadId, length)));
    }

    /**
     * The keys of the ranges that make up the whole upload, if S3 can join them (empty if not). Only
     * when every saved range is on the chain: one off it holds bytes the upload took back (a request
     * that ran past the length) or that came again after a takeover, and a chain through it could
     * join other bytes than those of the file whose hash names the object. Nothing can check the
     * joined object's hash, so the file goes up whole then.
     */
    private List<String> joinable(String uploadId, long length) throws IOException {
        Map<Long, List<Long>> ranges = ranges(uploadId);
        List<Long> ends = chain(ranges, 0, length);
        int saved = ranges.values().stream().mapToInt(List::size).sum();
        if (ends == null || ends.size() > MAX_PARTS || ends.size() != saved) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        long start = 0;
        for (long end : ends) {
            boolean last = end == length;
            if (end - start > LARGEST_PART || !last && end - start < LEAST_PART) {
                return List.of(); // (a slow client's small ranges: the whole file goes up instead)
            }
            keys.add(rangeKey(uploadId, start, end));
            start = end;
        }
        return keys;
    }

    /** The saved ranges by where they start, each with the ends saved from there. */
    private Map<Long, List<Long>> ranges(String uploadId) throws IOException {
        String folder = folder(uploadId);
        Map<Long, List<Long>> ranges = new HashMap<>();
        for (S3Object object : list(folder)) {
            Matcher range = RANGE.matcher(object.key().substring(folder.length()));
            if (range.matches()) {
                ranges.computeIfAbsent(Long.parseUnsignedLong(range.group(1), 16), k -> new ArrayList<>())
                        .add(Long.parseUnsignedLong(range.group(2), 16));
            }
        }
        return ranges;
    }

    /** Every object under {@code under}. */
    private List<S3Object> list(String under) throws IOException {
        try {
            return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(under)).contents().stream()
                    .toList();
        } catch (SdkException e) {
            throw store.failure("list " + under + "*", e);
        }
    }

    /** The ends of a chain of ranges from {@code from} to exactly {@code to}, longest steps first; null if none. */
    static List<Long> chain(Map<Long, List<Long>> ranges, long from, long to) {
        if (from == to) {
            return new ArrayList<>();
        }
        List<Long> ends = new ArrayList<>(ranges.getOrDefault(from, List.of()));
        ends.sort(null);
        for (int i = ends.size() - 1; i >= 0; i--) {
            long end = ends.get(i);
            if (end > from && end <= to) {
                List<Long> rest = chain(ranges, end, to);
                if (rest != null) {
                    rest.addFirst(end);
                    return rest;
                }
            }
        }
        return null;
    }

    private void copy(String key, FileChannel into, long at, long length) throws IOException {
        try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
            byte[] buffer = new byte[64 * 1024];
            long written = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    into.write(bytes, at + written + bytes.position());
                }
                written += n;
            }
            if (written != length) {
                throw new LostBytes(key + " in " + store.describe() + " holds " + written + " bytes, not " + length);
            }
        } catch (SdkException e) {
            throw store.failure("read " + key, e);
        }
    }

    private String rangeKey(String uploadId, long from, long to) {
        return folder(uploadId) + "%016x-%016x".formatted(from, to);
    }

    private String folder(String uploadId) {
        // Upload ids are the server's own, never a client's text; checked all the same.
        if (!UPLOAD_ID.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("not an upload id: " + uploadId);
        }
        return prefix + uploadId + "/";
    }
}
