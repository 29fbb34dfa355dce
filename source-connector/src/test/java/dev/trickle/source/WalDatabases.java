package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;

import java.util.ArrayList;
import java.util.List;

/**
 * The databases a WAL test class creates, and their replication slots dropped after each test: slots are per
 * server, and few, so a test that leaves one behind would take a slot from the tests after it.
 */
final class WalDatabases {
    private final List<String> databases = new ArrayList<>();

    /** A new database with the catalog installed. */
    String create(String hint) {
        String url = TaskHarness.database(hint);
        databases.add(url);
        return url;
    }

    /** Drops the slots of these databases (a stopped task's WAL sender may take a moment to let its slot go). */
    void dropSlots() throws Exception {
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        for (String url : databases) {
            while (!"0".equals(one(url, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
                    && System.currentTimeMillis() < deadline) {
                exec(url, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        + "WHERE database = current_database() AND NOT active");
                Thread.sleep(50);
            }
        }
    }
}
