package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.cli.ChildJvm;
import dev.trickle.cli.ConnectWorker;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Scale-out on the real stack: a second streams app instance (same application.id) and a second Connect
 * worker join; Kafka Streams and Connect give each of them part of the work (consumer group assignments,
 * {@code /connectors/<name>/status}); then the first worker is killed (SIGKILL) and the first instance
 * stopped while the sources keep changing, and the survivors take over everything. Stateless and stateful
 * stream tables stay equal to their queries throughout, and no tick is applied twice. The stack is put back
 * as it was (first worker and instance running, the added ones gone) also when the test fails. While both
 * instances run, one stream table is created and another dropped.
 */
class ScaleOutEndToEndTest extends E2eSupport {
    private static final String SCHEMA = "scaleout";
    /** Stream table name and query; the queries read the tables of {@link RandomDml} in schema scaleout. */
    private static final Map<String, String> TABLES = new LinkedHashMap<>();
    /** Created, and {@link #DROPPED} dropped, while both instances run. */
    private static final String LATE = SCHEMA + ".st_late";
    private static final String LATE_Q = "SELECT grp, count(*) AS n, min(price) AS low FROM e2e_items WHERE qty > 2 "
            + "GROUP BY grp";
    private static final String DROPPED = SCHEMA + ".st_kinds";

    static {
        TABLES.put(SCHEMA + ".st_items", PipelineEndToEndTest.ITEMS_A_Q);
        TABLES.put(SCHEMA + ".st_sizes", PipelineEndToEndTest.ITEMS_B_Q);
        TABLES.put(SCHEMA + ".st_events", PipelineEndToEndTest.EVENTS_Q);
        TABLES.put(SCHEMA + ".st_odd", PipelineEndToEndTest.ODD_Q);
        TABLES.put(SCHEMA + ".st_groups", "SELECT grp, count(*) AS n, sum(price) AS total, max(qty) AS max_qty "
                + "FROM e2e_items GROUP BY grp");
        TABLES.put(SCHEMA + ".st_kinds", "SELECT kind, count(*) AS n, sum(val) AS total FROM e2e_events GROUP BY kind");
        TABLES.put(SCHEMA + ".st_matches", "SELECT i.grp, e.kind, count(*) AS n FROM e2e_items i "
                + "JOIN e2e_events e ON e.val = i.qty GROUP BY i.grp, e.kind");
    }

    private final RandomDml dml = new RandomDml(new Random(20261121L ^ 5));
    /** The stream tables this test has at the moment. */
    private final Map<String, String> tables = new LinkedHashMap<>(TABLES);

    @Test
    void twoInstancesAndTwoWorkersShareTheWorkAndTheSurvivorsTakeOverExactly() throws Exception {
        createStreamTables();
        ChildJvm second = null;
        ConnectWorker secondWorker = null;
        try {
            second = stack.addStreamsInstance();
            secondWorker = stack.addConnectWorker();
            ConnectWorker survivor = secondWorker;
            await("both streams app instances to have tasks", probe(() -> streamsInstancesWithWork().size() == 2));
            await("tasks on both Connect workers", probe(() -> ScaleOutProbe.runningTasksByWorker(survivor,
                    connectorNames()).size() == 2));
            Map<String, Integer> shared = streamsInstancesWithWork();
            int partitions = shared.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("scaled out: streams partitions " + shared + ", Connect tasks "
                    + ScaleOutProbe.runningTasksByWorker(survivor, connectorNames()));
            for (int round = 1; round <= 3; round++) {
                writeRound(round);
                awaitCaughtUp(names());
                assertAllMatch();
            }
            changeTheStreamTablesWhileScaledOut();

            writeRound(4);
            stack.killConnect(); // SIGKILL: the source task and a sink task die mid-work
            stack.stopStreams(); // graceful: the instance's tasks are handed over after its session ends
            writeRound(5);
            await("the second Connect worker to run every task", probe(() -> Map.of(ScaleOutProbe.workerId(survivor),
                    expectedTasks()).equals(ScaleOutProbe.runningTasksByWorker(survivor, connectorNames()))));
            await("the second streams app instance to own all " + partitions + " partitions",
                    probe(() -> Map.of("trickle-streams-2", partitions).equals(streamsInstancesWithWork())));
            System.out.println("after the stops: streams partitions " + streamsInstancesWithWork() + ", Connect tasks "
                    + ScaleOutProbe.runningTasksByWorker(survivor, connectorNames()));
            for (int round = 6; round <= 8; round++) {
                awaitCaughtUp(names());
                assertAllMatch();
                writeRound(round);
            }
            awaitCaughtUp(names());
            assertAllMatch();
            // a history row covers the ticks first_tick_id .. tick_id (the sink applies waiting ticks together)
            assertEquals("0", one("SELECT count(*) FROM (SELECT coalesce(first_tick_id, tick_id) AS first_tick, "
                    + "lag(tick_id) OVER (PARTITION BY pgt_id ORDER BY tick_id, refresh_id) AS previous_last "
                    + "FROM pgtrickle.pgt_refresh_history WHERE status = 'COMPLETED') r "
                    + "WHERE r.first_tick <= r.previous_last"), "no tick applied twice");
        } finally {
            restoreStack(second, secondWorker);
        }
    }

