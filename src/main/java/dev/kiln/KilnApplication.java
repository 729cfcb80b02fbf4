package dev.kiln;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

// Kiln authenticates with its own API tokens; Boot's generated in-memory user must not exist.
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
public class KilnApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(KilnApplication.class);
        StartupReport.attachIfAsked(application);
        exitWhenReadyIfAsked(application);
        application.run(args);
    }

    /**
     * {@code -Dkiln.exit-when-ready=true}: start, and stop as soon as ready. The training start that
     * records an AOT cache (the {@code aot-cache} Maven profile) runs the whole way to readiness,
     * web server and workers included, so the cache holds what a real start loads.
     */
    private static void exitWhenReadyIfAsked(SpringApplication application) {
        if (Boolean.getBoolean("kiln.exit-when-ready")) {
            application.addListeners((ApplicationListener<ApplicationReadyEvent>)
                    ready -> System.exit(SpringApplication.exit(ready.getApplicationContext())));
        }
    }

    /** Every time Kiln stores comes from this clock (tests can substitute their own). */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
