package dev.kiln.auth;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum Role {
    /** Sees and manages everything. */
    ADMIN,
    /** Sees only their own files and jobs. */
    MEMBER,
    /** An external worker (docs/workers.md): only the worker endpoints, and the inputs of the jobs it holds. */
    WORKER;

    @JsonValue
    String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
