package dev.trickle.core.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    @Test
    void changeRecordsRoundTrip() {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("id", "1");
        row.put("note", null);
        row.put("Odd \"col\"", "tab\there");
        for (ChangeRecord r : new ChangeRecord[] {
                new ChangeRecord.Row(7, -1, row, null), new ChangeRecord.Row(7, 1, row, 5L),
                new ChangeRecord.Init(7, 5), new ChangeRecord.Init(7, 5, 6L), new ChangeRecord.End(7, 2, 4, 1_700_000_000_000L)}) {
            assertEquals(r, RecordCodec.decodeChange(RecordCodec.encode(r)));
        }
    }

    @Test
    void deltaRecordsRoundTrip() {
        for (DeltaRecord r : new DeltaRecord[] {
                new DeltaRecord.Row(9, -3, Arrays.asList("1", null, "x")),
                new DeltaRecord.End(9, 5, 1, 4, 2, 123L, true)}) {
            assertEquals(r, RecordCodec.decodeDelta(RecordCodec.encode(r)));
        }
    }

    @Test
    void malformedRecordsSayWhatIsWrong() {
        assertMessage("not JSON", () -> RecordCodec.decodeChange("{oops"));
        assertMessage("no text field \"k\"", () -> RecordCodec.decodeChange("{\"tick\":1}"));
        assertMessage("no integer field \"tick\"", () -> RecordCodec.decodeDelta("{\"k\":\"row\"}"));
        assertMessage("unknown change record kind", () -> RecordCodec.decodeChange("{\"k\":\"what\",\"tick\":1}"));
        assertMessage("without a \"row\" array", () -> RecordCodec.decodeDelta("{\"k\":\"row\",\"tick\":1,\"w\":1}"));
        assertMessage("empty record", () -> RecordCodec.decodeDelta(null));
        assertThrows(IllegalArgumentException.class, () -> new ChangeRecord.Row(1, 2, Map.of(), null));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        MalformedRecordException e = assertThrows(MalformedRecordException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
