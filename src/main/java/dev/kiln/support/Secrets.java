package dev.kiln.support;

import java.util.regex.Pattern;

/** Masks credentials in text that is about to be logged. */
public final class Secrets {

    /** Kiln's own API tokens ({@code kiln_} and 52 base32 characters), wherever they appear. */
    private static final Pattern KILN_TOKEN = Pattern.compile("kiln_[a-z2-7]{20,}");
    /** Whatever follows "Bearer" in a header someone logged. */
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[^\\s\"',;]+");
    /** password=… in JDBC URLs and query strings. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;\\s]*");
    /** user:password@ in URLs. */
    private static final Pattern URL_PASSWORD = Pattern.compile("//([^/@:\\s]+):[^/@\\s]*@");

    private Secrets() {
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = KILN_TOKEN.matcher(text).replaceAll("kiln_***");
        out = BEARER.matcher(out).replaceAll("$1***");
        out = PASSWORD_PARAMETER.matcher(out).replaceAll("$1***");
        return URL_PASSWORD.matcher(out).replaceAll("//$1:***@");
    }
}
