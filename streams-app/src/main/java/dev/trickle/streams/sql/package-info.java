/**
 * The SQL front end: parses a stream table's defining query with Calcite's babel parser (PostgreSQL
 * syntax, unquoted names folded to lower case), types its sources from PostgreSQL's catalog, validates
 * it, and plans it into simplified relational algebra ({@link dev.trickle.streams.sql.RelationalQuery}), which
 * {@code plan.QueryCompiler} turns into operators (this package never refers to {@code plan}).
 *
 * <p>Where Calcite and PostgreSQL disagree, PostgreSQL wins: {@code ::} is parenthesized before parsing
 * (the babel parser would apply it to everything on its left) and {@code x COLLATE name} becomes a call
 * (the parser only knows Calcite's own COLLATE form), casts are never folded by Calcite,
 * COALESCE/NULLIF/GREATEST/LEAST unify their operands like PostgreSQL, {@code date ± integer},
 * {@code date - date}, {@code extract}, {@code date_part} and {@code date_trunc} are typed as PostgreSQL
 * types them, and column names follow PostgreSQL's rules.
 *
 * <p>Subqueries in expressions (EXISTS, NOT EXISTS, IN, NOT IN, ANY/ALL, scalar subqueries, correlated or
 * not) are removed by Calcite's rules into joins with aggregates, then decorrelated, so the engine maintains
 * them with its join and aggregate operators. NOT IN and IN under OR or in a select list keep PostgreSQL's
 * three-valued logic: the subquery's rows and non-NULL values are counted (a keyless join with that one-row
 * count, so a change of the count revisits the outer rows). A scalar subquery that may return several rows
 * raises PostgreSQL's error only when an outer row uses its value. Conjuncts common to every branch of an OR
 * are pulled out of it, so that a join key written in each branch becomes the join's key.
 *
 * <p>PostgreSQL's {@code interval '1 day'} is rewritten into a call before parsing, like {@code ::} and
 * COLLATE. Known limits of the parser: PostgreSQL-only syntax such as {@code FROM ONLY}, {@code DISTINCT ON}
 * and {@code $$} strings is a syntax error; a few words reserved by Calcite but not by PostgreSQL (e.g.
 * {@code next}, {@code left}) cannot be column aliases; {@code ||} binds like {@code *} in Calcite, and the
 * resulting mixes of text and arithmetic are refused as unsupported (never computed differently). Calls
 * Calcite cannot type (unknown functions) are reported as unsupported, so FULL refresh remains possible.
 */
package dev.trickle.streams.sql;
