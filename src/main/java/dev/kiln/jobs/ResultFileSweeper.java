package dev.kiln.jobs;

import dev.kiln.support.Loop;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Deletes result files of attempts that ended without success ({@link ResultFiles#sweep}), so they
 * stop counting in their owner's quota and their blobs can go. Listing never shows them meanwhile.
 */
@Component
class ResultFileSweeper extends Loop {

    private static final Logger log = LoggerFactory.getLogger(ResultFileSweeper.class);
    private static final Duration INTERVAL = Duration.ofMinutes(1);

    private final ResultFiles files;

    ResultFileSweeper(ResultFiles files) {
        super("kiln-result-file-sweeper", INTERVAL);
        this.files = files;
    }

    @Override
    protected boolean step() {
        int removed = files.sweep();
        if (removed > 0) {
            log.info("Result file sweep: {} file(s) of ended attempts removed", removed);
        }
        return false;
    }
}
