package dev.kiln.testing;

import dev.kiln.support.Digests;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.springframework.util.FileSystemUtils;

/**
 * A JDK AOT cache (JEP 483) for the Kiln processes the tests start. Such a start spends most of
 * its CPU loading and linking classes; from a cache recorded by one training start it takes about
 * half (the suite starts some 80, on two cores). The JVM caches classes from JARs only, so the
 * class directories on the test classpath are packed into JARs beside the cache, under
 * {@code target/kiln-start-cache/<digest of the classpath>}. One surefire fork records the cache
 * while the others start without it until it exists; on a JDK before 25, or if recording fails,
 * every start goes without (slower, not different); {@code -Dkiln.tests.no-start-cache=true} turns
 * it off.
 */
final class StartCache {

    /** What a start adds to its command line: JVM options and the classpath. */
    record Launch(List<String> jvmOptions, String classpath) {}

    private static final int FIRST_JDK = 25;
    private static boolean tried;
    private static Prepared prepared;
    /** Held (shared) while this JVM may start Kiln from the directory: another build does not remove it. */
    private static FileLock inUse;

    private record Prepared(Path cache, Path failed, String classpath) {}

    private StartCache() {}

    /** How to start a test's Kiln from {@code classpath} now. */
    static Launch launch(String classpath) {
        Prepared ready = prepare(classpath);
        if (ready != null && Files.isRegularFile(ready.cache())) {
            return new Launch(List.of("-XX:AOTCache=" + ready.cache(), "-Xlog:aot*=off,cds*=off"), ready.classpath());
        }
        return withoutCache(classpath);
    }

    /** A start as before this cache: the JVM's own class-data sharing off too, for comparable figures. */
    static Launch withoutCache(String classpath) {
        return new Launch(List.of("-Xshare:off"), classpath);
    }

    private static synchronized Prepared prepare(String classpath) {
        if (!tried && Runtime.version().feature() >= FIRST_JDK && !Boolean.getBoolean("kiln.tests.no-start-cache")) {
            tried = true;
            try {
                prepared = record(classpath);
            } catch (IOException | RuntimeException e) {
                System.err.println("No AOT cache for test starts: " + e);
            }
        }
        return prepared;
    }

    private static Prepared record(String classpath) throws IOException {
        List<Path> entries =
                Stream.of(classpath.split(File.pathSeparator)).map(Path::of).toList();
        Path testClasses = entries.stream()
                .filter(p -> p.endsWith("test-classes"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no test-classes directory on " + classpath));
        Path root = testClasses.toAbsolutePath().getParent().resolve("kiln-start-cache");
        Path dir = root.resolve(digest(entries));
        Files.createDirectories(dir);
        FileChannel using = FileChannel.open(
                dir.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        inUse = using.tryLock(0, Long.MAX_VALUE, true);
        if (inUse == null) {
            using.close();
            throw new IllegalStateException(dir + " is being removed by another build");
        }
        List<String> jarred = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Path entry = entries.get(i);
            jarred.add(
                    Files.isDirectory(entry)
                            ? dir.resolve(i + "-" + entry.getFileName() + ".jar")
                                    .toString()
                            : entry.toString());
        }
        Prepared result =
                new Prepared(dir.resolve("kiln.aot"), dir.resolve("failed"), String.join(File.pathSeparator, jarred));
        try (FileChannel channel =
                        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null || Files.exists(result.cache()) || Files.exists(result.failed())) {
                return result; // another fork records it, or it is done
            }
            removeUnused(root, dir);
            for (int i = 0; i < entries.size(); i++) {
                if (Files.isDirectory(entries.get(i))) {
                    jar(entries.get(i), Path.of(jarred.get(i)));
                }
            }
            train(result);
        }
        return result;
    }

    /** Starts Kiln once with {@code -XX:AOTCacheOutput}, waits until it serves, stops it politely. */
    private static void train(Prepared target) throws IOException {
        Path partial = target.cache().resolveSibling("kiln.aot.part");
        try (KilnProcess training = KilnProcess.startWith(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-start-cache-"),
                Map.of(),
                target.classpath(),
                List.of("-XX:TieredStopAtLevel=1", "-XX:AOTCacheOutput=" + partial))) {
            training.terminate(); // the cache is written as the JVM exits: one cut short is not used
        } catch (IllegalStateException e) {
            Files.writeString(target.failed(), e.getMessage());
            return;
        }
        if (Files.isRegularFile(partial)) {
            Files.move(partial, target.cache(), StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.writeString(target.failed(), "the training start wrote no cache\n");
        }
    }

    private static void jar(Path classes, Path jar) {
        ToolProvider tool = ToolProvider.findFirst("jar").orElseThrow();
        int status = tool.run(
                System.out,
                System.err,
                "--create",
                "--no-compress",
                "--file",
                jar.toString(),
                "-C",
                classes.toString(),
                ".");
        if (status != 0) {
            throw new IllegalStateException("jar exited with " + status + " for " + classes);
        }
    }

    /**
     * The JDK, and every classpath entry with its size and newest change (for a directory, its
     * files' count, bytes and newest change): the JDK does not notice a jar changed under its cache.
     */
    private static String digest(List<Path> entries) throws IOException {
        MessageDigest sha = Digests.sha256();
        sha.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
        for (Path entry : entries) {
            long[] stats = new long[3];
            try (Stream<Path> files = Files.isDirectory(entry) ? Files.walk(entry) : Stream.of(entry)) {
                files.filter(Files::isRegularFile).forEach(file -> {
                    try {
                        stats[0]++;
                        stats[1] += Files.size(file);
                        stats[2] = Math.max(
                                stats[2], Files.getLastModifiedTime(file).toMillis());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            sha.update((entry.toAbsolutePath() + ":" + stats[0] + "/" + stats[1] + "/" + stats[2])
                    .getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }

    /** Caches of earlier builds (each holds its own copy of the classes) that no JVM starts Kiln from now. */
    private static void removeUnused(Path root, Path keep) throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path old :
                    dirs.filter(d -> !d.equals(keep) && Files.isDirectory(d)).toList()) {
                try (FileChannel channel = FileChannel.open(
                                old.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock unused = channel.tryLock()) {
                    if (unused != null) {
                        FileSystemUtils.deleteRecursively(old);
                    }
                }
            }
        }
    }
}
