package dev.kiln.live;

/**
 * A client message that may arrive in parts: the container's per-socket text buffer is kept small
 * (it is allocated for every idle socket), so the rare longer message is put together here, up to
 * the configured maximum. Only the container's thread for the socket touches it.
 */
final class MessageAssembly {

    /** The message went past the limit; what was assembled is dropped. */
    static final class TooBig extends Exception {
        TooBig() {
            super(null, null, false, false);
        }
    }

    private final long maxSize;
    private StringBuilder assembling;

    /** @param maxSize at most this many characters per message */
    MessageAssembly(long maxSize) {
        this.maxSize = maxSize;
    }

    long maxSize() {
        return maxSize;
    }

    /** Adds a part; returns the whole message once its last part is in, else null. */
    String add(String part, boolean last) throws TooBig {
        if (assembling == null && last) {
            return part;
        }
        if (assembling == null) {
            assembling = new StringBuilder(part.length() * 2);
        }
        assembling.append(part);
        if (assembling.length() > maxSize) {
            assembling = null;
            throw new TooBig();
        }
        if (!last) {
            return null;
        }
        String whole = assembling.toString();
        assembling = null;
        return whole;
    }
}
