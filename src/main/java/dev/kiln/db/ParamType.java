package dev.kiln.db;

/** The SQL type of a parameter that a statement takes once per row (see {@link Database#updateEach}). */
public enum ParamType {
    TEXT("text"),
    BIGINT("int8"),
    INTEGER("int4"),
    BOOLEAN("bool"),
    DOUBLE("float8");

    /** The type's name where it becomes an array (PostgreSQL). */
    final String arrayElement;

    ParamType(String arrayElement) {
        this.arrayElement = arrayElement;
    }
}
