package dev.kiln.extract;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What reading a document found besides its text.
 *
 * @param ocrPages   pages whose text came from OCR
 * @param blankPages pages with no text at all
 */
record Extracted(Map<String, Object> metadata, List<Integer> ocrPages, List<Integer> blankPages) {

    /** Title and author when the document names them (blank ones left out), and the page count when known. */
    static Map<String, Object> metadata(String title, String author, Integer pages) {
        Map<String, Object> metadata = new TreeMap<>();
        if (title != null && !title.isBlank()) {
            metadata.put("title", title.strip());
        }
        if (author != null && !author.isBlank()) {
            metadata.put("author", author.strip());
        }
        if (pages != null) {
            metadata.put("pages", pages);
        }
        return metadata;
    }
}
