package dev.kiln.auth;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum Role {
    /** Sees and manages everything. */
    ADMIN,
    /** Sees only their own files and jobs. */
    MEMBER;

    @JsonValue
    String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
