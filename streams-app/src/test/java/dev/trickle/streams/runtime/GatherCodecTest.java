package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.rows.ByteWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Change records and upstream delta records cross the gather topic in binary and come back equal. */
class GatherCodecTest {
    @Test
    void everyKindOfChangeRecordComesBackEqual() throws MalformedRecordException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", "7");
        values.put("note", null);
        values.put("empty", "");
        values.put("tëxt", "{\"json\": [1, 2]}\n\u0001");
        for (ChangeRecord change : new ChangeRecord[] {
                new ChangeRecord.Row(12, 1, values, null), new ChangeRecord.Row(12, -1, Map.of(), 99L),
                new ChangeRecord.Init(3, 41), new ChangeRecord.Init(3, 41, 2L),
                new ChangeRecord.End(Long.MAX_VALUE, 5, 6, 1_765_000_000_000L)}) {
            ChangeRecord back = GatherCodec.decode(GatherCodec.encode(change));
            assertEquals(change, back);
            if (change instanceof ChangeRecord.Row row) {
                assertEquals(row.values().keySet().stream().toList(),
                        ((ChangeRecord.Row) back).values().keySet().stream().toList(), "column order");
            }
        }
    }

    @Test
    void everyKindOfUpstreamDeltaRecordComesBackEqual() throws MalformedRecordException {
        List<String> values = Arrays.asList("7", null, "", "tëxt \u0001");
        for (DeltaRecord delta : new DeltaRecord[] {
                new DeltaRecord.Row(12, -3, values), new DeltaRecord.Row(12, Long.MAX_VALUE, List.of()),
                new DeltaRecord.End(9, 41, 0, 2, 4, 1_765_000_000_000L, true),
                new DeltaRecord.End(Long.MAX_VALUE, 41, 1, 2, 4, 0, false)}) {
            assertEquals(delta, GatherCodec.decodeDelta(GatherCodec.encode(delta)));
        }
        byte[] change = GatherCodec.encode(new ChangeRecord.End(1, 0, 1, 0));
        assertThrows(MalformedRecordException.class, () -> GatherCodec.decodeDelta(change),
                "a change record is not an upstream's delta record");
    }

    @Test
    void aRecordOfTheEarlierJsonFormatOrACorruptOneIsMalformed() {
        byte[] json = RecordCodec.encode(new ChangeRecord.End(1, 0, 1, 0)).getBytes(StandardCharsets.UTF_8);
        MalformedRecordException e = assertThrows(MalformedRecordException.class, () -> GatherCodec.decode(json));
        assertTrue(e.getMessage().contains("earlier version"), e.getMessage());
        byte[] whole = GatherCodec.encode(new ChangeRecord.Row(1, 1, Map.of("a", "bcd"), null));
        assertThrows(MalformedRecordException.class, () -> GatherCodec.decode(Arrays.copyOf(whole, whole.length - 1)));
        assertThrows(MalformedRecordException.class, () -> GatherCodec.decode(new byte[0]));
    }

    @Test
    void aRowsPairsAreFoundWithoutDecodingAndAnythingElseIsLeftToDecode() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", "7");
        values.put("note", null);
        values.put("empty", "");
        values.put("tëxt", "x".repeat(300)); // a length over one varint byte
        for (ChangeRecord.Row row : List.of(new ChangeRecord.Row(12, 1, values, null),
                new ChangeRecord.Row(Long.MAX_VALUE, -1, values, 99L), new ChangeRecord.Row(3, 1, Map.of(), null))) {
            byte[] bytes = GatherCodec.encode(row);
            int pairs = GatherCodec.rowPairs(bytes);
            assertTrue(pairs > 0);
            assertEquals(row.tick(), GatherCodec.rowTick(bytes));
            assertEquals(row.weight(), GatherCodec.rowWeight(bytes));
            byte[] expected = new ByteWriter().writeVarint(row.values().size()).toByteArray();
            assertEquals(expected[0], bytes[pairs], "the pairs begin with their count");
            for (int cut = 1; cut < bytes.length; cut++) {
                assertEquals(-1, GatherCodec.rowPairs(Arrays.copyOf(bytes, bytes.length - cut)), "truncated by " + cut);
            }
            assertEquals(-1, GatherCodec.rowPairs(Arrays.copyOf(bytes, bytes.length + 1)), "a byte too many");
        }
        assertEquals(-1, GatherCodec.rowPairs(GatherCodec.encode(new ChangeRecord.End(1, 0, 1, 0))));
        assertEquals(-1, GatherCodec.rowPairs(GatherCodec.encode(new ChangeRecord.Init(3, 41))));
        assertEquals(-1, GatherCodec.rowPairs(new byte[0]));
        assertEquals(-1, GatherCodec.rowPairs(RecordCodec.encode(new ChangeRecord.Row(1, 1, values, null))
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aRowIsSmallerThanItsJson() {
        Map<String, String> values = Map.of("o_orderkey", "123456", "o_totalprice", "1234.56", "o_comment", "ok");
        ChangeRecord row = new ChangeRecord.Row(1_000_000, 1, values, null);
        int json = RecordCodec.encode(row).getBytes(StandardCharsets.UTF_8).length;
        assertTrue(GatherCodec.encode(row).length < json * 0.8, GatherCodec.encode(row).length + " vs " + json);
    }
}
