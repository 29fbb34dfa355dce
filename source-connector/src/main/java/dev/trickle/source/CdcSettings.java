package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the connector's cdc.mode in the catalog (pgtrickle.pgt_cdc_settings), where create_stream_table takes
 * it as the capture mode of new sources, together with whether WAL capture can work on this server and, if not,
 * why in words a user can act on.
 */
final class CdcSettings {
    private static final Logger LOG = LoggerFactory.getLogger(CdcSettings.class);

    private CdcSettings() {
    }

    /** Writes the settings (the caller commits); returns the reason WAL capture cannot work, or null. */
    static String record(Connection w, String mode) throws SQLException {
        String problem = walProblem(w);
        try (PreparedStatement ps = w.prepareStatement("INSERT INTO pgtrickle.pgt_cdc_settings "
                + "(singleton, cdc_mode, wal_possible, wal_problem) VALUES (true, ?, ?, ?) ON CONFLICT (singleton) "
                + "DO UPDATE SET cdc_mode = excluded.cdc_mode, wal_possible = excluded.wal_possible, "
                + "wal_problem = excluded.wal_problem, updated_at = now()")) {
            ps.setString(1, mode);
            ps.setBoolean(2, problem == null);
            ps.setString(3, problem);
            ps.execute();
        }
        if (problem != null && "auto".equals(mode)) {
            LOG.warn("cdc.mode is auto, but new sources are captured by triggers, not from the WAL: {}", problem);
        } else if (problem != null && "wal".equals(mode)) {
            LOG.error("cdc.mode is wal, but WAL capture cannot work on this server: {}. Creating a stream table over "
                    + "a new source fails until this is fixed (or set cdc.mode to trigger or auto)", problem);
        }
        return problem;
    }

    /** Why this server or role cannot capture from the WAL, or null when it can. */
    static String walProblem(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('wal_level'), "
                + "r.rolreplication OR r.rolsuper, current_user FROM pg_roles r WHERE r.rolname = current_user");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                return "the server runs with wal_level = " + rs.getString(1) + "; WAL capture needs wal_level = logical "
                        + "(set it in postgresql.conf and restart PostgreSQL)";
            }
            if (!rs.getBoolean(2)) {
                return "the connector's role " + rs.getString(3) + " may not use replication; grant it with ALTER ROLE "
                        + rs.getString(3) + " REPLICATION";
            }
            return null;
        }
    }
}
