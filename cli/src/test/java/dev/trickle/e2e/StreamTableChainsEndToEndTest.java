package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Stream tables over stream tables on the real stack: a chain A → B → C follows rounds of random DML
 * through the upstreams' delta topics (no capture on storage tables), a refresh of the chain's head
 * fills the chain anew, a cycle and the drop of an upstream with dependents are refused, a downstream
 * of a FULL stream table is FULL under AUTO and refused under DIFFERENTIAL; and a diamond (B and C over
 * A, D over B and C) never shows B and C at two different ticks while writers run.
 */
class StreamTableChainsEndToEndTest extends E2eSupport {
    static final String A_Q = "SELECT id, grp, v FROM ch_items WHERE v > 10";
    static final String B_Q = "SELECT grp, count(*) AS n, sum(v) AS total FROM ch_a GROUP BY grp";
    static final String C_Q = "SELECT grp, total FROM ch_b WHERE n > 1";
    static final String C_FROM_BASE = "SELECT grp, sum(v) AS total FROM ch_items WHERE v > 10 GROUP BY grp HAVING count(*) > 1";
    /** A stream table and a base table in one query: its tick N joins B at tick N with the items at tick N. */
    static final String MIX_Q = "SELECT b.grp, b.total, count(*) AS items FROM ch_b b JOIN ch_items i ON i.grp = b.grp "
            + "GROUP BY b.grp, b.total";
    static final String FULL_Q = "SELECT grp, max(v) AS top FROM ch_items GROUP BY grp";
    static final String OVER_FULL_Q = "SELECT grp, top FROM ch_full WHERE top > 50";

