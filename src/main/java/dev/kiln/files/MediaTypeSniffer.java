package dev.kiln.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.springframework.stereotype.Component;

/**
 * Tells a file's media type from its content with Apache Tika; the client's claimed type and
 * file name are deliberately not consulted.
 */
@Component
public class MediaTypeSniffer {

    private final Detector detector = TikaConfig.getDefaultConfig().getDetector();

    public String sniff(Path file) throws IOException {
        try (InputStream in = TikaInputStream.get(file)) {
            return detector.detect(in, new Metadata()).getBaseType().toString();
        }
    }
}
