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

class InnerJoinOperatorTest {
    private final InMemoryStateBackend backend = new InMemoryStateBackend();
    private final OperatorState state = backend.forOperator("op0");

    private ZSet<List<String>> tick(InnerJoinOperator op, ZSet<List<String>> left, ZSet<List<String>> right) throws Exception {
        return op.apply(List.of(left, right), state);
    }

    @Test
    void duplicatesMultiplyAndRetractionsTakeBackTheirShare() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKey());
        assertEquals(none(), tick(op, zset(row("1", "a"), 2L), none()));
        assertEquals(zset(row("1", "a", "1", "x"), 6L), tick(op, none(), zset(row("1", "x"), 3L)));
        assertEquals(zset(row("1", "a", "1", "x"), -3L), tick(op, zset(row("1", "a"), -1L), none()));
        assertEquals(zset(row("1", "a", "1", "x"), -3L), tick(op, none(), zset(row("1", "x"), -3L)));
        assertEquals(zset(row("1", "a", "1", "y"), 1L), tick(op, none(), zset(row("1", "y"), 1L)));
    }

    @Test
    void rowsArrivingOnBothSidesInOneTickPairOnce() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKey());
        ZSet<List<String>> out = tick(op, zset(row("1", "a"), 1L, row("2", "b"), 1L), zset(row("1", "x"), 1L, row("3", "z"), 1L));
        assertEquals(zset(row("1", "a", "1", "x"), 1L), out);
        // and both leaving in one tick retracts the pair once
        assertEquals(zset(row("1", "a", "1", "x"), -1L), tick(op, zset(row("1", "a"), -1L), zset(row("1", "x"), -1L)));
    }

    @Test
    void nullKeysNeverMatchAndAreNotKept() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKey());
        assertEquals(none(), tick(op, zset(row(null, "a"), 1L), zset(row(null, "x"), 1L)));
        assertEquals(0, backend.size());
    }

    @Test
    void nullSafeKeysMatchNullWithNull() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKeyNullSafe());
        assertEquals(zset(row(null, "a", null, "x"), 1L), tick(op, zset(row(null, "a"), 1L, row("1", "b"), 1L),
                zset(row(null, "x"), 1L)));
    }

    @Test
    void keysEqualUnderPostgresqlEqualityMatch() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onNumericKey());
        // numeric 1.0 = 1.00 = 1: the rows keep their own text
        ZSet<List<String>> out = tick(op, zset(row("1.0", "a"), 1L), zset(row("1.00", "x"), 1L, row("1", "y"), 1L, row("10", "z"), 1L));
        assertEquals(zset(row("1.0", "a", "1.00", "x"), 1L, row("1.0", "a", "1", "y"), 1L), out);
    }

    @Test
    void aKeyUpdateTogetherWithTheDeleteOfItsOldPartnerLeavesNoStaleRow() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKey());
        tick(op, zset(row("1", "a"), 1L), zset(row("1", "x"), 1L, row("2", "y"), 1L));
        ZSet<List<String>> out = tick(op, zset(row("1", "a"), -1L, row("2", "a"), 1L), zset(row("1", "x"), -1L));
        assertEquals(zset(row("1", "a", "1", "x"), -1L, row("2", "a", "2", "y"), 1L), out);
    }

    @Test
    void residualConditionsFilterThePairsOfAKey() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKeyAndValuesOrdered());
        ZSet<List<String>> out = tick(op, zset(row("1", "b"), 1L, row("1", null), 1L),
                zset(row("1", "a"), 1L, row("1", "c"), 1L, row("1", null), 1L));
        assertEquals(zset(row("1", "b", "1", "c"), 1L), out);
    }

    @Test
    void withoutKeysEveryPairIsTested() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onValuesOrdered());
        ZSet<List<String>> out = tick(op, zset(row("1", "b"), 1L), zset(row("7", "a"), 1L, row("8", "c"), 1L));
        assertEquals(zset(row("1", "b", "8", "c"), 1L), out);
        InnerJoinOperator cross = new InnerJoinOperator(JoinCondition.cross(2));
        InMemoryStateBackend other = new InMemoryStateBackend();
        assertEquals(4, cross.apply(List.of(zset(row("1", "a"), 1L, row("2", "b"), 1L),
                zset(row("3", "c"), 1L, row("4", "d"), 1L)), other.forOperator("x")).size());
    }

    @Test
    void stateHoldsOneEntryPerLiveRowAndEmptiesWhenTheInputsDo() throws Exception {
        InnerJoinOperator op = new InnerJoinOperator(JoinFixtures.onKey());
        tick(op, zset(row("1", "a"), 3L, row("2", "b"), 1L, row(null, "c"), 1L), zset(row("1", "x"), 1L));
        assertEquals(3, backend.size());
        tick(op, zset(row("1", "a"), -3L, row("2", "b"), -1L, row(null, "c"), -1L), zset(row("1", "x"), -1L));
        assertEquals(0, backend.size());
    }
}
