package dev.kiln.testing;

import dev.kiln.storage.BlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Places where a Kiln process a test started dies on purpose, as under {@code kill -9} at exactly
 * that point ({@link Runtime#halt}: no shutdown hook, nothing flushed, nothing released). With
 * {@code kiln.test.halt-before-blob-delete=<file>}, the process halts the moment it is about to
 * delete stored content while that file exists: a deletion's rows have gone, its bytes not yet.
 * Unset (every other test), nothing changes.
 */
@Configuration(proxyBeanMethods = false)
public class CrashPoints {

    /** The exit status of a halt here, so a test can tell it from any other death. */
    public static final int HALTED = 86;

    @Bean
    static BeanPostProcessor haltBeforeBlobDelete(Environment environment) {
        String marker = environment.getProperty("kiln.test.halt-before-blob-delete");
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return marker != null && bean instanceof BlobStore blobs
                        ? new GuardedDeletes(blobs, sha256 -> haltIfMarked(Path.of(marker)))
                        : bean;
            }
        };
    }

    private static void haltIfMarked(Path marker) {
        if (Files.exists(marker)) {
            Runtime.getRuntime().halt(HALTED);
        }
    }
}
