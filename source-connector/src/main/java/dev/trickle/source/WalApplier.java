package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes decoded transactions into the change buffers of WAL-captured sources, in the form the capture triggers
 * write: an INSERT is '+new', an UPDATE '-old' then '+new', a DELETE '-old', each row stamped with the writer's
 * (top-level) transaction id, so that the tick whose snapshot sees that transaction reads it, as for a trigger row.
 * Values go in as PostgreSQL input text and are read by the buffer's typed columns.
 *
 * <p>The reader hands over each decoded change ({@link #change}: relation, op, old/new row values, xid) and then
 * the transaction's end ({@link #commit}: its end position in the WAL). A transaction's rows are held until its
 * end; several transactions share one buffer transaction, which also records the end position of the last of
 * them in {@code pgtrickle.pgt_wal_progress}: a transaction decoded again after a crash (the slot only moves
 * after that commit) is recognised by its end position and dropped.
 *
 * <p>A table in the publication is not always the WAL's to capture: a source switched to or from triggers is
 * captured from the WAL only by the transactions that commit after (or before) its switch ({@link CdcSwitches});
 * the others' rows are dropped at their end, when their position is known.
 */
final class WalApplier {
    private static final Logger LOG = LoggerFactory.getLogger(WalApplier.class);
    /** An unchanged TOAST value that the new row of an UPDATE does not repeat: taken from the old row. */
    static final String UNCHANGED = new String("unchanged TOAST value");

    private final Connection w;
    private final String slot;
    /** Where each table's rows go, per decoded column list (a column list changes with DDL). */
    private final Map<String, Target> targets = new HashMap<>();
    /** Targets with rows of the transaction being decoded. */
    private final Set<Target> touched = new LinkedHashSet<>();
    /** Tables whose unreadable changes were reported (once per run each). */
    private final Set<String> warned = new java.util.HashSet<>();
    private final CdcSwitches switches = new CdcSwitches();
    /** The end position of the last transaction in the buffers (dropped when decoded again). */
    private long applied;
    private long nextFullXid;
    private long lastXid32 = -1;
    private long xid;
    private long pendingEnd;
    private int pendingRows;

    /** Where one source's decoded rows go: its buffer, and the decoded columns the buffer has (by position). */
    record Target(long relid, String source, PreparedStatement insert, int[] positions, String[] types) {
    }

    WalApplier(Connection w, String slot) throws SQLException {
        this.w = w;
        this.slot = slot;
        try (PreparedStatement ps = w.prepareStatement(
                "SELECT applied_lsn::text FROM pgtrickle.pgt_wal_progress WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    applied = org.postgresql.replication.LogSequenceNumber.valueOf(rs.getString(1)).asLong();
                }
            }
        }
        switches.load(w);
        w.commit();
    }

    /**
     * The buffer column types of a table's decoded columns (null where the buffer lacks the column), or null when
     * the table is not (or no longer) a captured source: its changes are ignored. Which of a source's transactions
     * are the WAL's to capture is decided at each one's end ({@link #commit}).
     */
    Target target(String schema, String table, List<String> columns) throws SQLException {
        String key = schema + "." + table + "|" + String.join(",", columns);
        if (targets.containsKey(key)) {
            return targets.get(key);
        }
        String buffer = null;
        long relid = 0;
        try (PreparedStatement ps = w.prepareStatement("SELECT buffer_table, source_relid::bigint FROM pgtrickle.pgt_sources "
                + "WHERE source_relid = to_regclass(format('%I.%I', ?::text, ?::text)) "
                + "AND to_regclass(format('pgtrickle_changes.%I', buffer_table)) IS NOT NULL")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    buffer = rs.getString(1);
                    relid = rs.getLong(2);
                }
            }
        }
        if (buffer != null && !switches.knows(relid)) {
            switches.load(w); // a source new since the last load
        }
        Target t = buffer == null ? null : target(relid, schema, table, columns, buffer);
        targets.put(key, t);
        return t;
    }

    /**
     * One decoded row change of transaction {@code xid32} (the WAL's 32-bit id). {@code op} is 'I', 'U' or 'D';
     * {@code old} is null for an INSERT, {@code neu} null for a DELETE; values are input text in {@code t}'s
     * decoded column order, {@link #UNCHANGED} for an unchanged TOAST value.
     */
    void change(Target t, char op, long xid32, String[] old, String[] neu) throws SQLException {
        if (xid32 != lastXid32) {
            xid = fullXid(xid32);
            lastXid32 = xid32;
        }
        if (op != 'I' && old == null) {
            throw new SQLException("the WAL has no old row for " + (op == 'U' ? "an UPDATE" : "a DELETE") + " of "
                    + t.source() + ", which WAL capture needs: run ALTER TABLE " + t.source() + " REPLICA IDENTITY FULL "
                    + "(Trickle sets it when WAL capture starts; it was changed since) and refresh the stream tables over it",
                    "55000");
        }
        if (old != null) {
            add(t, "-", old);
        }
        if (neu != null) {
            String[] row = neu.clone();
            for (int i = 0; i < row.length; i++) {
                if (row[i] == UNCHANGED) {
                    if (old == null || old[i] == UNCHANGED) {
                        throw new SQLException("the WAL lacks an unchanged TOAST value of " + t.source()
                                + " (REPLICA IDENTITY is not FULL?)", "55000");
                    }
                    row[i] = old[i];
                }
            }
            add(t, "+", row);
        }
    }

    private void add(Target t, String op, String[] row) throws SQLException {
        PreparedStatement ps = t.insert();
        ps.setString(1, Long.toUnsignedString(xid));
        ps.setString(2, op);
        int[] pos = t.positions();
        for (int i = 0; i < pos.length; i++) {
            ps.setObject(i + 3, row[pos[i]], Types.OTHER);
        }
        ps.addBatch();
        touched.add(t);
    }

    /**
     * TRUNCATE of a WAL-captured source: the WAL does not say which rows went, so the stream tables over it are
     * filled again from their queries at a coming tick (as a refresh does). Also for a source switching capture:
     * whichever captured the TRUNCATE, a fill is right.
     */
    void truncate(String schema, String table) throws SQLException {
        int n = refill(schema, table);
        if (n > 0) {
            LOG.info("Table {}.{} was truncated: its {} WAL-captured stream table(s) are filled again", schema, table, n);
        }
    }

    /**
     * A change whose values WAL capture cannot keep exact ({@code why}): the row is left out and the stream tables
     * over its table are filled again from their queries at a coming tick, so that they stay equal to them.
     */
    void unreadable(String schema, String table, String why) throws SQLException {
        int n = refill(schema, table);
        String key = schema + "." + table;
        if (warned.add(key)) {
            LOG.error("A change of {} cannot be captured from the WAL exactly: {}. Its {} stream table(s) are filled "
                    + "again from their queries after each such change until it is captured by triggers", key, why, n);
        }
    }

    private int refill(String schema, String table) throws SQLException {
        try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables SET needs_init = true, "
                + "init_tick = NULL WHERE pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d "
                + "WHERE d.source_relid = to_regclass(format('%I.%I', ?::text, ?::text)))")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            pendingRows++;
            return ps.executeUpdate();
        }
    }

    /**
     * The end of a decoded transaction at {@code endLsn}: its rows go to the buffers (uncommitted until
     * {@link #flush}), or are dropped when the buffers already have it (decoded again after a crash).
     */
    void commit(long endLsn) throws SQLException {
        boolean again = Long.compareUnsigned(endLsn, applied) <= 0 || Long.compareUnsigned(endLsn, pendingEnd) <= 0;
        for (Target t : touched) {
            if (again || !switches.fromWal(t.relid(), endLsn)) { // decoded again, or a trigger captured it
                t.insert().clearBatch();
            } else {
                pendingRows += t.insert().executeBatch().length;
            }
        }
        touched.clear();
        lastXid32 = -1;
        if (!again) {
            pendingEnd = endLsn;
        }
    }

    /**
     * The decoder met a capture switch's message ({@link CdcSwitches#PREFIX}, "relid position"): the switch is
     * passed, and its row goes with the buffer rows decoded before it.
     */
    void switchPassed(String content) throws SQLException {
        switches.passed(w, content);
        pendingRows++;
    }

    private Target target(long relid, String schema, String table, List<String> decoded, String buffer)
            throws SQLException {
        // the decoded columns the buffer has now (a column dropped since the change was made is left out)
        Map<String, String> has = new HashMap<>();
        try (PreparedStatement ps = w.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a "
                + "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = "
                + "format('pgtrickle_changes.%I', ?::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setString(1, buffer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    has.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        Map<String, Integer> columns = new LinkedHashMap<>();
        for (int i = 0; i < decoded.size(); i++) {
            if (has.containsKey(decoded.get(i)) && !decoded.get(i).startsWith("__pgt_")) {
                columns.put(decoded.get(i), i);
            }
        }
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(Sql.qualified("pgtrickle_changes", buffer))
                .append(" (__pgt_xid, __pgt_op");
        StringBuilder values = new StringBuilder(" VALUES (?::text::xid8, ?::text::\"char\"");
        for (String c : columns.keySet()) {
            sql.append(", ").append(Sql.ident(c));
            values.append(", ?");
        }
        sql.append(')').append(values).append(')');
        int[] positions = columns.values().stream().mapToInt(Integer::intValue).toArray();
        String[] types = new String[decoded.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = has.get(decoded.get(i));
        }
        return new Target(relid, Sql.qualified(schema, table), w.prepareStatement(sql.toString()), positions, types);
    }

    /** Writes what is pending and commits it with the progress; returns the end position now safe, or 0. */
    long flush() throws SQLException {
        if (pendingEnd == 0) {
            if (pendingRows > 0) {
                w.commit(); // a TRUNCATE's refill of a transaction decoded again
                pendingRows = 0;
            }
            return 0;
        }
        try (PreparedStatement ps = w.prepareStatement("INSERT INTO pgtrickle.pgt_wal_progress (slot_name, applied_lsn) "
                + "VALUES (?, ?::pg_lsn) ON CONFLICT (slot_name) DO UPDATE SET applied_lsn = excluded.applied_lsn, "
                + "updated_at = now()")) {
            ps.setString(1, slot);
            ps.setString(2, org.postgresql.replication.LogSequenceNumber.valueOf(pendingEnd).asString());
            ps.execute();
        }
        w.commit();
        applied = pendingEnd;
        long end = pendingEnd;
        pendingEnd = 0;
        pendingRows = 0;
        return end;
    }

    /**
     * The 64-bit id of a transaction the WAL names by its 32-bit id: the latest one at or before the server's next
     * transaction id with those low bits (a decoded transaction has committed, so it is older than the next id).
     */
    private long fullXid(long xid32) throws SQLException {
        long full = fullXid(nextFullXid, xid32);
        if (full < 0) {
            try (Statement s = w.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
                rs.next();
                nextFullXid = rs.getLong(1);
            }
            full = fullXid(nextFullXid, xid32);
            if (full < 0) {
                throw new SQLException("decoded transaction id " + xid32 + " is not older than the next id " + nextFullXid,
                        "XX000");
            }
        }
        return full;
    }

    /** {@code next}'s latest predecessor whose low 32 bits are {@code xid32}; -1 when not within 2^31 before it. */
    static long fullXid(long next, long xid32) {
        long diff = ((next & 0xffffffffL) - xid32) & 0xffffffffL;
        if (diff == 0 || diff > 0x7fffffffL || next - diff < 0) {
            return -1;
        }
        return next - diff;
    }
}
