package dev.trickle.streams.plan;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The probe queries {@link DifferentialSupport} compiles through the engine: for each function, aggregate, window
 * function and operator of {@code pg_catalog} whose arguments are of types the engine reads (or polymorphic), a few
 * spellings of one call over the {@code probe} table, first all columns, then with literals where a column cannot
 * stand (a date part, a time zone, a separator, an offset), then all literals; every cast between those types; the
 * SQL-standard spellings PostgreSQL turns into calls (EXTRACT, AT TIME ZONE, SUBSTRING ... FROM, LIKE, IN, ...).
 */
final class SupportProbes {
    /** A type the probe table has a column of, with the literals that stand for it. */
    record ProbeType(String regtype, String column, String ddl, List<String> literals) {
    }

    /**
     * One catalog entry to probe, and the spellings to try in order (the first the engine compiles is enough), in
     * groups of one typing each, the first of a group with columns only.
     */
    record Probe(String kind, String signature, List<List<String>> groups) {
    }

    static final List<ProbeType> TYPES = List.of(
            new ProbeType("smallint", "c_int2", "smallint", List.of("2::smallint")),
            new ProbeType("integer", "c_int4", "integer", List.of("2")),
            new ProbeType("bigint", "c_int8", "bigint", List.of("2::bigint")),
            new ProbeType("numeric", "c_numeric", "numeric", List.of("2.5")),
            new ProbeType("real", "c_float4", "real", List.of("2.5::real")),
            new ProbeType("double precision", "c_float8", "double precision", List.of("2.5::double precision")),
            new ProbeType("boolean", "c_bool", "boolean", List.of("true")),
            // the text literals a text argument most often needs: a date part, a time zone, a separator, a pattern
            new ProbeType("text", "c_text", "text", List.of("'day'", "'UTC'", "','", "'a%'", "'{a}'")),
            new ProbeType("character varying", "c_varchar", "varchar(20)", List.of("'a'::varchar")),
            new ProbeType("character", "c_bpchar", "char(5)", List.of("'a'::char(5)")),
            new ProbeType("date", "c_date", "date", List.of("DATE '2024-01-02'")),
            new ProbeType("timestamp without time zone", "c_timestamp", "timestamp",
                    List.of("TIMESTAMP '2024-01-02 03:04:05'")),
            new ProbeType("timestamp with time zone", "c_timestamptz", "timestamptz",
                    List.of("TIMESTAMPTZ '2024-01-02 03:04:05+00'")),
            new ProbeType("jsonb", "c_jsonb", "jsonb", List.of("'{\"a\": 1}'::jsonb")),
            new ProbeType("uuid", "c_uuid", "uuid", List.of("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid")),
            // the engine takes interval literals (ts + interval '1 day'), not interval columns
            new ProbeType("interval", "c_interval", "interval", List.of("interval '1 day'")));

    private static final Set<String> POLYMORPHIC = Set.of("anyelement", "anynonarray", "anycompatible",
            "anycompatiblenonarray", "\"any\"");
    private static final String FROM = " AS r FROM probe";
    private static final String WINDOW = " OVER (PARTITION BY c_int2 ORDER BY k)";

    private SupportProbes() {
    }

    static String tableDdl() {
        StringBuilder b = new StringBuilder("CREATE TABLE probe (k integer PRIMARY KEY");
        TYPES.forEach(t -> b.append(", ").append(t.column()).append(' ').append(t.ddl()));
        return b.append(')').toString();
    }

    /** Every probe, read from the connection's pg_catalog (run with search_path = pg_catalog). */
    static List<Probe> all(Connection c) throws SQLException {
        List<Probe> probes = new ArrayList<>(functions(c));
        probes.addAll(operators(c));
        probes.add(new Probe("cast", "casts", casts().stream().map(List::of).toList()));
        probes.add(new Probe("syntax", "SQL-standard spellings", syntax().stream().map(List::of).toList()));
        return probes;
    }

