package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class WaitersTest {

    @Test
    void aSignalReachesAWaitRegisteredWhileAnotherOnTheSameKeyCloses() throws Exception {
        Waiters waiters = new Waiters();
        List<String> key = List.of("transcribe");
        int rounds = 50_000;
        CyclicBarrier start = new CyclicBarrier(2);
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            for (int i = 0; i < rounds; i++) {
                Waiters.Wait leaving = waiters.register(key);
                Future<?> closing = threads.submit(() -> {
                    start.await();
                    leaving.close();
                    return null;
                });
                Future<Waiters.Wait> arriving = threads.submit(() -> {
                    start.await();
                    return waiters.register(key);
                });
                closing.get();
                try (Waiters.Wait wait = arriving.get()) {
                    waiters.signal("transcribe");
                    assertThat(wait.await(Duration.ZERO))
                            .as("round %d: the signal reached the wait registered beside a close", i)
                            .isTrue();
                }
            }
        }
        assertThat(waiters.idle()).isTrue();
    }
}
