package dev.kiln.bench;

import dev.kiln.KilnApplication;
import dev.kiln.testing.Api;
import dev.kiln.testing.TestDatabases;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * bench/search.sh: a generated corpus of transcripts (a worker's transcript-shaped results, over
 * HTTP), indexed by a Kiln with embeddings off (text segments/s) and by one with them on (segments/s
 * until every vector is written), then questions whose answer segment is known — paraphrased, so
 * only the speaker's name and the city are shared words — asked in each mode: latency p50/p99 over
 * HTTP, recall@5 and MRR@10. On SQLite and PostgreSQL, the same corpus.
 */
public final class SearchBench {

    private static final String[] FIRST = {
        "Marlow", "Ines", "Tobias", "Greta", "Anselm", "Oona", "Bram", "Liesel", "Cyrus", "Petra", "Hugo", "Sabine",
        "Linus", "Mirela", "Otto", "Yara", "Felix", "Dagny", "Ruben", "Zora"
    };
    private static final String[] LAST = {
        "Quint", "Hadley", "Voss", "Okafor", "Brandt", "Lindqvist", "Marchetti", "Novak", "Serrano", "Takeda",
        "Weller", "Abara", "Castell", "Duarte", "Eklund", "Fairbairn", "Gorski", "Holm", "Ivers", "Jansen"
    };
    private static final String[] CITIES = {
        "Lisbon", "Ghent", "Tallinn", "Porto", "Bergen", "Graz", "Lyon", "Turin", "Krakow", "Aarhus", "Utrecht",
        "Seville"
    };
    /** A verb phrase as said, and as a question asks it. */
    private static final String[][] VERBS = {
        {"repaired", "fix"},
        {"purchased", "buy"},
        {"sold", "get rid of"},
        {"painted", "put a new colour on"},
        {"borrowed", "lend"},
        {"cleaned", "wash"},
        {"delivered", "bring"},
        {"inspected", "check"},
        {"photographed", "take pictures of"},
        {"assembled", "put together"},
        {"damaged", "break"},
        {"returned", "give back"}
    };
    /** A thing as said, and as a question names it. */
    private static final String[][] NOUNS = {
        {"automobile", "car"},
        {"bicycle", "bike"},
        {"refrigerator", "fridge"},
        {"piano", "keyboard instrument"},
        {"rowing boat", "small vessel"},
        {"wardrobe", "closet"},
        {"telescope", "stargazing device"},
        {"laptop", "notebook computer"},
        {"sofa", "couch"},
        {"lantern", "lamp"},
        {"ladder", "steps"},
        {"wheelbarrow", "garden cart"},
        {"kettle", "pot for boiling water"},
        {"violin", "fiddle"}
    };

    private SearchBench() {}

