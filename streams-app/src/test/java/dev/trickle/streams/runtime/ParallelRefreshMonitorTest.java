package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The streams app's heartbeat as pgtrickle.worker_pool_status() and health_check() read it. */
class ParallelRefreshMonitorTest {
    @Test
    void reportsItsModeAndStreamThreadsToTheCatalog() throws SQLException {
        String url = EmbeddedPg.freshDatabase("streams_monitor");
        Properties p = new Properties();
        p.setProperty("application.id", "monitor-test");
        p.setProperty("bootstrap.servers", "localhost:9092");
        p.setProperty("trickle.pg.url", url);
        p.setProperty("trickle.pg.password", "postgres");
        p.setProperty("parallel.refresh.mode", "on");
        p.setProperty("max.dynamic.refresh.workers", "3");
        AppConfig config = new AppConfig(p);
        try (CatalogClient catalog = new CatalogClient(url, "postgres", "postgres")) {
            catalog.install();
            new ParallelRefreshMonitor(config, catalog).afterReconcile(null, Set.of());
            try (Statement s = catalog.connection().createStatement();
                 ResultSet rs = s.executeQuery("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertEquals("trickle-streams catalog", rs.getString(1), "a DBA tells the app's session apart");
            }
        }
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT concat_ws('|', active_workers, max_workers, per_db_cap, parallel_mode, "
                     + "instances, alive) FROM pgtrickle.worker_pool_status() WHERE component = 'streams'")) {
            rs.next();
            assertEquals("0|3|4|on|1|t", rs.getString(1), "no stream thread busy (not running), 3 threads, cap 4");
        }
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT severity FROM pgtrickle.health_check() "
                     + "WHERE check_name = 'streams_heartbeat'")) {
            rs.next();
            assertEquals("OK", rs.getString(1));
        }
    }
}
