package dev.kiln.db;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code UPDATE} of {@code jobs} rows picked by id, each row with parameters of its own: {@code
 * assignments} and {@code where} name them {@code :name}, their types in {@code params}. Built
 * once; the dialect decides whether it runs as one statement for all rows or once per row.
 *
 * @param params  every parameter the statement names, in order, with its type
 * @param oneRow  the statement for one row, its parameters named
 * @param allRows the statement for all rows at once, for a database with arrays: one array
 *                parameter per named one, in {@code params} order, joined as the rows of {@code v}
 */
public record EachRow(Map<String, ParamType> params, String oneRow, String allRows) {

    private static final Pattern PARAM = Pattern.compile("(?<!:):([A-Za-z][A-Za-z0-9]*)");

    /** The statement for the parameters it names, typed from {@code types}. */
    public static EachRow of(
            String table, String assignments, String where, String returning, Map<String, ParamType> types) {
        Map<String, ParamType> params = new LinkedHashMap<>();
        params.put("id", types.get("id"));
        Matcher m = PARAM.matcher(assignments + " " + where);
        while (m.find()) {
            ParamType type = types.get(m.group(1));
            if (type == null) {
                throw new IllegalArgumentException("no type for :" + m.group(1));
            }
            params.put(m.group(1), type);
        }
        return new EachRow(
                params,
                oneRow(table, assignments, where, returning),
                allRows(table, assignments, where, returning, params));
    }

    /** The statement for one row: {@code :id} and the other parameters as named. */
    private static String oneRow(String table, String assignments, String where, String returning) {
        return "UPDATE " + table + " SET " + assignments + " WHERE id = :id AND " + where + " RETURNING " + returning;
    }

    private static String allRows(
            String table, String assignments, String where, String returning, Map<String, ParamType> params) {
        List<String> arrays = new ArrayList<>();
        params.values().forEach(type -> arrays.add("?::" + type.arrayElement + "[]"));
        List<String> qualified = new ArrayList<>();
        for (String column : returning.split(",")) {
            qualified.add(table + "." + column.strip());
        }
        return "UPDATE " + table + " SET " + PARAM.matcher(assignments).replaceAll("v.$1")
                + " FROM unnest(" + String.join(", ", arrays) + ") AS v (" + String.join(", ", params.keySet()) + ")"
                + " WHERE " + table + ".id = v.id AND " + PARAM.matcher(where).replaceAll("v.$1")
                + " RETURNING " + String.join(", ", qualified);
    }
}
