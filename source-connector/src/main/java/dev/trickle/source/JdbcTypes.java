package dev.trickle.source;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL types of a result's columns, spelled as {@code format_type()} spells them, from what the
 * driver says of each column (its type name, and precision/scale for numeric, which come from the typmod):
 * enough to choose each column's Connect schema (dev.trickle.core.connect.ColumnKind) without another query.
 */
final class JdbcTypes {
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("int2", "smallint"), Map.entry("int4", "integer"), Map.entry("int8", "bigint"),
            Map.entry("float4", "real"), Map.entry("float8", "double precision"), Map.entry("bool", "boolean"),
            Map.entry("varchar", "character varying"), Map.entry("bpchar", "character"),
            Map.entry("timestamp", "timestamp without time zone"), Map.entry("timestamptz", "timestamp with time zone"),
            Map.entry("time", "time without time zone"), Map.entry("timetz", "time with time zone"));

    private JdbcTypes() {
    }

    /** The types of columns {@code first}..last of a result. */
    static List<String> of(ResultSetMetaData meta, int first) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int col = first; col <= meta.getColumnCount(); col++) {
            out.add(type(meta, col));
        }
        return out;
    }

    static String type(ResultSetMetaData meta, int col) throws SQLException {
        String name = meta.getColumnTypeName(col);
        if (name.startsWith("_")) {
            return NAMES.getOrDefault(name.substring(1), name.substring(1)) + "[]";
        }
        if (name.equals("numeric")) {
            int precision = meta.getPrecision(col);
            // an unconstrained numeric has no typmod: the driver says precision 0 (or its 1000 maximum)
            return precision > 0 && precision < 1000 ? "numeric(" + precision + "," + meta.getScale(col) + ")" : "numeric";
        }
        if (name.equals("varchar") || name.equals("bpchar")) {
            int length = meta.getPrecision(col);
            // without a length the driver says 0 or its 10485760 maximum
            String base = NAMES.get(name);
            return length > 0 && length < 10_485_760 ? base + "(" + length + ")" : base;
        }
        return NAMES.getOrDefault(name, name);
    }
}
