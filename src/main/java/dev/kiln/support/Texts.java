package dev.kiln.support;

/** Text that came from code we do not control (processors, exceptions), made safe to store and show. */
public final class Texts {

    private Texts() {}

    /**
     * With every unpaired surrogate (half a character, which a client can send as a JSON escape)
     * replaced by U+FFFD, so the text can be encoded as UTF-8. The same string when there is none.
     */
    public static String wellFormed(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
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

    /**
     * Whether {@code text} (already {@link #wellFormed} and stripped) is a name: one line of 1 to
     * {@code max} characters without control characters. A line break would end a subtitle cue or a
     * log line early; NUL is refused by PostgreSQL, so both databases refuse it alike.
     */
    public static boolean isOneLine(String text, int max) {
        return !text.isEmpty() && text.length() <= max && safe(text, max).equals(text) && !text.contains("\n");
    }
}
