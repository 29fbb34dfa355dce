package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import dev.trickle.cli.ChildJvm;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;

/**
 * Trickle's metrics as a JMX client sees them in the running stack's Connect worker and streams app (child JVMs,
 * reached through the attach API's local JMX agent, as jconsole does) while a workload runs: ticks advance, rows
 * out of the engine equal the rows the sink received, the rows it applied those the refresh history records, lag
 * and buffers go back down when writes stop, and a stream table that fails counts an error and shows its state.
 */
class MetricsEndToEndTest extends E2eSupport {
    private static final String TOTALS = "public.metric_totals";

    @Test
    void metricsFollowAWorkloadInTheConnectWorkerAndTheStreamsApp() throws Exception {
        exec("CREATE TABLE metric_orders (id int PRIMARY KEY, customer int, amount int)",
                "INSERT INTO metric_orders SELECT g, g % 5, g FROM generate_series(1, 20) g",
                "SELECT pgtrickle.create_stream_table('metric_totals', 'SELECT customer, count(*) AS n, sum(amount) "
                        + "AS total FROM metric_orders GROUP BY customer')");
        awaitActive(TOTALS);
        try (JMXConnector connectJmx = attach(connectPid()); JMXConnector streamsJmx = attach(stack.streamsApp().pid())) {
            MBeanServerConnection connect = connectJmx.getMBeanServerConnection();
            MBeanServerConnection streams = streamsJmx.getMBeanServerConnection();
            ObjectName sink = new ObjectName("kafka.connect:type=plugins,stream-table=" + TOTALS + ",*");
            ObjectName source = new ObjectName("kafka.connect:type=plugins,source=public.metric_orders,*");
            ObjectName engine = new ObjectName("trickle.streams:type=stream-table-metrics,stream-table=" + TOTALS);

            long before = (long) read(connect, sink, "applied-tick");
            for (int batch = 1; batch <= 5; batch++) {
                int from = batch * 20 + 1;
                exec("INSERT INTO metric_orders SELECT g, g % 5, g FROM generate_series(" + from + ", " + (from + 19) + ") g",
                        "UPDATE metric_orders SET amount = amount + 1 WHERE id % 7 = " + batch);
            }
            awaitCaughtUp(TOTALS);
            assertMatches(TOTALS, "customer, n, total", "SELECT customer, count(*), sum(amount) FROM metric_orders GROUP BY customer");
            long caughtUp = lastTick(TOTALS);
            await("the sink's applied-tick in JMX to reach the catalog's last tick " + caughtUp,
                    () -> read(connect, sink, "applied-tick") >= caughtUp);
            assertTrue(read(connect, sink, "applied-tick") > before, "applied-tick advanced with the writes");
            await("the engine's output-tick to reach " + caughtUp, () -> read(streams, engine, "output-tick") >= caughtUp);

            // writes stopped: the rows counted agree (ticks go on, empty), data is fresh again, buffers are empty
            String history = "SELECT sum(h.rows_inserted + h.rows_deleted) FROM pgtrickle.pgt_refresh_history h "
                    + "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'metric_totals'";
            java.util.function.Supplier<String> counts = () -> {
                try {
                    return "engine rows-out-total " + read(streams, engine, "rows-out-total") + ", rows-in-total "
                            + read(streams, engine, "rows-in-total") + ", ticks-total " + read(streams, engine, "ticks-total")
                            + "; sink rows-applied-total " + read(connect, sink, "rows-applied-total")
                            + ", rows-received-total " + read(connect, sink, "rows-received-total")
                            + "; refresh history " + one(history);
                } catch (java.sql.SQLException | RuntimeException e) {
                    return e.toString();
                }
            };
            await("the sink's rows-applied-total to equal the refresh history's rows", sql(() ->
                    read(connect, sink, "rows-applied-total") == Double.parseDouble(one(history))), counts);
            // ticks applied together (the sink batches them when it falls behind) may cancel rows out: the engine's
            // rows are the rows the sink received, of which it wrote at most as many
            await("the engine's rows-out-total to equal the rows the sink received",
                    () -> read(streams, engine, "rows-out-total") == read(connect, sink, "rows-received-total"), counts);
            assertTrue(read(connect, sink, "rows-applied-total") <= read(connect, sink, "rows-received-total"), counts.get());
            await("the sink's lag-seconds back under 5 s", () -> read(connect, sink, "lag-seconds") < 5);
            await("the engine's lag-seconds back under 5 s", () -> read(streams, engine, "lag-seconds") < 5);
            await("the source's change buffer empty and nothing waiting for a tick", () -> read(connect, source, "buffer-rows") == 0
                    && read(connect, source, "awaiting-tick-rows") == 0 && read(connect, source, "capture-lag-seconds") == 0);
            assertTrue(read(streams, engine, "rows-in-total") >= 100 + 20, "the engine read the inserts (and updates)");
            assertEquals(0, read(connect, sink, "errors-total"));
            assertEquals(0, read(streams, engine, "status"));

            // a stream table whose query fails on a row: the engine counts the error and shows it stopped
            exec("SELECT pgtrickle.create_stream_table('metric_quotients', "
                    + "'SELECT id, 100 / (amount - 1000) AS q FROM metric_orders')");
            awaitActive("public.metric_quotients");
            ObjectName failing = new ObjectName("trickle.streams:type=stream-table-metrics,stream-table=public.metric_quotients");
            exec("INSERT INTO metric_orders VALUES (5000, 1, 1000)");
            await("public.metric_quotients to go to ERROR", sql(() -> "ERROR".equals(status("public.metric_quotients"))));
            await("the engine's errors-total and status of public.metric_quotients",
                    () -> read(streams, failing, "errors-total") == 1 && read(streams, failing, "status") == 1);
            assertEquals(0, read(streams, engine, "status"), "the other stream table goes on");
            exec("SELECT pgtrickle.drop_stream_table('metric_quotients')");
            await("the dropped stream table's MBean to go", () -> Double.isNaN(read(streams, failing, "status")));
            exec("SELECT pgtrickle.drop_stream_table('metric_totals')", "DROP TABLE metric_orders");
        }
    }

    /** The Connect worker's JVM (the stack's first worker). */
    private static long connectPid() {
        return ChildJvm.running().stream().filter(c -> c.command().contains("org.apache.kafka.connect.cli.ConnectDistributed"))
                .reduce((newer, older) -> older).orElseThrow(() -> new AssertionError("no Connect worker runs")).pid();
    }

    /** JMX of a running JVM of this user, through its local management agent (started on demand, as jconsole does). */
    private static JMXConnector attach(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
        try {
            return JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
        } finally {
            vm.detach();
        }
    }

    /** The attribute of the one MBean {@code name} (a pattern: any connector and task) matches; NaN while there is none. */
    private static double read(MBeanServerConnection jmx, ObjectName name, String attribute) {
        try {
            Set<ObjectName> found = jmx.queryNames(name, null);
            if (found.isEmpty()) {
                return Double.NaN;
            }
            assertEquals(1, found.size(), "one MBean for " + name + ": " + found);
            return ((Number) jmx.getAttribute(found.iterator().next(), attribute)).doubleValue();
        } catch (javax.management.InstanceNotFoundException e) {
            return Double.NaN; // unregistered between the query and the read: there is none now
        } catch (java.io.IOException | javax.management.JMException e) {
            throw new IllegalStateException("reading " + attribute + " of " + name + ": " + e.getMessage(), e);
        }
    }
}
