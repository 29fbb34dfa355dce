package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sink as a pipeline role with only the privileges docs/operations.md lists (not a superuser): it owns
 * the catalog (it installed it), is a member of the role that created the stream table, and may read and add
 * triggers to the source table; dropping the last stream table over the source needs membership in its owner.
 */
class SinkPipelineRoleTest {
    @Test
    void appliesTicksToAStreamTableOfAnotherRole() throws Exception {
        try (SinkHarness h = new SinkHarness("sink_pipeline_role", Map.of(), "sink_pipe", "pipe",
                "CREATE ROLE sink_pipe LOGIN PASSWORD 'pipe'",
                "DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO sink_pipe', current_database()); END $$",
                "CREATE ROLE sink_ann", "GRANT CREATE ON SCHEMA public TO sink_ann", "GRANT sink_ann TO sink_pipe",
                "CREATE ROLE sink_app")) {
            assertEquals("false|sink_pipe", h.one("SELECT r.rolsuper || '|' || pg_get_userbyid(n.nspowner) FROM pg_roles r, "
                    + "pg_namespace n WHERE r.rolname = 'sink_pipe' AND n.nspname = 'pgtrickle'"));
            h.exec("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount int)",
                    "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7)",
                    "ALTER TABLE orders OWNER TO sink_app",
                    "GRANT SELECT ON orders TO sink_ann", "GRANT SELECT, TRIGGER ON orders TO sink_pipe",
                    "SET ROLE sink_ann",
                    "SELECT pgtrickle.create_stream_table('totals', "
                            + "'SELECT customer, sum(amount) AS total FROM orders GROUP BY customer')");
            long id = Long.parseLong(h.one("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'totals'"));
            String q = "SELECT customer, sum(amount) AS total FROM orders GROUP BY customer";
            String t = TopicNames.delta("trickle", "public", "totals");
            h.put(h.row(t, 0, 1, 1, "1", "15"), h.row(t, 0, 1, 1, "2", "7"), h.end(t, 1, id, true));
            h.assertContent("totals", q);
            // the pipeline role records the key as the streams app does: as a member of the stream table's owner
            // it may build the key's index, and the sink applies by key from here on
            h.exec("SET ROLE sink_pipe", "SELECT pgtrickle._set_row_key(" + id + ", '{customer}')");
            assertEquals("{customer}|true", h.one("SELECT row_key::text || '|' || (key_index IS NOT NULL) "
                    + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
            h.exec("UPDATE orders SET amount = 6 WHERE id = 2");
            h.put(h.row(t, 0, 2, -1, "1", "15"), h.row(t, 0, 2, 1, "1", "16"), h.end(t, 2, id, false));
            h.assertContent("totals", q);
            assertEquals("ACTIVE|2|sink_ann", h.one("SELECT status || '|' || last_tick || '|' "
                    + "|| pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = pgt_relid)) "
                    + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
            // dropping the last stream table over a source drops its capture triggers, which only its owner may
            SQLException refused = assertThrows(SQLException.class,
                    () -> h.exec("SET ROLE sink_ann", "SELECT pgtrickle.drop_stream_table('totals')"));
            assertTrue(refused.getMessage().contains("must be owner of relation orders"), refused.getMessage());
            h.exec("GRANT sink_app TO sink_pipe", "SET ROLE sink_ann", "SELECT pgtrickle.drop_stream_table('totals')");
            assertEquals("0", h.one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass"));
        }
    }
}
