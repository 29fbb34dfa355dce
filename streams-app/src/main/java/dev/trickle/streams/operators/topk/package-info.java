/**
 * ORDER BY with LIMIT and/or OFFSET (top-K), incrementally ({@link dev.trickle.streams.operators.topk.TopKOperator}),
 * and ORDER BY without them, which a stream table drops ({@link dev.trickle.streams.operators.topk.UnorderedOperator}).
 *
 * <p>Order follows PostgreSQL: ASC/DESC per key, NULLS LAST ascending and NULLS FIRST descending unless
 * written, numbers by value (numeric NaN and float NaN above Infinity), text by code point (the translator
 * refuses collations that order otherwise), char(n) without trailing blanks, dates and timestamps by time.
 * {@link dev.trickle.streams.operators.topk.OrderKeyCodec} turns a row's ORDER BY values into a string
 * key that sorts as the row does, so stores kept in key order are sorted indexes.
 *
 * <p>Tie rule: rows whose ORDER BY values are all equal are ordered by their column texts (left to right,
 * code point order, NULL last). PostgreSQL leaves the order of such peers unspecified (it depends on the
 * plan), so when peers straddle the LIMIT the engine may keep other rows than PostgreSQL would; with ORDER BY
 * keys that are unique (the usual way to get a deterministic top-K) both agree.
 *
 * <p>Work per tick: the changed rows, plus a read of the first OFFSET+LIMIT entries of the sorted store
 * when some changed row sorts before the current last row of the top; the state holds one entry per
 * distinct input row.
 */
package dev.trickle.streams.operators.topk;
