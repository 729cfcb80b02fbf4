package dev.kiln.testing;

import java.util.Arrays;
import java.util.Locale;

/** Word error rate, the usual measure of a transcript: word-level edit distance over the reference's length. */
public final class WordErrorRate {

    private WordErrorRate() {}

    /** Compared as lowercase words without punctuation; substitutions, deletions and insertions count alike. */
    public static double of(String reference, String hypothesis) {
        String[] ref = words(reference);
        String[] hyp = words(hypothesis);
        int[] previous = new int[hyp.length + 1];
        int[] current = new int[hyp.length + 1];
        Arrays.setAll(previous, j -> j);
        for (int i = 1; i <= ref.length; i++) {
            current[0] = i;
            for (int j = 1; j <= hyp.length; j++) {
                int substitution = previous[j - 1] + (ref[i - 1].equals(hyp[j - 1]) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return ref.length == 0 ? 0 : (double) previous[hyp.length] / ref.length;
    }

    public static String[] words(String text) {
        String plain =
                text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]+", " ").strip();
        return plain.isEmpty() ? new String[0] : plain.split(" +");
    }
}
