package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.LikePattern;
import dev.trickle.streams.operators.expr.PgStrings;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.sql.fun.SqlLikeOperator;
import org.apache.calcite.sql.fun.SqlTrimFunction;

/**
 * ||, LIKE/ILIKE and the string functions. Arguments are converted to text the way PostgreSQL does
 * (char(n) loses its trailing blanks), except that LIKE on char(n) sees the padding, as in PostgreSQL.
 */
final class StringCalls {
    private StringCalls() {
    }

    @FunctionalInterface
    private interface Fn {
        Object apply(Object[] args) throws EvaluationException;
    }

    static void register(RexTranslator.Registry r) {
        r.name(StringCalls::concatOperator, "||");
        r.name(StringCalls::like, "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE");
        r.name((c, t) -> caseMapping(c, t, true), "UPPER");
        r.name((c, t) -> caseMapping(c, t, false), "LOWER");
        r.name((c, t) -> strict(c, t, PgType.INT4, a -> PgStrings.length(s(a[0]))), "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH");
        r.name((c, t) -> strict(c, t, PgType.TEXT, a -> PgStrings.substring(s(a[0]), l(a[1]), a.length > 2 ? l(a[2]) : null)),
                "SUBSTRING", "SUBSTR");
        r.name((c, t) -> search(c, t, PgType.TEXT, a -> PgStrings.replace(s(a[0]), s(a[1]), s(a[2]))), "REPLACE");
        r.name((c, t) -> search(c, t, PgType.INT4, a -> PgStrings.position(s(a[0]), s(a[1]))), "POSITION");
        r.name((c, t) -> search(c, t, PgType.INT4, a -> PgStrings.position(s(a[1]), s(a[0]))), "STRPOS");
        r.name((c, t) -> strict(c, t, PgType.TEXT, a -> PgStrings.left(s(a[0]), l(a[1]))), "LEFT");
        r.name((c, t) -> strict(c, t, PgType.TEXT, a -> PgStrings.right(s(a[0]), l(a[1]))), "RIGHT");
        r.name((c, t) -> trimFunction(c, t, true, true), "BTRIM");
        r.name((c, t) -> trimFunction(c, t, true, false), "LTRIM");
        r.name((c, t) -> trimFunction(c, t, false, true), "RTRIM");
        r.name(StringCalls::trim, "TRIM");
        r.name(StringCalls::concatFunction, "CONCAT");
    }

    private static String s(Object v) {
        return (String) v;
    }

    private static long l(Object v) {
        return (Long) v;
    }

    /** An argument as text, or as integer when the function takes a count or position. */
    private static Expr argument(RexCall call, RexTranslator t, int i) throws UnsupportedQueryException {
        TypedExpr a = t.operand(call, i);
        if (a.type().isNumber()) {
            return a.castTo(PgType.INT4).expr();
        }
        return a.asText().expr();
    }

    /** A function that returns NULL when any argument is NULL (all arguments are evaluated first). */
    private static TypedExpr strict(RexCall call, RexTranslator t, PgType type, Fn fn) throws UnsupportedQueryException {
        int n = call.getOperands().size();
        if (call.getOperator().getName().equalsIgnoreCase("POSITION") && n > 2) {
            throw new UnsupportedQueryException("position(... FROM start)");
        }
        Expr[] args = new Expr[n];
        for (int i = 0; i < n; i++) {
            args[i] = argument(call, t, i);
        }
        return TypedExpr.computed(row -> {
            Object[] values = new Object[args.length];
            boolean anyNull = false;
            for (int i = 0; i < args.length; i++) {
                values[i] = args[i].eval(row);
                anyNull |= values[i] == null;
            }
            return anyNull ? null : fn.apply(values);
        }, type);
    }

    /** upper, lower: ASCII letters only under a collation whose LC_CTYPE is C, like PostgreSQL. */
    private static TypedExpr caseMapping(RexCall call, RexTranslator t, boolean upper) throws UnsupportedQueryException {
        boolean ascii = t.collations().asciiCaseMapping(call);
        Fn fn = ascii ? a -> upper ? PgStrings.upperAscii(s(a[0])) : PgStrings.lowerAscii(s(a[0]))
                : a -> upper ? PgStrings.upper(s(a[0])) : PgStrings.lower(s(a[0]));
        return strict(call, t, PgType.TEXT, fn);
    }

