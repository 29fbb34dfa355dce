/**
 * Window functions, incrementally by partition ({@link dev.trickle.streams.operators.window.WindowOperator}):
 * ranking ({@link dev.trickle.streams.operators.window.RankingFunction}), lag and lead
 * ({@link dev.trickle.streams.operators.window.OffsetFunction}), first_value, last_value and nth_value
 * ({@link dev.trickle.streams.operators.window.FrameValueFunction}), and aggregates over frames
 * ({@link dev.trickle.streams.operators.window.FrameAggregate}, with the aggregate package's functions, so
 * types and texts are those of GROUP BY).
 *
 * <p>Each partition's rows are kept in state sorted by their ORDER BY values (the order keys of
 * {@link dev.trickle.streams.operators.topk.OrderKeyCodec}); a tick reads each partition its rows touch,
 * computes the partition's output before and after the change, and emits the difference. Work per tick
 * therefore grows with the touched partitions (a window without PARTITION BY is one partition: every
 * change recomputes it), not with the untouched ones.
 *
 * <p>Peers (rows with equal ORDER BY values) are ordered among themselves by their column texts; PostgreSQL
 * leaves that order unspecified, so functions that tell peers apart (row_number, lag, lead, first_value,
 * last_value, nth_value, ROWS frames) agree with PostgreSQL when the ORDER BY is unique. rank, dense_rank,
 * percent_rank, cume_dist and RANGE frames treat peers alike and agree always. Frames: ROWS with
 * UNBOUNDED, CURRENT ROW or n PRECEDING/FOLLOWING; RANGE with those, offsets over one integer or numeric
 * key (exact arithmetic). EXCLUDE, GROUPS, and RANGE offsets on other types are refused by the translator.
 * Float sums and averages are computed exactly and rounded once, as in the aggregate package (PostgreSQL
 * adds them one by one, which can differ in the last digit).
 */
package dev.trickle.streams.operators.window;
