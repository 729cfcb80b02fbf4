package dev.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A JDK AOT cache (JEP 483) for the Kiln processes the tests start. Such a start spends most of
 * its CPU loading and linking classes; from a cache recorded by one training start it takes about
 * half (the suite starts some 80, on two cores). The JVM caches classes from JARs only, so the
 * class directories on the test classpath are packed into JARs beside the cache, under
 * {@code target/kiln-start-cache/<digest of the classes>}. One surefire fork records the cache
 * while the others start without it until it exists; on a JDK before 25, or if recording fails,
 * every start goes without (slower, not different); {@code -Dkiln.tests.no-start-cache=true} turns it off.
 */
final class StartCache {

    /** What a start adds to its command line: JVM options and the classpath. */
    record Launch(List<String> jvmOptions, String classpath) {}

    private static final int FIRST_JDK = 25;
    private static final String TRAINING_TOKEN = "start-cache-training-token";
    private static boolean tried;
    private static Prepared prepared;

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
        List<Path> entries = Stream.of(classpath.split(java.io.File.pathSeparator))
                .map(Path::of)
                .toList();
        Path testClasses = entries.stream()
                .filter(p -> p.endsWith("test-classes"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no test-classes directory on " + classpath));
        Path root = testClasses.toAbsolutePath().getParent().resolve("kiln-start-cache");
        Path dir = root.resolve(digest(entries));
        Files.createDirectories(dir);
        List<String> jarred = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Path entry = entries.get(i);
            jarred.add(
                    Files.isDirectory(entry)
                            ? dir.resolve(i + "-" + entry.getFileName() + ".jar")
                                    .toString()
                            : entry.toString());
        }
        Prepared result = new Prepared(
                dir.resolve("kiln.aot"), dir.resolve("failed"), String.join(java.io.File.pathSeparator, jarred));
        try (FileChannel channel =
                        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null || Files.exists(result.cache()) || Files.exists(result.failed())) {
                return result; // another fork records it, or it is done
            }
            removeOthers(root, dir);
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
        int port = KilnProcess.freePort();
        Path log = target.cache().resolveSibling("training.log");
        Process process = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:AOTCacheOutput=" + partial,
                        "-cp",
                        target.classpath(),
                        "dev.kiln.KilnApplication",
                        "--server.port=" + port,
                        "--kiln.database.url=" + TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                        "--kiln.home=" + TestDatabases.tempDir("kiln-start-cache-"),
                        "--kiln.admin.token=" + TRAINING_TOKEN)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            boolean served = serves(process, port);
            process.destroy();
            // The cache is written as the JVM exits: one cut short is not used.
            boolean exited = process.waitFor(2, TimeUnit.MINUTES);
            if (!exited) {
                process.destroyForcibly();
            }
            if (served && exited && Files.isRegularFile(partial)) {
                Files.move(partial, target.cache(), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.writeString(target.failed(), "training start failed; see training.log\n");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean serves(Process process, int port) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/processors"))
                .header("Authorization", "Bearer " + TRAINING_TOKEN)
                .timeout(Duration.ofSeconds(10))
                .build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
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

    /** The classpath, the JDK, and every class directory's file count, bytes and newest change. */
    private static String digest(List<Path> entries) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            for (Path entry : entries) {
                sha.update(entry.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
                if (Files.isDirectory(entry)) {
                    long[] stats = new long[3];
                    try (Stream<Path> files = Files.walk(entry)) {
                        files.filter(Files::isRegularFile).forEach(file -> {
                            try {
                                stats[0]++;
                                stats[1] += Files.size(file);
                                stats[2] = Math.max(
                                        stats[2],
                                        Files.getLastModifiedTime(file).toMillis());
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
                    }
                    sha.update((stats[0] + "/" + stats[1] + "/" + stats[2]).getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Caches of earlier builds: each holds its own copy of the classes. */
    private static void removeOthers(Path root, Path keep) throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path old : dirs.filter(d -> !d.equals(keep)).toList()) {
                try (Stream<Path> files = Files.walk(old)) {
                    files.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
