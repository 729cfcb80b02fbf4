package dev.kiln.testing;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/** The committed test files under {@code src/test/resources/fixtures} (see make-media.sh there). */
public final class Fixtures {

    private Fixtures() {}

    public static Path path(String name) {
        try {
            return Path.of(Objects.requireNonNull(Fixtures.class.getResource("/fixtures/" + name), name)
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
