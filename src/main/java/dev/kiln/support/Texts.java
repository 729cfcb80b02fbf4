package dev.kiln.support;

/** Text that came from code we do not control (processors, exceptions), made safe to store and show. */
public final class Texts {

    private Texts() {
    }

    /**
     * Without NUL and other control characters (tabs and newlines stay), at most {@code max}
     * characters. PostgreSQL refuses NUL in text, SQLite does not: both must store the same.
     */
    public static String safe(String text, int max) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        text.codePoints()
                .filter(c -> c == '\n' || c == '\t' || !Character.isISOControl(c))
                .limit(max)
                .forEach(out::appendCodePoint);
        return out.toString();
    }
}
