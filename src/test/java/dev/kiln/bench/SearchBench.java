package dev.kiln.bench;

import dev.kiln.KilnApplication;
import dev.kiln.testing.Api;
import dev.kiln.testing.TestDatabases;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * bench/search.sh: a generated corpus of transcripts ({@link SearchCorpus}: stories, and groups of
 * near-duplicates that differ in a code or an unusual surname only), submitted as a worker's
 * transcript-shaped results over HTTP, indexed by a Kiln with embeddings off (text segments/s) and by one
 * with them on (segments/s until every vector is written); then questions whose answer segment is known,
 * a third each paraphrased, keyword and mixed, asked in each mode: latency p50/p99 over HTTP, CPU per
 * question (Kiln's JVM, which also runs this client; and PostgreSQL's server), recall@5 and MRR@10, with
 * recall@5 per kind of question. On SQLite and PostgreSQL, the same corpus.
 */
public final class SearchBench {

    /** Whether to compare ways of fusing the lists after asking over HTTP ({@link FusionComparison}). */
    private static boolean fusion;

    private SearchBench() {}

    /** A question with its answer's job id. */
    private record Asked(SearchCorpus.Question question, String job) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int docs = Integer.parseInt(options.getOrDefault("docs", "2000"));
        int perDoc = Integer.parseInt(options.getOrDefault("segments", "50"));
        int questions = Integer.parseInt(options.getOrDefault("questions", "300"));
        long seed = Long.parseLong(options.getOrDefault("seed", "15"));
        boolean textOnly = Boolean.parseBoolean(options.getOrDefault("text-only", "true"));
        boolean embeddings = Boolean.parseBoolean(options.getOrDefault("embeddings", "true"));
        fusion = Boolean.parseBoolean(options.getOrDefault("fusion", "true"));
        System.out.printf(
                Locale.ROOT,
                "corpus     %d transcripts x %d segments = %d segments, %d questions, seed %d; load average %s%n",
                docs,
                perDoc,
                docs * perDoc,
                questions,
                seed,
                Bench.loadAverage());
        for (String db : options.getOrDefault("db", "sqlite,postgres").split(",")) {
            TestDatabases.Kind kind = TestDatabases.Kind.valueOf(db.toUpperCase(Locale.ROOT));
            if (textOnly) {
                run(kind, false, docs, perDoc, 0, seed);
            }
            if (embeddings) {
                run(kind, true, docs, perDoc, questions, seed);
            }
        }
        System.out.printf(Locale.ROOT, "end        load average %s%n", Bench.loadAverage());
        System.exit(0);
    }

    private static void run(TestDatabases.Kind kind, boolean vectors, int docs, int perDoc, int questions, long seed)
            throws Exception {
        String url = TestDatabases.fresh(kind);
        long postmaster = kind == TestDatabases.Kind.POSTGRES ? ProcCpu.postmasterOf(url) : -1;
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KilnApplication.class)
                .properties(
                        "kiln.database.url=" + url,
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
            long jvmCpu = ProcCpu.process(ProcessHandle.current().pid());
            long dbCpu = postmaster < 0 ? 0 : ProcCpu.postgresServer(postmaster);
            List<Asked> asked = load(api, member, docs, perDoc, questions, seed);
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
            jvmCpu = ProcCpu.process(ProcessHandle.current().pid()) - jvmCpu;
            dbCpu = postmaster < 0 ? 0 : ProcCpu.postgresServer(postmaster) - dbCpu;
            System.out.printf(
                    Locale.ROOT,
                    "%-9s  indexing %-16s %7.0f segments/s (%d in %.1f s, from the first submit; CPU per segment"
                            + " %.2f ms JVM (with this client) %.2f ms DB; load %s)%n",
                    kind.name().toLowerCase(Locale.ROOT),
                    vectors ? "text+embeddings" : "text only",
                    total / seconds,
                    total,
                    seconds,
                    jvmCpu / 1000.0 / total,
                    dbCpu / 1000.0 / total,
                    Bench.loadAverage());
            if (vectors) {
                if (kind == TestDatabases.Kind.POSTGRES) {
                    // What autovacuum does within a minute of a bulk load: asked during it, the questions would
                    // share the server with it (and rank by statistics from part of the corpus).
                    try (Connection c = DriverManager.getConnection(url);
                            Statement vacuum = c.createStatement()) {
                        vacuum.execute("VACUUM ANALYZE");
                    }
                }
                for (String mode : List.of("text", "semantic", "hybrid")) {
                    ask(api, member, kind, postmaster, mode, asked);
                }
                common(api, member, kind);
                if (fusion) {
                    FusionComparison.print(
                            app,
                            api.userId(member),
                            asked.stream().map(Asked::question).toList(),
                            asked.stream().map(Asked::job).toList());
                }
            }
        }
    }

    /** Submits the corpus as a worker's transcripts; returns the questions drawn from it. */
    private static List<Asked> load(Api api, String member, int docs, int perDoc, int questions, long seed) {
        String worker = api.newWorker("bench-worker-" + System.nanoTime());
        String processor = "bench-talk";
        api.declare(worker, processor, "{\"description\":\"Talks\",\"accepts\":[\"none\"],\"shape\":\"transcript\"}");
        SearchCorpus corpus = new SearchCorpus(seed);
        List<String> jobs = new ArrayList<>();
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
                    List<String> said = corpus.transcript(jobs.size(), perDoc);
                    jobs.add(job.get("id").asString());
                    StringBuilder result = new StringBuilder("{\"language\":\"en\",\"segments\":[");
                    for (int s = 0; s < said.size(); s++) {
                        result.append(s == 0 ? "" : ",")
                                .append("{\"start\":")
                                .append(s * 5)
                                .append(",\"end\":")
                                .append(s * 5 + 4)
                                .append(",\"text\":\"")
                                .append(said.get(s))
                                .append("\"}");
                    }
                    api.post(
                            "/api/v1/worker/jobs/" + job.get("id").asString() + "/complete",
                            worker,
                            "{\"lease\":\"" + job.get("lease").asString() + "\",\"result\":" + result + "]}}");
                    done++;
                }
            }
        }
        return corpus.questions(questions, seed + 1).stream()
                .map(q -> new Asked(q, jobs.get(q.doc())))
                .toList();
    }

    /** Words in a large share of the corpus, searched every-word (text mode): the worst case for ranking. */
    private static final List<String> COMMON = List.of(
            "meeting", "last week", "before the meeting", "Greta", "automobile", "invoice", "Ghent", "week Lisbon");

    private static void common(Api api, String member, TestDatabases.Kind kind) {
        long[] micros = new long[COMMON.size() * 3];
        int i = 0;
        for (int round = 0; round < 4; round++) { // the first round warms up
            for (String q : COMMON) {
                long t = System.nanoTime();
                api.get("/api/v1/search?limit=20&mode=text&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), member);
                if (round > 0) {
                    micros[i++] = (System.nanoTime() - t) / 1000;
                }
            }
        }
        Arrays.sort(micros);
        System.out.printf(
                Locale.ROOT,
                "%-9s  text, common words (%s, ...): p50 %6.1f ms  max %6.1f ms  (load %s)%n",
                kind.name().toLowerCase(Locale.ROOT),
                COMMON.getFirst(),
                Bench.percentile(micros, 50) / 1000,
                micros[micros.length - 1] / 1000.0,
                Bench.loadAverage());
    }

    private static void ask(
            Api api, String member, TestDatabases.Kind kind, long postmaster, String mode, List<Asked> asked) {
        long[] micros = new long[asked.size()];
        Map<SearchCorpus.Kind, int[]> found = new EnumMap<>(SearchCorpus.Kind.class); // {in top 5, asked}
        double reciprocal = 0;
        long jvmCpu = 0;
        long dbCpu = 0;
        for (int round = 0; round < 2; round++) { // the first round warms up (caches, JIT); the second is measured
            found.clear();
            reciprocal = 0;
            jvmCpu = ProcCpu.process(ProcessHandle.current().pid());
            dbCpu = postmaster < 0 ? 0 : ProcCpu.postgresServer(postmaster);
            for (int i = 0; i < asked.size(); i++) {
                SearchCorpus.Question q = asked.get(i).question();
                long t = System.nanoTime();
                JsonNode items = api.get(
                                "/api/v1/search?limit=10&mode=" + mode + "&q="
                                        + URLEncoder.encode(q.text(), StandardCharsets.UTF_8),
                                member)
                        .json()
                        .get("items");
                micros[i] = (System.nanoTime() - t) / 1000;
                int[] counts = found.computeIfAbsent(q.kind(), k -> new int[2]);
                counts[1]++;
                for (int rank = 0; rank < items.size(); rank++) {
                    JsonNode hit = items.get(rank);
                    if (hit.get("jobId").asString().equals(asked.get(i).job())
                            && hit.get("segment").asInt() == q.segment()) {
                        counts[0] += rank < 5 ? 1 : 0;
                        reciprocal += 1.0 / (rank + 1);
                        break;
                    }
                }
            }
            jvmCpu = ProcCpu.process(ProcessHandle.current().pid()) - jvmCpu;
            dbCpu = postmaster < 0 ? 0 : ProcCpu.postgresServer(postmaster) - dbCpu;
        }
        Arrays.sort(micros);
        int inTop5 = found.values().stream().mapToInt(c -> c[0]).sum();
        StringBuilder byKind = new StringBuilder();
        found.forEach((k, c) -> byKind.append(String.format(
                Locale.ROOT, " %s %.2f", k.name().toLowerCase(Locale.ROOT).substring(0, 4), c[0] / (double) c[1])));
        System.out.printf(
                Locale.ROOT,
                "%-9s  %-8s p50 %6.1f ms  p99 %6.1f ms  CPU/q %5.1f ms JVM %5.1f ms DB  recall@5 %.3f (%s )  MRR@10 %.3f"
                        + "  (%d questions; load %s)%n",
                kind.name().toLowerCase(Locale.ROOT),
                mode,
                Bench.percentile(micros, 50) / 1000,
                Bench.percentile(micros, 99) / 1000,
                jvmCpu / 1000.0 / asked.size(),
                dbCpu / 1000.0 / asked.size(),
                inTop5 / (double) asked.size(),
                byKind.toString().strip(),
                reciprocal / asked.size(),
                asked.size(),
                Bench.loadAverage());
    }
}