    private record Question(String text, String job, int segment) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int docs = Integer.parseInt(options.getOrDefault("docs", "2000"));
        int perDoc = Integer.parseInt(options.getOrDefault("segments", "50"));
        int questions = Integer.parseInt(options.getOrDefault("questions", "200"));
        System.out.printf(
                Locale.ROOT,
                "corpus     %d transcripts x %d segments = %d segments, %d questions; load average %s%n",
                docs,
                perDoc,
                docs * perDoc,
                questions,
                Bench.loadAverage());
        for (String db : options.getOrDefault("db", "sqlite,postgres").split(",")) {
            TestDatabases.Kind kind = TestDatabases.Kind.valueOf(db.toUpperCase(Locale.ROOT));
            run(kind, false, docs, perDoc, 0);
            run(kind, true, docs, perDoc, questions);
        }
        System.out.printf(Locale.ROOT, "end        load average %s%n", Bench.loadAverage());
        System.exit(0);
    }

    private static void run(TestDatabases.Kind kind, boolean vectors, int docs, int perDoc, int questions)
            throws Exception {
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KilnApplication.class)
                .properties(
                        "kiln.database.url=" + TestDatabases.fresh(kind),
                        "kiln.home=" + TestDatabases.tempDir("kiln-search-bench-"),
                        "kiln.admin.token=" + Api.ADMIN_TOKEN,
                        "kiln.embeddings.enabled=" + vectors,
                        // One member loads the whole corpus and asks every question: no rate limits.
                        "kiln.limits.requests=0",
                        "kiln.limits.submissions=0",
                        "kiln.limits.max-queued-jobs=0",
                        "kiln.limits.max-running-jobs=0",
                        "logging.level.root=WARN")
                // Any free port: as an argument, since application.yaml (port 8080) beats default properties.
                .run("--server.port=0")) {
            Api api = new Api(Integer.parseInt(app.getEnvironment().getProperty("local.server.port")));
            String member = api.newMember("bench-" + System.nanoTime());
            long start = System.nanoTime();
            List<Question> asked = load(api, member, docs, perDoc, questions);
            long total = (long) docs * perDoc;
            while (true) {
                JsonNode status =
                        api.get("/api/v1/admin/search/status", Api.ADMIN_TOKEN).json();
                if (status.get("waiting").asLong() == 0
                        && status.get("segments").asLong() == total
                        && status.path("vectorsWaiting").asLong(0) == 0) {
                    break;
                }
                Thread.sleep(100); // a bench polls; tests wait on signals
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%-9s  indexing %-16s %7.0f segments/s (%d in %.1f s, from the first submit; load %s)%n",
                    kind.name().toLowerCase(Locale.ROOT),
                    vectors ? "text+embeddings" : "text only",
                    total / seconds,
                    total,
                    seconds,
                    Bench.loadAverage());
            if (vectors) {
                for (String mode : List.of("text", "semantic", "hybrid")) {
                    ask(api, member, kind, mode, asked);
                }
            }
        }
    }

    /** Submits the corpus as a worker's transcripts; returns the questions, spread over it. */
    private static List<Question> load(Api api, String member, int docs, int perDoc, int questions) {
        String worker = api.newWorker("bench-worker-" + System.nanoTime());
        String processor = "bench-talk";
        api.declare(worker, processor, "{\"description\":\"Talks\",\"accepts\":[\"none\"],\"shape\":\"transcript\"}");
        Random random = new Random(15);
        List<Question> asked = new ArrayList<>();
        int every = Math.max(1, docs * perDoc / Math.max(1, questions));
        int n = 0;
        for (int from = 0; from < docs; from += 64) {
            int batch = Math.min(64, docs - from);
            for (int i = 0; i < batch; i++) {
                Api.Response submitted =
                        api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\",\"params\":{}}");
                if (submitted.status() != 202) {
                    throw new IllegalStateException("submit refused: " + submitted);
                }
            }
            int done = 0;
            while (done < batch) {
                JsonNode claimed = api.post(
                                "/api/v1/worker/claim",
                                worker,
                                "{\"worker\":\"b/1\",\"processors\":[\"" + processor
                                        + "\"],\"max\":64,\"waitSeconds\":5}")
                        .json()
                        .get("jobs");
                for (JsonNode job : claimed) {
                    StringBuilder result = new StringBuilder("{\"language\":\"en\",\"segments\":[");
                    for (int s = 0; s < perDoc; s++, n++) {
                        String[] said = sentence(random);
                        result.append(s == 0 ? "" : ",")
                                .append("{\"start\":")
                                .append(s * 5)
                                .append(",\"end\":")
                                .append(s * 5 + 4)
                                .append(",\"text\":\"")
                                .append(said[0])
                                .append("\"}");
                        if (n % every == 0 && asked.size() < questions) {
                            asked.add(new Question(said[1], job.get("id").asString(), s));
                        }
                    }
                    api.post(
                            "/api/v1/worker/jobs/" + job.get("id").asString() + "/complete",
                            worker,
                            "{\"lease\":\"" + job.get("lease").asString() + "\",\"result\":" + result + "]}}");
                    done++;
                }
            }
        }
        return asked;
    }

    /** A segment ("Greta Voss repaired the old bicycle in Ghent on Tuesday.") and its question. */
    private static String[] sentence(Random random) {
        String name = FIRST[random.nextInt(FIRST.length)] + " " + LAST[random.nextInt(LAST.length)];
        String[] verb = VERBS[random.nextInt(VERBS.length)];
        String[] noun = NOUNS[random.nextInt(NOUNS.length)];
        String city = CITIES[random.nextInt(CITIES.length)];
        String said = name + " " + verb[0] + " the " + noun[0] + " in " + city + " last week, before the meeting.";
        String question = "Which " + noun[1] + " did " + name + " " + verb[1] + " in " + city + "?";
        return new String[] {said, question};
    }

    private static void ask(Api api, String member, TestDatabases.Kind kind, String mode, List<Question> asked) {
        long[] micros = new long[asked.size()];
        int inTop5 = 0;
        double reciprocal = 0;
        for (int round = 0; round < 2; round++) { // the first round warms up (caches, JIT); the second is measured
            inTop5 = 0;
            reciprocal = 0;
            for (int i = 0; i < asked.size(); i++) {
                Question q = asked.get(i);
                long t = System.nanoTime();
                JsonNode items = api.get(
                                "/api/v1/search?limit=10&mode=" + mode + "&q="
                                        + URLEncoder.encode(q.text(), StandardCharsets.UTF_8),
                                member)
                        .json()
                        .get("items");
                micros[i] = (System.nanoTime() - t) / 1000;
                for (int rank = 0; rank < items.size(); rank++) {
                    JsonNode hit = items.get(rank);
                    if (hit.get("jobId").asString().equals(q.job())
                            && hit.get("segment").asInt() == q.segment()) {
                        inTop5 += rank < 5 ? 1 : 0;
                        reciprocal += 1.0 / (rank + 1);
                        break;
                    }
                }
            }
        }
        Arrays.sort(micros);
        System.out.printf(
                Locale.ROOT,
                "%-9s  %-8s p50 %6.1f ms  p99 %6.1f ms  recall@5 %.3f  MRR@10 %.3f  (%d questions; load %s)%n",
                kind.name().toLowerCase(Locale.ROOT),
                mode,
                Bench.percentile(micros, 50) / 1000,
                Bench.percentile(micros, 99) / 1000,
                inTop5 / (double) asked.size(),
                reciprocal / asked.size(),
                asked.size(),
                Bench.loadAverage());
    }
}
