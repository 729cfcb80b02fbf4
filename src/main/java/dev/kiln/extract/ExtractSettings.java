package dev.kiln.extract;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param tesseract     the Tesseract command used for OCR (a name on PATH or a path)
 * @param ocrLanguages  Tesseract languages to recognise, e.g. {@code eng} or {@code eng+deu}
 * @param ocrDpi        resolution scanned PDF pages are rendered at for OCR
 * @param maxCharacters most text one document may yield; more fails as {@code document_too_large}
 */
@ConfigurationProperties("kiln.extract")
public record ExtractSettings(
        @DefaultValue("tesseract") String tesseract,
        @DefaultValue("eng") String ocrLanguages,
        @DefaultValue("300") int ocrDpi,
        @DefaultValue("20000000") int maxCharacters) {}
