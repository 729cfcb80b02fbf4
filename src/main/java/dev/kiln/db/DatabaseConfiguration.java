package dev.kiln.db;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DatabaseSettings settings, KilnHome home) {
        return Databases.pool(settings, home);
    }

    @Bean
    Database database(HikariDataSource dataSource) {
        return Databases.migrate(dataSource);
    }
}
