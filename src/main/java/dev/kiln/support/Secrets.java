package dev.kiln.support;

import java.util.regex.Pattern;

/**
 * The one rule set for masking credentials in text about to be logged: what follows "Bearer " or
 * "Basic ", {@code sig=}, {@code ticket=}, {@code token=}, {@code password=}, a JSON "token" or
 * "ticket", API tokens ({@code kiln_…}) and stream tickets ({@code wst_…}) wherever they appear,
 * whole Authorization header values, and the password in {@code //user:password@host}. Text log
 * lines apply it through {@code logging.pattern.redact} in application.yaml (the same expression,
 * checked by SecretsTest); JSON log lines through {@link RedactingLogCustomizer}.
 */
public final class Secrets {

    public static final String PATTERN =
            "(?i)(\\b(?:bearer|basic)\\s+|\\b(?:sig|ticket|token|access_token|password)=|\"(?:token|ticket|sig)\"\\s*:\\s*\"|\\b(?:kiln|wst)_(?=[a-z0-9]{16}))[^\\s\"&,;<>]+|(authorization\"?\\s*[:=]\\s*\"?)[^\"\\r\\n,\\]]+|(//[^/@:\\s]+:)[^/@\\s]+(?=@)";
    /** Keeps the prefix that said what the secret is (group 1, 2 or 3), drops the secret. */
    public static final String REPLACEMENT = "$1$2$3[redacted]";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private Secrets() {}

    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        return COMPILED.matcher(text).replaceAll(REPLACEMENT);
    }
}
