package dev.kiln.library;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What retention removes; each kind is off while its age is unset (the default).
 *
 * @param jobs finished jobs are deleted this long after they finished
 * @param files files are deleted once no job has used them for this long (never while a waiting or running job needs one)
 * @param events the event logs of jobs finished this long ago are trimmed to their final state and result events
 * @param interval how often a node looks; default 1h
 * @param batchSize most rows of one kind one statement removes; default 500
 */
@ConfigurationProperties("kiln.retention")
public record RetentionSettings(
        Duration jobs,
        Duration files,
        Duration events,
        @DefaultValue("1h") Duration interval,
        @DefaultValue("500") int batchSize) {

    public boolean off() {
        return jobs == null && files == null && events == null;
    }
}
