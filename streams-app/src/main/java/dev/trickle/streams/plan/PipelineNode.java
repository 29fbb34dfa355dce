package dev.trickle.streams.plan;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.SourceScan;
import java.util.List;

/** A node of the operator dataflow: a source scan, or an operator over other nodes. */
public sealed interface PipelineNode {
    record Scan(SourceScan scan) implements PipelineNode {
    }

    /** Its state, if it keeps any, comes from the pipeline's {@link dev.trickle.streams.operators.StateBackend}. */
    record Op(Operator operator, List<PipelineNode> inputs) implements PipelineNode {
        public Op {
            inputs = List.copyOf(inputs);
        }
    }
}
