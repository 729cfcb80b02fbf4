package dev.kiln.embeddings;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's native libraries, unpacked once into Kiln's cache. Left to itself, ONNX Runtime
 * copies them (16 MB on Linux) into a new temporary directory at every start and only marks them
 * for deletion at exit, so each node that is killed leaves a copy in {@code /tmp} (memory, where
 * that is a tmpfs). Pointed at the cache, it loads the copies there and writes nothing more.
 */
final class OrtNatives {

    /** ONNX Runtime's own setting: the directory it loads its libraries from instead of unpacking them. */
    static final String PATH_PROPERTY = "onnxruntime.native.path";

    private static final Logger log = LoggerFactory.getLogger(OrtNatives.class);
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni");

    private OrtNatives() {}

    /**
     * Unpacks this platform's libraries under {@code cache} (once per ONNX Runtime version) and
     * points ONNX Runtime at them, unless the operator set the path. On a platform the jar has no
     * libraries for, or when the cache cannot be written, ONNX Runtime is left to unpack as before.
     */
    static void keepIn(Path cache) {
        String version = OrtEnvironment.class.getPackage().getImplementationVersion();
        String platform = platform();
        if (System.getProperty(PATH_PROPERTY) != null || version == null || platform == null) {
            return;
        }
        Path dir = cache.resolve(version + "-" + platform).toAbsolutePath();
        try {
            for (String library : LIBRARIES) {
                String name = System.mapLibraryName(library);
                if (!unpack("/ai/onnxruntime/native/" + platform + "/" + name, dir.resolve(name))) {
                    return;
                }
            }
            System.setProperty(PATH_PROPERTY, dir.toString());
        } catch (IOException e) {
            log.warn("Cannot unpack ONNX Runtime's libraries into {}; it unpacks them itself: {}", dir, e.toString());
        }
    }

    /** False if the jar has no such library; a copy already there is whole (it only ever arrives by a rename). */
    private static boolean unpack(String resource, Path target) throws IOException {
        if (Files.isRegularFile(target)) {
            return true;
        }
        try (InputStream in = OrtEnvironment.class.getResourceAsStream(resource)) {
            if (in == null) {
                return false;
            }
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".partial");
            try {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
            return true;
        }
    }

    /** ONNX Runtime's name for this machine's directory in its jar, e.g. {@code linux-x64}. */
    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : null;
        String archName = arch.equals("amd64") || arch.equals("x86_64")
                ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        return osName == null || archName == null ? null : osName + "-" + archName;
    }
}
