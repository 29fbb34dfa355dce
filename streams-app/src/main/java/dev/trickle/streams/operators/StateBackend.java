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

    /**
     * Called by the pipeline when an evaluation ends, whether it completed or failed: a backend that holds
     * the operators' writes in memory during a tick (the runtime's, which writes a tick's state in one batch)
     * hands them to its storage here. Operators never call it.
     */
    default void flush() {
        // nothing is held
    }

    /** Forgets every operator's state: a stream table filled anew starts from nothing. */
    void clear();
}