    /**
     * Both instances see the catalog change and restart Kafka Streams with the new set of stream tables, at
     * slightly different moments: the new stream table fills and the others go on exactly.
     */
    private void changeTheStreamTablesWhileScaledOut() throws Exception {
        try (Connection c = connectInSchema(); Statement s = c.createStatement()) {
            s.execute("SELECT pgtrickle.create_stream_table('" + LATE + "', '" + LATE_Q + "')");
            s.execute("SELECT pgtrickle.drop_stream_table('" + DROPPED + "')");
        }
        tables.put(LATE, LATE_Q);
        tables.remove(DROPPED);
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_schema || '.' || pgt_name = '"
                + DROPPED + "'"), "dropped");
        awaitActive(LATE);
        writeRound(31);
        awaitCaughtUp(names());
        assertAllMatch();
        await("both streams app instances to have tasks again", probe(() -> streamsInstancesWithWork().size() == 2));
    }

    private String[] names() {
        return tables.keySet().toArray(String[]::new);
    }

    private void createStreamTables() throws Exception {
        try (Connection c = connectInSchema(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE e2e_items (id int PRIMARY KEY, grp int, price numeric(10,2), qty int, name text, "
                    + "active boolean)");
            s.execute("CREATE TABLE e2e_events (kind text, val int, note text)");
            s.execute("CREATE TABLE \"Odd \"\"Src\"\"\" (\"Mixed Case\" int PRIMARY KEY, v text)");
            s.execute(dml.insertItems(300));
            s.execute(dml.insertEvents(60));
            s.execute("INSERT INTO \"Odd \"\"Src\"\"\" SELECT g, 'v' || g FROM generate_series(1, 40) g");
            for (Map.Entry<String, String> t : TABLES.entrySet()) {
                // created with search_path scaleout: the queries' unqualified tables are the ones in that schema
                s.execute("SELECT pgtrickle.create_stream_table('" + t.getKey() + "', '" + t.getValue().replace("'", "''")
                        + "')");
            }
        }
        awaitActive(names());
        assertAllMatch();
    }

    private static Connection connectInSchema() throws SQLException {
        Connection c = connect();
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            s.execute("SET search_path = " + SCHEMA + ", public");
        }
        return c;
    }

    /** One round of random DML over all three sources, committed as one transaction. */
    private void writeRound(int round) throws SQLException {
        try (Connection c = connectInSchema(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String sql : dml.round(round)) {
                s.execute(sql);
            }
            c.commit();
        }
    }

    /** A condition on the cluster's state; an error while asking (a rebalance, say) means "not yet". */
    private static BooleanSupplier probe(BooleanSupplier condition) {
        return () -> {
            try {
                return condition.getAsBoolean();
            } catch (RuntimeException e) {
                return false;
            }
        };
    }

    private void assertAllMatch() throws SQLException {
        for (Map.Entry<String, String> t : tables.entrySet()) {
            assertMatches(t.getKey(), "*", t.getValue().replaceAll("\\b(e2e_items|e2e_events)\\b", SCHEMA + ".$1")
                    .replace("\"Odd \"\"Src\"\"\"", SCHEMA + ".\"Odd \"\"Src\"\"\""));
        }
    }

    /** Instances whose stream threads have partitions assigned, with how many. */
    private static Map<String, Integer> streamsInstancesWithWork() {
        Map<String, Integer> out = new LinkedHashMap<>();
        ScaleOutProbe.streamsPartitions(stack.bootstrapServers(), applicationId()).forEach((k, v) -> {
            if (v > 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static String applicationId() {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(stack.streamsProperties())) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p.getProperty("application.id");
    }

    private static String[] connectorNames() {
        return new String[] {stack.sourceConnector().name(), stack.sinkConnector().name()};
    }

    private static int expectedTasks() {
        return Integer.parseInt(stack.sourceConnector().config().get("tasks.max"))
                + Integer.parseInt(stack.sinkConnector().config().get("tasks.max"));
    }

    /**
     * The stack as the other tests expect it: first worker and first instance running, the added ones stopped,
     * and this test's stream tables dropped (they would only add work to every later tick).
     */
    private void restoreStack(ChildJvm second, ConnectWorker secondWorker) throws Exception {
        List<Exception> errors = new ArrayList<>();
        run(errors, () -> {
            if (!stack.streamsApp().isAlive()) {
                stack.restartStreams();
            }
        });
        run(errors, () -> {
            if (!stack.connectWorker().isRunning()) {
                stack.restartConnect();
            }
        });
        if (second != null) {
            run(errors, () -> stack.removeStreamsInstance(second));
        }
        if (secondWorker != null) {
            run(errors, () -> stack.removeConnectWorker(secondWorker));
        }
        run(errors, stack::awaitConnectorsRunning);
        for (String name : tables.keySet()) {
            run(errors, () -> exec("SELECT pgtrickle.drop_stream_table('" + name + "')"));
        }
        if (!errors.isEmpty()) {
            Exception first = errors.get(0);
            errors.subList(1, errors.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void run(List<Exception> errors, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            errors.add(e);
        }
    }
}
