package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.ConfigFiles;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * parallel.refresh.mode=on in the sink of the real stack gives the same stream tables as off: a filter, an
 * aggregate and a join over their own sources follow the same DML under both modes and equal their queries;
 * with on, one sink task applies ticks of different stream tables at the same time, and the SQL functions report it.
 *
 * <p>Why the concurrency check cannot pass or fail by chance: the three one-partition delta topics are shared by the
 * sink's two tasks, so one task reads at least two of them; each apply of a non-empty delta takes at least
 * {@link #SLOW_APPLY_S} (a statement trigger on the stream tables) while every tick changes all three sources, so
 * that task always finds ticks of both stream tables waiting when it is done with the previous ones. With on it
 * then applies them on two of its workers at the same time; with off (or a broken pool) one after the other. Two
 * tasks applying at the same time do not count: intervals are compared within one task.
 */
class ParallelRefreshEndToEndTest extends E2eSupport {
    private static final String FILTER = "SELECT id, v FROM pr_a WHERE v % 3 <> 0";
    private static final String AGG = "SELECT g, count(*) AS n, sum(v) AS s FROM pr_b GROUP BY g";
    private static final String JOIN = "SELECT a.id, a.v, c.w FROM pr_a a JOIN pr_c c ON c.id = a.id";
    private static final double SLOW_APPLY_S = 0.3;
    /** Ticks in a row that change all three sources (each apply waits SLOW_APPLY_S, so a backlog builds). */
    private static final int BUSY_TICKS = 20;

    private static void dml(int round) throws Exception {
        exec("INSERT INTO pr_a SELECT g, g * " + round + " FROM generate_series(" + (round * 100) + ", "
                        + (round * 100 + 49) + ") g",
             "UPDATE pr_a SET v = v + 1 WHERE id % 7 = " + round % 7,
             "DELETE FROM pr_a WHERE id % 11 = " + round % 11,
             "INSERT INTO pr_b SELECT g, g % 5, g FROM generate_series(" + (round * 100) + ", " + (round * 100 + 49) + ") g",
             "UPDATE pr_b SET v = v * 2 WHERE id % 5 = " + round % 5,
             "INSERT INTO pr_c SELECT g, 'w' || g FROM generate_series(" + (round * 100) + ", " + (round * 100 + 29) + ") g");
        awaitCaughtUp("public.pr_filter", "public.pr_agg", "public.pr_join");
        assertMatches("public.pr_filter", "id, v", FILTER);
        assertMatches("public.pr_agg", "g, n, s", AGG);
        assertMatches("public.pr_join", "id, v, w", JOIN);
    }

    private static void sinkMode(String mode) throws Exception {
        ConfigFiles.Connector sink = stack.sinkConnector();
        Map<String, String> config = new HashMap<>(sink.config());
        config.put("parallel.refresh.mode", mode);
        config.put("max.dynamic.refresh.workers", "4");
        config.put("max.concurrent.refreshes", "4"); // 2 workers per task of the 2
        stack.connectWorker().deploy(sink.name(), config, Duration.ofSeconds(60));
        stack.connectWorker().awaitRunning(sink.name(), Duration.ofSeconds(60));
        // every live sink task reports the mode (the shipped sink runs 2 tasks; tasks of Connect workers killed or
        // stopped by earlier tests still count in worker_pool_status's mode for an hour, so ask the live ones)
        await("the sink to report parallel.refresh.mode=" + mode, sql(() -> "t".equals(one(
                "SELECT count(*) > 0 AND bool_and(parallel_mode = '" + mode + "') FROM pgtrickle.pgt_workers "
                        + "WHERE component = 'sink' AND heartbeat_at > now() - pgtrickle._heartbeat_timeout()"))));
    }

    /** The sink's completed applies of the pr_* stream tables, with their task and interval. */
    private static final String PR_HISTORY = "(SELECT h.pgt_id, h.tick_id, h.worker, h.started_at, h.duration_ms "
            + "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) "
            + "WHERE s.pgt_name LIKE 'pr\\_%' AND h.status = 'COMPLETED' AND h.worker IS NOT NULL)";

    /** Every apply of a non-empty delta to a pr_* stream table takes at least SLOW_APPLY_S. */
    private static void slowApplies() throws Exception {
        exec("CREATE FUNCTION pr_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "PERFORM pg_sleep(" + SLOW_APPLY_S + "); RETURN NULL; END $$");
        for (String st : List.of("pr_filter", "pr_agg", "pr_join")) {
            // a changed row of a keyed stream table is updated, a new one inserted: either makes the apply slow
            exec("CREATE TRIGGER pr_slow AFTER INSERT OR UPDATE ON " + st + " FOR EACH STATEMENT EXECUTE FUNCTION pr_slow()");
        }
    }

    /** BUSY_TICKS ticks in a row, each with a transaction that adds a row to every stream table. */
    private static void busyTicks() throws Exception {
        for (int i = 0; i < BUSY_TICKS; i++) {
            int id = 5000 + i;
            commitTogether(List.of("INSERT INTO pr_a VALUES (" + id + ", 1)",
                    "INSERT INTO pr_b VALUES (" + id + ", " + id % 5 + ", 1)",
                    "INSERT INTO pr_c VALUES (" + id + ", 'busy')"));
            long tick = currentTick();
            await("the tick after busy transaction " + i, sql(() -> currentTick() > tick));
        }
    }

    @Test
    void onGivesTheSameStreamTablesAsOff() throws Exception {
        exec("CREATE TABLE pr_a (id int PRIMARY KEY, v int)", "CREATE TABLE pr_b (id int PRIMARY KEY, g int, v int)",
             "CREATE TABLE pr_c (id int PRIMARY KEY, w text)",
             "INSERT INTO pr_a SELECT g, g FROM generate_series(1, 50) g",
             "INSERT INTO pr_b SELECT g, g % 5, g FROM generate_series(1, 50) g",
             "INSERT INTO pr_c SELECT g, 'w' || g FROM generate_series(1, 30) g",
             "SELECT pgtrickle.create_stream_table('pr_filter', $$" + FILTER + "$$)",
             "SELECT pgtrickle.create_stream_table('pr_agg', $$" + AGG + "$$)",
             "SELECT pgtrickle.create_stream_table('pr_join', $$" + JOIN + "$$)");
        try {
            awaitActive("public.pr_filter", "public.pr_agg", "public.pr_join");
            dml(1);
            long switched = currentTick();
            sinkMode("on");
            for (int round = 2; round <= 4; round++) {
                dml(round);
            }
            slowApplies();
            busyTicks();
            awaitCaughtUp("public.pr_filter", "public.pr_agg", "public.pr_join");
            assertMatches("public.pr_filter", "id, v", FILTER);
            assertMatches("public.pr_agg", "g, n, s", AGG);
            assertMatches("public.pr_join", "id, v, w", JOIN);
            String overlapping = one("SELECT count(*) FROM " + PR_HISTORY + " a JOIN " + PR_HISTORY + " b "
                    + "ON a.pgt_id < b.pgt_id AND split_part(a.worker, '/', 1) = split_part(b.worker, '/', 1) "
                    + "AND a.started_at + interval '100 ms' < b.started_at + b.duration_ms * interval '1 ms' "
                    + "AND b.started_at + interval '100 ms' < a.started_at + a.duration_ms * interval '1 ms' "
                    + "WHERE a.tick_id > " + switched + " AND b.tick_id > " + switched);
            assertTrue(Long.parseLong(overlapping) > 0, "one sink task applied ticks of different stream tables at "
                    + "the same time (intervals overlapping by 100 ms or more); applies since the switch:\n"
                    + String.join("\n", rows("SELECT s.pgt_name, a.tick_id, a.worker, a.started_at, a.duration_ms FROM "
                    + PR_HISTORY + " a JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE a.tick_id > " + switched
                    + " ORDER BY a.started_at")));
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.health_check() WHERE severity <> 'OK' "
                    + "AND check_name IN ('ticker', 'streams_heartbeat', 'sink_heartbeat')"), rows(
                    "SELECT check_name || ': ' || detail FROM pgtrickle.health_check()").toString());
            assertEquals("3", one("SELECT count(*) FROM pgtrickle.parallel_plan() WHERE unit_key LIKE 'public.pr\\_%' "
                    + "AND unit_kind = 'SINGLETON' AND level = 0"), "three independent units");
        } finally {
            sinkMode("off");
            exec("DROP FUNCTION IF EXISTS pr_slow() CASCADE", "SELECT pgtrickle.drop_stream_table('pr_filter')",
                 "SELECT pgtrickle.drop_stream_table('pr_agg')", "SELECT pgtrickle.drop_stream_table('pr_join')");
        }
    }
}
