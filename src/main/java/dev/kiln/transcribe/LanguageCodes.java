package dev.kiln.transcribe;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Language codes and English language names, both ways. OpenAI-style engines answer {@code verbose_json}
 * with the detected language's name ({@code "english"}), while Kiln's results and
 * whisper-asr-webservice's answers carry its ISO 639-1 code ({@code "en"}).
 */
public final class LanguageCodes {

    private static final Map<String, String> BY_NAME = byName();

    private LanguageCodes() {}

    /** The code of a language named in English, any case; anything else (a code, a name the JDK does not know) as it is. */
    public static String of(String language) {
        return language == null ? null : BY_NAME.getOrDefault(language.toLowerCase(Locale.ROOT), language);
    }

    /** The English name of a language ({@code en-us} → {@code english}), as Whisper reports it; the tag itself when unknown. */
    public static String name(String tag) {
        if (tag == null) {
            return "unknown";
        }
        String name = Locale.forLanguageTag(primary(tag)).getDisplayLanguage(Locale.ENGLISH);
        return name.isEmpty() ? tag : name.toLowerCase(Locale.ROOT);
    }

    /** {@code en-us} → {@code en}. */
    public static String primary(String tag) {
        int dash = tag.indexOf('-');
        return (dash < 0 ? tag : tag.substring(0, dash)).toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> byName() {
        Map<String, String> codes = new HashMap<>();
        for (String code : Locale.getISOLanguages()) {
            String name = Locale.of(code).getDisplayLanguage(Locale.ENGLISH).toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && !name.equals(code)) {
                codes.putIfAbsent(name, code);
            }
        }
        return Map.copyOf(codes);
    }
}
