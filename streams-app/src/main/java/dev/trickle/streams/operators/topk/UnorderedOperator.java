package dev.trickle.streams.operators.topk;

import dev.trickle.streams.operators.LinearOperator;
import java.util.List;

/**
 * An ORDER BY without LIMIT or OFFSET: a table has no row order, so the stream table holds the same rows
 * whatever the order; the rows pass unchanged. It is an operator of its own only so that EXPLAIN says the
 * ORDER BY was dropped (read the stream table with an ORDER BY to see its rows in order).
 */
public final class UnorderedOperator extends LinearOperator {
    private final String keys;

    public UnorderedOperator(String keys) {
        this.keys = keys;
    }

    @Override
    protected List<String> map(List<String> row) {
        return row;
    }

    @Override
    public String describe() {
        return "Unordered(ORDER BY " + keys + " dropped: a stream table has no row order; ORDER BY when reading it)";
    }
}