    private static List<Probe> functions(Connection c) throws SQLException {
        List<Probe> out = new ArrayList<>();
        String sql = """
                SELECT p.oid::regprocedure::text, p.proname, p.prokind,
                       ARRAY(SELECT t::regtype::text FROM unnest(p.proargtypes) t), p.provariadic::regtype::text
                  FROM pg_proc p
                 WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind IN ('f', 'a', 'w')
                   AND NOT p.proretset AND p.provolatile <> 'v' AND p.pronargs <= 4
                   AND NOT (p.prokind = 'a' AND EXISTS (SELECT FROM pg_aggregate a
                                                         WHERE a.aggfnoid = p.oid AND a.aggkind <> 'n'))
                 ORDER BY 1""";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            functions(rs, out);
        }
        return out;
    }

    private static void functions(ResultSet rs, List<Probe> out) throws SQLException {
        while (rs.next()) {
            String signature = rs.getString(1);
            String name = rs.getString(2);
            String kind = rs.getString(3);
            List<String> args = List.of((String[]) rs.getArray(4).getArray());
            String variadic = rs.getString(5);
            if ("-".equals(variadic)) {
                add(out, "function", signature, calls(name, kind, args));
                continue;
            }
            // VARIADIC "any" (concat, format) or of an element type: called with one and with two of them
            List<String> one = new ArrayList<>(args.subList(0, args.size() - 1));
            one.add(variadic);
            List<String> two = new ArrayList<>(one);
            two.add(variadic);
            List<List<String>> queries = new ArrayList<>(calls(name, kind, one));
            queries.addAll(calls(name, kind, two));
            add(out, "function", signature, queries);
        }
    }

    private static void add(List<Probe> out, String kind, String signature, List<List<String>> queries) {
        if (!queries.isEmpty()) {
            out.add(new Probe(kind, signature, queries));
        }
    }

    /** The spellings of one call of {@code name} with arguments of {@code args}, by typing; none if a type is not probed. */
    private static List<List<String>> calls(String name, String prokind, List<String> args) {
        List<List<String>> out = new ArrayList<>();
        String callee = name.matches("[a-z_][a-z0-9_]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
        for (List<ProbeType> types : typings(args)) {
            List<String> group = new ArrayList<>();
            for (List<String> argList : spellings(types)) {
                String call = prokind.equals("a") && args.isEmpty() ? callee + "(*)"
                        : callee + "(" + String.join(", ", argList) + ")";
                group.add("SELECT " + call + (prokind.equals("w") ? WINDOW : "") + FROM);
            }
            out.add(group);
        }
        return out;
    }

    /** Concrete argument types: a polymorphic argument takes each probed type (all of them the same one). */
    private static List<List<ProbeType>> typings(List<String> args) {
        boolean polymorphic = args.stream().anyMatch(POLYMORPHIC::contains);
        List<List<ProbeType>> out = new ArrayList<>();
        for (ProbeType poly : polymorphic ? TYPES : List.of(TYPES.get(0))) {
            List<ProbeType> typed = new ArrayList<>();
            for (String a : args) {
                ProbeType t = POLYMORPHIC.contains(a) ? poly : byName(a);
                if (t == null) {
                    return List.of();
                }
                typed.add(t);
            }
            out.add(typed);
        }
        return out;
    }

    private static ProbeType byName(String regtype) {
        return TYPES.stream().filter(t -> t.regtype().equals(regtype)).findFirst().orElse(null);
    }

    /** All columns; each argument alone a column and the rest literals; all literals (each text literal in turn). */
    private static List<List<String>> spellings(List<ProbeType> types) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int n = types.size();
        List<String> columns = types.stream().map(ProbeType::column).toList();
        out.put(columns.toString(), columns);
        for (int variant = 0; variant < 5; variant++) {
            for (int col = -1; col < n; col++) {
                List<String> args = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    List<String> lits = types.get(i).literals();
                    args.add(i == col ? types.get(i).column() : lits.get(Math.min(variant, lits.size() - 1)));
                }
                out.putIfAbsent(args.toString(), args);
            }
        }
        return List.copyOf(out.values());
    }

    private static List<Probe> operators(Connection c) throws SQLException {
        List<Probe> out = new ArrayList<>();
        String sql = """
                SELECT o.oid::regoperator::text, o.oprname, o.oprleft::regtype::text, o.oprright::regtype::text
                  FROM pg_operator o WHERE o.oprnamespace = 'pg_catalog'::regnamespace ORDER BY 1""";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String op = rs.getString(2);
                boolean prefix = "-".equals(rs.getString(3));
                List<String> args = prefix ? List.of(rs.getString(4)) : List.of(rs.getString(3), rs.getString(4));
                List<List<String>> queries = new ArrayList<>();
                for (List<ProbeType> types : typings(args)) {
                    queries.add(spellings(types).stream().map(a -> "SELECT " + (prefix ? op + " " + a.get(0)
                            : "(" + a.get(0) + " " + op + " " + a.get(1) + ")") + FROM).toList());
                }
                add(out, "operator", rs.getString(1), queries);
            }
        }
        return out;
    }

    /** Every cast between the probed types, with and without a type modifier. */
    private static List<String> casts() {
        List<String> targets = new ArrayList<>(TYPES.stream().map(ProbeType::ddl).toList());
        targets.addAll(List.of("numeric(12,3)", "varchar(3)", "char(3)", "timestamp(0)", "timestamptz(0)", "text"));
        List<String> out = new ArrayList<>();
        for (ProbeType from : TYPES) {
            for (String to : targets) {
                out.add("SELECT CAST(" + from.column() + " AS " + to + ")" + FROM);
            }
        }
        return out;
    }

    /** What PostgreSQL's grammar turns into calls of functions and operators. */
    private static List<String> syntax() {
        List<String> exprs = new ArrayList<>();
        for (String field : List.of("year", "month", "day", "hour", "minute", "second", "epoch", "dow", "doy",
                "quarter", "week", "isodow", "isoyear", "microseconds", "milliseconds", "decade", "century",
                "millennium", "julian")) {
            for (String col : List.of("c_date", "c_timestamp", "c_timestamptz")) {
                exprs.add("EXTRACT(" + field + " FROM " + col + ")");
            }
        }
        exprs.addAll(List.of(
                "c_timestamptz AT TIME ZONE 'UTC'", "c_timestamp AT TIME ZONE 'UTC'",
                "c_timestamptz AT TIME ZONE 'Europe/Paris'", "POSITION(c_text IN c_text)", "POSITION('a' IN c_text)",
                "SUBSTRING(c_text FROM 2 FOR 3)", "SUBSTRING(c_text FROM 2)", "SUBSTRING(c_text FOR 2)",
                "SUBSTRING(c_text FROM 'a.')", "SUBSTRING(c_text SIMILAR 'a%' ESCAPE '#')", "TRIM(c_text)",
                "TRIM(BOTH 'x' FROM c_text)", "TRIM(LEADING 'x' FROM c_text)", "TRIM(TRAILING FROM c_text)",
                "OVERLAY(c_text PLACING 'x' FROM 2 FOR 1)", "OVERLAY(c_text PLACING 'x' FROM 2)",
                "c_text SIMILAR TO 'a%'", "c_text NOT SIMILAR TO 'a%'", "c_text LIKE 'a%' ESCAPE '#'",
                "c_text LIKE 'a%'", "c_text NOT LIKE 'a%'", "c_text ILIKE 'a%'", "c_text NOT ILIKE 'a%'",
                "c_varchar LIKE 'a%'", "c_bpchar LIKE 'a%'", "c_text LIKE c_varchar", "c_text ~ 'a.'",
                "c_text IN ('a', 'b')", "c_int4 IN (1, 2, 3)", "c_int4 NOT IN (1, 2)", "c_numeric IN (1.5, 2)",
                "c_int4 BETWEEN 1 AND 3", "c_int4 NOT BETWEEN c_int2 AND c_int8", "c_int4 IS DISTINCT FROM c_int8",
                "c_text IS NOT DISTINCT FROM 'a'", "NULLIF(c_int4, 1)", "NULLIF(c_text, '')", "COALESCE(c_int4, c_int8)",
                "GREATEST(c_int4, c_numeric)", "LEAST(c_text, 'm')", "c_text || c_int4", "c_int4 || c_text",
                "c_text || c_varchar", "c_bpchar || c_text", "c_jsonb -> 'a'", "c_jsonb ->> 'a'", "c_jsonb -> 0",
                "c_jsonb ->> 0", "c_jsonb #> '{a}'", "c_jsonb #>> '{a}'", "c_jsonb @> '{\"a\": 1}'", "c_jsonb ? 'a'",
                "c_jsonb = '{}'", "c_int4 = ANY (ARRAY[1, 2])", "c_text = ANY ('{a,b}')", "c_int4 + 1.5",
                "c_int2 + c_int8", "c_float4 * c_numeric", "c_date + 1", "c_date - c_date", "c_date < c_timestamp",
                "c_date < c_timestamptz", "c_timestamp < c_timestamptz", "c_text < c_varchar", "c_bpchar = c_text",
                "c_varchar = 'a'", "c_bpchar = 'a'", "c_text::date", "c_int4::text", "'5'::int + c_int4",
                "count(*)", "count(DISTINCT c_int4)", "sum(c_int4) FILTER (WHERE c_bool)",
                "string_agg(c_text, ',' ORDER BY c_text)", "count(*) OVER ()", "sum(c_int4) OVER (PARTITION BY c_int2)",
                "sum(c_numeric) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
                "avg(c_float8) OVER (ORDER BY k)", "min(c_text) OVER (PARTITION BY c_bool)"));
        return exprs.stream().map(e -> "SELECT " + e + FROM).toList();
    }
}
