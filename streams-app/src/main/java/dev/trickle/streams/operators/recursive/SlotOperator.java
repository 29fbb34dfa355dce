package dev.trickle.streams.operators.recursive;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * A leaf of a recursive term's dataflow: the delta that {@link RecursiveOperator} hands it for one pass
 * (the recursive reference's rows entering or leaving, or the change of an input that does not depend on
 * the recursion). Its value is set before each pass and read once by its consumer.
 */
public final class SlotOperator implements Operator {
    private final String name;
    private ZSet<List<String>> current = new ZSet<>();

    public SlotOperator(String name) {
        this.name = name;
    }

    public void set(ZSet<List<String>> delta) {
        this.current = delta;
    }

    @Override
    public int arity() {
        return 0;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) {
        return current;
    }

    @Override
    public String describe() {
        return name;
    }
}
