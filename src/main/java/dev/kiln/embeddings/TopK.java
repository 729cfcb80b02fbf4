package dev.kiln.embeddings;

import java.util.ArrayList;
import java.util.List;

/** The best {@code k} (score, id) pairs seen: a min-heap on two arrays, the worst kept at the root. */
final class TopK {

    private final float[] scores;
    private final long[] ids;
    private int size;

    TopK(int k) {
        scores = new float[k];
        ids = new long[k];
    }

    /** Whether {@code offer} would keep this pair: cheap, so a filter runs only for candidates. */
    boolean wouldTake(float score, long id) {
        return size < scores.length || better(score, id, scores[0], ids[0]);
    }

    void offer(float score, long id) {
        if (size < scores.length) {
            scores[size] = score;
            ids[size] = id;
            siftUp(size++);
        } else if (better(score, id, scores[0], ids[0])) {
            scores[0] = score;
            ids[0] = id;
            siftDown(0);
        }
    }

    /** Best first. */
    List<VectorHit> best() {
        List<VectorHit> hits = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            hits.add(new VectorHit(ids[i], scores[i]));
        }
        hits.sort((a, b) -> better(a.score(), a.id(), b.score(), b.id()) ? -1 : 1);
        return hits;
    }

    /** Higher score wins; on a tie the lower id, so results do not depend on row order. */
    private static boolean better(float score, long id, float otherScore, long otherId) {
        return score > otherScore || (score == otherScore && id < otherId);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(scores[parent], ids[parent], scores[i], ids[i])) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int worst = i;
            for (int child = 2 * i + 1; child <= 2 * i + 2 && child < size; child++) {
                if (better(scores[worst], ids[worst], scores[child], ids[child])) {
                    worst = child;
                }
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        float score = scores[a];
        scores[a] = scores[b];
        scores[b] = score;
        long id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
    }
}
