package dev.trickle.core.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of the 0.3.0 → 0.4.0 upgrade. A 0.3.0 catalog (pg_trickle's tables in schema {@code pgtrickle},
 * no Flyway history) occupies the names the 0.4.0 migrations create, so before they run it is set aside:
 * schemas {@code pgtrickle} and {@code pgtrickle_changes} are renamed {@code pgtrickle_0_3_0} and
 * {@code pgtrickle_changes_0_3_0}, and the bodies of its capture trigger functions follow the rename, so that
 * writers keep being captured into the old buffers while the migrations run. Migration 0.4.0.14 then carries
 * the stream tables over and swaps the capture (see {@code _import_0_3_0_catalog}).
 *
 * <p>The rename and the rewrite happen in one transaction with the sources locked, so no writer runs a trigger
 * that names a schema no longer there.
 */
final class LegacyCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyCatalog.class);
    private static final long LOCK_PATIENCE_MS = 60_000;

    private LegacyCatalog() {
    }

    /** Sets a 0.3.0 catalog aside if the database has one; returns whether it did. */
    static boolean setAsideIfPresent(String jdbcUrl, String user, String password) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            if (!isLegacy(c)) {
                return false;
            }
            if (one(c, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trickle'").equals("1")) {
                throw new IllegalStateException("this database has the pg_trickle extension installed; Trickle cannot take "
                        + "its catalog over while the extension owns it. Take a backup, run DROP EXTENSION pg_trickle "
                        + "CASCADE (its stream tables go with it) and create them again with Trickle.");
            }
            setAside(c);
            LOG.info("Found a 0.3.0 catalog: set aside as schema pgtrickle_0_3_0; its stream tables are carried over by migration 0.4.0.14");
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the 0.3.0 catalog aside for the upgrade: " + e.getMessage(), e);
        }
    }

    private static boolean isLegacy(Connection c) throws SQLException {
        return one(c, "SELECT to_regclass('pgtrickle.pgt_stream_tables') IS NOT NULL "
                + "AND to_regclass('pgtrickle.pgt_schema_history') IS NULL "
                + "AND to_regnamespace('pgtrickle_0_3_0') IS NULL").equals("t");
    }

    /** Retried while writers hold a source: a short lock_timeout lets a writer waiting on us go on instead. */
    private static void setAside(Connection c) throws SQLException {
        long deadline = System.currentTimeMillis() + LOCK_PATIENCE_MS;
        c.setAutoCommit(false);
        while (true) {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '200ms'");
                for (String source : sources(c)) {
                    s.execute("LOCK TABLE " + source + " IN SHARE ROW EXCLUSIVE MODE");
                }
                s.execute("RESET lock_timeout");
                s.execute("ALTER SCHEMA pgtrickle RENAME TO pgtrickle_0_3_0");
                s.execute("ALTER SCHEMA pgtrickle_changes RENAME TO pgtrickle_changes_0_3_0");
                // pg_trickle's DDL tracking does not apply to the new catalog (which has its own)
                s.execute("DROP EVENT TRIGGER IF EXISTS pg_trickle_ddl_tracker");
                s.execute("DROP EVENT TRIGGER IF EXISTS pg_trickle_drop_tracker");
                for (String definition : triggerFunctions(c)) {
                    s.execute(definition);
                }
                c.commit();
                return;
            } catch (SQLException e) {
                c.rollback();
                if (!"55P03".equals(e.getSQLState()) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                sleepBriefly();
            }
        }
    }

    /** The sources of the 0.3.0 stream tables, quoted, in a fixed order (as every upgrade step locks them). */
    private static List<String> sources(Connection c) throws SQLException {
        return column(c, "SELECT d.source_relid::regclass::text FROM (SELECT DISTINCT source_relid FROM pgtrickle.pgt_dependencies) d "
                + "WHERE EXISTS (SELECT 1 FROM pg_class WHERE oid = d.source_relid) ORDER BY d.source_relid");
    }

    /** The capture functions' definitions with the renamed schemas (0.3.0 wrote them schema-qualified, unquoted). */
    private static List<String> triggerFunctions(Connection c) throws SQLException {
        return column(c, "SELECT replace(replace(pg_get_functiondef(p.oid), 'pgtrickle_changes.', 'pgtrickle_changes_0_3_0.'), "
                + "'pgtrickle.', 'pgtrickle_0_3_0.') FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                + "WHERE p.pronamespace IN ('pgtrickle_0_3_0'::regnamespace, 'pgtrickle_changes_0_3_0'::regnamespace) "
                + "AND l.lanname IN ('plpgsql', 'sql') AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid) "
                + "ORDER BY p.oid");
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50 + (long) (Math.random() * 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting the 0.3.0 catalog aside", e);
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        List<String> values = column(c, sql);
        return values.isEmpty() ? null : values.get(0);
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
