package dev.trickle.streams.tpch;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/** Where generated rows go: COPY text for the initial load, or INSERT statements for the refresh functions. */
abstract class TpchRows {
    protected final Map<String, Integer> counts = new LinkedHashMap<>();

    /** One row of {@code table}, values in column order (Integer, BigDecimal, String, LocalDate). */
    final void row(String table, Object... values) {
        counts.merge(table, 1, Integer::sum);
        add(table, values);
    }

    protected abstract void add(String table, Object[] values);

    /** Rows per table so far. */
    Map<String, Integer> counts() {
        return counts;
    }

    /** Rows collected as COPY text and loaded into PostgreSQL with {@code COPY … FROM STDIN}. */
    static final class Copy extends TpchRows {
        private final Map<String, StringBuilder> text = new LinkedHashMap<>();

        @Override
        protected void add(String table, Object[] values) {
            StringBuilder b = text.computeIfAbsent(table, t -> new StringBuilder());
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    b.append('\t');
                }
                Object v = values[i];
                b.append(v == null ? "\\N" : plain(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n"));
            }
            b.append('\n');
        }

        /** Copies every table's rows in (tables in the order their first row came). */
        void load(Connection connection) throws SQLException {
            try {
                for (Map.Entry<String, StringBuilder> e : text.entrySet()) {
                    ((PGConnection) connection.unwrap(PGConnection.class)).getCopyAPI()
                            .copyIn("COPY " + e.getKey() + " FROM STDIN", new StringReader(e.getValue().toString()));
                }
            } catch (IOException e) {
                throw new SQLException("could not copy the TPC-H rows", e);
            }
        }
    }

    /** Rows collected as multi-row INSERT statements, one per table. */
    static final class Inserts extends TpchRows {
        private final Map<String, List<String>> tuples = new LinkedHashMap<>();

        @Override
        protected void add(String table, Object[] values) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < values.length; i++) {
                b.append(i > 0 ? ", " : "").append(literal(values[i]));
            }
            tuples.computeIfAbsent(table, t -> new ArrayList<>()).add(b.append(')').toString());
        }

        List<String> statements() {
            List<String> out = new ArrayList<>();
            tuples.forEach((table, rows) -> out.add("INSERT INTO " + table + " VALUES " + String.join(", ", rows)));
            return out;
        }
    }

    static String plain(Object v) {
        return v instanceof BigDecimal d ? d.toPlainString() : v.toString();
    }

    static String literal(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof String s) {
            return "'" + s.replace("'", "''") + "'";
        }
        if (v instanceof LocalDate d) {
            return "DATE '" + d + "'";
        }
        return plain(v);
    }
}
