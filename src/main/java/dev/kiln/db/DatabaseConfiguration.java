package dev.kiln.db;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;

@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    /** Taken before the pool opens the file, released after it closes. */
    @Bean(destroyMethod = "close")
    SqliteNodeLock sqliteNodeLock(DatabaseSettings settings, KilnHome home) {
        return SqliteNodeLock.acquire(Databases.url(settings, home));
    }

    @Bean(destroyMethod = "close")
    @DependsOn("sqliteNodeLock")
    HikariDataSource dataSource(DatabaseSettings settings, KilnHome home) {
        return Databases.pool(settings, home);
    }

    @Bean(destroyMethod = "close")
    Database database(HikariDataSource dataSource, DatabaseSettings settings) {
        return Databases.migrate(dataSource, settings);
    }
}
