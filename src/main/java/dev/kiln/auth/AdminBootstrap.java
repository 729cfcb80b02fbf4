package dev.kiln.auth;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * On first start (no users yet) creates the administrator. A generated token is printed once to
 * the console, never to the log; with {@code KILN_ADMIN_TOKEN} set, that token is registered
 * instead, on every start, so automation can rely on it.
 */
@Component
class AdminBootstrap implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

    private final Users users;
    private final ApiTokens tokens;
    private final AdminSettings settings;
    private final PrintStream console;
    private final Environment environment;

    AdminBootstrap(Users users, ApiTokens tokens, AdminSettings settings, Environment environment) {
        this.users = users;
        this.tokens = tokens;
        this.settings = settings;
        this.environment = environment;
        this.console = System.out;
    }

    @Override
    public void run(ApplicationArguments args) {
        boolean fresh = users.count() == 0;
        User admin = fresh
                ? users.create(settings.name(), Role.ADMIN)
                        .orElseGet(() -> users.findByName(settings.name()).orElseThrow())
                : users.findByName(settings.name()).orElse(null);
        if (StringUtils.hasText(settings.token())) {
            if (admin == null) {
                log.warn(
                        "kiln.admin.token is set but there is no user named '{}'; the token was not registered",
                        settings.name());
                return;
            }
            tokens.ensure(admin.id(), settings.token(), "configured admin token");
            if (fresh) {
                log.info("Created administrator '{}' with the configured admin token", admin.name());
            }
        } else if (fresh) {
            ApiTokens.Issued issued = tokens.issue(admin.id(), "first start", null);
            log.info("Created administrator '{}'; its sign-in token is printed on the console once", admin.name());
            console.println();
            console.println("  Kiln administrator token (shown once, keep it safe):");
            console.println("    " + issued.token());
            console.println("  Use it as: Authorization: Bearer <token>, or sign in to the web app with this link:");
            console.println("    http://localhost:" + environment.getProperty("local.server.port", "8080")
                    + "/signin#token=" + issued.token());
            console.println();
        }
    }
}
