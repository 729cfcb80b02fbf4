package dev.kiln.transcribe;

import dev.kiln.KilnHome;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;
import org.vosk.LibVosk;
import org.vosk.LogLevel;
import org.vosk.Model;

/**
 * The Vosk models this node has: the English one bundled in Kiln's jar, and any dropped into the
 * models directory. Each is loaded once, on first use, and shared by every job (a Vosk model is
 * safe to share; each job has its own recognizer).
 */
@Component
public class SpeechModels {

    public static final String BUNDLED = "en-us";
    private static final String BUNDLED_RESOURCES = "vosk-models/" + BUNDLED + "/";
    /** Vosk's own naming, e.g. vosk-model-small-de-0.15, vosk-model-en-us-0.22. */
    private static final Pattern VOSK_NAME = Pattern.compile("vosk-model-(?:small-)?([a-z]{2,3}(?:-[a-z]{2})?)-.*");
    /** Vosk names a few models by country, not language: their languages' ISO 639-1 codes, which clients ask for. */
    private static final Map<String, String> VOSK_COUNTRIES = Map.of("cn", "zh", "vn", "vi", "kz", "kk");

    public record Installed(String name, String language, boolean bundled, Path path) {}

    private final Path home;
    private final Path modelsDir;
    private final Map<String, Model> loaded = new ConcurrentHashMap<>();
    private volatile Path bundledPath;

    SpeechModels(KilnHome home, TranscribeSettings settings) {
        this.home = home.home();
        this.modelsDir = settings.modelsDir() != null ? settings.modelsDir() : home.resolve("models");
    }

    /** Every installed model, the bundled one first; the directory is read again each time. */
    public List<Installed> installed() {
        List<Installed> all = new ArrayList<>();
        all.add(new Installed(BUNDLED, BUNDLED, true, null));
        if (Files.isDirectory(modelsDir)) {
            try (Stream<Path> dirs = Files.list(modelsDir)) {
                dirs.filter(SpeechModels::looksLikeModel)
                        .sorted(Comparator.comparing(Path::getFileName))
                        .map(dir -> new Installed(dir.getFileName().toString(), language(dir), false, dir))
                        .filter(m -> !m.name().equals(BUNDLED))
                        .forEach(all::add);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list the models directory " + modelsDir, e);
            }
        }
        return all;
    }

    public List<String> names() {
        return installed().stream().map(Installed::name).toList();
    }

    public Optional<Installed> find(String name) {
        return installed().stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The model, loaded on first use. */
    public Model model(Installed model) {
        return loaded.computeIfAbsent(model.name(), name -> {
            LibVosk.setLogLevel(LogLevel.WARNINGS);
            try {
                return new Model((model.bundled() ? bundledPath() : model.path()).toString());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot load the speech model " + name, e);
            }
        });
    }

    private static boolean looksLikeModel(Path dir) {
        return Files.isDirectory(dir.resolve("am")) || Files.isDirectory(dir.resolve("conf"));
    }

    /** From a file named {@code language} in the model's directory, else from Vosk's naming, else "unknown". */
    private static String language(Path dir) {
        Path declared = dir.resolve("language");
        try {
            if (Files.isRegularFile(declared)) {
                return Files.readString(declared).strip();
            }
        } catch (IOException e) {
            // fall through to the name
        }
        Matcher m = VOSK_NAME.matcher(dir.getFileName().toString());
        return m.matches() ? VOSK_COUNTRIES.getOrDefault(m.group(1), m.group(1)) : "unknown";
    }

    /**
     * Where the bundled model is on disk: the classes directory when Kiln runs from its build, or
     * extracted once from the jar into the data directory (Vosk reads files, not resources).
     */
    private Path bundledPath() throws IOException {
        if (bundledPath != null) {
            return bundledPath;
        }
        synchronized (this) {
            if (bundledPath == null) {
                var resolver =
                        new PathMatchingResourcePatternResolver(getClass().getClassLoader());
                Resource conf = resolver.getResource("classpath:" + BUNDLED_RESOURCES + "conf/model.conf");
                if (!conf.exists()) {
                    throw new IOException(
                            "The bundled speech model is missing from the build (" + BUNDLED_RESOURCES + ")");
                }
                if (conf.getURI().getScheme().equals("file")) {
                    bundledPath = Path.of(conf.getURI()).getParent().getParent();
                } else {
                    bundledPath = extract(resolver);
                }
            }
            return bundledPath;
        }
    }

    private Path extract(PathMatchingResourcePatternResolver resolver) throws IOException {
        Resource[] files = resolver.getResources("classpath*:" + BUNDLED_RESOURCES + "**");
        // Named after what it holds, so a Kiln upgrade with another model extracts that one.
        long fingerprint = 0;
        for (Resource file : files) {
            fingerprint = 31 * fingerprint
                    + file.getURL().toString().length()
                    + (file.isReadable() ? file.contentLength() : 0);
        }
        Path target = home.resolve("models-bundled").resolve(BUNDLED + "-" + Long.toHexString(fingerprint));
        if (Files.exists(target.resolve(".extracted"))) {
            return target;
        }
        Path staging = Files.createDirectories(home.resolve("models-bundled")).resolve(BUNDLED + ".tmp");
        deleteTree(staging);
        for (Resource file : files) {
            String url = file.getURL().toString();
            String relative = url.substring(url.lastIndexOf(BUNDLED_RESOURCES) + BUNDLED_RESOURCES.length());
            if (relative.isEmpty() || relative.endsWith("/") || !file.isReadable()) {
                continue;
            }
            Path out = staging.resolve(relative).normalize();
            if (!out.startsWith(staging)) {
                throw new IOException("Unexpected entry in the bundled model: " + relative);
            }
            Files.createDirectories(out.getParent());
            try (InputStream in = file.getInputStream()) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createFile(staging.resolve(".extracted"));
        deleteTree(target);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @PreDestroy
    void close() {
        loaded.values().forEach(Model::close);
        loaded.clear();
    }
}
