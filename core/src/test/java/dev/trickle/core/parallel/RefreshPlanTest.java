package dev.trickle.core.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan as the components log it, and the mode's names. */
class RefreshPlanTest {
    @Test
    void describesWhichUnitsRunTogetherAndWhichWait() {
        RefreshPlan plan = new RefreshPlan(List.of(
                new RefreshPlan.Unit(0, "public.a", false, List.of("public.a"), List.of(1L), List.of()),
                new RefreshPlan.Unit(0, "group(public.d1, public.apex)", true, List.of("public.d1", "public.apex"),
                        List.of(2L, 3L), List.of()),
                new RefreshPlan.Unit(1, "public.c", false, List.of("public.c"), List.of(4L), List.of("public.a"))));
        assertEquals("3 execution unit(s), at most 4 at once:\n"
                + "  level 0 (2 unit(s) run together): public.a | group(public.d1, public.apex) [atomic group: each "
                + "tick in one transaction]\n"
                + "  level 1 (1 unit(s) run together, after level 0): public.c waits for public.a", plan.describe(4));
        assertEquals("group(public.d1, public.apex)", plan.unitOf(3L).key());
        assertNull(plan.unitOf(99L));
        assertEquals("no stream table", new RefreshPlan(List.of()).describe(4));
    }

    @Test
    void modesParseAsConfigured() {
        assertEquals(ParallelMode.DRY_RUN, ParallelMode.parse(" DRY_RUN "));
        assertEquals("on", ParallelMode.ON.configName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParallelMode.parse("yes"));
        assertEquals("invalid parallel.refresh.mode 'yes': use off, dry_run or on", e.getMessage());
    }
}
