package dev.kiln.uploads;

import dev.kiln.testing.S3Server;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/** The tus contract with the bytes saved in S3-compatible object storage (S3Mock) as they arrive. */
@TestPropertySource(properties = {"kiln.test.database=sqlite", "kiln.storage.s3.prefix=tus"})
class S3TusProtocolTest extends TusProtocolContract {

    @TempDir
    static Path serverDir;

    static S3Server server;

    @DynamicPropertySource
    static void objectStore(DynamicPropertyRegistry registry) throws IOException {
        server = S3Server.start(serverDir, "kiln-tus");
        server.kilnSettings().forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }
}
