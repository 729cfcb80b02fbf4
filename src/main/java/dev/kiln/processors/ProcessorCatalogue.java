package dev.kiln.processors;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Every processor a job may name: the built-in ones this node runs, then those external workers
 * declared. Submissions, listings and results look processors up here; the worker pool runs only
 * the built-in ones ({@link ProcessorRegistry}).
 */
@Component
public class ProcessorCatalogue {

    private final ProcessorRegistry builtIn;
    private final DeclaredProcessors declared;

    public ProcessorCatalogue(ProcessorRegistry builtIn, DeclaredProcessors declared) {
        this.builtIn = builtIn;
        this.declared = declared;
    }

    public Optional<ProcessorRegistry.Registered> find(String name) {
        return builtIn.find(name)
                .or(() -> declared.find(name).map(p -> new ProcessorRegistry.Registered(p, p.limits())));
    }

    public List<ProcessorRegistry.Registered> all() {
        List<ProcessorRegistry.Registered> all = new ArrayList<>(builtIn.all());
        declared.all().forEach(p -> all.add(new ProcessorRegistry.Registered(p, p.limits())));
        return all;
    }

    /** Whether a built-in processor has this name (a worker may not declare it). */
    public boolean isBuiltIn(String name) {
        return builtIn.find(name).isPresent();
    }
}
