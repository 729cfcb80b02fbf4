package dev.kiln.testing;

import java.util.Locale;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Points a test Kiln at the shared test database named by {@code kiln.test.database}, or, with
 * {@code kiln.test.own-database=true}, at a fresh one of its own: a context with settings of its own
 * (say, limits) must not have another context's workers claim its jobs.
 */
public class TestDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        String name = context.getEnvironment().getProperty("kiln.test.database", "sqlite");
        TestDatabases.Kind kind = TestDatabases.Kind.valueOf(name.toUpperCase(Locale.ROOT));
        boolean own = Boolean.parseBoolean(context.getEnvironment().getProperty("kiln.test.own-database", "false"));
        context.getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "kiln-test-database",
                        Map.of(
                                "kiln.database.url",
                                own ? TestDatabases.fresh(kind) : TestDatabases.shared(kind),
                                "kiln.home",
                                TestDatabases.tempDir("kiln-home-" + name + "-").toString())));
    }
}
