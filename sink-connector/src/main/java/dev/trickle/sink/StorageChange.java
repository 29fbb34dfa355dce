package dev.trickle.sink;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The statements of one apply that change a stream table's storage, in the transaction {@link DeltaApplier}
 * holds: the consolidated delta COPYed into the session's temporary table, then the stream table changed from it
 * ({@link DeltaSql}) as a fill, by key, or by whole rows. Each returns {deleted, inserted, wiped}.
 */
final class StorageChange {
    private static final int COPY_CHUNK_BYTES = 256 * 1024;
    private static final long ANALYZE_AFTER_FILL_ROWS = 1_000;

    private final Connection conn;
    /** Temporary delta tables of this session: storage oid to the shape they were made for. */
    private final Map<Long, String> tempTables = new HashMap<>();

    StorageChange(Connection conn) {
        this.conn = conn;
    }

    /** The transaction was rolled back: a temporary table made in it is gone again. */
    void rolledBack() {
        tempTables.clear();
    }

    /** Deletes and inserts of a delta in one statement: {deleted, inserted, 0}. */
    long[] change(StreamTableShape st, DeltaSql.Target target, List<Map.Entry<List<String>, Long>> delta)
            throws SQLException {
        if (delta.isEmpty()) {
            return new long[3];
        }
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(DeltaSql.change(st, target))) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), 0};
        }
    }

    /**
     * A delta applied by key ({@link KeyedDelta}, COPYed by {@link #copyKeyed}): {deleted, inserted, 0}, an updated
     * row counting as one of each. Up to three statements, sent together (one round trip): the deletes first (the
     * key's unique index would refuse a new row while the old one with its key is still there), the updates, the
     * inserts.
     */
    long[] changeByKey(StreamTableShape st, DeltaSql.Target target, KeyedDelta delta) throws SQLException {
        List<String> statements = new ArrayList<>(3);
        // the statements that return a count as a row, in order
        int counted = 0;
        if (!delta.deleteNullPatterns().isEmpty()) {
            statements.add(DeltaSql.nestedLoopOnly(DeltaSql.deleteByKey(st, target, delta.deleteNullPatterns())));
            counted++;
        }
        if (delta.updates() > 0) {
            statements.add(DeltaSql.nestedLoopOnly(DeltaSql.updateByKey(st, target)));
            counted++;
        }
        if (delta.inserts()) {
            statements.add(DeltaSql.insert(st, target, delta.copies()));
        }
        if (statements.isEmpty()) {
            return new long[3];
        }
        try (Statement s = conn.createStatement()) {
            s.execute(String.join("; ", statements));
            List<Long> counts = new ArrayList<>(2);
            long inserted = 0;
            // the results in order: the SETs' and the INSERT's counts, the DELETE's and the UPDATE's rows; the
            // INSERT is last
            do {
                ResultSet rs = s.getResultSet();
                if (rs != null) {
                    try (rs) {
                        rs.next();
                        counts.add(rs.getLong(1));
                    }
                } else {
                    inserted = s.getLargeUpdateCount();
                }
            } while (s.getMoreResults() || s.getLargeUpdateCount() != -1);
            if (counts.size() != counted) {
                throw new SQLException("the sink's apply returned " + counts.size() + " count(s), not " + counted);
            }
            // an updated row is one deleted and one inserted; the UPDATE's count is the last
            long updated = delta.updates() > 0 ? counts.get(counted - 1) : 0;
            long deleted = counts.stream().mapToLong(Long::longValue).sum();
            return new long[] {deleted, (delta.inserts() ? inserted : 0) + updated, 0};
        }
    }

    /**
     * A fill replaces the content: {0, inserted, wiped}. After the wipe there is nothing to delete, so negative
     * weights (a fill merged with later ticks that delete more than it holds) count as divergence.
     */
    long[] fill(StreamTableShape st, DeltaSql.Target target, List<Map.Entry<List<String>, Long>> delta)
            throws SQLException {
        long wiped = update("DELETE FROM " + st.storage());
        long inserted = delta.stream().anyMatch(e -> e.getValue() > 0) ? update(DeltaSql.insert(st, target)) : 0;
        if (inserted >= ANALYZE_AFTER_FILL_ROWS) {
            // statistics now, not when autovacuum comes round: the next ticks' deletes then plan with the row index
            update("ANALYZE " + st.storage());
        }
        return new long[] {0, inserted, wiped};
    }

    DeltaSql.Target prepare(StreamTableShape st) throws SQLException {
        DeltaSql.Target t = DeltaSql.Target.of(st);
        String shape = st.storage() + " (" + st.signature() + ") " + t.rowCol() + " " + t.weightCol() + " " + t.oldCol();
        if (!shape.equals(tempTables.get(st.relid()))) {
            // Made once per session and stream table: a temporary table per tick would bloat pg_class.
            update("DROP TABLE IF EXISTS " + t.table());
            update("CREATE TEMP TABLE " + Sql.ident(DeltaSql.Target.tableName(st)) + " (LIKE " + st.storage() + ", "
                    + t.rowCol() + " bigint NOT NULL, " + t.weightCol() + " bigint NOT NULL, " + t.oldCol()
                    + " text) ON COMMIT DELETE ROWS");
            tempTables.put(st.relid(), shape);
        }
        return t;
    }

    /** The delta into the temporary table, each row with its ordinal and weight. */
    void copy(DeltaSql.Target t, List<Map.Entry<List<String>, Long>> delta) throws SQLException {
        CopyText text = new CopyText();
        long[] ordinal = {0};
        copyLines(t, t.rowCol() + ", " + t.weightCol(), delta, e -> text.line(e.getKey(), ++ordinal[0], e.getValue()));
    }

    /** A keyed delta's lines into the temporary table, update lines with their old row. */
    void copyKeyed(DeltaSql.Target t, KeyedDelta delta) throws SQLException {
        CopyText text = new CopyText();
        long[] ordinal = {0};
        copyLines(t, t.rowCol() + ", " + t.weightCol() + ", " + t.oldCol(), delta.lines(),
                l -> text.line(l.values(), l.old(), ++ordinal[0], l.weight()));
    }

    private <T> void copyLines(DeltaSql.Target t, String extraCols, List<T> lines, Function<T, byte[]> encode)
            throws SQLException {
        if (lines.isEmpty()) {
            return;
        }
        CopyIn in = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "COPY " + t.table() + " (" + t.columnsSql() + extraCols + ") FROM STDIN");
        try {
            CopyText.Chunker chunks = new CopyText.Chunker(COPY_CHUNK_BYTES);
            for (T line : lines) {
                if (chunks.add(encode.apply(line))) {
                    byte[] b = chunks.take();
                    in.writeToCopy(b, 0, b.length);
                }
            }
            if (!chunks.isEmpty()) {
                byte[] b = chunks.take();
                in.writeToCopy(b, 0, b.length);
            }
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    long update(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            return s.executeLargeUpdate(sql);
        }
    }
}
