package dev.trickle.streams.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compiler's contract: what it accepts, how it refuses, and what it reports. */
class QueryCompilerTest {
    private static final SourceTable ORDERS = new SourceTable("public", "orders", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("amount", "numeric(10,2)"),
            new SourceColumn("note", "text"), new SourceColumn("ref", "uuid"), new SourceColumn("at", "timestamp with time zone")));
    private static final SourceTable SHOP_ORDERS = new SourceTable("shop", "orders", List.of(new SourceColumn("x", "integer")));
    private static final SourceTable ODD = new SourceTable("public", "Odd \"Name\"", List.of(
            new SourceColumn("Mixed Col", "integer"), new SourceColumn("lower", "text")));
    private static final SourceCatalog CATALOG = (schema, name) -> Optional.ofNullable(
            schema.equals("public") && name.equals("orders") ? ORDERS
                    : schema.equals("shop") && name.equals("orders") ? SHOP_ORDERS
                    : schema.equals("public") && name.equals("Odd \"Name\"") ? ODD : null);

    private static CompiledQuery compile(String sql) throws Exception {
        return QueryCompiler.compile(sql, List.of("public"), CATALOG);
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT o.id FROM orders o, LATERAL (SELECT o.id) p => LATERAL",
        "SELECT o.id FROM orders o JOIN orders p ON o.ref = p.ref => operator = on uuid, uuid",
        "SELECT bit_and(id) FROM orders => aggregate function bit_and()",
        "SELECT note, max(ref) FROM orders GROUP BY note => aggregate function max() on uuid",
        "SELECT id FROM orders ORDER BY random() LIMIT 3 => random()",
        "SELECT id FROM orders ORDER BY ref LIMIT 3 => ORDER BY on ref of type uuid",
        "SELECT rank() OVER (ORDER BY ref) FROM orders => window ORDER BY on ref of type uuid",
        "SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM orders"
                + " => window frame EXCLUDE CURRENT ROW",
        "SELECT string_agg(note, ',') OVER (ORDER BY id) FROM orders => window function string_agg()",
        "SELECT count(*) OVER (ORDER BY at RANGE BETWEEN INTERVAL '1' DAY PRECEDING AND CURRENT ROW) FROM orders"
                + " => RANGE with offset PRECEDING/FOLLOWING on type timestamp with time zone",
        "SELECT (SELECT 1) FROM orders => SELECT without FROM",
        "SELECT id FROM orders WHERE id IN (SELECT 1) => SELECT without FROM",
        "VALUES (1) => VALUES",
        "SELECT 1 => SELECT without FROM",
        "SELECT random() FROM orders => random()",
        "SELECT id FROM orders WHERE at < now() => now()",
        "SELECT current_date FROM orders => current_date",
        "SELECT ref::text FROM orders => cast from uuid to text",
        "SELECT ref = ref FROM orders => operator = on uuid, uuid",
        "SELECT at AT TIME ZONE 'EST' FROM orders => time zone 'EST'",
        "SELECT sqrt(amount) FROM orders => sqrt(numeric)",
        "SELECT id FROM orders WHERE note SIMILAR TO 'a%' => operator SIMILAR TO",
        // PostgreSQL has these; Calcite does not, so they cannot be maintained yet
        "SELECT md5(note) FROM orders => function md5()",
        // dates and times: a zone that is not a literal, PostgreSQL's free-form intervals, interval values
        "SELECT date_trunc('day', at, note) FROM orders => function date_trunc() with a time zone that is not a literal",
        "SELECT at - at FROM orders => operator - on timestamp with time zone, timestamp with time zone",
        "SELECT date_part('day', '2024-01-01') FROM orders => function date_part() on unknown",
        "SELECT DATE '2024-01-01' + interval 'P1D' FROM orders => interval literal 'P1D'",
        "SELECT interval '1 day' FROM orders => interval value",
        "SELECT INTERVAL '1' DAY + INTERVAL '1' HOUR + DATE '2024-01-01' FROM orders => interval arithmetic",
        "SELECT INTERVAL '1' DAY FROM orders => interval_day literal",
        "SELECT DATE '2024-01-01' + id::bigint FROM orders => operator + on date, bigint",
        "SELECT DATE '2024-01-01' + '1' FROM orders => operator + on date, date"})
    void unsupportedConstructsAreNamed(String sql, String construct) {
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> compile(sql));
        assertEquals(construct, e.construct());
        assertTrue(e.getMessage().contains("refresh_mode => 'FULL'"), e.getMessage());
    }

    @Test
    void aZoneDependentQueryNeedsATimeZoneTheEngineKnows() throws Exception {
        String sql = "SELECT date_trunc('month', at) AS m, count(*) AS n FROM orders GROUP BY date_trunc('month', at)";
        assertEquals(List.of("m", "n"), QueryCompiler.compile(sql, List.of("public"), "america/new_york", CATALOG).outputColumns());
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class,
                () -> QueryCompiler.compile(sql, List.of("public"), "<-03>+03", CATALOG));
        assertTrue(e.getMessage().contains("TimeZone '<-03>+03'"), e.getMessage());
        // a query that does not depend on the zone compiles under any
        QueryCompiler.compile("SELECT id, at FROM orders WHERE at > '2024-01-01 00:00:00+00'", List.of("public"), "<-03>+03", CATALOG);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT id FORM orders => line 1, column 16",
        "SELECT id,, note FROM orders => line 1, column 10",
        "SELECT nope FROM orders => line 1, column 8",
        "SELECT id FROM orders WHERE nothing > 1 => line 1, column 29",
        "SELECT id FROM missing => line 1, column 16",
        "SELECT id + 'x' FROM orders WHERE => line 1",
        "SELECT upper(note FROM orders => line 1, column 19",
        // positions refer to the text as written, though casts are parenthesized before parsing
        "SELECT id::text || nope::text FROM orders => line 1, column 20",
        "SELECT id::int::text +* 1 FROM orders => line 1, column 22",
        "SELECT id + interval '1 day' + nope FROM orders => line 1, column 32"})
    void invalidQueriesReportThePosition(String sql, String position) {
        QueryCompileException e = assertThrows(QueryCompileException.class, () -> compile(sql));
        assertTrue(e.getMessage().contains(position), e.getMessage());
    }

    @Test
    void columnNamesArePostgresqls() throws Exception {
        assertEquals(List.of("id", "amount", "note", "ref", "at"), compile("SELECT * FROM orders").outputColumns());
        assertEquals(List.of("id", "?column?", "upper", "case", "coalesce", "amount", "int4", "Total", "ceiling", "btrim"),
                compile("SELECT orders.id, id + 1, upper(note), CASE WHEN id > 0 THEN 1 END, coalesce(note, 'x'),"
                        + " amount::int, '1'::int, amount * 2 AS \"Total\", ceiling(amount), trim(note) FROM orders")
                        .outputColumns());
        assertEquals(List.of("id", "id", "amount"), compile("SELECT id, o.* FROM (SELECT id, amount FROM orders) o").outputColumns());
    }

    @Test
    void aggregatesWithFilterAndSetOperationsAreNamedAsInPostgresql() throws Exception {
        assertEquals(List.of("count", "sum", "n"),
                compile("SELECT count(*) FILTER (WHERE id > 1), sum(amount) FILTER (WHERE note IS NULL), count(*) AS n FROM orders")
                        .outputColumns());
        // a set operation's columns are named by its leftmost query
        assertEquals(List.of("?column?", "amount"), compile("SELECT id + 1, amount FROM orders UNION SELECT id, amount FROM orders")
                .outputColumns());
        assertEquals(List.of("x", "extract"), compile("(SELECT id AS x, extract(year from DATE '2024-01-01') FROM orders"
                + " EXCEPT SELECT 1, 2 FROM orders) UNION ALL SELECT id, amount FROM orders").outputColumns());
        assertEquals(List.of("id"), compile("SELECT id FROM orders INTERSECT SELECT amount FROM orders").outputColumns());
    }

    @Test
    void explicitTablesParenthesesCommentsAndTrailingSemicolons() throws Exception {
        assertEquals(List.of("id", "amount", "note", "ref", "at"), compile("TABLE orders").outputColumns());
        assertEquals(List.of("id"), compile("(SELECT id FROM orders)").outputColumns());
        assertEquals(List.of("id"), compile("SELECT id /* ::int */ FROM orders -- done\n ;  ").outputColumns());
        assertEquals(List.of("?column?"), compile("SELECT 'a::b' || id::text FROM orders;").outputColumns());
    }

    @Test
    void tablesResolveThroughTheSearchPathAndQuotedNamesKeepTheirCase() throws Exception {
        CompiledQuery viaPath = QueryCompiler.compile("SELECT x FROM orders", List.of("shop", "public"), CATALOG);
        assertEquals(List.of(SHOP_ORDERS), viaPath.sources());
        CompiledQuery qualified = QueryCompiler.compile("SELECT id FROM public.orders", List.of("shop"), CATALOG);
        assertEquals(List.of(ORDERS), qualified.sources());
        CompiledQuery odd = compile("SELECT \"Mixed Col\" * 2 AS \"Twice\", lower FROM \"Odd \"\"Name\"\"\"");
        assertEquals(List.of("Twice", "lower"), odd.outputColumns());
        assertEquals("public.Odd \"Name\"", odd.sources().get(0).qualifiedName());
        assertThrows(QueryCompileException.class, () -> compile("SELECT \"mixed col\" FROM \"Odd \"\"Name\"\"\""));
        assertThrows(QueryCompileException.class, () -> compile("SELECT id FROM ORDERS_missing"));
    }

    @Test
    void pipelineMaintainsTheResultThroughInsertsAndDeletes() throws Exception {
        CompiledQuery q = compile("SELECT note, amount * 2 AS doubled FROM orders WHERE amount > 5");
        ZSet<Map<String, String>> tick1 = new ZSet<>();
        tick1.add(Map.of("id", "1", "amount", "10.50", "note", "a"), 1);
        tick1.add(Map.of("id", "2", "amount", "1.00", "note", "b"), 1);
        tick1.add(Map.of("id", "3", "amount", "10.50", "note", "a"), 1);
        assertEquals(Map.of(List.of("a", "21.00"), 2L), q.pipeline().apply(Map.of("public.orders", tick1)).asMap());

        ZSet<Map<String, String>> tick2 = new ZSet<>();
        // an UPDATE arrives as -old +new; a row that leaves the filter is a deletion of its output
        tick2.add(Map.of("id", "3", "amount", "10.50", "note", "a"), -1);
        tick2.add(Map.of("id", "3", "amount", "2.00", "note", "a"), 1);
        tick2.add(Map.of("id", "2", "amount", "1.00", "note", "b"), -1);
        tick2.add(Map.of("id", "2", "amount", "8.00", "note", "b"), 1);
        assertEquals(Map.of(List.of("a", "21.00"), -1L, List.of("b", "16.00"), 1L),
                q.pipeline().apply(Map.of("public.orders", tick2)).asMap());
        assertTrue(q.pipeline().apply(Map.of()).isEmpty(), "no input, no output");
    }

    @Test
    void orderByWithoutLimitIsDroppedAndSaysSo() throws Exception {
        CompiledQuery q = compile("SELECT id + 1, upper(note) FROM orders ORDER BY ref, 2 DESC");
        assertEquals(List.of("?column?", "upper"), q.outputColumns());
        assertTrue(q.explain().contains("ORDER BY") && q.explain().contains("dropped: a stream table has no row order"), q.explain());
        assertEquals(List.of("?column?", "upper"), compile("SELECT id + 1, upper(note) FROM orders ORDER BY 2 LIMIT 3").outputColumns());
        assertTrue(compile("SELECT id FROM orders ORDER BY amount DESC, id LIMIT 3 OFFSET 1").explain()
                .contains("TopK(ORDER BY amount DESC NULLS FIRST, id NULLS LAST, LIMIT 3, OFFSET 1)"));
    }

    @Test
    void explainShowsThePlanAndTheOperators() throws Exception {
        String explain = compile("SELECT id FROM (SELECT id, amount FROM orders WHERE amount > 1) s WHERE id < 5").explain();
        assertTrue(explain.contains("LogicalFilter"), explain);
        assertTrue(explain.contains("Filter(") && explain.contains("Project(") && explain.contains("Scan(public.orders)"), explain);
    }
}
