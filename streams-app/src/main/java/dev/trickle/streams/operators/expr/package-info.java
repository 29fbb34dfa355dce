/**
 * PostgreSQL's value semantics for the incremental engine: types ({@link dev.trickle.streams.rows.PgType}),
 * input and output text ({@link dev.trickle.streams.operators.expr.PgValues}), arithmetic, casts, comparisons
 * and string functions. Every result is the value PostgreSQL 15 computes, printed the way PostgreSQL prints it.
 *
 * <p>Assumptions and known differences (each one is refused or documented, never silently different):
 * <ul>
 * <li><b>Collation.</b> Text is ordered by Unicode code point, as the {@code C}, {@code POSIX},
 *     {@code C.UTF-8} and {@code ucs_basic} collations order it. The compiler derives each text
 *     operation's collation as PostgreSQL does (a column's own, the database's default, or
 *     {@code COLLATE}) and refuses ordering text ({@code < <= > >=}, BETWEEN, GREATEST, LEAST) under any
 *     other collation, comparing or searching text under a nondeterministic one, and text operations
 *     whose collation PostgreSQL could not determine; {@code COLLATE "C"} makes an ordering maintainable.
 *     Equality, LIKE and the string functions do not depend on a deterministic collation's order.</li>
 * <li><b>Case mapping.</b> upper, lower and ILIKE map each code point with Unicode's simple case mapping,
 *     as PostgreSQL does with a UTF-8 LC_CTYPE, and ASCII letters only under a collation whose LC_CTYPE
 *     is {@code C} ({@code COLLATE "C"}, or such a column). The database's own LC_CTYPE is assumed to be
 *     UTF-8; ICU's full case mapping (ß to SS) is not followed.</li>
 * <li><b>timestamp with time zone</b> ({@link dev.trickle.streams.operators.expr.PgTimestamptz}) is computed
 *     under the TimeZone recorded with the stream table ({@link dev.trickle.streams.operators.expr.PgTimeZone}:
 *     IANA names, PostgreSQL's rules for skipped and repeated local times); values carry their text in UTC,
 *     as captured, and are printed in the zone where PostgreSQL would print them (a cast to text).</li>
 * <li><b>numeric NaN and ±Infinity</b> pass through unchanged but cannot be computed with; {@code extract}
 *     of a year-like unit from an infinite date or timestamp (numeric ±Infinity in PostgreSQL) raises an
 *     error ({@code date_part}'s double precision ±Infinity is computed).</li>
 * <li><b>Dates and times</b> ({@link dev.trickle.streams.operators.expr.PgDateParts}): extract, date_part and
 *     date_trunc follow PostgreSQL 14+ (numeric results with its scales, BC years, ISO weeks, unit
 *     aliases), also of timestamp with time zone in the stream table's TimeZone; interval literals ({@link dev.trickle.streams.operators.expr.PgIntervals}:
 *     PostgreSQL's own input style and the SQL standard's) can be added to dates and timestamps (with time zone), interval
 *     values are not computed with.</li>
 * <li><b>Date/time input</b> accepts the ISO forms PostgreSQL prints (plus {@code T}, offsets, {@code BC},
 *     {@code infinity}, {@code epoch}); other input styles PostgreSQL accepts are rejected.</li>
 * <li><b>power()</b> on double precision uses Java's {@code Math.pow}, which may differ from the C
 *     library in the last bit for inexact results; power and sqrt on numeric are refused.</li>
 * <li><b>Evaluation order.</b> AND/OR evaluate left to right and stop early; PostgreSQL may reorder
 *     WHERE conditions by cost, so which of two failing conditions raises its error can differ. Errors
 *     are raised when a row is evaluated: PostgreSQL may raise a constant expression's error (1/0) when
 *     planning, even with no rows.</li>
 * </ul>
 */
package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.PgType;
