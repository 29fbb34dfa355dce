package dev.trickle.source;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Decoded WAL transactions held in memory until a tick takes them (issue 11's direct path: no write-back into the
 * change buffers). The decoder files each transaction at its end; a tick takes every filed transaction that its
 * snapshot sees and the previous tick's does not ({@code pg_visible_in_snapshot}'s rule, in Java), and drops those
 * the previous tick's snapshot already sees (decoded again after a restart: an earlier tick sent them). A taken
 * transaction's rows leave memory at once; only its tick is kept, so that the slot is confirmed past it once that
 * tick is in Kafka ({@link #done}). Shared by the decoding thread and the task's poll thread.
 */
final class WalHeld {
    /** One decoded row: the source's decoded columns ({@code target}), its transaction, '+' or '-', input text. */
    record Row(WalApplier.Target target, long xid, char op, String[] values) {
    }

    /** One decoded transaction: its 64-bit id, its rows until taken, and the tick that took it. */
    static final class Txn {
        long xid = -1;
        List<Row> rows = new ArrayList<>();
        /** The tick that took it (or dropped it as seen before); -1 while held. */
        volatile long tick = -1;
        /** Nothing of it is the WAL's to capture: done at its end. */
        volatile boolean empty;
    }

    /** A snapshot's text {@code xmin:xmax:xip,...}, as {@code pg_current_snapshot()} gives it. */
    record Snapshot(long xmin, long xmax, Set<Long> xip) {
        static Snapshot parse(String text) {
            if (text == null) {
                return null;
            }
            String[] parts = text.split(":", -1);
            Set<Long> xip = new HashSet<>();
            if (parts.length > 2 && !parts[2].isEmpty()) {
                for (String x : parts[2].split(",")) {
                    xip.add(Long.parseLong(x));
                }
            }
            return new Snapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
        }

        /** Whether the transaction's effects are visible in this snapshot (it has committed before it). */
        boolean sees(long xid) {
            return xid < xmin || (xid < xmax && !xip.contains(xid));
        }
    }

    private final List<Txn> filed = new ArrayList<>();
    private final java.util.Map<Long, Long> bySource = new java.util.HashMap<>();
    private long heldRows;
    /** Ticks up to this one are in Kafka. */
    private volatile long delivered;

    synchronized void file(Txn t) {
        filed.add(t);
        count(t, 1);
    }

    private void count(Txn t, int sign) {
        heldRows += sign * t.rows.size();
        for (Row r : t.rows) {
            bySource.merge(r.target().relid(), (long) sign, Long::sum);
        }
        bySource.values().removeIf(n -> n == 0);
    }

    /** Rows of source {@code relid} in filed transactions not taken yet. */
    synchronized long heldRows(long relid) {
        return bySource.getOrDefault(relid, 0L);
    }

    /** Rows of filed transactions not taken yet. */
    synchronized long heldRows() {
        return heldRows;
    }

    /**
     * The filed transactions tick {@code tick} carries: those {@code upper} sees and {@code lower} (the previous
     * tick's snapshot, null for none) does not, in commit order. Those {@code lower} sees are dropped.
     */
    synchronized List<Txn> take(Snapshot upper, Snapshot lower, long tick) {
        List<Txn> out = new ArrayList<>();
        for (Iterator<Txn> it = filed.iterator(); it.hasNext(); ) {
            Txn t = it.next();
            boolean before = lower != null && lower.sees(t.xid);
            if (before || upper.sees(t.xid)) {
                it.remove();
                count(t, -1);
                t.tick = tick;
                if (before) {
                    t.rows = List.of();
                } else {
                    out.add(t);
                }
            }
        }
        return out;
    }

    void delivered(long tick) {
        delivered = Math.max(delivered, tick);
    }

    /** Whether the slot may be confirmed past the transaction: nothing of it, or its tick is in Kafka. */
    boolean done(Txn t) {
        return t.empty || (t.tick >= 0 && t.tick <= delivered);
    }
}
