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

class SemiJoinOperatorTest {
    private final InMemoryStateBackend backend = new InMemoryStateBackend();
    private final OperatorState state = backend.forOperator("op0");

    private ZSet<List<String>> tick(SemiJoinOperator op, ZSet<List<String>> left, ZSet<List<String>> right) throws Exception {
        return op.apply(List.of(left, right), state);
    }

    @Test
    void semiJoinOutputsEachMatchedLeftRowOnceWhateverItsNumberOfMatches() throws Exception {
        SemiJoinOperator op = new SemiJoinOperator(JoinFixtures.onKey(), true);
        assertEquals(none(), tick(op, zset(row("1", "a"), 2L, row(null, "n"), 1L), none()));
        assertEquals(zset(row("1", "a"), 2L), tick(op, none(), zset(row("1", "x"), 3L, row("1", "y"), 1L)));
        assertEquals(none(), tick(op, none(), zset(row("1", "x"), -3L)));
        assertEquals(zset(row("1", "a"), -2L), tick(op, none(), zset(row("1", "y"), -1L)));
        assertEquals(none(), tick(op, zset(row("1", "a"), -2L), none()));
        assertEquals(0, backend.size());
    }

    @Test
    void antiJoinOutputsTheLeftRowsWithoutMatchIncludingNullKeys() throws Exception {
        SemiJoinOperator op = new SemiJoinOperator(JoinFixtures.onKey(), false);
        assertEquals(zset(row("1", "a"), 1L, row(null, "n"), 1L), tick(op, zset(row("1", "a"), 1L, row(null, "n"), 1L),
                zset(row(null, "x"), 1L)));
        assertEquals(zset(row("1", "a"), -1L), tick(op, none(), zset(row("1", "x"), 1L)));
        // the key moves away from its partner: unmatched again
        assertEquals(zset(row("2", "a"), 1L), tick(op, zset(row("1", "a"), -1L, row("2", "a"), 1L), none()));
    }
}
