package dev.trickle.streams.rows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The binary row format: exact text back, compact, versioned. */
class RowCodecTest {
    @Test
    void aRowComesBackTextForText() {
        List<String> row = Arrays.asList("42", null, "", "héllo \u0000\u0001|~:\"{}", "𝄞", "x".repeat(300), "-0.000");
        assertEquals(row, RowCodec.decode(RowCodec.encode(row), "test"));
        assertEquals(List.of(), RowCodec.decode(RowCodec.encode(List.of()), "test"));
    }

    @Test
    void valuesAreLengthPrefixedWithANullMarker() {
        // version, 3 values, "ab" as length 2 + 1, NULL as 0, "" as 1
        assertArrayEquals(new byte[] {RowCodec.VERSION, 3, 3, 'a', 'b', 0, 1},
                RowCodec.encode(Arrays.asList("ab", null, "")));
        ByteWriter w = new ByteWriter().writeVarint(300);
        assertArrayEquals(new byte[] {(byte) 0xAC, 0x02}, w.toByteArray(), "varint lengths");
        assertEquals(300, new ByteReader(w.toByteArray()).readVarint());
    }

    @Test
    void whatAnEarlierVersionStoredIsToldApart() {
        byte[] json = "{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8);
        assertFalse(RowCodec.isCurrent(json));
        assertFalse(RowCodec.isCurrent(new byte[0]));
        assertTrue(RowCodec.isCurrent(RowCodec.encode(List.of("1"))));
        RowCodec.StaleFormatException e = assertThrows(RowCodec.StaleFormatException.class,
                () -> RowCodec.decode(json, "a pending row"));
        assertTrue(e.getMessage().startsWith("a pending row is not in the binary row format"), e.getMessage());
        assertTrue(e.getMessage().contains("refresh_stream_table"), e.getMessage());
    }

    @Test
    void aTruncatedRowIsACorruptionThatSaysWhere() {
        byte[] whole = RowCodec.encode(List.of("abcdef"));
        byte[] cut = Arrays.copyOf(whole, whole.length - 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowCodec.decode(cut, "t"));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    @Test
    void bigEndianLongsSortBytewiseInNumericOrder() {
        long[] ticks = {0, 1, 255, 256, 65_536, 1L << 40, Long.MAX_VALUE};
        for (int i = 1; i < ticks.length; i++) {
            byte[] a = new ByteWriter().writeLong(ticks[i - 1]).toByteArray();
            byte[] b = new ByteWriter().writeLong(ticks[i]).toByteArray();
            assertTrue(Arrays.compareUnsigned(a, b) < 0, ticks[i - 1] + " < " + ticks[i]);
            assertEquals(ticks[i], new ByteReader(b).readLong());
        }
    }
}
