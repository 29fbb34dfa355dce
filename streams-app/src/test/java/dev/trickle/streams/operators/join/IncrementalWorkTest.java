package dev.trickle.streams.operators.join;

import static dev.trickle.streams.operators.join.JoinFixtures.none;
import static dev.trickle.streams.operators.join.JoinFixtures.row;
import static dev.trickle.streams.operators.join.JoinFixtures.zset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.CountingOperatorState;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The work of a tick follows the changed rows and their partners: a one-row change against inputs of
 * thousands of rows reads only the entries of its own key.
 */
class IncrementalWorkTest {
    private static final int ROWS = 5_000;
    private static final int HOT = 50;

    /** Distinct keys 1..ROWS on both sides, and HOT rows of key 0 on each side. */
    private static void load(Operator op, OperatorState state) throws Exception {
        ZSet<List<String>> left = new ZSet<>();
        ZSet<List<String>> right = new ZSet<>();
        for (int i = 1; i <= ROWS; i++) {
            left.add(row(String.valueOf(i), "l" + i), 1);
            right.add(row(String.valueOf(i), "r" + i), 1);
        }
        for (int i = 0; i < HOT; i++) {
            left.add(row("0", "hl" + i), 1);
            right.add(row("0", "hr" + i), 1);
        }
        op.apply(List.of(left, right), state);
    }

    @Test
    void aChangedRowReadsOnlyItsKey() throws Exception {
        for (Operator op : List.of(new InnerJoinOperator(JoinFixtures.onKey()),
                new OuterJoinOperator(JoinFixtures.onKey(), 2, true, true), new SemiJoinOperator(JoinFixtures.onKey(), false))) {
            CountingOperatorState state = new CountingOperatorState(new InMemoryStateBackend().forOperator("op0"));
            load(op, state);
            state.reset();
            // an update that moves a row from key 7 to key 8
            op.apply(List.of(zset(row("7", "l7"), -1L, row("8", "l7"), 1L), none()), state);
            assertTrue(state.entriesRead() <= 6, op.describe() + " read " + state.entriesRead() + " entries for one changed row");
            state.reset();
            // a new row on the hot key pairs with its HOT partners, and with nothing else
            ZSet<List<String>> out = op.apply(List.of(none(), zset(row("0", "new"), 1L)), state);
            assertTrue(state.entriesRead() <= HOT + 2, op.describe() + " read " + state.entriesRead() + " entries for a hot-key row");
            if (op instanceof InnerJoinOperator) {
                assertEquals(HOT, out.size());
            }
        }
    }
}
