package dev.trickle.streams.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.plan.OperatorPipeline;
import dev.trickle.streams.plan.RelTranslator;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.RelBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SEMI and ANTI joins, which the SQL front end does not produce yet (EXISTS and IN subqueries are refused
 * before planning): a plan built directly is translated and maintained, with the left input's columns only.
 */
class SemiJoinPlanTest {
    private static final SourceTable A = new SourceTable("public", "a", List.of(new SourceColumn("id", "integer"),
            new SourceColumn("k", "integer")));
    private static final SourceTable B = new SourceTable("public", "b", List.of(new SourceColumn("k", "bigint"),
            new SourceColumn("v", "text")));

    private static Map<String, String> row(String... nameValue) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    private static ZSet<Map<String, String>> zset(Map<String, String> row, long weight) {
        return new ZSet<Map<String, String>>().add(row, weight);
    }

    @ParameterizedTest
    @CsvSource({"SEMI, 1, 0", "ANTI, 0, 1"})
    void semiAndAntiJoinsKeepTheLeftColumnsOfMatchedOrUnmatchedRows(String kind, long matched, long unmatched) throws Exception {
        SchemaPlus root = Frameworks.createRootSchema(true);
        SchemaPlus schema = root.add("public", new org.apache.calcite.schema.impl.AbstractSchema());
        schema.add("a", new SourceRelTable(A));
        schema.add("b", new SourceRelTable(B));
        RelBuilder b = RelBuilder.create(Frameworks.newConfigBuilder().defaultSchema(root).build());
        b.scan("public", "a").scan("public", "b");
        var condition = b.call(SqlStdOperatorTable.EQUALS, b.field(2, 0, "k"), b.field(2, 1, "k"));
        RelNode rel = kind.equals("SEMI") ? b.semiJoin(condition).build() : b.antiJoin(condition).build();
        OperatorPipeline pipeline = new OperatorPipeline(RelTranslator.translate(rel).node());
        ZSet<List<String>> out = pipeline.apply(Map.of(
                "public.a", new ZSet<Map<String, String>>().add(row("id", "1", "k", "7"), 1).add(row("id", "2", "k", "8"), 2),
                "public.b", zset(row("k", "7", "v", "x"), 3)));
        ZSet<List<String>> expected = new ZSet<>();
        expected.add(Arrays.asList("1", "7"), matched);
        expected.add(Arrays.asList("2", "8"), 2 * unmatched);
        assertEquals(expected, out);
        // the last partner of key 7 goes away
        ZSet<List<String>> flip = new ZSet<>();
        flip.add(Arrays.asList("1", "7"), unmatched - matched);
        assertEquals(flip, pipeline.apply(Map.of("public.b", zset(row("k", "7", "v", "x"), -3))));
    }
}
