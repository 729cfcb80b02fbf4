package dev.kiln.files;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param maxSize      largest file accepted; default 10GB
 * @param quotaPerUser storage one user may hold: their files plus their unfinished uploads; default 100GB
 * @param copyThreads  platform threads that copy request bodies into storage ({@link BodyCopies}); default 64
 */
@ConfigurationProperties("kiln.files")
public record FileSettings(
        @DefaultValue("10GB") DataSize maxSize,
        @DefaultValue("100GB") DataSize quotaPerUser,
        @DefaultValue("64") int copyThreads) {

    public FileSettings {
        if (copyThreads < 1) {
            throw new IllegalArgumentException("kiln.files.copy-threads must be at least 1");
        }
    }
}
