package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When the topics of a dropped stream table may be deleted without racing a consumer group's rebalance. */
class TopicRetirementTest {
    private static final long SETTLE = TopicRetirement.SETTLE_MS;

    @Test
    void aTopicGoesOnceTheGroupsAreSettledAndNoTopicWasCreatedForAWhile() {
        TopicRetirement r = new TopicRetirement();
        long t0 = 1_000_000;
        r.retire(List.of("trickle.delta.public.a", "gather-a"), t0);
        assertEquals(List.of(), r.due(t0 + SETTLE - 1, 0, true), "not before it waited the settle time");
        assertEquals(List.of(), r.due(t0 + SETTLE, 0, false), "not while a consumer group rebalances");
        assertEquals(List.of(), r.due(t0 + SETTLE, t0 + 1, true),
                "not while the groups may not have seen a topic created just before");
        assertEquals(List.of("trickle.delta.public.a", "gather-a"), r.due(t0 + SETTLE + 1, t0 + 1, true));
        assertFalse(r.overdue(List.of("trickle.delta.public.a"), t0 + SETTLE + 1));
        r.deleted(List.of("trickle.delta.public.a", "gather-a"));
        assertTrue(r.isEmpty());
    }

    @Test
    void aTopicGoesAnywayAfterTheLongestWait() {
        TopicRetirement r = new TopicRetirement();
        r.retire(List.of("x"), 0);
        r.retire(List.of("y"), 5_000);
        r.retire(List.of("x"), 9_000); // retired again: keeps its first time
        long late = TopicRetirement.MAX_WAIT_MS;
        assertEquals(List.of("x"), r.due(late, late - 1, false));
        assertTrue(r.overdue(List.of("x"), late));
        r.deleted(List.of("x"));
        assertEquals(List.of("y"), r.pending());
    }

    @Test
    void aTopicInUseAgainIsKept() {
        TopicRetirement r = new TopicRetirement();
        r.retire(List.of("trickle.delta.public.a", "trickle.gather.st-1"), 0);
        assertEquals(List.of("trickle.delta.public.a"), r.keep(List.of("trickle.delta.public.a", "trickle.delta.public.b")));
        assertEquals(List.of("trickle.gather.st-1"), r.due(TopicRetirement.MAX_WAIT_MS, 0, true));
    }
}
