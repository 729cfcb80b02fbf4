package dev.kiln.storage;

import dev.kiln.KilnHome;
import dev.kiln.db.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blobs as files under {@code <home>/blobs/ab/cd/<sha256>}: written to a temporary file, hashed
 * while written, then atomically renamed into place, so a reader never sees half a blob.
 */
public class LocalBlobStore implements BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final byte[] PROBE = "kiln".getBytes(StandardCharsets.US_ASCII);

    private final Path root;
    private final Path tmp;
    private final HashLocks locks;

    public LocalBlobStore(KilnHome home, Database db) {
        this(home.resolve("blobs"), db);
    }

    /** A store of its own, arbitrated by no database: for a directory no other node shares. */
    public LocalBlobStore(Path root) {
        this(root, null);
    }

    /** @param db where nodes sharing {@code root} take turns on a hash (see {@link HashLocks}) */
    public LocalBlobStore(Path root, Database db) {
        this.root = root;
        this.locks = new HashLocks(db);
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the blob directory " + root.toAbsolutePath(), e);
        }
    }

    @Override
    public StoredBlob put(InputStream in, long maxBytes) throws IOException {
        Path partial = Files.createTempFile(tmp, "put-", ".part");
        try {
            StoredBlob blob = HashingCopy.copy(in, partial, maxBytes);
            moveIntoPlace(partial, blob.sha256());
            return blob;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    @Override
    public StoredBlob adopt(Path file, String sha256) throws IOException {
        long size = Files.size(file);
        moveIntoPlace(file, sha256);
        Files.deleteIfExists(file); // still there when the content was stored already
        return new StoredBlob(sha256, size);
    }

    private void moveIntoPlace(Path partial, String sha256) throws IOException {
        Path target = pathOf(sha256);
        // Same content already stored: stored again as far as the sweep's grace goes, so content a
        // deletion just let go is not swept from under the file about to use it. Checked first
        // without the locks, so that new content never waits for them across nodes.
        if (Files.exists(target) && locks.acrossNodes(sha256, () -> storedAgain(target))) {
            return;
        }
        locks.holding(sha256, () -> {
            Files.createDirectories(target.getParent());
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // another node's put of the same content won (a shared directory); both hold identical bytes
                Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("The blob directory must be on one filesystem with its tmp folder", e);
            }
            return null;
        });
    }

    /** Refreshes the time of content already stored; false when it is not (deleted meanwhile). */
    private static boolean storedAgain(Path target) throws IOException {
        try {
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        SeekableByteChannel channel = Files.newByteChannel(existing(sha256));
        try {
            channel.position(offset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return Channels.newInputStream(channel);
    }

    /** The store's own file: the local store needs no cache. */
    @Override
    public LocalCopy localCopy(String sha256) throws IOException {
        Path path = existing(sha256);
        return new LocalCopy() {
            @Override
            public Path path() {
                return path;
            }

            @Override
            public void close() {}
        };
    }

    private Path existing(String sha256) throws NoSuchFileException {
        Path path = pathOf(sha256);
        if (!Files.exists(path)) {
            throw new NoSuchFileException("blob " + sha256);
        }
        return path;
    }

    @Override
    public boolean exists(String sha256) {
        return Files.exists(pathOf(sha256));
    }

    @Override
    public Optional<Instant> storedAt(String sha256) throws IOException {
        try {
            return Optional.of(Files.getLastModifiedTime(pathOf(sha256)).toInstant());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<Entry> storedBefore(Instant before) throws IOException {
        try (Stream<Path> files = Files.walk(root, 3)) {
            List<Entry> old = new ArrayList<>();
            for (Path path : (Iterable<Path>) files::iterator) {
                String name = path.getFileName().toString();
                if (SHA256.matcher(name).matches() && Files.isRegularFile(path)) {
                    Instant stored = Files.getLastModifiedTime(path).toInstant();
                    if (stored.isBefore(before)) {
                        old.add(new Entry(name, stored));
                    }
                }
            }
            return old;
        }
    }

    @Override
    public void delete(String sha256) throws IOException {
        Files.deleteIfExists(pathOf(sha256));
    }

    @Override
    public boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException {
        return locks.deleteIfStoredBefore(this, sha256, before);
    }

    @Override
    public void checkWritable() throws IOException {
        Path probe = Files.createTempFile(tmp, "probe-", ".tmp");
        try {
            Files.write(probe, PROBE);
            if (!Arrays.equals(Files.readAllBytes(probe), PROBE)) {
                throw new IOException("The probe read back from " + probe + " differs from what was written");
            }
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private Path pathOf(String sha256) {
        // Only ever a hash: nothing a client sends becomes part of a path.
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return root.resolve(sha256.substring(0, 2))
                .resolve(sha256.substring(2, 4))
                .resolve(sha256);
    }

    @Override
    public String describe() {
        return "local directory " + root.toAbsolutePath();
    }
}
