package dev.trickle.streams.operators.setop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Multiset semantics of the set operations, and that rows no input holds leave no state. */
class SetOpOperatorTest {
    private final InMemoryStateBackend backend = new InMemoryStateBackend();

    private static ZSet<List<String>> z(String value, long weight) {
        return new ZSet<List<String>>().add(Arrays.asList(value), weight);
    }

    private ZSet<List<String>> apply(SetOpOperator op, ZSet<List<String>> a, ZSet<List<String>> b) {
        return op.apply(List.of(a, b), backend.forOperator("op0"));
    }

    @Test
    void intersectAllKeepsTheLeastCount() {
        SetOpOperator op = new SetOpOperator(SetOpOperator.Kind.INTERSECT, true, 2, List.of(PgType.INT4));
        assertEquals(z("1", 2), apply(op, z("1", 3), z("1", 2)));
        assertEquals(z("1", -1), apply(op, z("1", -2), new ZSet<>()));
        assertEquals(z("1", -1), apply(op, new ZSet<>(), z("1", -2)));
        assertEquals(new ZSet<List<String>>(), apply(op, z("1", -1), new ZSet<>()));
        assertEquals(0, backend.size());
    }

    @Test
    void exceptAllKeepsTheDifferenceAndNullsAreEqual() {
        SetOpOperator op = new SetOpOperator(SetOpOperator.Kind.EXCEPT, true, 2, List.of(PgType.INT4));
        assertEquals(z(null, 1), apply(op, z(null, 3), z(null, 2)));
        assertEquals(z(null, -1), apply(op, new ZSet<>(), z(null, 5)));
        assertEquals(z(null, 2), apply(op, z(null, 6), new ZSet<>()));
        assertEquals(z(null, -2), apply(op, z(null, -9), z(null, -7)));
        assertEquals(0, backend.size());
    }

    @Test
    void distinctOperationsEmitOneCopyShownAsFirstSeen() {
        SetOpOperator union = new SetOpOperator(SetOpOperator.Kind.UNION, false, 2, List.of(PgType.NUMERIC));
        assertEquals(z("1.0", 1), apply(union, z("1.0", 2), z("1.00", 1)));
        // the form shown goes when its last row goes: the row is replaced by the next form seen
        assertEquals(z("1.0", -1).add(Arrays.asList("1.00"), 1), apply(union, z("1.0", -2), new ZSet<>()));
        SetOpOperator except = new SetOpOperator(SetOpOperator.Kind.EXCEPT, false, 2, List.of(PgType.INT4));
        assertEquals(z("5", 1), apply(except, z("5", 2), new ZSet<>()));
        assertEquals(z("5", -1), apply(except, new ZSet<>(), z("5", 1)));
    }
}
