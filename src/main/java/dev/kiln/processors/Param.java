package dev.kiln.processors;

import java.util.List;
import java.util.function.Supplier;

/**
 * One parameter a processor takes. Build with {@link #string}, {@link #integer}, {@link #number}
 * or {@link #bool}, then refine with the {@code with…} methods.
 *
 * @param allowed for strings, the permitted values (asked each time: they may change, e.g.
 *                installed models); null for any
 */
public record Param(
        String name,
        Type type,
        String description,
        Object defaultValue,
        boolean required,
        Double min,
        Double max,
        Supplier<List<String>> allowed) {

    public enum Type {
        STRING("string"),
        INTEGER("integer"),
        NUMBER("number"),
        BOOLEAN("boolean");

        final String jsonType;

        Type(String jsonType) {
            this.jsonType = jsonType;
        }
    }

    public static Param string(String name, String description) {
        return new Param(name, Type.STRING, description, null, false, null, null, null);
    }

    public static Param integer(String name, String description) {
        return new Param(name, Type.INTEGER, description, null, false, null, null, null);
    }

    public static Param number(String name, String description) {
        return new Param(name, Type.NUMBER, description, null, false, null, null, null);
    }

    public static Param bool(String name, String description) {
        return new Param(name, Type.BOOLEAN, description, null, false, null, null, null);
    }

    public Param withDefault(Object value) {
        return new Param(name, type, description, value, required, min, max, allowed);
    }

    public Param asRequired() {
        return new Param(name, type, description, defaultValue, true, min, max, allowed);
    }

    /** Inclusive bounds for numbers; for strings, bounds on the length. */
    public Param withRange(double min, double max) {
        return new Param(name, type, description, defaultValue, required, min, max, allowed);
    }

    public Param withAllowed(Supplier<List<String>> values) {
        return new Param(name, type, description, defaultValue, required, min, max, values);
    }
}
