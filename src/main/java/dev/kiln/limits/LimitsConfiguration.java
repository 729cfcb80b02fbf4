package dev.kiln.limits;

import dev.kiln.db.Database;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class LimitsConfiguration implements WebMvcConfigurer {

    private final RateLimiter limiter;
    private final LimitSettings settings;

    LimitsConfiguration(RateLimiter limiter, LimitSettings settings) {
        this.limiter = limiter;
        this.settings = settings;
    }

    /** Several nodes share PostgreSQL, so they share its buckets; SQLite is one node, so memory will do. */
    @Bean
    static RateBuckets rateBuckets(Database db, DataSource dataSource) {
        return db.dialect().serializesWrites() ? new LocalRateBuckets() : new DatabaseRateBuckets(dataSource);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RequestRateInterceptor(limiter, settings)).addPathPatterns("/api/**");
    }
}
