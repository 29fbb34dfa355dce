package dev.trickle.streams.operators;

/**
 * Where a stream table's operators keep their state: the runtime's state store, or memory in tests.
 * Each stateful operator gets its own namespace ({@link #forOperator}).
 */
public interface StateBackend {
    /** For pipelines without stateful operators. */
    StateBackend NONE = new StateBackend() {
        @Override
        public OperatorState forOperator(String operatorId) {
            return OperatorState.NONE;
        }

        @Override
        public void clear() {
            // nothing is kept
        }
    };

    OperatorState forOperator(String operatorId);

    /** Forgets every operator's state: a stream table filled anew starts from nothing. */
    void clear();
}
