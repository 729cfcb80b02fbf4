package dev.kiln.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled whether a submission may take the result of an earlier succeeded job of the same
 *                owner with the same input content, processor, engine version and params instead of
 *                running (docs/architecture.md, "Reusing results"); off, every job runs; default true
 */
@ConfigurationProperties("kiln.reuse")
public record ReuseSettings(@DefaultValue("true") boolean enabled) {}
