package dev.trickle.streams.operators.join;

import static dev.trickle.streams.operators.join.JoinFixtures.none;
import static dev.trickle.streams.operators.join.JoinFixtures.row;
import static dev.trickle.streams.operators.join.JoinFixtures.zset;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class OuterJoinOperatorTest {
    private final InMemoryStateBackend backend = new InMemoryStateBackend();
    private final OperatorState state = backend.forOperator("op0");

    private ZSet<List<String>> tick(OuterJoinOperator op, ZSet<List<String>> left, ZSet<List<String>> right) throws Exception {
        return op.apply(List.of(left, right), state);
    }

    private static OuterJoinOperator left(JoinCondition c) {
        return new OuterJoinOperator(c, 2, true, false);
    }

    private static OuterJoinOperator full(JoinCondition c) {
        return new OuterJoinOperator(c, 2, true, true);
    }

    @Test
    void unmatchedLeftRowsArePaddedUntilAPartnerArrivesAndAfterItLeaves() throws Exception {
        OuterJoinOperator op = left(JoinFixtures.onKey());
        assertEquals(zset(row("1", "a", null, null), 2L), tick(op, zset(row("1", "a"), 2L), none()));
        assertEquals(zset(row("1", "a", null, null), -2L, row("1", "a", "1", "x"), 2L), tick(op, none(), zset(row("1", "x"), 1L)));
        // a second partner adds pairs; the padding is already gone
        assertEquals(zset(row("1", "a", "1", "y"), 2L), tick(op, none(), zset(row("1", "y"), 1L)));
        assertEquals(zset(row("1", "a", "1", "x"), -2L), tick(op, none(), zset(row("1", "x"), -1L)));
        assertEquals(zset(row("1", "a", "1", "y"), -2L, row("1", "a", null, null), 2L), tick(op, none(), zset(row("1", "y"), -1L)));
        // right rows without a partner are not output by a left join
        assertEquals(none(), tick(op, none(), zset(row("5", "z"), 1L)));
    }

    @Test
    void nullKeysArePaddedAndNeverStored() throws Exception {
        OuterJoinOperator op = full(JoinFixtures.onKey());
        assertEquals(zset(row(null, "a", null, null), 1L, row(null, null, null, "x"), 1L),
                tick(op, zset(row(null, "a"), 1L), zset(row(null, "x"), 1L)));
        assertEquals(0, backend.size());
        assertEquals(zset(row(null, "a", null, null), -1L), tick(op, zset(row(null, "a"), -1L), none()));
    }

    @Test
    void fullJoinKeyUpdateWithPartnerDeletedInTheSameTickLeavesNoStaleRow() throws Exception {
        OuterJoinOperator op = full(JoinFixtures.onKey());
        assertEquals(zset(row("1", "a", "1", "x"), 1L), tick(op, zset(row("1", "a"), 1L), zset(row("1", "x"), 1L)));
        // UPDATE l SET key = 2 and DELETE the old partner, in one tick
        ZSet<List<String>> out = tick(op, zset(row("1", "a"), -1L, row("2", "a"), 1L), zset(row("1", "x"), -1L));
        assertEquals(zset(row("1", "a", "1", "x"), -1L, row("2", "a", null, null), 1L), out);
        assertEquals(1, backend.size());
    }

    @Test
    void rightJoinPadsTheLeftColumns() throws Exception {
        OuterJoinOperator op = new OuterJoinOperator(JoinFixtures.onKey(), 2, false, true);
        assertEquals(zset(row(null, null, "1", "x"), 1L), tick(op, zset(row("2", "a"), 1L), zset(row("1", "x"), 1L)));
        assertEquals(zset(row(null, null, "1", "x"), -1L, row("1", "b", "1", "x"), 1L), tick(op, zset(row("1", "b"), 1L), none()));
    }

    @Test
    void residualConditionsDecideWhichRowsAreMatched() throws Exception {
        OuterJoinOperator op = full(JoinFixtures.onKeyAndValuesOrdered());
        // same key, but "b" < "a" is false: both rows unmatched
        assertEquals(zset(row("1", "b", null, null), 1L, row(null, null, "1", "a"), 1L),
                tick(op, zset(row("1", "b"), 1L), zset(row("1", "a"), 1L)));
        // "b" < "c": the new right row matches, the left row stops being unmatched; "a" stays unmatched
        assertEquals(zset(row("1", "b", null, null), -1L, row("1", "b", "1", "c"), 1L),
                tick(op, none(), zset(row("1", "c"), 1L)));
        // a left row with a NULL value matches nothing, though its key is equal
        assertEquals(zset(row("1", null, null, null), 1L), tick(op, zset(row("1", null), 1L), none()));
    }

    @Test
    void stateEmptiesWhenTheInputsDo() throws Exception {
        OuterJoinOperator op = full(JoinFixtures.onKey());
        tick(op, zset(row("1", "a"), 2L, row("2", "b"), 1L), zset(row("1", "x"), 1L, row("3", "y"), 1L));
        assertEquals(4, backend.size());
        ZSet<List<String>> out = tick(op, zset(row("1", "a"), -2L, row("2", "b"), -1L), zset(row("1", "x"), -1L, row("3", "y"), -1L));
        assertEquals(zset(row("1", "a", "1", "x"), -2L, row("2", "b", null, null), -1L, row(null, null, "3", "y"), -1L), out);
        assertEquals(0, backend.size());
    }
}
