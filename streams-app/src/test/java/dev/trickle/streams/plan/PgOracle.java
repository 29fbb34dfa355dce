package dev.trickle.streams.plan;

import dev.trickle.streams.rows.ZSet;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

/**
 * PostgreSQL as the oracle: runs a query, and checks a multiset of engine output rows against it by
 * loading them (as text, with their weights) into a table created {@code AS <query> WITH NO DATA} and
 * comparing with {@code EXCEPT ALL} both ways, on the values and on their text forms.
 */
final class PgOracle {
    private final Connection connection;

    PgOracle(Connection connection) {
        this.connection = connection;
    }

    /** PostgreSQL's primary error message for the query, or null if it runs. */
    String error(String query) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SAVEPOINT probe");
            try (ResultSet rs = s.executeQuery("SELECT * FROM (" + query + ") q")) {
                while (rs.next()) {
                    rs.getString(1);
                }
            }
            s.execute("RELEASE SAVEPOINT probe");
            return null;
        } catch (PSQLException e) {
            try (Statement s = connection.createStatement()) {
                s.execute("ROLLBACK TO SAVEPOINT probe");
            }
            return e.getServerErrorMessage() == null ? e.getMessage() : e.getServerErrorMessage().getMessage();
        }
    }

    /** The column names PostgreSQL gives the query's result table. */
    List<String> columnNames(String query) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS pg_names; CREATE TEMP TABLE pg_names AS " + query + " WITH NO DATA");
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_names'::regclass"
                    + " AND attnum > 0 ORDER BY attnum")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        }
    }

    /** Null when {@code rows} equals the query's result as a multiset, else a description of the difference. */
    String difference(String query, ZSet<List<String>> rows) throws SQLException, IOException {
        StringBuilder copy = new StringBuilder();
        for (Map.Entry<List<String>, Long> e : rows.asMap().entrySet()) {
            if (e.getValue() < 0) {
                return "negative weight " + e.getValue() + " for " + e.getKey();
            }
            String line = copyLine(e.getKey());
            for (long i = 0; i < e.getValue(); i++) {
                copy.append(line);
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS engine_out; CREATE TEMP TABLE engine_out AS " + query + " WITH NO DATA");
            ((PGConnection) connection).getCopyAPI().copyIn("COPY engine_out FROM STDIN", new StringReader(copy.toString()));
            String valueDiff = diff(s, "SELECT * FROM engine_out", query);
            // row aliases that no test query uses as a column name
            String textDiff = diff(s, "SELECT eo_row::text FROM engine_out eo_row",
                    "SELECT pg_row::text FROM (" + query + ") pg_row");
            return valueDiff != null ? valueDiff : textDiff;
        } catch (PSQLException e) {
            return "could not load the engine's output: " + e.getMessage();
        }
    }

    private static String diff(Statement s, String engine, String postgres) throws SQLException {
        String sql = "SELECT 'engine only', e_diff::text FROM ((" + engine + ") EXCEPT ALL (" + postgres + ")) e_diff"
                + " UNION ALL SELECT 'postgres only', p_diff::text FROM ((" + postgres + ") EXCEPT ALL (" + engine + ")) p_diff"
                + " LIMIT 10";
        StringBuilder b = new StringBuilder();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                b.append("\n  ").append(rs.getString(1)).append(": ").append(rs.getString(2));
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** One row in COPY's text format. */
    private static String copyLine(List<String> row) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < row.size(); i++) {
            if (i > 0) {
                b.append('\t');
            }
            String v = row.get(i);
            if (v == null) {
                b.append("\\N");
            } else {
                b.append(v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"));
            }
        }
        return b.append('\n').toString();
    }
}
