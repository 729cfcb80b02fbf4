package dev.kiln.uploads;

import dev.kiln.KilnHome;
import dev.kiln.support.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The bytes of unfinished uploads, in {@code <home>/uploads/<id>.part} (next to the blob store, so
 * a finished one is renamed into it, never copied). Per upload this node keeps the running SHA-256
 * (rebuilt from the file after a restart) and a writer generation: a new writer bumps it, and an
 * earlier one, still blocked on a dead connection, stops before its next write.
 */
@Component
class PartFiles {

    private final Path dir;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    PartFiles(KilnHome home) {
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
    }

    /**
     * Opens the upload's file for a new writer at the durable {@code offset}: anything after it
     * (written but never recorded) is cut off, and the hash is brought up to it.
     */
    Writer open(String uploadId, long offset) throws IOException {
        State state = states.computeIfAbsent(uploadId, id -> new State());
        synchronized (state) {
            long generation = ++state.generation;
            FileChannel channel = FileChannel.open(
                    path(uploadId), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                if (channel.size() < offset) {
                    throw new IOException("upload " + uploadId + " has lost bytes: " + channel.size() + " on disk, "
                            + offset + " recorded");
                }
                channel.truncate(offset);
                if (state.digest == null || state.hashedTo != offset) {
                    state.digest = Digests.sha256();
                    hashPrefix(channel, offset, state.digest);
                    state.hashedTo = offset;
                }
                return new Writer(state, generation, channel, offset);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** Forgets an upload: its file and what this node knew of it (any writer stops). */
    void delete(String uploadId) throws IOException {
        State state = states.remove(uploadId);
        if (state != null) {
            synchronized (state) {
                state.generation++;
            }
        }
        Files.deleteIfExists(path(uploadId));
    }

    /** Forgets what this node knew of a completed upload (its file has moved into the blob store). */
    void completed(String uploadId) {
        states.remove(uploadId);
    }

    /** One writer's hold on an upload's file. */
    static final class Writer implements AutoCloseable {
        private final State state;
        private final long generation;
        private final FileChannel channel;
        private long position;
        private long rollbackTo;
        private MessageDigest rollbackDigest;

        private Writer(State state, long generation, FileChannel channel, long position) {
            this.state = state;
            this.generation = generation;
            this.channel = channel;
            this.position = position;
            mark();
        }

        long position() {
            return position;
        }

        /** Remembers this point to roll back to (the start of a chunk that may be rejected). */
        void mark() {
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
                position += length;
                state.hashedTo = position;
                return true;
            }
        }

        /** Makes what was written durable. */
        void force() throws IOException {
            channel.force(false);
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
                throw new IOException("unexpected end of upload file");
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
