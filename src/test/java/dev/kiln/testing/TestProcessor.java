package dev.kiln.testing;

import dev.kiln.processors.JobContext;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorLimits;
import java.time.Duration;
import java.util.List;

/** A processor for tests, defined by a lambda. */
public class TestProcessor implements Processor {

    @FunctionalInterface
    public interface Body {
        Object run(JobContext context) throws Exception;
    }

    private final String name;
    private final List<String> accepts;
    private final ParamsSchema params;
    private final ProcessorLimits limits;
    private final Body body;
    private volatile boolean reusable;
    private volatile String version = "1";

    public TestProcessor(String name, List<String> accepts, ParamsSchema params, ProcessorLimits limits, Body body) {
        this.name = name;
        this.accepts = accepts;
        this.params = params;
        this.limits = limits;
        this.body = body;
    }

    public TestProcessor(String name, ParamsSchema params, Body body) {
        this(name, List.of("*/*"), params, new ProcessorLimits(3, Duration.ofHours(1), 4), body);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "Test processor " + name;
    }

    @Override
    public List<String> acceptedMediaTypes() {
        return accepts;
    }

    @Override
    public ParamsSchema params() {
        return params;
    }

    @Override
    public ProcessorLimits limits() {
        return limits;
    }

    /** Declares its results reusable (same input, params and {@link #version()}). */
    public TestProcessor reusable(boolean reusable) {
        this.reusable = reusable;
        return this;
    }

    /** A new engine version, as a deploy of a new model would bring. */
    public void version(String version) {
        this.version = version;
    }

    @Override
    public boolean reusable() {
        return reusable;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Object run(JobContext context) throws Exception {
        return body.run(context);
    }
}
