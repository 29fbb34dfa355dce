package dev.trickle.streams.plan;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.SourceScan;
import java.util.List;

/** A node of the operator dataflow: a source scan, or an operator over other nodes with its state. */
public sealed interface PipelineNode {
    record Scan(SourceScan scan) implements PipelineNode {
    }

    record Op(Operator operator, List<PipelineNode> inputs, OperatorState state) implements PipelineNode {
        public Op {
            inputs = List.copyOf(inputs);
        }
    }
}
