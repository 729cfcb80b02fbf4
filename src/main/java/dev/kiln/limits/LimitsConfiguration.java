package dev.kiln.limits;

import dev.kiln.api.ForeignApi;
import dev.kiln.api.ServletProblems;
import dev.kiln.db.Database;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class LimitsConfiguration implements WebMvcConfigurer {

    private final RateLimiter limiter;
    private final LimitSettings settings;
    private final List<ForeignApi> foreign;

    LimitsConfiguration(RateLimiter limiter, LimitSettings settings, List<ForeignApi> foreign) {
        this.limiter = limiter;
        this.settings = settings;
        this.foreign = foreign;
    }

    /** Several nodes share PostgreSQL, so they share its buckets; SQLite is one node, so memory will do. */
    @Bean
    static RateBuckets rateBuckets(Database db, DataSource dataSource) {
        return db.dialect().serializesWrites() ? new LocalRateBuckets() : new DatabaseRateBuckets(dataSource);
    }

    /**
     * Just before the security filters, which refuse a bad credential before any interceptor runs,
     * and after the API's CORS filter (auth.SecurityConfiguration), so a page from an allowed origin
     * can read the 429.
     */
    @Bean
    FilterRegistrationBean<FailedCredentialsFilter> failedCredentialsFilter(
            CredentialFailures failures, ServletProblems problems) {
        var registration = new FilterRegistrationBean<>(new FailedCredentialsFilter(failures, foreign, problems));
        registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 1);
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        // Foreign APIs (the OpenAI-compatible one, whisper-asr-webservice's) count as API requests too.
        registry.addInterceptor(new RequestRateInterceptor(limiter, settings))
                .addPathPatterns("/api/**")
                .addPathPatterns(
                        foreign.stream().flatMap(api -> api.paths().stream()).toList())
                // A worker's heartbeats keep its leases: refused, the jobs it runs would be taken from it
                // and run again, because its own progress reports used up the budget. They long-poll, and
                // only workers may send them.
                .excludePathPatterns("/api/v1/worker/heartbeat", "/api/v1/worker/jobs/*/heartbeat");
    }
}
