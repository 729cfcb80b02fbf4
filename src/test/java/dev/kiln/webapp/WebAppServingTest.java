package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.test.context.TestPropertySource;

/** The built web app (web/ → target/classes/static) served from the same origin as the API. */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class WebAppServingTest extends ApiTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/jobs", "/new", "/library", "/signin", "/jobs/job_abc123", "/no/such/page"})
    void everyAppRouteAnswersTheAppPageUncached(String path) {
        Api.Response page = api.get(path, null);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.header("Cache-Control").orElseThrow()).contains("no-cache");
        assertThat(page.body()).contains("<div id=\"root\"></div>").contains("/assets/");
        assertThat(page.headers().get("Content-Security-Policy"))
                .anySatisfy(p -> assertThat(p).contains("script-src 'self'"))
                .anySatisfy(p -> assertThat(p).contains("frame-ancestors 'none'"));
        assertThat(page.header("Referrer-Policy")).contains("same-origin");
        assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
    }

    @Test
    void hashedAssetsAreCachedForAYear() throws IOException {
        String asset = builtAsset();

        Api.Response script = api.get("/assets/" + asset, null);

        assertThat(script.status()).isEqualTo(200);
        assertThat(script.header("Cache-Control").orElseThrow())
                .contains("max-age=31536000")
                .contains("immutable");
    }

    @Test
    void unknownApiPathsAndMissingFilesAreNotTheApp() {
        Api.Response api404 = api.get("/api/v1/nothing-here", Api.ADMIN_TOKEN);
        assertThat(api404.status()).isEqualTo(404);
        assertThat(api404.header("Content-Type").orElseThrow()).startsWith("application/problem+json");

        assertThat(api.get("/assets/missing-0000.js", null).status()).isEqualTo(404);
        assertThat(api.get("/robots.txt", null).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/jobs/x.js", "/jobs/job_abc123/stale-0000.css", "/new/favicon.ico"})
    void aMissingFileUnderAnAppRouteIsA404Problem(String path) {
        Api.Response missing = api.get(path, null);

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(missing.code()).isEqualTo("not_found");
        assertThat(missing.body()).doesNotContain("<div id=\"root\">");
    }

    private static String builtAsset() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target/classes/static/assets"))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".js"))
                    .findFirst()
                    .orElseThrow();
        }
    }
}
