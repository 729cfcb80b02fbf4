package dev.kiln.bench;

import dev.kiln.search.RetrieverLists;
import dev.kiln.search.RetrieverLists.Listed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.springframework.context.ApplicationContext;

/**
 * The search bench's comparison of ways to fuse the two lists hybrid search reads (the any-word
 * text list and the nearest vectors), on the same lists for every question: each method's
 * recall@5 and MRR@10, overall and by kind of question. The lists are read once, as deep as the
 * deepest method looks, and cut for the others.
 */
final class FusionComparison {

    /** A question's answer and its two lists. */
    private record Case(SearchCorpus.Kind kind, String job, int segment, RetrieverLists.Lists lists) {}

    /** A way to fuse: a name and, from the two lists, the fused order. */
    private record Method(String name, BiFunction<List<Listed>, List<Listed>, List<Listed>> fuse) {}

    private FusionComparison() {}

    static void print(ApplicationContext app, String owner, List<SearchCorpus.Question> questions, List<String> jobs)
            throws InterruptedException {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            SearchCorpus.Question q = questions.get(i);
            cases.add(new Case(q.kind(), jobs.get(i), q.segment(), RetrieverLists.of(app, owner, q.text(), 200)));
        }
        List<Method> methods = List.of(
                new Method("text alone (any word)", (t, s) -> t),
                new Method("semantic alone", (t, s) -> s),
                new Method(
                        "Kiln: RRF k=10, ties share, text x2",
                        (t, s) -> RetrieverLists.fused(cut(t, 100), cut(s, 100))),
                new Method("RRF k=60, ranks by place (Kiln before)", (t, s) -> rrf(t, s, 60, false, 1, 1)),
                new Method("RRF k=60, ties share a rank", (t, s) -> rrf(t, s, 60, true, 1, 1)),
                new Method("RRF k=30, ties share a rank", (t, s) -> rrf(t, s, 30, true, 1, 1)),
                new Method("RRF k=10, ties share a rank", (t, s) -> rrf(t, s, 10, true, 1, 1)),
                new Method("RRF k=3, ties share a rank", (t, s) -> rrf(t, s, 3, true, 1, 1)),
                new Method("RRF k=60, ties share, text x2", (t, s) -> rrf(t, s, 60, true, 2, 1)),
                new Method("RRF k=60, ties share, semantic x2", (t, s) -> rrf(t, s, 60, true, 1, 2)),
                new Method("RRF k=10, ties share, text x2", (t, s) -> rrf(t, s, 10, true, 2, 1)),
                new Method("RRF k=10, ties share, semantic x2", (t, s) -> rrf(t, s, 10, true, 1, 2)),
                new Method("RRF k=10, ties share, text x1.5", (t, s) -> rrf(t, s, 10, true, 1.5, 1)),
                new Method("RRF k=3, ties share, text x2", (t, s) -> rrf(t, s, 3, true, 2, 1)),
                new Method("RRF k=1, ties share", (t, s) -> rrf(t, s, 1, true, 1, 1)),
                new Method("scaled scores 0.5/0.5 (0ddd77b)", (t, s) -> relative(cut(t, 100), cut(s, 100), 0.5)),
                new Method("scaled scores 0.3 text/0.7", (t, s) -> relative(cut(t, 100), cut(s, 100), 0.7)),
                new Method("scaled scores 0.7 text/0.3", (t, s) -> relative(cut(t, 100), cut(s, 100), 0.3)));
        for (Method m : methods) {
            Map<SearchCorpus.Kind, int[]> top5 = new EnumMap<>(SearchCorpus.Kind.class);
            double reciprocal = 0;
            for (Case c : cases) {
                List<Listed> fused = m.fuse().apply(c.lists().text(), c.lists().semantic());
                int[] counts = top5.computeIfAbsent(c.kind(), k -> new int[2]);
                counts[1]++;
                for (int rank = 0; rank < Math.min(10, fused.size()); rank++) {
                    if (fused.get(rank).job().equals(c.job()) && fused.get(rank).segment() == c.segment()) {
                        counts[0] += rank < 5 ? 1 : 0;
                        reciprocal += 1.0 / (rank + 1);
                        break;
                    }
                }
            }
            StringBuilder byKind = new StringBuilder();
            top5.forEach((k, c) -> byKind.append(String.format(
                    Locale.ROOT, " %s %.2f", k.name().toLowerCase(Locale.ROOT).substring(0, 4), c[0] / (double) c[1])));
            System.out.printf(
                    Locale.ROOT,
                    "  fusion  %-38s recall@5 %.3f (%s )  MRR@10 %.3f%n",
                    m.name(),
                    top5.values().stream().mapToInt(c -> c[0]).sum() / (double) cases.size(),
                    byKind.toString().strip(),
                    reciprocal / cases.size());
        }
    }

    private static List<Listed> cut(List<Listed> list, int depth) {
        return list.subList(0, Math.min(depth, list.size()));
    }

    /**
     * Reciprocal-rank fusion of the lists 100 deep: {@code weight / (k + rank)} from each; with {@code ties},
     * equal scores share the better rank.
     */
    private static List<Listed> rrf(
            List<Listed> text, List<Listed> semantic, int k, boolean ties, double textWeight, double semanticWeight) {
        Map<Long, Double> fused = new HashMap<>();
        Map<Long, Listed> any = new HashMap<>();
        ranked(cut(text, 100), k, ties, textWeight, fused, any);
        ranked(cut(semantic, 100), k, ties, semanticWeight, fused, any);
        return ordered(fused, any);
    }

    private static void ranked(
            List<Listed> list, int k, boolean ties, double weight, Map<Long, Double> fused, Map<Long, Listed> any) {
        int rank = 0;
        for (int i = 0; i < list.size(); i++) {
            if (!ties || i == 0 || list.get(i).score() != list.get(i - 1).score()) {
                rank = i + 1;
            }
            fused.merge(list.get(i).id(), weight / (k + rank), Double::sum);
            any.put(list.get(i).id(), list.get(i));
        }
    }

    /** Each list's scores scaled to 0..1 (its worst to its best), then weighed: {@code semanticWeight} and the rest. */
    private static List<Listed> relative(List<Listed> text, List<Listed> semantic, double semanticWeight) {
        Map<Long, Double> fused = new HashMap<>();
        Map<Long, Listed> any = new HashMap<>();
        scaled(text, 1 - semanticWeight, fused, any);
        scaled(semantic, semanticWeight, fused, any);
        return ordered(fused, any);
    }

    private static void scaled(List<Listed> list, double weight, Map<Long, Double> fused, Map<Long, Listed> any) {
        double best = list.stream().mapToDouble(Listed::score).max().orElse(0);
        double worst = list.stream().mapToDouble(Listed::score).min().orElse(0);
        for (Listed l : list) {
            double scaled = best == worst ? 1 : (l.score() - worst) / (best - worst);
            fused.merge(l.id(), weight * scaled, Double::sum);
            any.put(l.id(), l);
        }
    }

    private static List<Listed> ordered(Map<Long, Double> fused, Map<Long, Listed> any) {
        return fused.entrySet().stream()
                .sorted(Map.Entry.<Long, Double>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(e -> any.get(e.getKey()))
                .toList();
    }
}
