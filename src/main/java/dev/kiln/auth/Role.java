package dev.kiln.auth;

public enum Role {
    /** Sees and manages everything. */
    ADMIN,
    /** Sees only their own files and jobs. */
    MEMBER;

    @com.fasterxml.jackson.annotation.JsonValue
    String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Role fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
