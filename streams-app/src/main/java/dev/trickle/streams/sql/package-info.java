/**
 * The SQL front end: parses a stream table's defining query with Calcite's babel parser (PostgreSQL
 * syntax, unquoted names folded to lower case), types its sources from PostgreSQL's catalog, validates
 * it, and plans it into simplified relational algebra for {@link dev.trickle.streams.plan.RelTranslator}.
 *
 * <p>Where Calcite and PostgreSQL disagree, PostgreSQL wins: {@code ::} is parenthesized before parsing
 * (the babel parser would apply it to everything on its left) and {@code x COLLATE name} becomes a call
 * (the parser only knows Calcite's own COLLATE form), casts are never folded by Calcite,
 * COALESCE/NULLIF/GREATEST/LEAST unify their operands like PostgreSQL, and column names follow
 * PostgreSQL's rules. Known limits of the parser: PostgreSQL-only syntax such as {@code interval '1 day'},
 * {@code FROM ONLY}, {@code DISTINCT ON} and {@code $$} strings is a syntax error; a few words reserved by
 * Calcite but not by PostgreSQL (e.g. {@code next}) cannot be column aliases; {@code ||} binds like
 * {@code *} in Calcite, and the resulting mixes of text and arithmetic are refused as unsupported (never
 * computed differently). Calls Calcite cannot type ({@code date + integer}, unknown functions) are
 * reported as unsupported, so FULL refresh remains possible.
 */
package dev.trickle.streams.sql;
