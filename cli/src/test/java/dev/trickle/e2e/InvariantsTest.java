package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reader's per-tick bookkeeping catches what it is there to catch (no stack needed). */
class InvariantsTest {
    @Test
    void aStreamTableShowingTwoStatesAtOneTickOrGoingBackIsAViolation() {
        Invariants.Violations v = new Invariants.Violations();
        Invariants.TickRecorder r = new Invariants.TickRecorder("w", v, (tick, at) -> { });
        r.record("a", 5L, "x");
        r.record("a", 5L, "x");
        assertEquals(0, v.count());
        r.record("a", 5L, "y");
        r.record("a", 4L, "x");
        r.record("a", null, "z"); // not filled yet: nothing to check
        assertEquals(2, v.count());
        assertTrue(v.describe().contains("two different states at tick 5"), v.describe());
        assertTrue(v.describe().contains("went back from tick 5 to tick 4"), v.describe());
        assertEquals(Map.of("a", 1), r.ticksSeen());
    }

    @Test
    void streamTablesSeenAtTheSameTickAreCrossChecked() {
        Invariants.Violations v = new Invariants.Violations();
        List<String> checked = new ArrayList<>();
        Invariants.TickRecorder r = new Invariants.TickRecorder("w", v, (tick, at) -> checked.add(tick + ":" + at.size()));
        r.record("a", 7L, "1");
        r.record("b", 8L, "2");
        r.record("b", 7L, "1"); // b seen at tick 7 later: compared with a's tick 7 then
        r.record("c", 7L, "1");
        assertEquals(List.of("7:2", "7:3"), checked);
        assertEquals(2, r.crossChecked());
        assertEquals(1, v.count(), "b went back from 8 to 7: " + v.describe());
    }

    @Test
    void transferBranchesCompareByValue() {
        assertEquals(TransferWorkload.Branches.parse("0:10.50:2,1:4.5:1"), TransferWorkload.Branches.parse("0:10.5:2,1:4.50:1"));
        assertEquals(new BigDecimal("15.0").compareTo(TransferWorkload.Branches.parse("0:10.50:2,1:4.5:1").total()), 0);
    }
}
