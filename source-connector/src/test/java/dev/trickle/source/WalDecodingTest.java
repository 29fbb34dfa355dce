package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The pure parts of WAL capture: widening the WAL's 32-bit xids, and reading pgoutput messages. */
class WalDecodingTest {
    private static final long EPOCH = 1L << 32;

    @Test
    void aDecodedXidIsTheLatestWithItsLowBitsBeforeTheNextXid() {
        assertEquals(3 * EPOCH + 100, WalApplier.fullXid(3 * EPOCH + 500, 100));
        // the next xid wrapped into a new epoch; the decoded one is from the previous epoch
        assertEquals(3 * EPOCH - 10, WalApplier.fullXid(3 * EPOCH + 5, EPOCH - 10));
        assertEquals(499, WalApplier.fullXid(500, 499));
    }

    @Test
    void anXidNotBeforeTheNextOneAsksForAFreshNextXid() {
        assertEquals(-1, WalApplier.fullXid(500, 500), "equal to the next xid: not committed yet by that count");
        assertEquals(-1, WalApplier.fullXid(500, 501), "after the cached next xid");
        assertEquals(-1, WalApplier.fullXid(10, EPOCH - 5), "before the first epoch");
    }

    @Test
    void beginCommitAndMessagesCarryTheirPositions() throws IOException {
        PgOutput.Begin b = assertInstanceOf(PgOutput.Begin.class, PgOutput.parse(bytes(o -> {
            o.writeByte('B');
            o.writeLong(0x16B3748L);
            o.writeLong(123);
            o.writeInt(0xfffffff0); // an xid above 2^31 stays positive
        })));
        assertEquals(0x16B3748L, b.finalLsn());
        assertEquals(0xfffffff0L, b.xid());
        PgOutput.Commit c = assertInstanceOf(PgOutput.Commit.class, PgOutput.parse(bytes(o -> {
            o.writeByte('C');
            o.writeByte(0);
            o.writeLong(10);
            o.writeLong(20);
            o.writeLong(99);
        })));
        assertEquals(10, c.commitLsn());
        assertEquals(20, c.endLsn());
        PgOutput.LogicalMessage m = assertInstanceOf(PgOutput.LogicalMessage.class, PgOutput.parse(bytes(o -> {
            o.writeByte('M');
            o.writeByte(0);
            o.writeLong(77);
            cstring(o, "pgtrickle");
            o.writeInt(6);
            o.write("tick 1".getBytes(StandardCharsets.UTF_8));
        })));
        assertEquals(77, m.lsn());
        assertEquals("pgtrickle", m.prefix());
        assertEquals("tick 1", m.content());
    }

    @Test
    void anUpdateCarriesTheOldRowAndTheNewRowTakesUnchangedToastFromIt() throws IOException {
        PgOutput.Relation r = assertInstanceOf(PgOutput.Relation.class, PgOutput.parse(bytes(o -> {
            o.writeByte('R');
            o.writeInt(16384);
            cstring(o, "public");
            cstring(o, "t");
            o.writeByte('f');
            o.writeShort(3);
            for (String col : new String[] {"id", "big", "note"}) {
                o.writeByte(0);
                cstring(o, col);
                o.writeInt(25);
                o.writeInt(-1);
            }
        })));
        assertEquals(java.util.List.of("id", "big", "note"), r.columns());
        PgOutput.Change u = assertInstanceOf(PgOutput.Change.class, PgOutput.parse(bytes(o -> {
            o.writeByte('U');
            o.writeInt(16384);
            o.writeByte('O');
            tuple(o, "1", "xxxx", null);
            o.writeByte('N');
            o.writeShort(3);
            text(o, "1");
            o.writeByte('u');
            text(o, "é");
        })));
        assertEquals('U', u.op());
        assertArrayEquals(new String[] {"1", "xxxx", null}, u.old().values());
        assertFalse(u.neu().complete());
        PgOutput.Tuple row = u.neu().completedFrom(u.old());
        assertTrue(row.complete());
        assertArrayEquals(new String[] {"1", "xxxx", "é"}, row.values());
        PgOutput.Change d = assertInstanceOf(PgOutput.Change.class, PgOutput.parse(bytes(o -> {
            o.writeByte('D');
            o.writeInt(16384);
            o.writeByte('O');
            tuple(o, "2", null, "n");
        })));
        assertNull(d.neu());
        assertArrayEquals(new String[] {"2", null, "n"}, d.old().values());
    }

    private interface Writes {
        void to(DataOutputStream o) throws IOException;
    }

    private static ByteBuffer bytes(Writes w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            w.to(o);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private static void cstring(DataOutputStream o, String s) throws IOException {
        o.write(s.getBytes(StandardCharsets.UTF_8));
        o.writeByte(0);
    }

    private static void text(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeByte('t');
        o.writeInt(b.length);
        o.write(b);
    }

    private static void tuple(DataOutputStream o, String... values) throws IOException {
        o.writeShort(values.length);
        for (String v : values) {
            if (v == null) {
                o.writeByte('n');
            } else {
                text(o, v);
            }
        }
    }
}
