package dev.kiln.testing;

import java.util.Locale;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** Points a test Kiln at the shared test database named by {@code kiln.test.database}. */
public class TestDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        String name = context.getEnvironment().getProperty("kiln.test.database", "sqlite");
        TestDatabases.Kind kind = TestDatabases.Kind.valueOf(name.toUpperCase(Locale.ROOT));
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("kiln-test-database", Map.of(
                "kiln.database.url", TestDatabases.shared(kind),
                "kiln.home", TestDatabases.tempDir("kiln-home-" + name + "-").toString())));
    }
}
