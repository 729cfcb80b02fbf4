package dev.kiln.processors;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** The processors this node can run, with their limits after configuration overrides. */
@Component
public class ProcessorRegistry {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    public record Registered(Processor processor, ProcessorLimits limits) {
        public String name() {
            return processor.name();
        }
    }

    private final Map<String, Registered> byName = new TreeMap<>();

    public ProcessorRegistry(List<Processor> processors, ProcessorSettings settings) {
        for (Processor p : processors) {
            if (!isValidName(p.name())) {
                throw new IllegalStateException("Processor name '" + p.name() + "' must match " + NAME);
            }
            Registered previous = byName.put(
                    p.name(),
                    new Registered(p, p.limits().override(settings.processors().get(p.name()))));
            if (previous != null) {
                throw new IllegalStateException("Two processors are named '" + p.name() + "'");
            }
        }
        for (String configured : settings.processors().keySet()) {
            if (!byName.containsKey(configured)) {
                throw new IllegalStateException("kiln.processors." + configured
                        + " configures a processor that does not exist; known: " + byName.keySet());
            }
        }
    }

    /** Whether {@code name} has the shape of a processor name (whether or not one is installed). */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    public Optional<Registered> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Registered> all() {
        return byName.values();
    }

    /** For the log: each processor with its concurrency ({@code extract×1, transcribe×1}). */
    public String summary() {
        return byName.isEmpty()
                ? "no processors installed"
                : byName.values().stream()
                        .map(p -> p.name() + "×" + p.limits().concurrency())
                        .collect(Collectors.joining(", "));
    }
}
