package dev.kiln.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Thresholds of the readiness checks.
 *
 * @param minFreeDisk free space the data directory's disk must have for the node to count as ready
 *                    (uploads, results and the SQLite database grow there); default 1GB
 */
@ConfigurationProperties("kiln.health")
public record HealthSettings(@DefaultValue("1GB") DataSize minFreeDisk) {}
