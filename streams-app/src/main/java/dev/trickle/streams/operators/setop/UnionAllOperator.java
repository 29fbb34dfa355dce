package dev.trickle.streams.operators.setop;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ZSet;
import java.util.List;

/** UNION ALL: the multiset sum of its inputs, so its delta is the sum of theirs; no state. */
public final class UnionAllOperator implements Operator {
    private final int arity;

    public UnionAllOperator(int arity) {
        this.arity = arity;
    }

    @Override
    public int arity() {
        return arity;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) {
        ZSet<List<String>> out = new ZSet<>();
        for (ZSet<List<String>> in : inputs) {
            out.addAll(in);
        }
        return out;
    }

    @Override
    public String describe() {
        return "UnionAll";
    }
}
