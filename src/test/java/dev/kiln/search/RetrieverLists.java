package dev.kiln.search;

import dev.kiln.db.Database;
import dev.kiln.embeddings.VectorHit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.context.ApplicationContext;

/**
 * What the search bench compares fusion methods on (dev.kiln.bench.SearchBench): a question's two
 * lists as hybrid search reads them, the any-word text list and the nearest vectors, each with its
 * scores and each hit's job and segment.
 */
public final class RetrieverLists {

    private RetrieverLists() {}

    /** A hit of one list: where it is and its score in that list. */
    public record Listed(long id, String job, int segment, double score) {}

    public record Lists(List<Listed> text, List<Listed> semantic) {}

    /** The owner's two lists for {@code query}, {@code depth} deep, from the running Kiln {@code app}. */
    public static Lists of(ApplicationContext app, String owner, String query, int depth) throws InterruptedException {
        TextSearch text = app.getBean(TextSearch.class);
        SegmentVectors vectors = app.getBean(SegmentVectors.class);
        Scope scope = new Scope(owner, null, Set.of(), Set.of(), false);
        List<TextSearch.Ranked> words = text.ranked(scope, TextSearch.terms(query), depth);
        List<VectorHit> nearest = vectors.nearest(scope, vectors.query(query), depth);
        Map<Long, Listed> places = places(app.getBean(Database.class), words, nearest);
        return new Lists(
                words.stream().map(r -> scored(places.get(r.id()), r.score())).toList(),
                nearest.stream().map(v -> scored(places.get(v.id()), v.score())).toList());
    }

    /** The two lists as Kiln's hybrid search fuses them ({@link Retrieval#fuse}), best first. */
    public static List<Listed> fused(List<Listed> text, List<Listed> semantic) {
        Map<Long, Listed> any = new HashMap<>();
        text.forEach(l -> any.put(l.id(), l));
        semantic.forEach(l -> any.put(l.id(), l));
        return Retrieval.fuse(
                        text.stream()
                                .map(l -> new TextSearch.Ranked(l.id(), l.score()))
                                .toList(),
                        semantic.stream()
                                .map(l -> new VectorHit(l.id(), (float) l.score()))
                                .toList())
                .stream()
                .map(f -> any.get(f.id))
                .toList();
    }

    private static Listed scored(Listed place, double score) {
        return new Listed(place.id(), place.job(), place.segment(), score);
    }

    private static Map<Long, Listed> places(Database db, List<TextSearch.Ranked> words, List<VectorHit> nearest) {
        Map<Long, Listed> places = new HashMap<>();
        List<Long> ids = new ArrayList<>();
        words.forEach(r -> ids.add(r.id()));
        nearest.forEach(v -> ids.add(v.id()));
        if (ids.isEmpty()) {
            return places;
        }
        db.sql()
                .sql("SELECT id, job_id, segment FROM search_segments WHERE id IN (:ids)")
                .param("ids", ids)
                .query((rs, n) -> new Listed(rs.getLong(1), rs.getString(2), rs.getInt(3), 0))
                .list()
                .forEach(l -> places.put(l.id(), l));
        return places;
    }
}