    /** A substring search compares text, so PostgreSQL needs one deterministic collation for it. */
    private static TypedExpr search(RexCall call, RexTranslator t, PgType type, Fn fn) throws UnsupportedQueryException {
        t.collations().requireDeterminate(call, "text search");
        return strict(call, t, type, fn);
    }

    private static TypedExpr concatOperator(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        return strict(call, t, PgType.TEXT, a -> s(a[0]) + s(a[1]));
    }

    /** concat(...): NULLs are skipped and each value is written with its type's output function. */
    private static TypedExpr concatFunction(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        List<TypedExpr> args = t.translateAll(call.getOperands());
        for (TypedExpr a : args) {
            a.asText();
        }
        return TypedExpr.computed(row -> {
            StringBuilder b = new StringBuilder();
            for (TypedExpr a : args) {
                Object v = a.expr().eval(row);
                if (v != null) {
                    b.append(PgValues.format(v, a.type()));
                }
            }
            return b.toString();
        }, PgType.TEXT);
    }

    private static TypedExpr trimFunction(RexCall call, RexTranslator t, boolean leading, boolean trailing)
            throws UnsupportedQueryException {
        boolean defaultChars = call.getOperands().size() == 1;
        return strict(call, t, PgType.TEXT,
                a -> PgStrings.trim(s(a[0]), defaultChars ? " " : s(a[1]), leading, trailing));
    }

    /** TRIM([BOTH|LEADING|TRAILING] chars FROM s): Calcite passes (flag, chars, s). */
    private static TypedExpr trim(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        SqlTrimFunction.Flag flag = ((RexLiteral) call.getOperands().get(0)).getValueAs(SqlTrimFunction.Flag.class);
        boolean leading = flag != SqlTrimFunction.Flag.TRAILING;
        boolean trailing = flag != SqlTrimFunction.Flag.LEADING;
        Expr chars = t.operand(call, 1).asText().expr();
        Expr value = t.operand(call, 2).asText().expr();
        return TypedExpr.computed(row -> {
            Object c = chars.eval(row);
            Object v = value.eval(row);
            return c == null || v == null ? null : PgStrings.trim(s(v), s(c), leading, trailing);
        }, PgType.TEXT);
    }

    /** A constant pattern is compiled once; an invalid one is left to fail per row, as PostgreSQL does. */
    private static LikePattern precompile(Expr pattern, Expr escape, boolean ignoreCase, boolean ascii) {
        try {
            Object p = pattern.eval(List.of());
            return p == null ? null : LikePattern.compile(s(p), (String) escape.eval(List.of()), ignoreCase, ascii);
        } catch (EvaluationException e) {
            return null;
        }
    }

    private static TypedExpr like(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        String name = call.getOperator().getName().toUpperCase(java.util.Locale.ROOT);
        boolean negated = call.getOperator() instanceof SqlLikeOperator op ? op.isNegated() : name.startsWith("NOT");
        boolean ignoreCase = call.getOperator() instanceof SqlLikeOperator op ? !op.isCaseSensitive() : name.contains("ILIKE");
        // PostgreSQL refuses LIKE under a nondeterministic collation; ILIKE also needs the collation's case mapping
        boolean ascii = ignoreCase && t.collations().asciiCaseMapping(call);
        t.collations().requireDeterministic(call, ignoreCase ? "ILIKE" : "LIKE");
        TypedExpr v = t.operand(call, 0);
        // char(n) LIKE sees the blank padding (PostgreSQL's bpcharlike); other types are read as text
        Expr value = v.type().kind() == PgType.Kind.BPCHAR ? v.expr() : v.asText().expr();
        TypedExpr p = t.operand(call, 1).asText();
        TypedExpr e = call.getOperands().size() > 2 ? t.operand(call, 2).asText() : null;
        Expr pattern = p.expr();
        Expr escape = e == null ? row -> null : e.expr();
        LikePattern fixed = p.isConstant() && (e == null || e.isConstant()) ? precompile(pattern, escape, ignoreCase, ascii) : null;
        return TypedExpr.computed(row -> {
            Object s = value.eval(row);
            Object pat = pattern.eval(row);
            Object esc = escape.eval(row);
            if (s == null || pat == null || (e != null && esc == null)) {
                return null;
            }
            LikePattern lp = fixed != null ? fixed : LikePattern.compile(s(pat), (String) esc, ignoreCase, ascii);
            return lp.matches(s(s)) != negated;
        }, PgType.BOOL);
    }
}
