package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes decoded transactions into the change buffers of WAL-captured sources, in the form the capture triggers
 * write: an INSERT is '+new', an UPDATE '-old' then '+new', a DELETE '-old', each row stamped with the writer's
 * (top-level) transaction id, so that the tick whose snapshot sees that transaction reads it, as for a trigger row.
 * Values go in as PostgreSQL's own text and are read back by the buffer's typed columns.
 *
 * <p>Several decoded transactions share one buffer transaction, which also records the commit position of the
 * last of them in {@code pgtrickle.pgt_wal_progress}: a transaction decoded again after a crash (the slot only
 * moves after that commit) is recognised by its commit position and skipped.
 *
 * <p>A table in the publication is not always the WAL's to capture: a source switched to or from triggers is
 * captured from the WAL only by the transactions that commit after (or before) its switch ({@link CdcSwitches}).
 */
final class WalApplier {
    private static final Logger LOG = LoggerFactory.getLogger(WalApplier.class);
    /** Rows written before the buffer transaction is committed at the next transaction boundary. */
    private static final int ROWS_PER_COMMIT = 20_000;

    private final Connection w;
    private final String slot;
    private final Map<Long, PgOutput.Relation> relations = new HashMap<>();
    private final Map<Long, Target> targets = new HashMap<>();
    private final CdcSwitches switches = new CdcSwitches();
    /** The commit position of the last transaction in the buffers (skipped when decoded again). */
    private long applied;
    private long nextFullXid;
    private boolean skipping;
    private long xid;
    /** The commit position of the transaction being decoded. */
    private long commitLsn;
    private long pendingCommit;
    private long pendingEnd;
    private int pendingRows;

    /** Where one source's decoded rows go: its buffer, and the decoded columns the buffer has (by position). */
    private record Target(String source, PreparedStatement insert, int[] positions) {
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

    /** Takes one decoded message; true when enough is pending that it should be flushed now. */
    boolean apply(PgOutput.Message m) throws SQLException {
        if (m instanceof PgOutput.Begin b) {
            skipping = Long.compareUnsigned(b.finalLsn(), applied) <= 0;
            if (!skipping) {
                xid = fullXid(b.xid());
                commitLsn = b.finalLsn();
            }
        } else if (m instanceof PgOutput.Relation r) {
            relations.put(r.relid(), r);
            Target old = targets.remove(r.relid());
            if (old != null) {
                flushBatch(old);
                old.insert().close();
            }
        } else if (m instanceof PgOutput.Change c && !skipping) {
            change(c);
        } else if (m instanceof PgOutput.Truncate t && !skipping) {
            truncate(t);
        } else if (m instanceof PgOutput.LogicalMessage lm && CdcSwitches.PREFIX.equals(lm.prefix()) && !skipping) {
            switches.passed(w, lm.content());
        } else if (m instanceof PgOutput.Commit c) {
            if (!skipping) {
                pendingCommit = c.commitLsn();
                pendingEnd = c.endLsn();
            }
            return pendingRows >= ROWS_PER_COMMIT;
        }
        return false;
    }

    private void change(PgOutput.Change c) throws SQLException {
        Target t = target(c.relid());
        if (t == null || !switches.fromWal(c.relid(), commitLsn)) {
            return; // not a source, or a trigger captured this transaction's changes
        }
        if (c.op() != 'I' && c.old() == null) {
            throw new SQLException("the WAL has no old row for " + (c.op() == 'U' ? "an UPDATE" : "a DELETE") + " of "
                    + t.source() + ", which WAL capture needs: run ALTER TABLE " + t.source() + " REPLICA IDENTITY FULL "
                    + "(Trickle sets it when WAL capture starts; it was changed since) and refresh the stream tables over it",
                    "55000");
        }
        if (c.old() != null) {
            add(t, "-", c.old());
        }
        if (c.neu() != null) {
            PgOutput.Tuple row = c.neu().completedFrom(c.old());
            if (!row.complete()) {
                throw new SQLException("the WAL lacks an unchanged TOAST value of " + t.source() + " (REPLICA IDENTITY "
                        + "is not FULL?)", "55000");
            }
            add(t, "+", row);
        }
    }

