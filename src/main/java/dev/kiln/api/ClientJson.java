package dev.kiln.api;

import java.io.InputStream;
import java.util.Locale;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the JSON clients send — request bodies, WebSocket messages, upload metadata — within
 * bounds ({@link ApiSettings}), so that no client makes the server hold a huge tree, recurse
 * deeply over one, or parse a number of a million digits. Anything past a bound is refused while
 * parsing, before a tree exists.
 */
@Component
public class ClientJson {

    /** Any number a client has reason to send fits (a 64-bit integer has 20 digits). */
    static final int MAX_NUMBER_LENGTH = 100;
    /** Kiln's field names are short; a long one is a mistake or an attack. */
    static final int MAX_NAME_LENGTH = 1000;

    private final ApiSettings settings;
    private final JsonMapper reader;

    ClientJson(ApiSettings settings) {
        this.settings = settings;
        long maxSize = settings.maxJsonSize().toBytes();
        StreamReadConstraints bounds = StreamReadConstraints.builder()
                .maxDocumentLength(maxSize)
                .maxNestingDepth(settings.maxJsonDepth())
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxSize))
                .maxNameLength(MAX_NAME_LENGTH)
                .build();
        this.reader = JsonMapper.builder(
                        JsonFactory.builder().streamReadConstraints(bounds).build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public long maxSize() {
        return settings.maxJsonSize().toBytes();
    }

    /**
     * The document as a tree. Throws {@link StreamConstraintsException} past a bound (see
     * {@link #problem}) and any other {@link JacksonException} when it is not JSON.
     */
    public JsonNode read(InputStream in) throws JacksonException {
        return reader.readTree(in);
    }

    public JsonNode read(String text) throws JacksonException {
        return reader.readTree(text);
    }

    /** A body declared (Content-Length) or found to be larger than allowed: 413. */
    public ApiException tooLarge() {
        return new ApiException(
                        ErrorCode.JSON_TOO_LARGE,
                        "JSON bodies may be at most " + maxSize() + " bytes (kiln.api.max-json-size).")
                .with("maxSize", maxSize());
    }

    /** The problem for JSON past one of the bounds: 413 for its size, else 400 naming the bound. */
    public ApiException problem(StreamConstraintsException e) {
        Limit limit = Limit.of(e);
        if (limit == Limit.SIZE) {
            return tooLarge();
        }
        return new ApiException(ErrorCode.JSON_LIMIT_EXCEEDED, describe(e))
                .with("limit", limit.wire())
                .with("max", limit.max(this));
    }

    /** What went past which bound, for people: "The JSON is nested deeper than 32 levels." */
    public String describe(StreamConstraintsException e) {
        Limit limit = Limit.of(e);
        return switch (limit) {
            case SIZE -> "The JSON is larger than " + maxSize() + " bytes.";
            case DEPTH -> "The JSON is nested deeper than " + settings.maxJsonDepth() + " levels.";
            case NUMBER -> "A number in the JSON has more than " + MAX_NUMBER_LENGTH + " characters.";
            case NAME -> "A field name in the JSON has more than " + MAX_NAME_LENGTH + " characters.";
            case STRING -> "A string in the JSON is longer than " + maxSize() + " characters.";
            case OTHER -> "The JSON goes past one of the server's limits.";
        };
    }

    /** Which bound a {@link StreamConstraintsException} reports; Jackson names it in its message. */
    private enum Limit {
        SIZE("getMaxDocumentLength"),
        DEPTH("getMaxNestingDepth"),
        NUMBER("getMaxNumberLength"),
        NAME("getMaxNameLength"),
        STRING("getMaxStringLength"),
        OTHER("");

        private final String accessor;

        Limit(String accessor) {
            this.accessor = accessor;
        }

        static Limit of(StreamConstraintsException e) {
            String message = String.valueOf(e.getOriginalMessage());
            for (Limit limit : values()) {
                if (!limit.accessor.isEmpty() && message.contains(limit.accessor)) {
                    return limit;
                }
            }
            return OTHER;
        }

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        Object max(ClientJson json) {
            return switch (this) {
                case SIZE, STRING -> json.maxSize();
                case DEPTH -> json.settings.maxJsonDepth();
                case NUMBER -> MAX_NUMBER_LENGTH;
                case NAME -> MAX_NAME_LENGTH;
                case OTHER -> null;
            };
        }
    }
}
