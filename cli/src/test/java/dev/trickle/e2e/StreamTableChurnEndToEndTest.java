package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * Stream tables dropped and created in the same breath while the sink runs (what the end of one test and the start
 * of the next do): each new one fills and follows its query, the dropped ones' delta topics go, and the sink's
 * tasks stay RUNNING. A delta topic deleted in the middle of the rebalance that a new topic starts could be handed
 * to a sink task, which then waited for its position until it failed, stalling the whole group meanwhile.
 */
class StreamTableChurnEndToEndTest extends E2eSupport {
    private static final int ROUNDS = 4;

    private static String query(int round) {
        return "SELECT id, v FROM ch_src WHERE v % " + (round + 1) + " = 0";
    }

    private static Set<String> topics(Admin admin) {
        try {
            return admin.listTopics().names().get();
        } catch (Exception e) {
            throw new IllegalStateException("could not list the topics: " + e.getMessage(), e);
        }
    }

    @Test
    void streamTablesDroppedAndCreatedTogetherDoNotStallTheSink() throws Exception {
        exec("CREATE TABLE ch_src (id int PRIMARY KEY, v int)", "INSERT INTO ch_src SELECT g, g FROM generate_series(1, 60) g",
             "SELECT pgtrickle.create_stream_table('ch_0', $$" + query(0) + "$$)");
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            awaitActive("public.ch_0");
            for (int round = 1; round <= ROUNDS; round++) {
                exec("SELECT pgtrickle.drop_stream_table('ch_" + (round - 1) + "')",
                     "SELECT pgtrickle.create_stream_table('ch_" + round + "', $$" + query(round) + "$$)");
                String name = "public.ch_" + round;
                awaitActive(name);
                exec("INSERT INTO ch_src VALUES (" + (100 + round) + ", " + (100 + round) * (round + 1) + ")",
                     "UPDATE ch_src SET v = v + 1 WHERE id = " + round);
                awaitCaughtUp(name);
                assertMatches(name, "id, v", query(round));
                String gone = stack.topicPrefix() + ".delta.public.ch_" + (round - 1);
                await("the delta topic of the dropped ch_" + (round - 1) + " to go", () -> !topics(admin).contains(gone));
            }
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('ch_" + ROUNDS + "')");
        }
        String sink = stack.sinkConnector().name();
        stack.connectWorker().awaitRunning(sink, Duration.ofSeconds(30));
        for (var task : stack.connectWorker().status(sink).path("tasks")) {
            assertEquals("RUNNING", task.path("state").asText(), "sink task " + task.path("id").asText() + ": "
                    + task.path("trace").asText());
        }
    }
}
