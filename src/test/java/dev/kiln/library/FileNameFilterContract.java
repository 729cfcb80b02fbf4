package dev.kiln.library;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The file list's and the job list's {@code q}: a name filter that ignores case, beyond ASCII too. */
abstract class FileNameFilterContract extends ApiTestBase {

    private static String encoded(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private List<String> ids(String path, String token) {
        Api.Response list = api.get(path, token);
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        list.json().get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    @Test
    void aNameWithAnUmlautIsFoundInEitherCase() {
        String token = api.newMember("filter-" + UUID.randomUUID());
        String file = api.file(token, "Inhalt".getBytes(StandardCharsets.UTF_8), encoded("Übersicht.pdf"));
        api.file(token, "other".getBytes(StandardCharsets.UTF_8), "other.txt");
        String job = api.submit(token, "test-echo", file, "{}");
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(token, job).equals("succeeded"));

        for (String q : List.of("Übersicht", "übersicht", "ÜBERSICHT")) {
            assertThat(ids("/api/v1/files?q=" + encoded(q), token)).as(q).containsExactly(file);
            assertThat(ids("/api/v1/jobs?q=" + encoded(q), token)).as(q).containsExactly(job);
        }
    }

    @Test
    void aControlCharacterInTheFilterIsRefusedOnEveryDatabase() {
        // Was 500 on PostgreSQL, which refuses NUL in a query's text: the filter went to the LIKE as given.
        String token = api.newMember("filter-" + UUID.randomUUID());
        api.file(token, "x".getBytes(StandardCharsets.UTF_8), "ab.txt");
        for (String[] filter : new String[][] {
            {"/api/v1/files?q=a%00b", "q"},
            {"/api/v1/jobs?q=a%00b", "q"},
            {"/api/v1/jobs?name=%00", "name"},
            {"/api/v1/files?q=a%0Ab", "q"}
        }) {
            Api.Response refused = api.get(filter[0], token);
            assertThat(refused.status()).as(filter[0] + " " + refused).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_field");
            assertThat(refused.json().get("field").asString()).isEqualTo(filter[1]);
        }
    }
}