    private void add(Target t, String op, PgOutput.Tuple row) throws SQLException {
        PreparedStatement ps = t.insert();
        ps.setString(1, Long.toUnsignedString(xid));
        ps.setString(2, op);
        int[] pos = t.positions();
        for (int i = 0; i < pos.length; i++) {
            ps.setObject(i + 3, row.values()[pos[i]], Types.OTHER);
        }
        ps.addBatch();
        pendingRows++;
    }

    /**
     * TRUNCATE of a WAL-captured source: the WAL does not say which rows went, so the stream tables over it are
     * filled again from their queries at a coming tick (as a refresh does).
     */
    private void truncate(PgOutput.Truncate t) throws SQLException {
        for (Long relid : t.relids()) {
            if (!switches.knows(relid)) {
                switches.load(w);
            }
            if (!switches.fromWal(relid, commitLsn)) {
                continue; // a trigger captured it
            }
            try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables SET needs_init = true, "
                    + "init_tick = NULL WHERE pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d "
                    + "WHERE d.source_relid = ?::oid)")) {
                ps.setLong(1, relid);
                int n = ps.executeUpdate();
                if (n > 0) {
                    LOG.info("Table with oid {} was truncated: its {} WAL-captured stream table(s) are filled again", relid, n);
                }
            }
        }
        pendingRows++;
    }

    /** The buffer of a source, or null for a table that is not (or no longer) one. */
    private Target target(long relid) throws SQLException {
        if (targets.containsKey(relid)) {
            return targets.get(relid);
        }
        PgOutput.Relation r = relations.get(relid);
        Target t = null;
        String buffer = null;
        if (!switches.knows(relid)) {
            switches.load(w); // a source new since the last load
        }
        try (PreparedStatement ps = w.prepareStatement("SELECT buffer_table FROM pgtrickle.pgt_sources "
                + "WHERE source_relid = ?::oid "
                + "AND to_regclass(format('pgtrickle_changes.%I', buffer_table)) IS NOT NULL")) {
            ps.setLong(1, relid);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    buffer = rs.getString(1);
                }
            }
        }
        if (buffer != null && r != null) {
            t = target(r, buffer);
        }
        targets.put(relid, t);
        return t;
    }

    private Target target(PgOutput.Relation r, String buffer) throws SQLException {
        // the decoded columns the buffer has now (a column dropped since the change was made is left out)
        List<String> has = new ArrayList<>();
        try (PreparedStatement ps = w.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "format('pgtrickle_changes.%I', ?::text)::regclass AND attnum > 0 AND NOT attisdropped")) {
            ps.setString(1, buffer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    has.add(rs.getString(1));
                }
            }
        }
        Map<String, Integer> columns = new LinkedHashMap<>();
        for (int i = 0; i < r.columns().size(); i++) {
            if (has.contains(r.columns().get(i)) && !r.columns().get(i).startsWith("__pgt_")) {
                columns.put(r.columns().get(i), i);
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
        return new Target(Sql.qualified(r.schema(), r.name()), w.prepareStatement(sql.toString()), positions);
    }

    /** Writes what is pending and commits it with the progress; returns the end position now safe, or 0. */
    long flush() throws SQLException {
        if (pendingEnd == 0) {
            return 0;
        }
        for (Target t : targets.values()) {
            if (t != null) {
                flushBatch(t);
            }
        }
        try (PreparedStatement ps = w.prepareStatement("INSERT INTO pgtrickle.pgt_wal_progress (slot_name, applied_lsn) "
                + "VALUES (?, ?::pg_lsn) ON CONFLICT (slot_name) DO UPDATE SET applied_lsn = excluded.applied_lsn, "
                + "updated_at = now()")) {
            ps.setString(1, slot);
            ps.setString(2, org.postgresql.replication.LogSequenceNumber.valueOf(pendingCommit).asString());
            ps.execute();
        }
        w.commit();
        applied = pendingCommit;
        long end = pendingEnd;
        pendingEnd = 0;
        pendingRows = 0;
        return end;
    }

    private static void flushBatch(Target t) throws SQLException {
        t.insert().executeBatch();
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
