package dev.kiln.testing;

import java.util.Optional;

/** Reading samples out of a {@code /actuator/prometheus} scrape. */
public final class PrometheusText {

    private PrometheusText() {}

    /** The sum of {@code name}'s samples carrying every label pair in {@code labels}; empty when there is none. */
    public static Optional<Double> sample(String scrape, String name, String... labels) {
        return scrape.lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!line.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                            return false;
                        }
                    }
                    return true;
                })
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .reduce(Double::sum);
    }
}
