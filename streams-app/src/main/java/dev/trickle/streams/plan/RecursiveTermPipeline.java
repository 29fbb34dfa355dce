package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.operators.recursive.RecursiveStep;
import dev.trickle.streams.operators.recursive.SlotOperator;
import java.util.List;
import java.util.Map;

/**
 * A recursive term's dataflow as a {@link RecursiveStep}: each pass sets the slots (the recursive
 * reference's change, each other input's change) and evaluates the operators once. Its stateful operators
 * keep their state inside the recursive operator's own, namespaced by their id in the term.
 */
final class RecursiveTermPipeline implements RecursiveStep {
    private final OperatorPipeline pipeline;
    private final SlotOperator recursive;
    private final List<SlotOperator> inputs;

    RecursiveTermPipeline(PipelineNode root, SlotOperator recursive, List<SlotOperator> inputs) {
        this.pipeline = new OperatorPipeline(root);
        this.recursive = recursive;
        this.inputs = List.copyOf(inputs);
    }

    @Override
    public ZSet<List<String>> apply(ZSet<List<String>> recursiveDelta, List<ZSet<List<String>>> inputDeltas,
                                    OperatorState state) throws EvaluationException {
        recursive.set(recursiveDelta);
        for (int i = 0; i < inputs.size(); i++) {
            inputs.get(i).set(inputDeltas.get(i));
        }
        try {
            return pipeline.apply(Map.of(), new Nested(state));
        } finally {
            // the slots hold nothing between passes
            recursive.set(new ZSet<>());
            inputs.forEach(s -> s.set(new ZSet<>()));
        }
    }

    @Override
    public String describe() {
        return pipeline.describe().strip().replaceAll("\\s*\\n\\s*", " <- ");
    }

    /** The term's operators' stores inside the recursive operator's state: "term.<id>.<store>". */
    private record Nested(OperatorState outer) implements StateBackend {
        @Override
        public OperatorState forOperator(String operatorId) {
            return name -> outer.store("term." + operatorId + "." + name);
        }

        @Override
        public void clear() {
            throw new UnsupportedOperationException("the recursive operator's state is cleared with the pipeline's");
        }
    }
}
