package dev.kiln.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Tells a file's media type from its content with Apache Tika; the client's claimed type and
 * file name are deliberately not consulted.
 */
@Component
public class MediaTypeSniffer {

    /**
     * Tika's detector comes with its whole parser configuration: over a thousand classes, the
     * largest single cost of a start. Loaded on first use, or on a thread of its own once the node
     * is ready, whichever comes first: readiness does not wait for it, and an upload rarely does.
     */
    private static final class Tika {
        static final Detector DETECTOR = TikaConfig.getDefaultConfig().getDetector();
    }

    @EventListener(ApplicationReadyEvent.class)
    void loadAfterStart() {
        Thread.ofPlatform().daemon().name("tika-load").start(() -> Tika.DETECTOR.getClass());
    }

    public String sniff(Path file) throws IOException {
        try (InputStream in = TikaInputStream.get(file)) {
            return Tika.DETECTOR.detect(in, new Metadata()).getBaseType().toString();
        }
    }
}
