package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the aggregate and set operation translation accepts and refuses: aggregates the engine does not
 * maintain, and text semantics it cannot follow (orderings under other collations, nondeterministic ones).
 */
class AggregateCompileTest {
    private static final SourceTable PEOPLE = new SourceTable("public", "people", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("name", "text"), new SourceColumn("ci", "text", "und-ci", false),
            new SourceColumn("c_name", "text", "C"), new SourceColumn("posix", "text", "POSIX"),
            new SourceColumn("ref", "uuid"), new SourceColumn("tags", "text[]"), new SourceColumn("n", "numeric(8,2)")));

    private static SourceCatalog catalog(String databaseCollation) {
        return new SourceCatalog() {
            @Override
            public Optional<SourceTable> find(String schema, String name) {
                return Optional.ofNullable(schema.equals("public") && name.equals("people") ? PEOPLE : null);
            }

            @Override
            public String databaseCollation() {
                return databaseCollation;
            }
        };
    }

    private static CompiledQuery compile(String sql, String databaseCollation) throws Exception {
        return QueryCompiler.compile(sql, List.of("public"), catalog(databaseCollation));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT bit_or(id) FROM people => aggregate function bit_or()",
        "SELECT max(ref) FROM people => aggregate function max() on uuid",
        "SELECT array_agg(tags) FROM people => aggregate function array_agg() on text[]",
        "SELECT name, max(name) FROM people GROUP BY name => aggregate function max() on text under collation \"en_US.UTF-8\"",
        "SELECT string_agg(c_name, ',' ORDER BY name) FROM people => aggregate function listagg() on text under collation \"en_US.UTF-8\"",
        "SELECT ci, count(*) FROM people GROUP BY ci => GROUP BY / DISTINCT on ci under nondeterministic collation \"und-ci\"",
        "SELECT DISTINCT ci FROM people => GROUP BY / DISTINCT on ci under nondeterministic collation \"und-ci\"",
        "SELECT count(DISTINCT ci) FROM people => aggregate function count() under nondeterministic collation \"und-ci\"",
        "SELECT ci FROM people UNION SELECT name FROM people => UNION of text under nondeterministic collation \"und-ci\"",
        "SELECT c_name FROM people INTERSECT SELECT posix FROM people => INTERSECT of text under collations \"C\" and \"POSIX\"",
        "SELECT ref FROM people UNION SELECT name FROM people => UNION of [uuid, text]"})
    void refusalsNameTheConstruct(String sql, String construct) {
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> compile(sql, "en_US.UTF-8"), sql);
        assertEquals(construct, e.construct());
        assertTrue(e.getMessage().contains("refresh_mode => 'FULL'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // grouping needs equality only: any deterministic collation will do
        "SELECT name, count(*) FROM people GROUP BY name",
        "SELECT DISTINCT name FROM people",
        "SELECT name FROM people UNION SELECT c_name FROM people",
        "SELECT max(c_name), min(name COLLATE \"C\"), string_agg(name, ',' ORDER BY c_name) FROM people",
        "SELECT ci FROM people UNION ALL SELECT name FROM people",
        "SELECT array_agg(ref ORDER BY id), count(DISTINCT ref), sum(n) FILTER (WHERE id > 0) FROM people"})
    void acceptedUnderADatabaseCollationThatIsNotCodePointOrder(String sql) throws Exception {
        compile(sql, "en_US.UTF-8");
    }

    @Test
    void explainShowsTheAggregateAndSetOperators() throws Exception {
        String explain = compile("SELECT name, count(*) FROM people GROUP BY name UNION SELECT c_name, 1 FROM people", "C").explain();
        assertTrue(explain.contains("Union(2 inputs)"), explain);
        assertTrue(explain.contains("Aggregate(group={0}, [COUNT()])"), explain);
        assertTrue(compile("SELECT count(*) FROM people", "C").pipeline().isStateful());
        assertTrue(!compile("SELECT id FROM people UNION ALL SELECT id FROM people", "C").pipeline().isStateful());
    }
}
