package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** worker_pool_status() after a restart with another mode: the instances still running decide, not old rows. */
class WorkerPoolStatusTest {
    @Test
    void theModeComesFromLiveInstancesOnly() throws SQLException {
        String url = EmbeddedPg.freshDatabase("worker_pool");
        CatalogInstaller.install(url, "postgres", "postgres");
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            // the sink ran with 'off' (task 0 of an earlier worker process), then restarted with 'on'
            s.execute("SELECT pgtrickle._heartbeat('sink', 'old-pid-0', 'off', 1, 4, 0, 0, NULL)");
            s.execute("UPDATE pgtrickle.pgt_workers SET heartbeat_at = now() - interval '10 minutes'");
            s.execute("SELECT pgtrickle._heartbeat('sink', 'new-pid-0', 'on', 2, 4, 1, 0, NULL)");
            s.execute("SELECT pgtrickle._heartbeat('sink', 'new-pid-1', 'on', 2, 4, 0, 0, NULL)");
            assertEquals("on 2 4 1 t", status(s, "sink"));

            // every instance stopped: the newest heartbeat's mode, nothing alive
            s.execute("UPDATE pgtrickle.pgt_workers SET heartbeat_at = now() - interval '5 minutes' WHERE worker_id LIKE 'new%'");
            assertEquals("on 0 4 0 f", status(s, "sink"));

            // two live instances that disagree are 'mixed'
            s.execute("SELECT pgtrickle._heartbeat('streams', 'a', 'on', 4, 4, 0, 0, NULL)");
            s.execute("SELECT pgtrickle._heartbeat('streams', 'b', 'off', 1, 4, 0, 0, NULL)");
            assertEquals("mixed 2 4 0 t", status(s, "streams"));
        }
    }

    private static String status(Statement s, String component) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT parallel_mode || ' ' || instances || ' ' || per_db_cap || ' ' "
                + "|| active_workers || ' ' || CASE WHEN alive THEN 't' ELSE 'f' END "
                + "FROM pgtrickle.worker_pool_status() WHERE component = '" + component + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
