package dev.kiln.testing;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A running Kiln (see {@link KilnApiTest}) and a client for it. */
@KilnApiTest
public abstract class ApiTestBase {

    @LocalServerPort
    protected int port;

    protected Api api;

    @BeforeEach
    void connect() {
        api = new Api(port);
    }
}
