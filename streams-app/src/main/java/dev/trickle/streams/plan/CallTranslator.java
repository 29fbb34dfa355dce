package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import org.apache.calcite.rex.RexCall;

/** Compiles one kind of Calcite call into an engine expression with PostgreSQL's semantics. */
@FunctionalInterface
interface CallTranslator {
    TypedExpr translate(RexCall call, RexTranslator operands) throws UnsupportedQueryException;
}
