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
 * with on, ticks of different stream tables are applied by different workers, and the SQL functions report it.
 */
class ParallelRefreshEndToEndTest extends E2eSupport {
    private static final String FILTER = "SELECT id, v FROM pr_a WHERE v % 3 <> 0";
    private static final String AGG = "SELECT g, count(*) AS n, sum(v) AS s FROM pr_b GROUP BY g";
    private static final String JOIN = "SELECT a.id, a.v, c.w FROM pr_a a JOIN pr_c c ON c.id = a.id";

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
        config.put("max.concurrent.refreshes", "3");
        stack.connectWorker().deploy(sink.name(), config, Duration.ofSeconds(60));
        stack.connectWorker().awaitRunning(sink.name(), Duration.ofSeconds(60));
        // every live sink task reports the mode (the shipped sink runs 2 tasks; tasks of Connect workers killed or
        // stopped by earlier tests still count in worker_pool_status's mode for an hour, so ask the live ones)
        await("the sink to report parallel.refresh.mode=" + mode, sql(() -> "t".equals(one(
                "SELECT count(*) > 0 AND bool_and(parallel_mode = '" + mode + "') FROM pgtrickle.pgt_workers "
                        + "WHERE component = 'sink' AND heartbeat_at > now() - pgtrickle._heartbeat_timeout()"))));
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
            List<String> workers = rows("SELECT DISTINCT h.worker FROM pgtrickle.pgt_refresh_history h "
                    + "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name LIKE 'pr\\_%' "
                    + "AND h.tick_id > " + switched + " AND h.status = 'COMPLETED'");
            assertTrue(workers.size() >= 2, "ticks of different stream tables were applied by different workers: "
                    + workers);
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.health_check() WHERE severity <> 'OK' "
                    + "AND check_name IN ('ticker', 'streams_heartbeat', 'sink_heartbeat')"), rows(
                    "SELECT check_name || ': ' || detail FROM pgtrickle.health_check()").toString());
            assertEquals("3", one("SELECT count(*) FROM pgtrickle.parallel_plan() WHERE unit_key LIKE 'public.pr\\_%' "
                    + "AND unit_kind = 'SINGLETON' AND level = 0"), "three independent units");
        } finally {
            sinkMode("off");
            exec("SELECT pgtrickle.drop_stream_table('pr_filter')", "SELECT pgtrickle.drop_stream_table('pr_agg')",
                 "SELECT pgtrickle.drop_stream_table('pr_join')");
        }
    }
}
