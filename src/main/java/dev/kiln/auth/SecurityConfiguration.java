package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.ForeignApi;
import dev.kiln.api.Problems;
import dev.kiln.api.ServletProblems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authorization.AuthenticatedAuthorizationManager;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationManagers;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.CorsFilter;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /**
     * Paths under /api without a bearer token: the API description and its browser, and the
     * WebSocket, which authenticates itself (a ticket in the URL or a token in its first message), and
     * file content, which takes a token or a signed link (checked by the controller).
     */
    private static final String[] PUBLIC_API = {
        "/api/v1/openapi.json",
        "/api/v1/openapi.json/**",
        "/api/v1/docs",
        "/api/v1/swagger-ui/**",
        "/api/v1/stream",
        "/api/v1/files/*/content"
    };

    @Bean
    @Order(1)
    SecurityFilterChain api(
            HttpSecurity http, ApiTokens tokens, Sessions sessions, JsonMapper json, ServletProblems problems)
            throws Exception {
        AuthenticationEntryPoint unauthenticated = unauthenticated(json);
        AccessDeniedHandler forbidden = forbidden(json);
        return stateless(http)
                .securityMatcher("/api/**")
                .authorizeHttpRequests(a -> a.requestMatchers(PUBLIC_API)
                        .permitAll()
                        // Signing in presents the token in the body; signing out only clears a cookie.
                        .requestMatchers(HttpMethod.POST, SessionController.PATH)
                        .permitAll()
                        .requestMatchers(HttpMethod.DELETE, SessionController.PATH)
                        .permitAll()
                        // tus clients discover the server's version and limits before they have a reason to sign in.
                        .requestMatchers(HttpMethod.OPTIONS, "/api/v1/uploads")
                        .permitAll()
                        .requestMatchers("/api/v1/admin/**")
                        .hasRole(Role.ADMIN.name())
                        .requestMatchers("/api/v1/worker/**")
                        .hasRole(Role.WORKER.name())
                        // A worker's token is for the worker protocol only (docs/workers.md).
                        .anyRequest()
                        .access(AuthorizationManagers.allOf(
                                AuthenticatedAuthorizationManager.authenticated(),
                                AuthorizationManagers.not(AuthorityAuthorizationManager.hasRole(Role.WORKER.name())))))
                .addFilterBefore(authentication(tokens, sessions, problems), AuthorizationFilter.class)
                .exceptionHandling(
                        e -> e.authenticationEntryPoint(unauthenticated).accessDeniedHandler(forbidden))
                .build();
    }

    /**
     * CORS for /api/** ({@link ApiCors}) as a servlet filter ahead of every other that may answer an
     * API request, not only of the security filters: limits.FailedCredentialsFilter refuses just
     * before them (its 429 must carry the CORS headers, or a page from an allowed origin cannot read
     * its status and Retry-After), and another site's page is refused before anything else runs.
     */
    @Bean
    FilterRegistrationBean<CorsFilter> apiCors(AllowedOrigins origins, JsonMapper json) {
        var registration = new FilterRegistrationBean<>(ApiCors.filter(origins, json));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 10);
        return registration;
    }

    /**
     * {@link SecurityHeaders} ahead of the CORS filter and limits.FailedCredentialsFilter, whose
     * refusals are written before the security filter chains (and their headers) run.
     */
    @Bean
    FilterRegistrationBean<HeaderWriterFilter> securityHeaders() {
        var registration = new FilterRegistrationBean<>(SecurityHeaders.filter());
        registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 20);
        return registration;
    }

    /**
     * Health and Prometheus metrics are exposed (application.yaml). Health is public: probes send no
     * token; a caller with an admin's credentials also sees each check's details. Metrics are for
     * admins: they tell how busy the server is and which job types its users run, so a scraper sends
     * an admin's token. Other actuator paths do not exist (404).
     */
    @Bean
    @Order(1)
    SecurityFilterChain actuator(
            HttpSecurity http, ApiTokens tokens, Sessions sessions, JsonMapper json, ServletProblems problems)
            throws Exception {
        return stateless(http)
                .securityMatcher("/actuator/**")
                .authorizeHttpRequests(a -> a.requestMatchers("/actuator/prometheus", "/actuator/prometheus/**")
                        .hasRole(Role.ADMIN.name())
                        .anyRequest()
                        .permitAll())
                .addFilterBefore(authentication(tokens, sessions, problems), AuthorizationFilter.class)
                .exceptionHandling(
                        e -> e.authenticationEntryPoint(unauthenticated(json)).accessDeniedHandler(forbidden(json)))
                .build();
    }

    private static AccessDeniedHandler forbidden(JsonMapper json) {
        return (request, response, e) ->
                write(json, response, Problems.of(ErrorCode.FORBIDDEN, "Your role does not allow this."));
    }

    private static ApiAuthenticationFilter authentication(
            ApiTokens tokens, Sessions sessions, ServletProblems problems) {
        return new ApiAuthenticationFilter(
                tokens, sessions, (request, response, why) -> problems.write(why, List.of(), request, response));
    }

    /**
     * The paths of foreign APIs ({@link ForeignApi}: the OpenAI-compatible API, whisper-asr-webservice's):
     * authenticated as /api is (a token, also in the API's own header if it names one or as the
     * password of Basic credentials, which a client configured with only a URL sends; or the session
     * cookie with its CSRF token), a worker's token refused, and every refusal in that API's shape.
     */
    @Bean
    @Order(1)
    SecurityFilterChain foreign(
            HttpSecurity http, ApiTokens tokens, Sessions sessions, ServletProblems problems, List<ForeignApi> apis)
            throws Exception {
        List<RequestMatcher> paths = apis.stream()
                .flatMap(api -> api.paths().stream())
                .map(p -> (RequestMatcher)
                        PathPatternRequestMatcher.withDefaults().matcher(p))
                .toList();
        ApiAuthenticationFilter.Refusal refuse =
                (request, response, why) -> problems.write(why, apis, request, response);
        return stateless(http)
                .securityMatcher(paths.isEmpty() ? request -> false : new OrRequestMatcher(paths))
                .authorizeHttpRequests(a -> a.anyRequest()
                        .access(AuthorizationManagers.allOf(
                                AuthenticatedAuthorizationManager.authenticated(),
                                AuthorizationManagers.not(AuthorityAuthorizationManager.hasRole(Role.WORKER.name())))))
                .addFilterBefore(
                        new ApiAuthenticationFilter(
                                tokens,
                                sessions,
                                request -> foreignApi(apis, request).tokenHeader(),
                                true,
                                refuse),
                        AuthorizationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, refused) -> refuse.refuse(
                                request,
                                response,
                                new ApiException(ErrorCode.UNAUTHENTICATED, "No API token was sent.")
                                        .with(ForeignApi.NO_CREDENTIAL, true)
                                        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")))
                        .accessDeniedHandler((request, response, refused) -> refuse.refuse(
                                request,
                                response,
                                new ApiException(
                                        ErrorCode.FORBIDDEN,
                                        "A worker's token is for the worker protocol only; use a member's token."))))
                .build();
    }

    private static ForeignApi foreignApi(List<ForeignApi> apis, HttpServletRequest request) {
        return apis.stream()
                .filter(api -> api.covers(request))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("No foreign API covers " + request.getRequestURI()));
    }

    private static AuthenticationEntryPoint unauthenticated(JsonMapper json) {
        return (request, response, e) -> {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            write(
                    json,
                    response,
                    Problems.of(
                            ErrorCode.UNAUTHENTICATED,
                            request.getHeader(HttpHeaders.AUTHORIZATION) == null
                                    ? "Send Authorization: Bearer <token>, or sign in (POST /api/v1/session)."
                                    : e.getMessage()));
        };
    }

    /**
     * URLs the firewall refuses (path traversal, encoded slashes, an unknown method, …) answer a
     * problem document too, or the foreign API's error on its paths.
     */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ServletProblems problems, List<ForeignApi> apis) {
        return (request, response, e) -> problems.write(
                new ApiException(ErrorCode.MALFORMED_REQUEST, "The request URL is not acceptable: " + e.getMessage()),
                apis,
                request,
                response);
    }

    /** Everything outside /api (API browser assets, later the web app) is public. */
    @Bean
    @Order(2)
    SecurityFilterChain site(HttpSecurity http) throws Exception {
        return stateless(http)
                .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .build();
    }

    /**
     * No servlet sessions, no login forms: API callers present a bearer token on every request, and
     * browsers Kiln's own session cookie, which {@link ApiAuthenticationFilter} checks together with
     * its CSRF token (Spring's CSRF support is for servlet sessions, which Kiln does not keep).
     */
    private static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                // SecurityHeaders' filter, ahead of the chains, writes every answer's headers.
                .headers(AbstractHttpConfigurer::disable);
    }

    static void write(JsonMapper json, HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
