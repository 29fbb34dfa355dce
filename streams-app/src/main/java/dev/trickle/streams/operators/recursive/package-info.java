/**
 * Recursive CTEs ({@code WITH RECURSIVE}) at their fixpoint: {@link dev.trickle.streams.operators.recursive.RecursiveOperator}
 * runs the recursive term ({@link dev.trickle.streams.operators.recursive.RecursiveStep}, whose operators keep
 * the CTE's rows indexed for its joins) on the changes only, until nothing new comes out. UNION ALL counts
 * derivation paths with weights; UNION keeps per distinct row its number of derivations
 * ({@link dev.trickle.streams.operators.recursive.DerivationCounts}) and deletes by delete-and-rederive, so that
 * rows held up only by a cycle go. Work per tick grows with the change and what it derives. A row equal to
 * others but written differently is shown as the first written form a live derivation carries; PostgreSQL
 * shows the first it derives. A recursion without fixpoint fails the tick (PostgreSQL would loop forever).
 */
package dev.trickle.streams.operators.recursive;
