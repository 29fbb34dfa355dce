package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture matrix's quick mode on a real PostgreSQL, so that the benchmark cannot rot: every mode and width
 * measured, the trigger-captured tables captured by the catalog's own triggers in the form asked for (their buffers
 * hold exactly the last cell's changes), the WAL tables in the publication with no slot left behind.
 */
class CaptureMatrixQuickTest {
    @TempDir
    Path dir;

    @Test
    void quickMatrixMeasuresEveryCellThroughTheCatalogsOwnCapture() throws Exception {
        CaptureConfig cfg = CaptureConfig.quick(dir.resolve("capture.md"));
        Properties credentials = new Properties();
        credentials.setProperty("user", "postgres");
        credentials.setProperty("password", "postgres");
        try (EmbeddedPostgres pg = CaptureMain.startPostgres()) {
            String url = CaptureMain.database(pg);
            CaptureReport report = CaptureMain.run(cfg, url, credentials);
            for (CaptureMode mode : CaptureMode.values()) {
                for (int width : cfg.widths()) {
                    for (String op : CaptureBench.BULK_OPS) {
                        assertTrue(report.median(op, width, mode) > 0, op + " " + width + " " + mode);
                    }
                    assertTrue(report.median(CaptureBench.SINGLE, width, mode) > 0, "single-row " + width + " " + mode);
                    // the embedded server runs here: its backends' CPU is read from /proc
                    assertTrue(report.cpuMedian(CaptureBench.SINGLE, width, mode) >= 0, "CPU per transaction " + width + " " + mode);
                }
            }
            String md = Files.readString(cfg.out());
            assertTrue(md.contains("### Bulk DML") && md.contains("### Single-row DML") && md.contains("statement overhead / row overhead")
                    && md.contains("### Server CPU") && md.contains("walsender CPU, single-row"), md);
            try (Connection c = DriverManager.getConnection(url, credentials); Statement s = c.createStatement()) {
                assertEquals("cap_row_w10:row|cap_row_w3:row|cap_row_w30:row|cap_statement_w10:statement|"
                        + "cap_statement_w3:statement|cap_statement_w30:statement", one(s, "SELECT string_agg(source_name || ':' "
                        + "|| trigger_mode, '|' ORDER BY source_name) FROM pgtrickle.pgt_sources"));
                assertEquals("0", one(s, "SELECT count(*) FROM pgtrickle.trigger_inventory() WHERE NOT (present AND enabled)"));
                // the last single-row cell of a captured table left its changes in the buffer: the capture ran
                assertTrue(Long.parseLong(one(s, "SELECT count(*) FROM pgtrickle_changes."
                        + one(s, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'cap_statement_w30'"))) > 0);
                assertEquals("cap_wal_w10,cap_wal_w3,cap_wal_w30", one(s, "SELECT string_agg(tablename, ',' ORDER BY tablename) "
                        + "FROM pg_publication_tables WHERE pubname = '" + CaptureTables.PUBLICATION + "'"));
                assertEquals("0", one(s, "SELECT count(*) FROM pg_replication_slots"));
            }
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheProperty() {
        IllegalArgumentException modes = assertThrows(IllegalArgumentException.class,
                () -> new CaptureConfig(10, 1, 1, 1, 10, java.util.List.of(CaptureMode.ROW), java.util.List.of(3), null, dir).checked());
        assertTrue(modes.getMessage().contains("bench.capture.modes must include none"), modes.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class, () -> CaptureMode.parse("logical"));
        assertTrue(mode.getMessage().contains("unknown capture mode 'logical'; use none, statement, row and wal"), mode.getMessage());
    }

    private static String one(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
