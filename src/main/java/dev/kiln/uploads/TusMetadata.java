package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code Upload-Metadata} header: comma-separated pairs of a key and a base64 value
 * ({@code filename d29ybGQudHh0,filetype dGV4dC9wbGFpbg==}). Keys Kiln reads: {@code filename},
 * {@code filetype} (informative only: the type is sniffed), and for the one-step flow
 * {@code processor}, {@code params} (JSON) and {@code priority}.
 */
final class TusMetadata {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_HEADER = 8 * 1024;

    private TusMetadata() {}

    static Map<String, String> parse(String header) {
        Map<String, String> values = new LinkedHashMap<>();
        if (header == null || header.isBlank()) {
            return values;
        }
        if (header.length() > MAX_HEADER) {
            throw ApiException.invalidField(
                    "Upload-Metadata", "Upload-Metadata may be at most " + MAX_HEADER + " characters.");
        }
        for (String pair : header.split(",", -1)) {
            String[] parts = pair.strip().split(" ", -1);
            if (parts.length > 2 || parts[0].isEmpty() || !KEY.matcher(parts[0]).matches()) {
                throw ApiException.invalidField(
                        "Upload-Metadata",
                        "Upload-Metadata must be comma-separated 'key base64value' pairs with keys of letters, digits, '.', '_', '-'.");
            }
            String value = "";
            if (parts.length == 2) {
                try {
                    value = new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalidField(
                            "Upload-Metadata", "The value of '" + parts[0] + "' is not valid base64.");
                }
            }
            if (values.put(parts[0], value) != null) {
                throw ApiException.invalidField("Upload-Metadata", "Key '" + parts[0] + "' appears twice.");
            }
        }
        return values;
    }
}
