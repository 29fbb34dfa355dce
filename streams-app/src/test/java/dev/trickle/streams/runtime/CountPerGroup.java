package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.plan.DeltaPipeline;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;

/**
 * {@code SELECT grp, count(*) FROM <source> GROUP BY grp} as the runtime's topology tests use it, with the counts
 * in operator state; a row of group {@link #FAILING} fails the query, one of group {@link #FENCED} fails as a
 * fenced producer does.
 */
final class CountPerGroup implements DeltaPipeline {
    /** A group whose row fails the query. */
    static final String FAILING = "fails";
    /** A group whose row makes the state store's changelog fail, as a fenced producer does. */
    static final String FENCED = "fenced";
    private final String source;

    CountPerGroup(String source) {
        this.source = source;
    }

    @Override
    public ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs, StateBackend state)
            throws EvaluationException {
        try {
            return count(inputs, state);
        } finally {
            state.flush(); // as OperatorPipeline does: the writes reach the store at the evaluation's end
        }
    }

    private ZSet<List<String>> count(Map<String, ZSet<Map<String, String>>> inputs, StateBackend state)
            throws EvaluationException {
        TextState counts = TextState.of(state.forOperator("op0").store("counts"));
        ZSet<List<String>> out = new ZSet<>();
        ZSet<Map<String, String>> in = inputs.getOrDefault(source, new ZSet<>());
        if (in.asMap().keySet().stream().anyMatch(row -> FAILING.equals(row.get("grp")))) {
            throw new EvaluationException("division by zero");
        }
        if (in.asMap().keySet().stream().anyMatch(row -> FENCED.equals(row.get("grp")))) {
            throw new KafkaException("Producer attempted to produce with an old epoch");
        }
        Map<String, Long> change = new HashMap<>();
        in.asMap().forEach((row, w) -> change.merge(row.get("grp"), w, Long::sum));
        change.forEach((grp, w) -> {
            String before = counts.get(grp);
            long old = before == null ? 0 : Long.parseLong(before);
            if (old > 0) {
                out.add(List.of(grp, Long.toString(old)), -1);
            }
            long now = old + w;
            counts.put(grp, now == 0 ? null : Long.toString(now));
            if (now > 0) {
                out.add(List.of(grp, Long.toString(now)), 1);
            }
        });
        return out;
    }

    @Override
    public ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs) {
        throw new UnsupportedOperationException("the runtime passes its state store");
    }

    @Override
    public boolean isStateful() {
        return true;
    }
}
