package dev.kiln.audit;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param retention how long audit entries are kept; default 365d
 */
@ConfigurationProperties("kiln.audit")
public record AuditSettings(@DefaultValue("365d") Duration retention) {}
