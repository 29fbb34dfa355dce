package dev.trickle.streams.operators;

import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * A relation without rows, ever: what Calcite leaves of an input whose condition is always false
 * ({@code ON a.k = b.k AND false}, {@code WHERE false}). Its delta is empty in every tick.
 */
public final class EmptyRelation implements Operator {
    @Override
    public int arity() {
        return 0;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) {
        return new ZSet<>();
    }

    @Override
    public String describe() {
        return "Empty (a condition that is always false)";
    }
}
