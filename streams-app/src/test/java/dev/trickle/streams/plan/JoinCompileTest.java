package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How join queries are planned (which conjuncts become keys) and which ones are refused, without a database. */
class JoinCompileTest {
    private static final Map<String, SourceTable> TABLES = Map.of(
            "a", new SourceTable("public", "a", List.of(new SourceColumn("id", "integer"), new SourceColumn("k", "integer"),
                    new SourceColumn("s", "text"), new SourceColumn("u", "uuid"), new SourceColumn("ci", "text", "und-ci", false))),
            "b", new SourceTable("public", "b", List.of(new SourceColumn("id", "bigint"), new SourceColumn("k", "bigint"),
                    new SourceColumn("s", "text", "en_US"), new SourceColumn("u", "uuid"))));
    private static final SourceCatalog CATALOG = (schema, name) -> Optional.ofNullable(schema.equals("public") ? TABLES.get(name) : null);

    private static String explain(String sql) throws Exception {
        return QueryCompiler.compile(sql, List.of("public"), CATALOG).explain();
    }

    @Test
    void whereEqualitiesOfACommaJoinBecomeItsKeyAndSingleTableConditionsItsInputsFilters() throws Exception {
        String plan = explain("SELECT a.id, b.id AS bid FROM a, b WHERE a.k = b.k AND a.id > 3");
        assertTrue(plan.contains("InnerJoin(keys [=(CAST($1):BIGINT, $6)])\n    Filter(>($0, 3))"), plan);
    }

    @Test
    void otherConjunctsAreTheResidual() throws Exception {
        String plan = explain("SELECT a.id FROM a LEFT JOIN b ON a.k = b.k AND a.id < b.id AND a.s = 'x'");
        assertTrue(plan.contains("LeftJoin(keys [=(CAST($1):BIGINT, $6)], residual [<(CAST($0):BIGINT, $5), =($2, 'x')])"), plan);
        plan = explain("SELECT a.id FROM a RIGHT JOIN b ON a.k < b.k OR a.id = b.id");
        assertTrue(plan.contains("RightJoin(keys [], residual [OR("), plan);
        plan = explain("SELECT a.id FROM a FULL JOIN b ON 1 = 1");
        assertTrue(plan.contains("FullJoin(keys [], residual [=(1, 1)])"), plan);
    }

    @Test
    void isNotDistinctFromIsANullSafeKey() throws Exception {
        String plan = explain("SELECT a.id FROM a JOIN b ON a.k IS NOT DISTINCT FROM b.k");
        assertTrue(plan.contains("InnerJoin(keys [IS NOT DISTINCT FROM("), plan);
    }

    @Test
    void aConjunctOfEveryOrBranchIsPulledOutAndBecomesTheKey() throws Exception {
        // TPC-H Q19's shape: the join key written in each branch of an OR
        String plan = explain("SELECT a.id FROM a, b WHERE (a.k = b.k AND a.id > 3 AND b.s = 'x') OR (a.k = b.k AND a.id < 0)");
        assertTrue(plan.contains("InnerJoin(keys [=(CAST($1):BIGINT, $6)], residual [OR(AND(>($0, 3), =($7, 'x')), <($0, 0))])"), plan);
        plan = explain("SELECT a.id FROM a LEFT JOIN b ON (a.k = b.k AND a.id > 3) OR (a.k = b.k)");
        assertTrue(plan.contains("LeftJoin(keys [=(CAST($1):BIGINT, $6)])"), plan);
        // nothing in common: the OR stays whole
        plan = explain("SELECT a.id FROM a, b WHERE (a.k = b.k AND a.id > 3) OR (a.id = b.id AND a.id < 0)");
        assertTrue(plan.contains("InnerJoin(keys [], residual [OR("), plan);
    }

    @Test
    void subqueriesBecomeJoins() throws Exception {
        String plan = explain("SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k)");
        assertTrue(plan.contains("InnerJoin(keys [=($5, $6)])"), plan);
        plan = explain("SELECT a.id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k)");
        assertTrue(plan.contains("LeftJoin(keys [=($5, $6)])"), plan);
        plan = explain("SELECT a.id FROM a WHERE a.id IN (SELECT id FROM b WHERE b.s <> a.s)");
        assertTrue(plan.contains("InnerJoin("), plan);
        // NOT IN counts the subquery's rows and its NULLs: one NULL makes NOT IN unknown for every row
        plan = explain("SELECT a.id FROM a WHERE a.k NOT IN (SELECT k FROM b)");
        assertTrue(plan.contains("Aggregate(group={}, [COUNT(), COUNT($0)])"), plan);
        assertFalse(plan.contains("Correlate"), plan);
    }

    @Test
    void joinsKeepTheirOutputColumnNames() throws Exception {
        assertEquals(List.of("id", "bid", "k"), QueryCompiler.compile("SELECT a.id, b.id AS bid, k FROM a JOIN b USING (k)",
                List.of("public"), CATALOG).outputColumns());
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT a.id FROM a JOIN b ON a.u = b.u => operator = on uuid, uuid",
        "SELECT a.id FROM a FULL JOIN b ON a.k < b.k => FULL JOIN without an equality between its two sides",
        "SELECT a.id FROM a FULL JOIN b ON a.k IS NOT DISTINCT FROM b.k => FULL JOIN without an equality between its two sides",
        "SELECT a.id FROM a FULL JOIN b ON a.k = 1 => FULL JOIN without an equality between its two sides",
        "SELECT a.id FROM a, LATERAL (SELECT a.k) x => LATERAL",
        "SELECT a.id FROM a JOIN b ON a.s < b.s => text comparison s < s0 under collation \"en_US\"",
        "SELECT a.id FROM a JOIN b ON a.ci = b.s => text comparison ci = s0 under collations \"und-ci\" and \"en_US\""})
    void unsupportedJoinConditionsAreNamed(String sql, String construct) {
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> explain(sql));
        assertEquals(construct, e.construct());
    }
}
