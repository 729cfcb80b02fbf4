package dev.kiln.uploads;

import dev.kiln.KilnHome;
import dev.kiln.storage.StoredBlob;
import dev.kiln.storage.UploadParts;
import dev.kiln.support.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The bytes of unfinished uploads, in {@code <home>/uploads/<id>.part} (next to the blob store, so
 * a finished one is renamed into it, never copied), each durable range also saved where
 * {@link UploadParts} keeps them (object storage: then another node can take the upload over). Per
 * upload this node keeps the running SHA-256 (rebuilt from the file after a restart), how far its
 * file is known to match the recorded offset, and a writer generation: a new writer bumps it, and
 * an earlier one, still blocked on a dead connection, stops before its next write.
 */
@Component
class PartFiles {

    private static final Logger log = LoggerFactory.getLogger(PartFiles.class);

    private final Path dir;
    private final UploadParts saved;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    PartFiles(KilnHome home, UploadParts saved) {
        this.saved = saved;
        this.dir = home.resolve("uploads");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the upload directory " + dir.toAbsolutePath(), e);
        }
    }

    Path path(String uploadId) {
        return dir.resolve(uploadId + ".part");
    }

    /** What this node knows of one upload's file; guarded by its own monitor. */
    private static final class State {
        long generation;
        MessageDigest digest;
        long hashedTo = -1;
        /** Up to where this node's file held the recorded bytes when it last recorded an offset. */
        long recordedTo = -1;
    }

    /**
     * Opens the upload's file for a new writer at the durable {@code offset}: anything after it
     * (written but never recorded) is cut off, what this node's file lacks (written by another node)
     * is restored from the saved ranges, and the hash is brought up to it.
     */
    Writer open(String uploadId, long offset) throws IOException {
        State state = states.computeIfAbsent(uploadId, id -> new State());
        synchronized (state) {
            long generation = ++state.generation;
            FileChannel channel = FileChannel.open(
                    path(uploadId), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                // A shared store's node trusts only what it wrote and recorded itself; the data
                // directory's file is the record.
                long valid = Math.min(channel.size(), saved.shared() ? Math.max(state.recordedTo, 0) : offset);
                if (valid < offset) {
                    saved.restore(uploadId, channel, valid, offset);
                    state.digest = null;
                }
                channel.truncate(offset);
                if (state.digest == null || state.hashedTo != offset) {
                    state.digest = Digests.sha256();
                    hashPrefix(channel, offset, state.digest);
                    state.hashedTo = offset;
                }
                state.recordedTo = offset;
                return new Writer(uploadId, state, generation, channel, offset);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** Forgets an upload: its file, its saved ranges and what this node knew of it (any writer stops). */
    void delete(String uploadId) throws IOException {
        deleteHere(uploadId);
        saved.delete(uploadId);
    }

    /**
     * Forgets this node's copy of an upload: its file and what this node knew of it (any writer
     * stops), not its saved ranges, for an upload that ended on another node, which removed those.
     */
    void deleteHere(String uploadId) throws IOException {
        State state = states.remove(uploadId);
        if (state != null) {
            synchronized (state) {
                state.generation++;
            }
        }
        Files.deleteIfExists(path(uploadId));
    }

    /** The uploads with a part file in this node's directory last written before {@code before}. */
    List<String> writtenHereBefore(Instant before) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.part")) {
            for (Path file : files) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                        String name = file.getFileName().toString();
                        ids.add(name.substring(0, name.length() - ".part".length()));
                    }
                } catch (NoSuchFileException gone) {
                    // Completed or deleted while listed: nothing left to sweep.
                }
            }
        }
        return ids;
    }

    /**
     * The whole upload as this node's file, restored if another node received it, checked against
     * the SHA-256 recorded with its last byte, for the blob store to adopt.
     */
    Path whole(String uploadId, long length, String sha256) throws IOException {
        try (Writer writer = open(uploadId, length)) {
            if (!writer.sha256().equals(sha256)) {
                throw new UploadParts.LostBytes(
                        "upload " + uploadId + " hashes to " + writer.sha256() + ", not the recorded " + sha256);
            }
        }
        return path(uploadId);
    }

    /** Forgets a completed upload (its file has moved into the blob store), and its saved ranges. */
    void completed(String uploadId) {
        states.remove(uploadId);
        try {
            saved.delete(uploadId);
        } catch (IOException e) {
            log.warn("The saved ranges of completed upload {} stay behind: {}", uploadId, e.getMessage());
        }
    }

    /** The whole upload stored where its saved ranges are, if they are kept beyond this node ({@link UploadParts#store}). */
    Optional<StoredBlob> store(String uploadId, Path file, long length, String sha256) throws IOException {
        return saved.store(uploadId, file, length, sha256);
    }

    /** Uploads with bytes saved beyond this node, none since {@code before} ({@link UploadParts#savedBefore}). */
    List<String> savedBefore(Instant before) throws IOException {
        return saved.savedBefore(before);
    }

    /** One writer's hold on an upload's file. */
    final class Writer implements AutoCloseable {
        private final String uploadId;
        private final State state;
        private final long generation;
        private final FileChannel channel;
        private long position;
        private long savedTo;
        /** The SHA-256 of the bytes since {@code savedTo}, for the store to check them (only where ranges are saved). */
        private final MessageDigest range;

        private long rollbackTo;
        private MessageDigest rollbackDigest;

        private Writer(String uploadId, State state, long generation, FileChannel channel, long position) {
            this.uploadId = uploadId;
            this.state = state;
            this.generation = generation;
            this.channel = channel;
            this.position = position;
            this.savedTo = position;
            this.range = saved.shared() ? Digests.sha256() : null;
            mark();
        }

        long position() {
            return position;
        }

        /** Remembers this point to roll back to (the start of a chunk that may be rejected). */
        private void mark() {
            synchronized (state) {
                rollbackTo = position;
                rollbackDigest = copy(state.digest);
            }
        }

        /** Appends; false if another writer has taken over (nothing was written). */
        boolean write(byte[] bytes, int length) throws IOException {
            synchronized (state) {
                if (state.generation != generation) {
                    return false;
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, position + buffer.position());
                }
                state.digest.update(bytes, 0, length);
                if (range != null) {
                    range.update(bytes, 0, length);
                }
                position += length;
                state.hashedTo = position;
                return true;
            }
        }

        /** Makes what was written durable: forced to disk, and saved where the upload's ranges are kept. */
        void makeDurable() throws IOException {
            channel.force(false);
            if (position > savedTo) {
                saved.save(uploadId, path(uploadId), savedTo, position, range == null ? null : range.digest());
                savedTo = position;
            }
        }

        /** The upload's offset is now recorded as {@code offset}, which this file holds. */
        void recorded(long offset) {
            synchronized (state) {
                if (state.generation == generation) {
                    state.recordedTo = offset;
                }
            }
        }

        /** Drops everything written since {@link #mark()}. */
        void rollback() throws IOException {
            synchronized (state) {
                if (state.generation != generation) {
                    return;
                }
                channel.truncate(rollbackTo);
                state.digest = rollbackDigest;
                rollbackDigest = copy(rollbackDigest);
                state.hashedTo = rollbackTo;
                position = rollbackTo;
                // The mark is where this writer began, and nothing before it is ever saved again.
                savedTo = position;
                if (range != null) {
                    range.reset();
                }
            }
        }

        /** The SHA-256 of everything written so far (hex). */
        String sha256() {
            synchronized (state) {
                return HexFormat.of().formatHex(copy(state.digest).digest());
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static void hashPrefix(FileChannel channel, long length, MessageDigest digest) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        long position = 0;
        while (position < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new UploadParts.LostBytes("the upload's file ends at " + position + ", before " + length);
            }
            digest.update(buffer.array(), 0, n);
            position += n;
        }
    }

    private static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned", e);
        }
    }
}
