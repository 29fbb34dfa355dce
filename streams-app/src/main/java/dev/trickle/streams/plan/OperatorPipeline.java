package dev.trickle.streams.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Evaluates an operator dataflow for one tick: each operator gets its inputs' deltas and returns its own. */
public final class OperatorPipeline implements DeltaPipeline {
    private final PipelineNode root;

    public OperatorPipeline(PipelineNode root) {
        this.root = root;
    }

    @Override
    public ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs) throws EvaluationException {
        return evaluate(root, inputs);
    }

    private static ZSet<List<String>> evaluate(PipelineNode node, Map<String, ZSet<Map<String, String>>> inputs)
            throws EvaluationException {
        if (node instanceof PipelineNode.Scan s) {
            return s.scan().read(inputs.get(s.scan().source()));
        }
        PipelineNode.Op op = (PipelineNode.Op) node;
        List<ZSet<List<String>>> deltas = new ArrayList<>();
        for (PipelineNode in : op.inputs()) {
            deltas.add(evaluate(in, inputs));
        }
        return op.operator().apply(deltas, op.state());
    }

    /** The dataflow, one operator per line, inputs indented below their consumer. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        describe(root, 0, b);
        return b.toString();
    }

    private static void describe(PipelineNode node, int depth, StringBuilder b) {
        b.append("  ".repeat(depth));
        if (node instanceof PipelineNode.Scan s) {
            b.append(s.scan().describe()).append('\n');
            return;
        }
        PipelineNode.Op op = (PipelineNode.Op) node;
        b.append(op.operator().describe()).append('\n');
        for (PipelineNode in : op.inputs()) {
            describe(in, depth + 1, b);
        }
    }
}
