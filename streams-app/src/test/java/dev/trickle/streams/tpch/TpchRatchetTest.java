package dev.trickle.streams.tpch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.sql.Connection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TPC-H ratchet: each of the 22 queries is either maintained incrementally (it compiles, and the
 * multi-tick oracle holds over {@value #ROUNDS} ticks of RF1/RF2 rounds: after the initial fill and after
 * every tick the pipeline's accumulated output equals PostgreSQL's result), or it is listed in
 * {@link #EXPECTED_UNSUPPORTED} with the construct the engine names when it refuses it. A listed query that
 * compiles fails the test until it is removed from the list, so the list only shrinks.
 *
 * <p>The fixture: {@link TpchSchema} (the tables), {@link TpchData} (the generator, loaded by COPY, with
 * {@link TpchPlants}), {@link TpchRefresh} (RF1/RF2), {@link TpchQueries} (the queries, in
 * {@code src/test/resources/tpch}), {@link TpchTicks} (the multi-tick oracle); {@link TpchFixtureTest} checks
 * the fixture itself. One database per test JVM ({@link TpchDatabase}); every check is rolled back. The
 * output ({@code target/surefire-reports/*TpchRatchetTest-output.txt}) lists each query's status and times.
 *
 * <p>The default scale factor is {@value TpchData#DEFAULT_SF} (4,500 orders, about 18,000 line items);
 * another one, or another data set:
 * <pre>
 * mvn -B -o -q -pl streams-app verify -Dtest='dev.trickle.streams.tpch.**' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtrickle.tpch.sf=0.01 -Dtrickle.tpch.seed=42
 * </pre>
 * (the fixture is tuned on the default: elsewhere every query still has rows, but a refresh round may not
 * change every result.)
 */
class TpchRatchetTest {
    static final int ROUNDS = 4;

    /** Query number → a word the construct of its UnsupportedQueryException contains (case-insensitive). */
    static final Map<Integer, String> EXPECTED_UNSUPPORTED = Map.ofEntries();

    static IntStream queries() {
        return TpchQueries.numbers();
    }

    @ParameterizedTest(name = "Q{0}")
    @MethodSource("queries")
    void maintainedOrRefusedAsListed(int n) throws Exception {
        TpchDatabase db = TpchDatabase.get();
        String query = TpchQueries.query(n, db.data.scaleFactor());
        String expected = EXPECTED_UNSUPPORTED.get(n);
        Connection connection = db.access.connection();
        long start = System.nanoTime();
        CompiledQuery compiled;
        try {
            compiled = QueryCompiler.compile(query, List.of("public"), new PgSourceCatalog(connection));
        } catch (UnsupportedQueryException e) {
            System.out.printf("Q%d: refused: %s%n", n, e.construct());
            if (expected == null) {
                fail("Q" + n + " is not in EXPECTED_UNSUPPORTED but is refused (a regression: the list may only shrink): "
                        + e.getMessage());
            }
            assertTrue(e.construct().toLowerCase(Locale.ROOT).contains(expected.toLowerCase(Locale.ROOT)),
                    "Q" + n + " is refused for '" + e.construct() + "', not '" + expected
                            + "': update its entry in EXPECTED_UNSUPPORTED (" + e.getMessage() + ")");
            return;
        } catch (QueryCompileException e) {
            throw new AssertionError("Q" + n + " does not compile (a TPC-H query must be maintained or refused as unsupported): "
                    + e.getMessage(), e);
        } finally {
            connection.rollback();
        }
        long compileMillis = (System.nanoTime() - start) / 1_000_000;
        TpchTicks.Timing timing;
        try {
            timing = db.ticks.check(query, compiled, new TpchRefresh(db.data).ticks(ROUNDS));
        } catch (AssertionError e) {
            throw new AssertionError("Q" + n + " compiles but its stream table differs from PostgreSQL's result"
                    + (expected == null ? "" : " (it is still listed in EXPECTED_UNSUPPORTED)") + ": " + e.getMessage()
                    + "\n" + compiled.explain(), e);
        }
        System.out.printf("Q%d: maintained (compile %d ms, initial fill %d ms, %d ticks %d ms)%n", n, compileMillis,
                timing.fillMillis(), ROUNDS, timing.ticksMillis());
        if (expected != null) {
            fail("Q" + n + " is maintained now: remove it from EXPECTED_UNSUPPORTED");
        }
    }
}
