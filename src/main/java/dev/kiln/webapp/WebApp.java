package dev.kiln.webapp;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.support.Texts;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the browser app built from {@code web/} into the jar. Its routes ({@code /jobs/…},
 * {@code /new}, …) exist only in the browser, so every such path answers the app's page, and a
 * deep link survives a refresh. Assets carry a content hash in their names: cached for a year;
 * the page itself never, so a new version is picked up at the next load.
 */
@Controller
class WebApp implements WebMvcConfigurer {

    private static final Resource PAGE = new ClassPathResource("static/index.html");
    /** A first path segment the app may own. */
    private static final String ROUTE = "^(?!api$|assets$|actuator$|v1$|asr$|detect-language$)[^.]*";
    /** The app loads only its own scripts; inline style attributes are allowed (progress bar widths). */
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/assets/**")
                .addResourceLocations("classpath:/static/assets/")
                .setCacheControl(
                        CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable());
    }

    /**
     * Paths of the app's own routes: not the API, not its assets, not the health probes (an unknown
     * /actuator path is a 404), not the foreign APIs ({@code /v1}, {@code /asr}, {@code
     * /detect-language}: a client of those gets their own 404, never this page), not a file (no dot
     * in the last segment).
     */
    @GetMapping({"/", "/{route:" + ROUTE + "}", "/{route:" + ROUTE + "}/**"})
    ResponseEntity<byte[]> page(HttpServletRequest request) throws IOException {
        if (lastSegmentHasDot(request.getRequestURI())) { // the mapping only looks at the first segment
            // A file the app does not have (a stale asset link): a 404 as for any other missing resource.
            throw new ApiException(
                    ErrorCode.NOT_FOUND, "No such resource: " + Texts.safe(request.getRequestURI(), 200));
        }
        if (!PAGE.exists()) {
            return ResponseEntity.status(503)
                    .contentType(MediaType.TEXT_PLAIN)
                    .body("The web app is not built into this Kiln (build with ./mvnw package).".getBytes());
        }
        try (InputStream in = PAGE.getInputStream()) {
            return ResponseEntity.ok()
                    .cacheControl(CacheControl.noCache())
                    .header("Content-Security-Policy", POLICY)
                    .contentType(MediaType.TEXT_HTML)
                    .body(in.readAllBytes());
        }
    }

    private static boolean lastSegmentHasDot(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1).contains(".");
    }
}
