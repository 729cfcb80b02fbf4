package dev.kiln.files;

import dev.kiln.KilnHome;
import jakarta.servlet.MultipartConfigElement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Multipart uploads go straight to disk (threshold 0) under the data directory, never into
 * memory, and stop at the file size limit.
 */
@Configuration(proxyBeanMethods = false)
class MultipartConfiguration {

    @Bean
    MultipartConfigElement multipartConfigElement(FileSettings settings, KilnHome home) {
        Path spool = home.resolve("tmp").resolve("multipart");
        try {
            Files.createDirectories(spool);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long max = settings.maxSize().toBytes();
        return new MultipartConfigElement(spool.toAbsolutePath().toString(), max, max + 64 * 1024, 0);
    }
}
