package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.operators.expr.PgValues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Evaluates an operator dataflow for one tick: each operator gets its inputs' deltas and returns its own. */
public final class OperatorPipeline implements DeltaPipeline {
    private final PipelineNode root;
    /** Stable operator ids ("op0", "op1", ... in depth-first order): the namespaces of their state. */
    private final Map<PipelineNode.Op, String> ids = new IdentityHashMap<>();
    private final boolean stateful;
    private final InMemoryStateBackend ownState = new InMemoryStateBackend();

    public OperatorPipeline(PipelineNode root) {
        this.root = root;
        this.stateful = number(root);
    }

    private boolean number(PipelineNode node) {
        if (!(node instanceof PipelineNode.Op op) || ids.containsKey(op)) {
            // a shared node (a sub-plan used twice) is numbered once, where it is met first
            return false;
        }
        ids.put(op, "op" + ids.size());
        boolean any = op.operator().isStateful();
        for (PipelineNode in : op.inputs()) {
            any |= number(in);
        }
        return any;
    }

    @Override
    public boolean isStateful() {
        return stateful;
    }

    @Override
    public ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs) throws EvaluationException {
        return apply(inputs, ownState);
    }

    @Override
    public ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs, StateBackend state)
            throws EvaluationException {
        ZSet<List<String>> out;
        try {
            out = evaluate(root, inputs, state, new IdentityHashMap<>());
        } finally {
            // a failed tick leaves its writes as they were made, as a store without the backend's buffer would
            state.flush();
        }
        for (List<String> row : out.asMap().keySet()) {
            for (String value : row) {
                // an error deferred to where the value is used: a stream table column uses it
                String error = PgValues.deferredErrorMessage(value);
                if (error != null) {
                    throw new EvaluationException(error);
                }
            }
        }
        return out;
    }

    /** @param done this tick's output of each node evaluated so far: a shared node runs once per tick */
    private ZSet<List<String>> evaluate(PipelineNode node, Map<String, ZSet<Map<String, String>>> inputs,
                                        StateBackend state, Map<PipelineNode, ZSet<List<String>>> done)
            throws EvaluationException {
        ZSet<List<String>> out = done.get(node);
        if (out != null) {
            return out;
        }
        if (node instanceof PipelineNode.Scan s) {
            out = s.scan().read(inputs.get(s.scan().source()));
        } else {
            PipelineNode.Op op = (PipelineNode.Op) node;
            List<ZSet<List<String>>> deltas = new ArrayList<>();
            for (PipelineNode in : op.inputs()) {
                deltas.add(evaluate(in, inputs, state, done));
            }
            OperatorState own = op.operator().isStateful() ? state.forOperator(ids.get(op)) : OperatorState.NONE;
            out = op.operator().apply(deltas, own);
        }
        done.put(node, out);
        return out;
    }

    /** The dataflow, one operator per line, inputs indented below their consumer. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        describe(root, 0, b, Collections.newSetFromMap(new IdentityHashMap<>()));
        return b.toString();
    }

    private static void describe(PipelineNode node, int depth, StringBuilder b, Set<PipelineNode> shown) {
        b.append("  ".repeat(depth));
        if (node instanceof PipelineNode.Scan s) {
            b.append(s.scan().describe()).append('\n');
            return;
        }
        PipelineNode.Op op = (PipelineNode.Op) node;
        b.append(op.operator().describe());
        if (!shown.add(node)) {
            b.append(" (shared: computed once, shown above)\n");
            return;
        }
        b.append('\n');
        for (PipelineNode in : op.inputs()) {
            describe(in, depth + 1, b, shown);
        }
    }
}
