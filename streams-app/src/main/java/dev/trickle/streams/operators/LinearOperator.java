package dev.trickle.streams.operators;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * A stateless operator applied row by row: since f(Σ w·r) = Σ w·f(r), the delta of its output is the
 * operator applied to the delta of its input, each row keeping its weight.
 */
public abstract class LinearOperator implements Operator {
    @Override
    public final int arity() {
        return 1;
    }

    @Override
    public final ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException {
        ZSet<List<String>> out = new ZSet<>(inputs.get(0).size());
        for (var e : inputs.get(0).asMap().entrySet()) {
            List<String> row = map(e.getKey());
            if (row != null) {
                out.add(row, e.getValue());
            }
        }
        return out;
    }

    /** The output row for one input row, or null to drop it. */
    protected abstract List<String> map(List<String> row) throws EvaluationException;
}
