/**
 * Incremental GROUP BY (grouping sets included), aggregate functions and DISTINCT with PostgreSQL's result
 * types and texts ({@link dev.trickle.streams.operators.aggregate.AggregateOperator}).
 *
 * <p>Work per tick: each changed row touches its group in every grouping set. count, sum, avg, the variance
 * family and bool_and/bool_or keep exact running sums (O(1) per row); min and max keep the extremum and scan
 * the group's values only when its last copy is deleted; string_agg and array_agg rebuild a touched group's
 * result from its kept elements (O(group)). DISTINCT calls keep per-element counts. A group without rows is
 * forgotten with all its entries; the row of an empty grouping set (no GROUP BY, {@code GROUP BY ()}, the
 * grand total of ROLLUP/CUBE) always exists, so its bookkeeping stays.
 *
 * <p>Known differences from PostgreSQL (order-dependent results an incremental engine cannot reproduce):
 * <ul>
 * <li>sum, avg and the variance family over real and double precision are computed exactly and rounded
 *     once; PostgreSQL accumulates in scan order, so when partial sums are inexact (0.1 + 0.2 + 0.3) the
 *     last digit can differ.</li>
 * <li>Values equal but written differently (numeric 1.0 and 1.00, float -0 and 0, char(n) with trailing
 *     blanks): a group key or DISTINCT row shows the first written form seen that some row still has
 *     (PostgreSQL: the first in its scan order, the same on a fresh fill); min/max ties show the least text
 *     (PostgreSQL: the last in scan order); a DISTINCT aggregate uses the first form seen.</li>
 * <li>string_agg and array_agg without ORDER BY, and ties of their ORDER BY keys, are ordered by the
 *     elements' encoding; PostgreSQL leaves that order unspecified.</li>
 * <li>numeric NaN and infinities are refused by sum, avg and the variance family (see the expression
 *     layer); float NaN and infinities follow PostgreSQL.</li>
 * </ul>
 */
package dev.trickle.streams.operators.aggregate;
