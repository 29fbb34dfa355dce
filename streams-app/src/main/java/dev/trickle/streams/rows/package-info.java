/**
 * The engine's base layer: what {@code sql}, {@code operators} and {@code plan} all use and that uses none
 * of them. A row's PostgreSQL types ({@link dev.trickle.streams.rows.PgType}), the Z-set a delta is
 * ({@link dev.trickle.streams.rows.ZSet}), the error a row can raise
 * ({@link dev.trickle.streams.rows.EvaluationException}), and the one binary encoding of rows that state
 * stores, tick buffers and internal topics share. {@code PackageLayersTest} keeps the layers acyclic.
 */
package dev.trickle.streams.rows;
