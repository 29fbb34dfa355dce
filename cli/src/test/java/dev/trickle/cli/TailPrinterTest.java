package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.records.DeltaRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code trickle tail} prints for a tick's rows and end markers. */
class TailPrinterTest {
    @Test
    void rowsWithSignWeightAndTickThenTheTickOnceEveryMarkerIsIn() {
        TailPrinter p = new TailPrinter(List.of("grp", "total"));
        List<String> out = new ArrayList<>();
        out.addAll(p.lines(0, new DeltaRecord.Row(812, 1, List.of("a", "375.00"))));
        out.addAll(p.lines(1, new DeltaRecord.Row(812, -1, List.of("a", "370.00"))));
        out.addAll(p.lines(1, new DeltaRecord.Row(812, 3, Arrays.asList("two words", null))));
        out.addAll(p.lines(0, end(812, 0, false)));
        out.addAll(p.lines(1, end(812, 0, false)));
        assertEquals(0, p.ticksDone(), "one producer's markers of two are in");
        out.addAll(p.lines(0, end(812, 1, false)));
        out.addAll(p.lines(1, end(812, 1, false)));
        assertEquals(List.of(
                "tick 812 + (grp=a, total=375.00)",
                "tick 812 - (grp=a, total=370.00)",
                "tick 812 +3 (grp='two words', total=NULL)",
                "tick 812 done: +4 -1 rows"), out);
        assertEquals(1, p.ticksDone());
    }

    @Test
    void aFillAndAnEmptyTickSaySo() {
        TailPrinter p = new TailPrinter(List.of("v"));
        List<String> out = new ArrayList<>();
        out.addAll(p.lines(0, new DeltaRecord.Row(5, 1, List.of("NULL"))));
        out.addAll(p.lines(0, new DeltaRecord.End(5, 1, 0, 1, 1, 0, true)));
        out.addAll(p.lines(0, new DeltaRecord.End(6, 1, 0, 1, 1, 0, false)));
        assertEquals(List.of("tick 5 + (v='NULL')", "tick 5 done (fill): +1 row", "tick 6 done: no changes"), out);
    }

    private static DeltaRecord.End end(long tick, int producer, boolean initial) {
        return new DeltaRecord.End(tick, 1, producer, 2, 2, 0, initial);
    }
}
