package dev.kiln.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Result files external workers upload (docs/workers.md, "Result files").
 *
 * @param maxSize   largest result file accepted; default 10GB
 * @param maxPerJob most result files one attempt of a job may hold; default 100
 */
@ConfigurationProperties("kiln.result-files")
public record ResultFileSettings(
        @DefaultValue("10GB") DataSize maxSize,
        @DefaultValue("100") int maxPerJob) {

    public ResultFileSettings {
        if (maxPerJob < 1) {
            throw new IllegalArgumentException("kiln.result-files.max-per-job must be at least 1");
        }
    }
}
