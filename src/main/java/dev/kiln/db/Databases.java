package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.support.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.StringUtils;

/** Opens Kiln's database: the connection pool for the configured URL, then its migrations. */
public final class Databases {

    private static final Logger log = LoggerFactory.getLogger(Databases.class);

    private Databases() {
    }

    public static HikariDataSource pool(DatabaseSettings settings, KilnHome home) {
        String url = url(settings, home);
        Dialect dialect = Dialect.forUrl(url);
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kiln-db");
        pool.setJdbcUrl(url);
        pool.setUsername(settings.username());
        pool.setPassword(settings.password());
        pool.setMaximumPoolSize(settings.poolSize());
        pool.setConnectionTimeout(5_000);
        dialect.configure(pool);
        log.info("Database: {} ({})", dialect.name(), Secrets.redact(url));
        return new HikariDataSource(pool);
    }

    /** Brings the schema up to date and returns the database ready for use. */
    public static Database migrate(HikariDataSource dataSource) {
        Dialect dialect = Dialect.forUrl(dataSource.getJdbcUrl());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + dialect.name())
                .load()
                .migrate();
        return new Database(dialect, dataSource);
    }

    /** The configured JDBC URL, or the embedded SQLite file in the data directory. */
    public static String url(DatabaseSettings settings, KilnHome home) {
        return StringUtils.hasText(settings.url()) ? settings.url() : embeddedSqliteUrl(home);
    }

    private static String embeddedSqliteUrl(KilnHome home) {
        try {
            Files.createDirectories(home.home());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data directory " + home.home().toAbsolutePath(), e);
        }
        return "jdbc:sqlite:" + home.resolve("kiln.db").toAbsolutePath().normalize();
    }
}
