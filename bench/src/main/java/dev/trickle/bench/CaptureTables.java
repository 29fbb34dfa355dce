package dev.trickle.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The tables of the capture matrix and their DML. A table of width w has a bigint primary key {@code id} and
 * w - 1 columns c1.. cycling through int, text, numeric(12,2), timestamptz and bigint, each a function of the row
 * number, so that every statement writes the same bytes in every mode. One table per mode and width
 * ({@code cap_<mode>_w<width>}), captured the way Trickle captures it (see {@link #capture}).
 */
final class CaptureTables {
    static final String PUBLICATION = "trickle_bench_capture";
    private static final String[] TYPES = {"int", "text", "numeric(12,2)", "timestamptz", "bigint"};

    private CaptureTables() {
    }

    static String name(CaptureMode mode, int width) {
        return "cap_" + mode.key + "_w" + width;
    }

    /** The value of column c<i> in row {@code g} (an SQL expression over g). */
    static String value(int i, String g) {
        return switch (TYPES[(i - 1) % TYPES.length]) {
            case "int" -> "(" + g + " % 100000)::int";
            case "text" -> "'value ' || " + g + " || ' of c" + i + "'";
            case "numeric(12,2)" -> "(" + g + " % 1000000) / 100.0";
            case "timestamptz" -> "timestamptz '2026-01-01 00:00:00+00' + " + g + " * interval '1 second'";
            default -> g + " * " + i;
        };
    }

    static String createSql(String table, int width) {
        StringBuilder sql = new StringBuilder("CREATE TABLE " + table + " (id bigint PRIMARY KEY");
        for (int i = 1; i < width; i++) {
            sql.append(", c").append(i).append(' ').append(TYPES[(i - 1) % TYPES.length]);
        }
        return sql.append(')').toString();
    }

    /** INSERT ... SELECT of the rows numbered first..last. */
    static String insertRangeSql(String table, int width, long first, long last) {
        return "INSERT INTO " + table + " SELECT g" + values(width, "g") + " FROM generate_series(" + first + "::bigint, " + last + ") g";
    }

    /** One row, numbered by the statement's only parameter. */
    static String insertOneSql(String table, int width) {
        return "INSERT INTO " + table + " SELECT g" + values(width, "g") + " FROM (SELECT ?::bigint AS g) s";
    }

    /** The bulk UPDATE: every row's c1 (an int), as an application's UPDATE ... SET of one column. */
    static String updateAllSql(String table) {
        return "UPDATE " + table + " SET c1 = c1 + 1";
    }

    private static String values(int width, String g) {
        StringBuilder v = new StringBuilder();
        for (int i = 1; i < width; i++) {
            v.append(", ").append(value(i, g));
        }
        return v.toString();
    }

    /**
     * Creates the table of each mode and width, and captures it as Trickle does: STATEMENT and ROW through a stream
     * table over it, created with pgtrickle.cdc_trigger_mode set to that form (so the triggers, buffer and capture
     * functions are the catalog's own); WAL in one publication (REPLICA IDENTITY FULL: an UPDATE is captured as
     * -old/+new, which needs the whole old row in the WAL; the slot is made per measurement by {@link WalConsumer}).
     */
    static void create(Connection c, List<CaptureMode> modes, List<Integer> widths) throws SQLException {
        List<String> walTables = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("DROP PUBLICATION IF EXISTS " + PUBLICATION);
            for (CaptureMode mode : modes) {
                for (int width : widths) {
                    String table = name(mode, width);
                    s.execute(createSql(table, width));
                    switch (mode) {
                        case STATEMENT, ROW -> {
                            s.execute("SET pgtrickle.cdc_trigger_mode = '" + mode.key + "'");
                            s.execute("SELECT pgtrickle.create_stream_table('st_" + table + "', 'SELECT id, c1 FROM " + table + "')");
                            s.execute("RESET pgtrickle.cdc_trigger_mode");
                        }
                        case WAL -> {
                            s.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
                            walTables.add(table);
                        }
                        default -> {
                        }
                    }
                }
            }
            if (!walTables.isEmpty()) {
                s.execute("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE " + String.join(", ", walTables));
            }
        }
    }

    /** The change buffer of a trigger-captured table, or null. */
    static String buffer(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT 'pgtrickle_changes.' || quote_ident(buffer_table) FROM pgtrickle.pgt_sources "
                     + "WHERE source_relid = '" + table + "'::regclass")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
