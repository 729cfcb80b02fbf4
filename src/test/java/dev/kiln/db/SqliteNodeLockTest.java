package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which file a SQLite URL names, for the lock beside it (two processes: see SqliteSingleNodeTest). */
class SqliteNodeLockTest {

    @Test
    void theLockedFileIsTheDatabaseFile() {
        assertThat(SqliteNodeLock.sqliteFile("jdbc:sqlite:/srv/kiln/kiln.db")).isEqualTo(Path.of("/srv/kiln/kiln.db"));
        assertThat(SqliteNodeLock.sqliteFile("jdbc:sqlite:file:/srv/kiln/kiln.db?cache=shared"))
                .isEqualTo(Path.of("/srv/kiln/kiln.db"));
        assertThat(SqliteNodeLock.sqliteFile("jdbc:sqlite:data/../kiln.db"))
                .isEqualTo(Path.of("kiln.db").toAbsolutePath());
    }

    @Test
    void nothingIsLockedForPostgresqlOrAnInMemoryDatabase() {
        assertThat(SqliteNodeLock.sqliteFile("jdbc:postgresql://db/kiln")).isNull();
        assertThat(SqliteNodeLock.sqliteFile("jdbc:sqlite::memory:")).isNull();
        assertThat(SqliteNodeLock.sqliteFile("jdbc:sqlite:file:kiln?mode=memory&cache=shared"))
                .isNull();
    }
}
