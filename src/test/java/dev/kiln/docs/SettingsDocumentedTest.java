package dev.kiln.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.db.DatabaseSettings;
import dev.kiln.processors.ProcessorSettings;
import dev.kiln.transcribe.TranscribeSettings;
import dev.kiln.workers.WorkerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The README's configuration table lists every setting, with the env var that really sets it. */
class SettingsDocumentedTest {

    @Test
    void everyKilnSettingHasARowWithItsEnvironmentVariableAndDefault() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        for (JsonNode property : metadata().get("properties")) {
            String metadataName = property.get("name").asString();
            if (!metadataName.startsWith("kiln.")) {
                continue;
            }
            // Maps of named entries (per-processor overrides, remote engines): documented by their entries.
            String name = switch (metadataName) {
                case "kiln.processors" -> "kiln.processors.<name>.concurrency";
                case "kiln.transcribe.engines" -> "kiln.transcribe.engines.<name>.base-url";
                default -> metadataName;
            };
            String row = readme.lines()
                    .filter(l -> l.startsWith("| `" + name + "`"))
                    .findFirst()
                    .orElse(null);
            if (row == null) {
                missing.add(name + " (no row)");
                continue;
            }
            if (!row.contains("`" + envVar(name) + "`")) {
                missing.add(name + " (env var should be " + envVar(name) + ")");
            }
            if (property.has("defaultValue")
                    && !row.contains(
                            "`" + property.get("defaultValue").asString().toLowerCase(Locale.ROOT) + "`")
                    && !row.contains("`" + property.get("defaultValue").asString() + "`")) {
                missing.add(name + " (default should be "
                        + property.get("defaultValue").asString() + ")");
            }
        }
        assertThat(missing).as("README configuration table").isEmpty();
    }

    /** Rows of Spring Boot's own settings (server.*, logging.*) name settings that exist, with their env var. */
    @Test
    void everyOtherRowNamesASpringSettingWithItsEnvironmentVariable() throws IOException {
        Set<String> known = new HashSet<>();
        Enumeration<URL> files =
                getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                JsonMapper.builder()
                        .build()
                        .readTree(in)
                        .get("properties")
                        .forEach(p -> known.add(p.get("name").asString()));
            }
        }
        List<String> wrong = new ArrayList<>();
        Pattern row = Pattern.compile("^\\| `([a-z0-9.-]+)` \\| `([A-Z0-9_]+)` \\|");
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher m = row.matcher(line);
            if (!m.find() || m.group(1).startsWith("kiln.")) {
                continue;
            }
            if (!known.contains(m.group(1))) {
                wrong.add(m.group(1) + " (no such setting)");
            } else if (!m.group(2).equals(envVar(m.group(1)))) {
                wrong.add(m.group(1) + " (env var should be " + envVar(m.group(1)) + ")");
            }
        }
        assertThat(known).as("Spring Boot's settings were found").contains("server.port");
        assertThat(wrong).as("README configuration table").isEmpty();
    }

    /**
     * The other way round: every {@code kiln.*} row names a setting that exists, so a setting renamed
     * or removed leaves no row behind. A row of a named entry ({@code <name>}) names a field of the
     * entry's record, with the default that field really has.
     */
    @Test
    void everyKilnRowNamesASettingThatExists() throws IOException {
        Set<String> known = new HashSet<>();
        metadata().get("properties").forEach(p -> known.add(p.get("name").asString()));
        Map<String, Class<?>> entries = Map.of(
                "kiln.processors.<name>.", ProcessorSettings.Override.class,
                "kiln.transcribe.engines.<name>.", TranscribeSettings.Engine.class);
        List<String> wrong = new ArrayList<>();
        Pattern row = Pattern.compile("^\\| `(kiln\\.[a-z0-9.<>-]+)` \\| `[A-Z0-9_<>]+` \\| ([^|]*) \\|");
        int rows = 0;
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher m = row.matcher(line);
            if (!m.find()) {
                continue;
            }
            rows++;
            String name = m.group(1);
            String prefix = entries.keySet().stream()
                    .filter(name::startsWith)
                    .findFirst()
                    .orElse(null);
            if (prefix == null) {
                if (!known.contains(name)) {
                    wrong.add(name + " (no such setting)");
                }
                continue;
            }
            Parameter field = component(entries.get(prefix), name.substring(prefix.length()));
            if (field == null) {
                wrong.add(name + " (no such field in " + entries.get(prefix).getSimpleName() + ")");
            } else if (field.isAnnotationPresent(DefaultValue.class)) {
                String value = field.getAnnotation(DefaultValue.class).value()[0];
                if (!m.group(2).contains("`" + value + "`")) {
                    wrong.add(name + " (default should be " + value + ")");
                }
            }
        }
        assertThat(rows).as("kiln.* rows found").isGreaterThan(100);
        assertThat(wrong).as("README configuration table").isEmpty();
    }

    /** The canonical constructor's parameter (where {@code @DefaultValue} sits) a kebab-case name binds to, or null. */
    private static Parameter component(Class<?> record, String kebab) {
        String camel = Pattern.compile("-([a-z])")
                .matcher(kebab)
                .replaceAll(r -> r.group(1).toUpperCase(Locale.ROOT));
        RecordComponent[] components = record.getRecordComponents();
        Class<?>[] types =
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Parameter[] parameters;
        try {
            parameters = record.getDeclaredConstructor(types).getParameters();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(record + " has no canonical constructor", e);
        }
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(camel)) {
                return parameters[i];
            }
        }
        return null;
    }

    @Test
    void theDocumentedEnvironmentVariablesBind() {
        StandardEnvironment env = new StandardEnvironment();
        // Named like the real one: Spring applies its environment-variable mapping by that name.
        env.getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "KILN_DATABASE_URL", "jdbc:postgresql://db/kiln",
                                        "KILN_DATABASE_POOLSIZE", "3",
                                        "KILN_WORKERS_LEASEDURATION", "20s",
                                        "KILN_PROCESSORS_TRANSCRIBE_CONCURRENCY", "1")));
        Binder binder = new Binder(ConfigurationPropertySources.get(env));

        DatabaseSettings database = binder.bindOrCreate("kiln.database", DatabaseSettings.class);
        WorkerSettings workers = binder.bindOrCreate("kiln.workers", WorkerSettings.class);
        ProcessorSettings processors = binder.bindOrCreate("kiln", ProcessorSettings.class);

        assertThat(database.url()).isEqualTo("jdbc:postgresql://db/kiln");
        assertThat(database.poolSize()).isEqualTo(3);
        assertThat(workers.leaseDuration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(processors.processors().get("transcribe").concurrency()).isEqualTo(1);
    }

    /** Spring Boot's relaxed binding: upper case, dots to underscores, dashes dropped. */
    static String envVar(String property) {
        return property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    private static JsonNode metadata() throws IOException {
        try (InputStream in =
                SettingsDocumentedTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            return JsonMapper.builder().build().readTree(in);
        }
    }
}
