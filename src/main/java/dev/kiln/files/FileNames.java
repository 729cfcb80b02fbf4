package dev.kiln.files;

/** Client file names are kept for display only; this makes them harmless to show. */
final class FileNames {

    private static final int MAX_LENGTH = 255;

    private FileNames() {}

    /** The last path segment, without control characters or stray surrogates, at most 255 characters; null if nothing is left. */
    static String sanitize(String name) {
        if (name == null) {
            return null;
        }
        String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        StringBuilder clean = new StringBuilder(base.length());
        base.codePoints()
                .filter(c -> !Character.isISOControl(c)
                        && Character.getType(c) != Character.FORMAT
                        && Character.getType(c) != Character.SURROGATE) // half a character: not text
                .forEach(clean::appendCodePoint);
        String result = clean.toString().strip();
        if (result.equals(".") || result.equals("..")) {
            return null;
        }
        if (result.length() > MAX_LENGTH) {
            // Never half a character: a surrogate pair is kept whole or dropped whole.
            int end = Character.isHighSurrogate(result.charAt(MAX_LENGTH - 1)) ? MAX_LENGTH - 1 : MAX_LENGTH;
            result = result.substring(0, end).strip();
        }
        return result.isEmpty() ? null : result;
    }
}
