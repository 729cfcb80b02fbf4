package dev.kiln.db;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import java.nio.file.Path;

/** What a node does first at start-up, in a process of its own that a test can kill -9: {@code <url> <home>}. */
final class MigratingNode {

    private MigratingNode() {}

    public static void main(String[] args) {
        try (HikariDataSource pool =
                Databases.pool(DatabaseSettings.forUrl(args[0], 4), new KilnHome(Path.of(args[1])))) {
            Databases.migrate(pool);
        }
    }
}
