package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoded transactions held for the ticks: which tick takes which, and when the slot may pass them. */
class WalHeldTest {
    private static final WalApplier.Target T = new WalApplier.Target(42, "public.t", List.of("id", "note"),
            new String[] {"int4", "text"});

    @Test
    void aSnapshotSeesWhatPgVisibleInSnapshotSees() {
        WalHeld.Snapshot s = WalHeld.Snapshot.parse("100:105:100,103");
        assertTrue(s.sees(99));
        assertFalse(s.sees(100), "in progress");
        assertTrue(s.sees(101));
        assertFalse(s.sees(103), "in progress");
        assertTrue(s.sees(104));
        assertFalse(s.sees(105), "not yet started");
        assertTrue(WalHeld.Snapshot.parse("7:7:").sees(6));
    }

    @Test
    void aTickTakesWhatItsSnapshotSeesAndThePreviousDoesNot() {
        WalHeld held = new WalHeld();
        WalHeld.Txn before = txn(held, 90);
        WalHeld.Txn seen = txn(held, 101);
        WalHeld.Txn later = txn(held, 103);
        assertEquals(3, held.heldRows());
        assertEquals(3, held.heldRows(42));
        List<WalHeld.Txn> taken = held.take(WalHeld.Snapshot.parse("103:105:103"), WalHeld.Snapshot.parse("95:95:"), 7);
        assertEquals(List.of(seen), taken, "90 belongs to an earlier tick, 103 to a later one");
        assertEquals(1, held.heldRows());
        assertEquals(7, before.tick, "dropped: sent before, done once this tick is in Kafka");
        assertTrue(before.rows.isEmpty());
        assertFalse(held.done(seen));
        assertFalse(held.done(later));
        held.delivered(7);
        assertTrue(held.done(seen));
        assertTrue(held.done(before));
        assertFalse(held.done(later), "not taken yet");
        assertEquals(List.of(later), held.take(WalHeld.Snapshot.parse("110:110:"), WalHeld.Snapshot.parse("103:105:103"), 8));
        assertEquals(0, held.heldRows(42));
    }

    @Test
    void rowsReadBackThroughTheBufferRowTypeAreQuotedTwice() {
        WalHeld.Row row = new WalHeld.Row(T, 5, '+', new String[] {"1", "a \"quoted\" \\ back,slash (x)"});
        WalHeld.Row nulls = new WalHeld.Row(T, 6, '-', new String[] {"2", null});
        assertEquals("{\"(,\\\"5\\\",\\\"+\\\",\\\"1\\\",\\\"a \\\\\\\"quoted\\\\\\\" \\\\\\\\ back,slash (x)\\\")\","
                        + "\"(,\\\"6\\\",\\\"-\\\",\\\"2\\\",)\"}",
                WalChanges.literal(List.of(row, nulls), List.of("__pgt_change_id", "__pgt_xid", "__pgt_op", "id", "note")));
        // a column the decoded row lacks (added since) is NULL; one the buffer lacks is left out
        assertEquals("{\"(,\\\"5\\\",\\\"+\\\",,\\\"1\\\")\"}",
                WalChanges.literal(List.of(row), List.of("__pgt_change_id", "__pgt_xid", "__pgt_op", "added", "id")));
    }

    private static WalHeld.Txn txn(WalHeld held, long xid) {
        WalHeld.Txn t = new WalHeld.Txn();
        t.xid = xid;
        t.rows.add(new WalHeld.Row(T, xid, '+', new String[] {String.valueOf(xid), "x"}));
        held.file(t);
        return t;
    }
}
