package dev.kiln;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where Kiln keeps its state on this node: the SQLite database (when it is the database),
 * uploaded blobs and temporary files.
 *
 * @param home the data directory; default {@code ./kiln-data}
 */
@ConfigurationProperties("kiln")
public record KilnHome(@DefaultValue("./kiln-data") Path home) {

    public Path resolve(String child) {
        return home.resolve(child);
    }
}
