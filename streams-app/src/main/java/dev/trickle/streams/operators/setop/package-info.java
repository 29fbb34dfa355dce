/**
 * Set operations: UNION ALL is stateless (its delta is the sum of its inputs'); UNION, INTERSECT [ALL] and
 * EXCEPT [ALL] keep, per distinct row, each input's count and what was emitted
 * ({@link dev.trickle.streams.operators.setop.SetOpOperator}), so a tick touches only the rows it changes.
 * Rows are equal as PostgreSQL's DISTINCT compares them; a row equal to others but written differently is
 * shown as first seen in the first input that has it.
 */
package dev.trickle.streams.operators.setop;
