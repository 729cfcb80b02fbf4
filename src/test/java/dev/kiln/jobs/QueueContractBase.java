package dev.kiln.jobs;

import dev.kiln.auth.User;
import dev.kiln.limits.LimitSettings;
import dev.kiln.testing.QueueFixture;
import dev.kiln.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** What the queue contracts share: a fresh {@link QueueFixture} on {@link #kind()} for each test, with alice and bob. */
abstract class QueueContractBase {

    QueueFixture fx;
    User alice;
    User bob;

    abstract TestDatabases.Kind kind();

    /** What the queue limits; nothing unless a contract says otherwise. */
    LimitSettings limits() {
        return LimitSettings.unlimited();
    }

    @BeforeEach
    void open() {
        fx = new QueueFixture(kind(), limits());
        alice = fx.user("alice");
        bob = fx.user("bob");
    }

    @AfterEach
    void close() {
        fx.close();
    }
}
