package dev.trickle.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The initial fill's progress as {@code trickle tail} shows it while the stream table is INITIALIZING, from
 * {@code pgt_status()}'s fill columns, at most once a second and only when it changed:
 * {@code filling public.big: 1,200,000 of ~5,000,000 source rows read}, then
 * {@code filled public.big: 5,000,000 source rows read, 1,250,000 rows applied}. It stops looking once the stream
 * table is past its fill (at once for one that is not filling).
 */
final class FillWatch implements AutoCloseable {
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final PgUrl pg;
    private final String name;
    private Connection session;
    private long nextAt;
    private String shown;
    private boolean over;

    FillWatch(PgUrl pg, String name) {
        this.pg = pg;
        this.name = name;
    }

    /** The line to print now, or null. */
    String poll() {
        long now = System.nanoTime();
        if (over || now - nextAt < 0) {
            return null;
        }
        nextAt = now + EVERY_NANOS;
        try {
            if (session == null) {
                session = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
            }
            try (PreparedStatement ps = session.prepareStatement("SELECT status, fill_rows_read, fill_rows_estimated, "
                    + "fill_rows_applied FROM pgtrickle.pgt_status() WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return finish(null);
                    }
                    String line = line(rs.getString(1), (Long) rs.getObject(2), (Long) rs.getObject(3),
                            (Long) rs.getObject(4));
                    if (line == null || line.equals(shown)) {
                        return null;
                    }
                    shown = line;
                    return line;
                }
            }
        } catch (SQLException e) {
            return finish("(fill progress not available: " + e.getMessage() + ")");
        }
    }

    private String line(String status, Long read, Long estimated, Long applied) {
        if ("INITIALIZING".equals(status)) {
            return read == null ? null : "filling " + name + ": " + String.format("%,d", read)
                    + (estimated == null ? "" : String.format(" of ~%,d", estimated)) + " source rows read";
        }
        // past the fill: say how it ended, if its progress was shown
        return finish(shown == null || applied == null ? null : "filled " + name + ": "
                + (read == null ? "" : String.format("%,d source rows read, ", read)) + String.format("%,d rows applied", applied));
    }

    private String finish(String last) {
        over = true;
        close();
        return last;
    }

    @Override
    public void close() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // closing a broken session
            }
            session = null;
        }
    }
}
