package dev.kiln.uploads;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param expireAfter     an unfinished upload is deleted this long after its last write; default 24h
 * @param lockStaleAfter  a write that has made no progress for this long (its connection is
 *                        probably gone) may be taken over by a new one; default 10s
 * @param checkpointEvery during a long write, how often the bytes so far are made durable and
 *                        resumable; default 64MB
 * @param sweepInterval   how often expired uploads and unreferenced content are cleaned up; default 10m
 * @param blobGrace       content nothing refers to is deleted once it is this old; default 1h
 */
@ConfigurationProperties("kiln.uploads")
public record UploadSettings(
        @DefaultValue("24h") Duration expireAfter,
        @DefaultValue("10s") Duration lockStaleAfter,
        @DefaultValue("64MB") DataSize checkpointEvery,
        @DefaultValue("10m") Duration sweepInterval,
        @DefaultValue("1h") Duration blobGrace) {}
