package dev.kiln.processors;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Parameters declared one by one in Java, as built-in processors do. */
final class ParamList implements ParamsSchema {

    private final Map<String, Param> params = new LinkedHashMap<>();

    ParamList(List<Param> params) {
        for (Param p : params) {
            if (this.params.put(p.name(), p) != null) {
                throw new IllegalArgumentException("duplicate parameter " + p.name());
            }
        }
    }

    @Override
    public ObjectNode validate(JsonNode input) {
        List<FieldError> errors = new ArrayList<>();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (input != null && !input.isNull() && !input.isObject()) {
            throw new InvalidParams(List.of(new FieldError("params", "must be a JSON object")));
        }
        if (input != null && input.isObject()) {
            for (Iterator<String> names = input.propertyNames().iterator(); names.hasNext(); ) {
                String name = names.next();
                if (!params.containsKey(name)) {
                    errors.add(new FieldError("params." + name, "unknown parameter; known: " + params.keySet()));
                }
            }
        }
        for (Param p : params.values()) {
            JsonNode value = input == null ? null : input.get(p.name());
            if (value == null || value.isNull()) {
                if (p.required()) {
                    errors.add(new FieldError("params." + p.name(), "is required"));
                } else if (p.defaultValue() != null) {
                    out.set(p.name(), toNode(p.defaultValue()));
                }
                continue;
            }
            String problem = check(p, value);
            if (problem != null) {
                errors.add(new FieldError("params." + p.name(), problem));
            } else {
                out.set(p.name(), value);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidParams(errors);
        }
        return out;
    }

    private static String check(Param p, JsonNode value) {
        return switch (p.type()) {
            case STRING -> {
                if (!value.isString()) {
                    yield "must be a string";
                }
                String s = value.asString();
                if (p.min() != null && s.length() < p.min() || p.max() != null && s.length() > p.max()) {
                    yield "length must be between " + p.min().intValue() + " and "
                            + p.max().intValue();
                }
                if (p.allowed() != null && !p.allowed().get().contains(s)) {
                    yield "must be one of " + p.allowed().get();
                }
                yield null;
            }
            case INTEGER ->
                !value.isIntegralNumber() || !value.canConvertToLong()
                        ? "must be an integer"
                        : range(p, value.asDouble());
            case NUMBER ->
                !value.isNumber() || !Double.isFinite(value.asDouble())
                        ? "must be a number"
                        : range(p, value.asDouble());
            case BOOLEAN -> value.isBoolean() ? null : "must be true or false";
        };
    }

    private static String range(Param p, double v) {
        if (p.min() != null && v < p.min() || p.max() != null && v > p.max()) {
            return "must be between " + format(p.min()) + " and " + format(p.max());
        }
        return null;
    }

    private static String format(Double d) {
        if (d == null) {
            return "unbounded";
        }
        return d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString();
    }

    private static JsonNode toNode(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (value) {
            case Boolean b -> f.booleanNode(b);
            case Integer i -> f.numberNode(i);
            case Long l -> f.numberNode(l);
            case Number n -> f.numberNode(n.doubleValue());
            default -> f.stringNode(value.toString());
        };
    }

    @Override
    public Map<String, Object> jsonSchema() {
        Map<String, Object> properties = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        for (Param p : params.values()) {
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("type", p.type().jsonType);
            if (p.description() != null) {
                schema.put("description", p.description());
            }
            if (p.defaultValue() != null) {
                schema.put("default", p.defaultValue());
            }
            if (p.type() == Param.Type.STRING) {
                if (p.min() != null) {
                    schema.put("minLength", p.min().intValue());
                }
                if (p.max() != null) {
                    schema.put("maxLength", p.max().intValue());
                }
                if (p.allowed() != null) {
                    schema.put("enum", p.allowed().get());
                }
            } else if (p.type() != Param.Type.BOOLEAN) {
                if (p.min() != null) {
                    schema.put(
                            "minimum",
                            p.type() == Param.Type.INTEGER ? (Object) p.min().longValue() : p.min());
                }
                if (p.max() != null) {
                    schema.put(
                            "maximum",
                            p.type() == Param.Type.INTEGER ? (Object) p.max().longValue() : p.max());
                }
            }
            properties.put(p.name(), schema);
            if (p.required()) {
                required.add(p.name());
            }
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }
}
