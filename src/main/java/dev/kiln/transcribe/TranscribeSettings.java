package dev.kiln.transcribe;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param modelsDir where extra Vosk models are dropped, one directory each (default: {@code models}
 *                  under Kiln's home); the English model is bundled and needs none
 */
@ConfigurationProperties("kiln.transcribe")
public record TranscribeSettings(Path modelsDir) {}
