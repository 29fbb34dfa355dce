package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stream table on a schedule on the real stack: with writers changing its source every tick, it is brought up
 * to date only once its data is as old as its schedule (each apply at least that long after the tick of the one
 * before, several ticks in one transaction), and it equals its query at the tick it shows. alter_stream_table
 * from SQL: a longer schedule holds it, a suspension holds it, resuming catches up exactly without a refill.
 */
class ScheduleEndToEndTest extends E2eSupport {
    static final String QUERY = "SELECT grp, count(*) AS n, sum(v) AS total FROM sc_items GROUP BY grp";
    static final String COLUMNS = "grp, n, total";

    @Test
    void aScheduledStreamTableChangesOnlyAtItsMomentsAndAlterHoldsAndResumesIt() throws Exception {
        exec("CREATE TABLE sc_items (id int PRIMARY KEY, grp int, v int)",
             "INSERT INTO sc_items SELECT g, g % 5, g FROM generate_series(1, 50) g",
             "SELECT pgtrickle.create_stream_table('sc_agg', '" + QUERY + "', schedule => '3s')");
        awaitActive("public.sc_agg");
        assertMatches("public.sc_agg", COLUMNS, QUERY);
        long start = currentTick();

        // a change on (almost) every tick until the stream table was brought up to date 4 times since
        int round = 0;
        while (applies(start).size() < 4) {
            exec("UPDATE sc_items SET v = v + 1 WHERE id % 7 = " + (round++ % 7));
            long tick = currentTick();
            await("the next tick", sql(() -> currentTick() > tick));
            assertTrue(round < 400, "fewer than 4 applies in " + round + " ticks");
        }
        List<String> applies = applies(start);
        for (String a : applies) {
            // first tick | last tick | ms from the tick before the batch's first (the data it replaced) to the apply
            String[] f = a.split("\\|");
            assertTrue(Long.parseLong(f[1]) >= Long.parseLong(f[0]), a);
            assertTrue(Double.parseDouble(f[2]) >= 3000 - 200, "applied before its data was 3 s old: " + applies);
        }
        assertTrue(applies.stream().anyMatch(a -> !a.split("\\|")[0].equals(a.split("\\|")[1])),
                "several ticks in one transaction: " + applies);
        awaitCaughtUp("public.sc_agg");
        assertMatches("public.sc_agg", COLUMNS, QUERY);

        // a longer schedule holds it (from the sink's next look, within a second)
        exec("SELECT pgtrickle.alter_stream_table('sc_agg', schedule => '1h')");
        long altered = currentTick();
        await("a few ticks after the alter", sql(() -> currentTick() >= altered + 3));
        long held = lastTick("public.sc_agg");
        exec("UPDATE sc_items SET v = v * 2 WHERE grp = 1");
        long after = currentTick();
        await("five more ticks", sql(() -> currentTick() >= after + 5));
        assertEquals(held, lastTick("public.sc_agg"), "a 1h schedule holds the stream table");

        // suspended: held even on a short schedule; resumed: the held ticks, not a refill
        exec("SELECT pgtrickle.alter_stream_table('sc_agg', status => 'SUSPENDED', schedule => '1s')");
        assertEquals("SUSPENDED", status("public.sc_agg"));
        long suspended = currentTick();
        await("three ticks while suspended", sql(() -> currentTick() >= suspended + 3));
        assertEquals(held, lastTick("public.sc_agg"), "a suspended stream table is held");
        exec("SELECT pgtrickle.alter_stream_table('sc_agg', status => 'ACTIVE')");
        awaitCaughtUp("public.sc_agg");
        assertMatches("public.sc_agg", COLUMNS, QUERY);
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                + "USING (pgt_id) WHERE s.pgt_name = 'sc_agg' AND h.initial AND h.tick_id > " + start), "no refill");
        assertEquals("DIFFERENTIAL|AUTO", one("SELECT refresh_mode || '|' || requested_mode FROM pgtrickle.pgt_status() "
                + "WHERE name = 'public.sc_agg'"));
        exec("SELECT pgtrickle.drop_stream_table('sc_agg')", "DROP TABLE sc_items");
    }

    /** The applies with changes after tick {@code start}: first tick | last tick | ms since the data it replaced. */
    private static List<String> applies(long start) throws Exception {
        return rows("SELECT h.first_tick_id || '|' || h.tick_id || '|' || "
                + "extract(epoch FROM h.applied_at - t.created_at) * 1000 "
                + "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
                + "JOIN pgtrickle.pgt_ticks t ON t.tick_id = h.first_tick_id - 1 "
                + "WHERE s.pgt_name = 'sc_agg' AND NOT h.initial AND h.first_tick_id > " + (start + 1)
                + " ORDER BY h.refresh_id").stream().map(r -> r.substring(1, r.length() - 1)).toList();
    }
}
