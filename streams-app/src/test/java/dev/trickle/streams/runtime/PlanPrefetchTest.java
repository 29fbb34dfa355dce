package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The plans compiled ahead at start are the plans the engine would compile itself, handed out only for the
 * definition they were compiled from; a catalog that cannot be read leaves the compiling to the engine.
 */
class PlanPrefetchTest {
    private static AppConfig config(String url) {
        Properties p = new Properties();
        p.setProperty("application.id", "prefetch-test");
        p.setProperty("bootstrap.servers", "localhost:9092");
        p.setProperty("trickle.pg.url", url);
        p.setProperty("trickle.pg.password", "postgres");
        return new AppConfig(p);
    }

    @Test
    void eachStreamTableGetsThePlanTheEngineWouldCompileOnceAndOnlyForItsDefinition() throws Exception {
        String url = EmbeddedPg.freshDatabase("plan_prefetch");
        try (CatalogClient catalog = new CatalogClient(url, "postgres", "postgres")) {
            catalog.install();
            try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount numeric(10,2))");
                s.execute("CREATE TABLE customers (id int PRIMARY KEY, name text)");
                s.execute("SELECT pgtrickle.create_stream_table('per_customer', 'SELECT c.name, count(*) AS n, "
                        + "sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer "
                        + "GROUP BY c.name')");
                s.execute("SELECT pgtrickle.create_stream_table('big', "
                        + "'SELECT id, amount FROM orders WHERE amount > 100')");
                // refused by the engine (a volatile function; AUTO leaves the decision to it): the engine's own
                // refusal comes back from the prefetch
                s.execute("SELECT pgtrickle.create_stream_table('rnd', 'SELECT id, random() AS r FROM orders')");
            }
            List<StreamTableDef> defs = catalog.streamTables();
            assertEquals(3, defs.size());
            try (PlanPrefetch prefetch = PlanPrefetch.start(config(url))) {
                for (StreamTableDef def : defs.subList(0, 2)) {
                    CompiledQuery ahead = prefetch.take(def);
                    assertNotNull(ahead, def.displayName());
                    CompiledQuery now = QueryCompiler.compile(def.query(), def.searchPath(), def.timeZone(),
                            new PgSourceCatalog(catalog.connection()));
                    assertEquals(now.explain(), ahead.explain(), def.displayName());
                    assertNull(prefetch.take(def), "handed out once");
                }
                StreamTableDef refused = defs.get(2);
                assertThrows(UnsupportedQueryException.class, () -> QueryCompiler.compile(refused.query(),
                        refused.searchPath(), refused.timeZone(), new PgSourceCatalog(catalog.connection())));
                assertThrows(UnsupportedQueryException.class, () -> prefetch.take(refused));
            }
            // a definition altered after the plan was made is compiled by the engine, not taken from the prefetch
            try (PlanPrefetch prefetch = PlanPrefetch.start(config(url))) {
                StreamTableDef d = defs.get(1);
                StreamTableDef altered = new StreamTableDef(d.id(), d.schema(), d.name(), d.query() + " AND id > 0",
                        d.searchPath(), d.refreshMode(), d.status(), d.engineReady(), d.sources(), d.readyTick(),
                        d.planGeneration(), d.timeZone());
                assertNull(prefetch.take(altered));
                // the same query planned anew (an upstream's columns changed): not the plan made before either
                StreamTableDef e = defs.get(0);
                StreamTableDef replanned = new StreamTableDef(e.id(), e.schema(), e.name(), e.query(), e.searchPath(),
                        e.refreshMode(), e.status(), e.engineReady(), e.sources(), e.readyTick(), e.planGeneration() + 1,
                        e.timeZone());
                assertNull(prefetch.take(replanned));
            }
        }
    }

    @Test
    void aCatalogNotInstalledYetLeavesTheCompilingToTheEngine() throws Exception {
        String url = EmbeddedPg.freshDatabase("plan_prefetch_empty");
        StreamTableDef def = new StreamTableDef(1, "public", "x", "SELECT 1 AS one", List.of("public"), "AUTO",
                "INITIALIZING", false, List.of());
        try (PlanPrefetch prefetch = PlanPrefetch.start(config(url))) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertNull(prefetch.take(def)));
        }
    }
}
