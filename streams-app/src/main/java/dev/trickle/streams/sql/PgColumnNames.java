package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlTrimFunction;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * The stream table's column names, as PostgreSQL's {@code CREATE TABLE AS} names them (FigureColname):
 * the alias; else a column's name; a function's name; {@code case}; for a cast, the inner name or else
 * the type's internal name ({@code int4}); a window function's name without its OVER; otherwise {@code ?column?}. Calcite's own names (EXPR$1) differ.
 */
final class PgColumnNames {
    private static final Pattern FUNCTION_NAME = Pattern.compile("\\s*([A-Za-z_][A-Za-z_0-9$]*)\\s*\\(");

    private record Name(String name, int strength) {
    }

    private final String sql;

    private PgColumnNames(String sql) {
        this.sql = sql;
    }

    /**
     * @param sql       the query text (function names are taken from it, e.g. {@code ceiling})
     * @param parsed    the SELECT as parsed
     * @param validated the same SELECT after validation (stars expanded)
     */
    static List<String> of(String sql, SqlSelect parsed, SqlSelect validated) {
        PgColumnNames figure = new PgColumnNames(sql);
        SqlNodeList items = parsed.getSelectList();
        SqlNodeList expanded = validated.getSelectList();
        int stars = 0;
        for (SqlNode item : items) {
            stars += isStar(item) ? 1 : 0;
        }
        int perStar = stars == 0 ? 0 : (expanded.size() - (items.size() - stars)) / stars;
        List<String> names = new ArrayList<>();
        int v = 0;
        for (SqlNode item : items) {
            if (isStar(item)) {
                for (int i = 0; i < perStar; i++) {
                    names.add(figure.expandedName(expanded.get(v++)));
                }
            } else {
                names.add(figure.name(item));
                v++;
            }
        }
        return names;
    }

    private static boolean isStar(SqlNode item) {
        return item instanceof SqlIdentifier id && id.isStar();
    }

    private String expandedName(SqlNode item) {
        SqlNode n = item.getKind() == SqlKind.AS ? ((SqlCall) item).operand(0) : item;
        return n instanceof SqlIdentifier id ? id.names.get(id.names.size() - 1) : name(item);
    }

    String name(SqlNode item) {
        if (item.getKind() == SqlKind.AS) {
            return ((SqlIdentifier) ((SqlCall) item).operand(1)).getSimple();
        }
        Name n = figure(item);
        return n == null ? "?column?" : n.name();
    }

    private Name figure(SqlNode node) {
        if (node instanceof SqlIdentifier id) {
            return new Name(id.names.get(id.names.size() - 1), 2);
        }
        if (!(node instanceof SqlCall call) || node instanceof SqlLiteral) {
            return null;
        }
        if (call.getOperator().getName().equalsIgnoreCase(PgOperatorTable.PG_COLLATE.getName())) {
            // x COLLATE name is named after x
            return figure(call.operand(0));
        }
        switch (call.getKind()) {
            case CAST: {
                Name inner = figure(call.operand(0));
                if (inner != null && inner.strength() > 1) {
                    return inner;
                }
                return new Name(typeName(call.operand(1)), 1);
            }
            case CASE:
                return new Name("case", 1);
            case TRIM: {
                SqlNode flag = call.operand(0);
                String f = flag instanceof SqlLiteral l ? String.valueOf(l.getValueAs(SqlTrimFunction.Flag.class)) : "BOTH";
                return new Name(f.equals("LEADING") ? "ltrim" : f.equals("TRAILING") ? "rtrim" : "btrim", 2);
            }
            case OVER:
                // f(...) OVER (...) and f(...) OVER w: a window function is named after the function (row_number)
            case FILTER:
            case WITHIN_GROUP:
            case WITHIN_DISTINCT:
                // agg(...) FILTER (WHERE ...), agg(...) WITHIN GROUP (ORDER BY ...): named after the aggregate
                return figure(call.operand(0));
            case COALESCE:
            case NULLIF:
                return new Name(call.getKind().name().toLowerCase(Locale.ROOT), 2);
            default:
                break;
        }
        if (call.getOperator().getName().equalsIgnoreCase(PgDateTimeOperators.PG_AT_TIME_ZONE.getName())) {
            // x AT TIME ZONE z is PostgreSQL's timezone(z, x)
            return new Name("timezone", 2);
        }
        if (call.getOperator().getName().equalsIgnoreCase(PgDateTimeOperators.PG_DATE_TRUNC.getName())) {
            return new Name("date_trunc", 2);
        }
        if (call.getOperator().getName().toUpperCase(Locale.ROOT).startsWith("PG_JSONB_")) {
            // a jsonb operator (->, ->>, ...) written infix: an operator's column is ?column?
            return null;
        }
        if (call.getOperator() instanceof SqlFunction || call.getOperator().getName().matches("[A-Za-z_]+")
                && call.getOperator().getSyntax() == org.apache.calcite.sql.SqlSyntax.FUNCTION) {
            return new Name(functionName(call), 2);
        }
        return null;
    }

    /** The function's name as written (Calcite renames some, e.g. ceiling to CEIL), folded to lower case. */
    private String functionName(SqlCall call) {
        SqlParserPos pos = call.getParserPosition();
        int offset = offsetOf(pos.getLineNum(), pos.getColumnNum());
        if (offset >= 0) {
            Matcher m = FUNCTION_NAME.matcher(sql);
            m.region(offset, sql.length());
            if (m.lookingAt()) {
                return m.group(1).toLowerCase(Locale.ROOT);
            }
        }
        return call.getOperator().getName().toLowerCase(Locale.ROOT);
    }

    private int offsetOf(int line, int column) {
        if (line < 1 || column < 1) {
            return -1;
        }
        int offset = 0;
        for (int l = 1; l < line; l++) {
            offset = sql.indexOf('\n', offset) + 1;
            if (offset == 0) {
                return -1;
            }
        }
        int result = offset + column - 1;
        return result < sql.length() ? result : -1;
    }

    /** PostgreSQL's internal name of a cast's target type (int4, numeric, varchar, ...). */
    private static String typeName(SqlNode spec) {
        if (!(spec instanceof SqlDataTypeSpec ds)) {
            return "?column?";
        }
        if (!(ds.getTypeNameSpec() instanceof SqlBasicTypeNameSpec)) {
            return ds.getTypeName().getSimple().toLowerCase(Locale.ROOT);
        }
        String t = PgConvertletTable.pgTypeName(ds);
        if (t.startsWith("timestamp")) {
            return t.contains("with time zone") ? "timestamptz" : "timestamp";
        }
        return switch (t.replaceAll("\\(.*", "")) {
            case "smallint" -> "int2";
            case "integer" -> "int4";
            case "bigint" -> "int8";
            case "real" -> "float4";
            case "double precision" -> "float8";
            case "boolean" -> "bool";
            case "character varying" -> "varchar";
            case "character" -> "bpchar";
            default -> t.replaceAll("\\(.*", "");
        };
    }
}
