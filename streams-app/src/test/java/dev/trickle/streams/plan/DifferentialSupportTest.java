package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.sql.Connection;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The catalog's list of what the engine implements ({@code R__engine_support.sql}) is what the engine of this build
 * compiles: a function or operator added to the engine, or lost, fails this test until the list is regenerated.
 */
class DifferentialSupportTest {
    @Test
    void theShippedListIsWhatTheEngineCompiles() throws Exception {
        Set<String> probed;
        try (Connection c = DifferentialSupport.probeDatabase("list")) {
            probed = DifferentialSupport.probe(c);
        }
        assertTrue(probed.size() > 300, "the probes found only " + probed.size() + " supported entries");
        if (Boolean.getBoolean("trickle.support.write")) {
            Files.writeString(DifferentialSupport.SHIPPED, DifferentialSupport.render(probed));
            return;
        }
        Set<String> shipped = DifferentialSupport.parse(Files.readString(DifferentialSupport.SHIPPED));
        Set<String> missing = new TreeSet<>(probed);
        missing.removeAll(shipped);
        Set<String> extra = new TreeSet<>(shipped);
        extra.removeAll(probed);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "R__engine_support.sql is not what the engine compiles: "
                + "missing " + missing + ", no longer compiled " + extra + "; regenerate with: "
                + DifferentialSupport.REGENERATE);
    }

    /** The catalog refuses every VALUES list and LATERAL outright (rtekind, lateral): the engine maintains none. */
    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(x, y)",
        "SELECT p.k, v.x FROM probe p JOIN (VALUES (1), (2)) v(x) ON p.k = v.x",
        "SELECT k FROM probe WHERE k IN (VALUES (1), (2))",
        "SELECT p.k, l.n FROM probe p, LATERAL (SELECT count(*) AS n FROM src s WHERE s.a = p.k) l",
        "SELECT p.k, l.a FROM probe p LEFT JOIN LATERAL (SELECT s.a FROM src s WHERE s.id = p.c_int4) l ON true"})
    void theEngineMaintainsNoValuesListAndNoLateral(String query) throws Exception {
        try (Connection c = DifferentialSupport.probeDatabase("structural")) {
            assertThrows(UnsupportedQueryException.class,
                    () -> QueryCompiler.compile(query, List.of("public"), new PgSourceCatalog(c)), query);
            c.rollback();
        }
    }
}
