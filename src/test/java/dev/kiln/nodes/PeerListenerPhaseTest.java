package dev.kiln.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.drain.DrainOrder;
import org.junit.jupiter.api.Test;

/**
 * A draining node hears the other nodes until its jobs' grace has passed: it stopped listening at
 * the drain's first step, so its followers missed other nodes' events during the readiness delay,
 * and a cancel sent through another node waited for the next heartbeat.
 */
class PeerListenerPhaseTest {

    @Test
    void theListenerStopsAfterStreamsCloseAndJobsAreReleased() {
        PeerListener listener = new PeerListener(null, null, null, null, null, null, null);

        assertThat(listener.getPhase()).isLessThan(DrainOrder.CLOSE_STREAMS).isLessThan(DrainOrder.RELEASE_JOBS);
    }
}
