package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds decoded transactions for the ticks ({@link WalHeld}), in the form the capture triggers write: an INSERT is
 * '+new', an UPDATE '-old' then '+new', a DELETE '-old', each transaction known by the writer's (top-level)
 * transaction id, so that the tick whose snapshot sees that transaction takes it, as it reads a trigger row.
 * Values are PostgreSQL input text; the tick reads them back through the buffer's row type ({@link WalChanges}),
 * so that they arrive as trigger-captured values do.
 *
 * <p>The reader hands over each decoded change ({@link #change}: relation, op, old/new row values, xid) and then
 * the transaction's end ({@link #commit}), where the transaction is filed. Nothing is written to the buffers: a
 * crash loses the held transactions, and the slot, confirmed only past transactions whose tick is in Kafka, sends
 * them again.
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
    private final WalHeld held;
    /** Where each table's rows go, per decoded column list (a column list changes with DDL). */
    private final Map<String, Target> targets = new HashMap<>();
    /** Tables whose unreadable changes were reported (once per run each). */
    private final Set<String> warned = new java.util.HashSet<>();
    private final CdcSwitches switches = new CdcSwitches();
    private long nextFullXid;
    private WalHeld.Txn current;

    /** One captured source's decoded columns (by name) and their buffer column types (null: not in the buffer). */
    record Target(long relid, String source, List<String> columns, String[] types) {
    }

    WalApplier(Connection w, String slot, WalHeld held) throws SQLException {
        this.w = w;
        this.slot = slot;
        this.held = held;
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

    /** A decoded transaction begins: its changes are held together until its end. */
    WalHeld.Txn begin() {
        current = new WalHeld.Txn();
        return current;
    }

    /** The transaction being decoded (one is begun when Debezium sent no BEGIN for it). */
    WalHeld.Txn current() {
        return current != null ? current : begin();
    }

    /**
     * One decoded row change of transaction {@code xid32} (the WAL's 32-bit id). {@code op} is 'I', 'U' or 'D';
     * {@code old} is null for an INSERT, {@code neu} null for a DELETE; values are input text in {@code t}'s
     * decoded column order, {@link #UNCHANGED} for an unchanged TOAST value.
     */
    void change(Target t, char op, long xid32, String[] old, String[] neu) throws SQLException {
        WalHeld.Txn txn = current();
        if (txn.xid < 0) {
            txn.xid = fullXid(xid32);
        }
        if (op != 'I' && old == null) {
            throw new SQLException("the WAL has no old row for " + (op == 'U' ? "an UPDATE" : "a DELETE") + " of "
                    + t.source() + ", which WAL capture needs: run ALTER TABLE " + t.source() + " REPLICA IDENTITY FULL "
                    + "(Trickle sets it when WAL capture starts; it was changed since) and refresh the stream tables over it",
                    "55000");
        }
        if (old != null) {
            txn.rows.add(new WalHeld.Row(t, txn.xid, '-', old));
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
            txn.rows.add(new WalHeld.Row(t, txn.xid, '+', row));
        }
    }

    /**
     * TRUNCATE of a WAL-captured source: the WAL does not say which rows went, so the stream tables over it are
     * filled again from their queries at a coming tick (as a refresh does). Also for a source switching capture:
     * whichever captured the TRUNCATE, a fill is right. Decoded again after a restart, it fills them once more.
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
            int n = ps.executeUpdate();
            w.commit();
            return n;
        }
    }

    /**
     * The end of a decoded transaction, committed at {@code endLsn}: its rows of sources whose capture at that
     * position is the WAL's are filed for the ticks; the others' were captured by triggers.
     */
    WalHeld.Txn commit(long endLsn) {
        WalHeld.Txn txn = current();
        current = null;
        txn.rows.removeIf(r -> !switches.fromWal(r.target().relid(), endLsn));
        if (txn.rows.isEmpty()) {
            txn.empty = true;
        } else {
            held.file(txn);
        }
        return txn;
    }

    /**
     * The decoder met a capture switch's message ({@link CdcSwitches#PREFIX}, "relid position"): switches committed
     * since the last load are loaded (one is met before any change it concerns). Its row stays until the slot is
     * confirmed past the message ({@link #confirmed}): decoded again after a crash, the transactions before it
     * still need it.
     */
    void switchPassed(String content) throws SQLException {
        switches.load(w);
        w.commit();
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
        String[] types = new String[decoded.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = decoded.get(i).startsWith("__pgt_") ? null : has.get(decoded.get(i));
        }
        return new Target(relid, Sql.qualified(schema, table), List.copyOf(decoded), types);
    }

    /**
     * The slot is about to be confirmed past {@code commitLsn} (0: no transaction end among what is confirmed) and
     * past the capture switch messages {@code switchesPassed}: their rows go, and the progress row records the
     * position (it also tells a slot made anew from one that was lost, see {@link WalCapture}).
     */
    void confirmed(long commitLsn, List<String> switchesPassed) throws SQLException {
        for (String content : switchesPassed) {
            switches.passed(w, content);
        }
        if (commitLsn != 0) {
            try (PreparedStatement ps = w.prepareStatement("INSERT INTO pgtrickle.pgt_wal_progress (slot_name, "
                    + "applied_lsn) VALUES (?, ?::pg_lsn) ON CONFLICT (slot_name) DO UPDATE SET applied_lsn = "
                    + "excluded.applied_lsn, updated_at = now()")) {
                ps.setString(1, slot);
                ps.setString(2, org.postgresql.replication.LogSequenceNumber.valueOf(commitLsn).asString());
                ps.execute();
            }
        }
        w.commit();
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