    @Test
    void aChainFollowsRandomDmlAndIsRefusedCyclesAndDropsOfItsUpstreams() throws Exception {
        exec("CREATE TABLE ch_items (id int PRIMARY KEY, grp int, v int)",
             "INSERT INTO ch_items SELECT g, g % 7, (g * 37) % 100 FROM generate_series(1, 300) g",
             create("ch_a", A_Q, "AUTO"), create("ch_b", B_Q, "AUTO"), create("ch_c", C_Q, "DIFFERENTIAL"),
             create("ch_mix", MIX_Q, "DIFFERENTIAL"),
             create("ch_full", FULL_Q, "FULL"), create("ch_over_full", OVER_FULL_Q, "AUTO"));
        // DIFFERENTIAL over a FULL stream table: no delta to follow, refused by the create itself (catalog 0.4.0.27)
        String refused = assertThrows(SQLException.class, () -> exec(create("ch_over_full_diff", OVER_FULL_Q,
                "DIFFERENTIAL"))).getMessage();
        assertTrue(refused.contains("it reads stream table \"public\".\"ch_full\", which is refreshed in FULL mode"),
                refused);
        assertNull(one("SELECT to_regclass('public.ch_over_full_diff')"));
        // a chain is filled link after link (each waits for its upstream's fill to be applied): more time than one fill
        awaitActiveWithin(Duration.ofSeconds(240), "public.ch_a", "public.ch_b", "public.ch_c", "public.ch_mix",
                "public.ch_full", "public.ch_over_full");
        assertEquals("0", one("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('ch_a'::regclass, 'ch_b'::regclass, "
                + "'ch_full'::regclass) AND tgname LIKE 'pgt\\_cdc\\_%'"), "no capture on storage tables");
        assertEquals("DIFFERENTIAL", one("SELECT effective_mode FROM pgtrickle.explain_st('ch_c')"));
        assertEquals("FULL", one("SELECT effective_mode FROM pgtrickle.explain_st('ch_over_full')"));
        assertChain();

        Random random = new Random(Invariants.seed());
        for (int round = 0; round < 5; round++) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("INSERT INTO ch_items SELECT g, g % 9, (g * " + (7 + round) + ") % 100 FROM generate_series("
                        + (1000 + round * 50) + ", " + (1030 + round * 50) + ") g");
                s.execute("UPDATE ch_items SET v = v + " + random.nextInt(30) + " WHERE id % 5 = " + random.nextInt(5));
                s.execute("UPDATE ch_items SET grp = grp + 1 WHERE id % 11 = " + random.nextInt(11));
                s.execute("UPDATE ch_items SET id = id + 10000 WHERE id % 13 = " + random.nextInt(13) + " AND id < 10000");
                s.execute("DELETE FROM ch_items WHERE id % 17 = " + random.nextInt(17));
                c.commit();
            }
            awaitCaughtUp("public.ch_a", "public.ch_b", "public.ch_c", "public.ch_mix", "public.ch_full");
            assertChain();
        }

        // a refresh of the head fills the whole chain anew, and it goes on following changes
        long before = currentTick();
        exec("SELECT pgtrickle.refresh_stream_table('ch_a')");
        await("the chain to be filled anew", sql(() -> Long.parseLong(one("SELECT count(DISTINCT pgt_id) FROM "
                + "pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE h.initial AND "
                + "h.tick_id > " + before + " AND s.pgt_name IN ('ch_a', 'ch_b', 'ch_c', 'ch_mix')")) == 4));
        exec("UPDATE ch_items SET v = v + 40 WHERE id % 3 = 0");
        awaitCaughtUp("public.ch_a", "public.ch_b", "public.ch_c", "public.ch_mix", "public.ch_full");
        assertChain();

        SQLException cycle = assertThrows(SQLException.class, () -> exec(create("ch_loop", "SELECT grp, total FROM ch_loop", "AUTO")));
        assertTrue(cycle.getMessage().contains("cannot read itself (a cycle)"), cycle.getMessage());
        SQLException drop = assertThrows(SQLException.class, () -> exec("SELECT pgtrickle.drop_stream_table('ch_a')"));
        assertTrue(drop.getMessage().contains("stream table(s) public.ch_b, public.ch_c, public.ch_mix read it"), drop.getMessage());
        assertEquals("ACTIVE", status("public.ch_a"), "a refused drop leaves the stream table alone");

        exec("SELECT pgtrickle.drop_stream_table('ch_full', cascade => true)",
             "SELECT pgtrickle.drop_stream_table('ch_a', cascade => true)");
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE 'ch\\_%'"));
    }

    @Test
    void aDiamondNeverShowsItsTwoPathsAtDifferentTicks() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        DiamondWorkload diamond = new DiamondWorkload("dm", violations, 2, 10);
        exec(diamond.setupSql().toArray(String[]::new));
        exec(diamond.streamTableSql().toArray(String[]::new));
        awaitActiveWithin(Duration.ofSeconds(240), diamond.streamTables().toArray(String[]::new));
        InvariantRun.run("diamond", List.of(diamond), violations, Invariants.loadDuration(Duration.ofSeconds(15)), false,
                (runner, until) -> until.runOut());
        exec("SELECT pgtrickle.drop_stream_table('dm_a', cascade => true)");
    }

    private static void assertChain() throws Exception {
        assertMatches("public.ch_a", "*", A_Q);
        assertMatches("public.ch_b", "*", B_Q);
        assertMatches("public.ch_c", "*", C_Q);
        assertMatches("public.ch_c", "*", C_FROM_BASE);
        assertMatches("public.ch_mix", "*", MIX_Q);
        // FULL over a stream table reads the upstream as its sink last applied it: equal once that settles
        await("public.ch_over_full to equal its query", sql(() -> rows("(SELECT * FROM ch_over_full) EXCEPT ALL ("
                + OVER_FULL_Q + ")").isEmpty() && rows("(" + OVER_FULL_Q + ") EXCEPT ALL (SELECT * FROM ch_over_full)").isEmpty()));
        assertMatches("public.ch_over_full", "*", OVER_FULL_Q);
    }

    static void awaitActiveWithin(Duration limit, String... names) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        for (String name : names) {
            while (!"ACTIVE".equals(status(name))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for stream table " + name
                            + " to become ACTIVE\n" + diagnostics());
                }
                Thread.sleep(200); // polling the catalog, bounded by the deadline
            }
        }
    }

    private static String create(String name, String query, String mode) {
        return "SELECT pgtrickle.create_stream_table('" + name + "', '" + query.replace("'", "''") + "', refresh_mode => '"
                + mode + "')";
    }
}
