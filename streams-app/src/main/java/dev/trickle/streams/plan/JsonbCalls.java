package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgJsonb;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import org.apache.calcite.rex.RexCall;

/**
 * jsonb's operators and functions: {@code ->}, {@code ->>}, {@code #>}, {@code #>>}, {@code @>}, {@code ?}
 * (which the front end turns into the {@code PG_JSONB_*} calls before parsing), {@code jsonb_typeof},
 * {@code jsonb_array_length}, and {@code =}/{@code <>} between jsonb values. A document is a jsonb column, a jsonb result, or a quoted literal (PostgreSQL
 * reads an untyped literal as jsonb there); all are strict (NULL in, NULL out).
 */
final class JsonbCalls {
    static final PgType JSONB = PgType.other("jsonb");

    private JsonbCalls() {
    }

    @FunctionalInterface
    private interface Fn {
        Object apply(String doc, Object arg) throws EvaluationException;
    }

    static void register(RexTranslator.Registry r) {
        r.name((c, t) -> get(c, t, false), "PG_JSONB_GET");
        r.name((c, t) -> get(c, t, true), "PG_JSONB_GET_TEXT");
        r.name((c, t) -> binary(c, t, JSONB, false, (d, p) -> PgJsonb.path(d, (String) p, false)), "PG_JSONB_PATH");
        r.name((c, t) -> binary(c, t, PgType.TEXT, false, (d, p) -> PgJsonb.path(d, (String) p, true)), "PG_JSONB_PATH_TEXT");
        r.name((c, t) -> binary(c, t, PgType.BOOL, true, (d, o) -> PgJsonb.contains(d, (String) o)), "PG_JSONB_CONTAINS");
        r.name((c, t) -> binary(c, t, PgType.BOOL, false, (d, k) -> PgJsonb.exists(d, (String) k)), "PG_JSONB_EXISTS");
        r.name((c, t) -> unary(c, t, PgType.TEXT, PgJsonb::typeOf), "JSONB_TYPEOF");
        r.name((c, t) -> unary(c, t, PgType.INT4, PgJsonb::arrayLength), "JSONB_ARRAY_LENGTH");
    }

    private static boolean isJsonb(PgType type) {
        return type.kind() == PgType.Kind.OTHER && type.sqlName().equals("jsonb");
    }

    /** A jsonb operand: a jsonb value, or a quoted literal read as jsonb. */
    private static Expr document(RexCall call, RexTranslator t, int i) throws UnsupportedQueryException {
        TypedExpr a = t.uncoerced(call, i);
        if (isJsonb(a.type()) || a.isConstant() && (a.type().isString() || a.type().kind() == PgType.Kind.OTHER)) {
            return a.expr();
        }
        throw RexTranslator.typeMismatch(call, a);
    }

    /** A text operand (a key, a text[] path literal). */
    private static Expr text(RexCall call, RexTranslator t, int i) throws UnsupportedQueryException {
        TypedExpr a = t.uncoerced(call, i);
        if (a.type().isString() || a.origin() == TypedExpr.Origin.NULL_LITERAL) {
            return a.asText().expr();
        }
        throw RexTranslator.typeMismatch(call, a);
    }

    /** {@code ->} and {@code ->>}: a key (text) or an index (integer). */
    private static TypedExpr get(RexCall call, RexTranslator t, boolean asText) throws UnsupportedQueryException {
        Expr doc = document(call, t, 0);
        TypedExpr arg = t.uncoerced(call, 1);
        PgType type = asText ? PgType.TEXT : JSONB;
        if (arg.type().isInteger()) {
            Expr index = arg.expr();
            return strict(doc, index, type, (d, i) -> asText ? PgJsonb.elementText(d, ((Number) i).longValue())
                    : PgJsonb.element(d, ((Number) i).longValue()));
        }
        return strict(doc, text(call, t, 1), type, (d, k) -> asText ? PgJsonb.fieldText(d, (String) k) : PgJsonb.field(d, (String) k));
    }

    /**
     * {@code a = b} and {@code a <> b} when an operand is jsonb (the other jsonb or a quoted literal): equal
     * documents, numbers compared as numbers (1.0 = 1), as PostgreSQL's jsonb equality; else null.
     */
    static TypedExpr equality(RexCall call, RexTranslator t, boolean equal) throws UnsupportedQueryException {
        TypedExpr a = t.uncoerced(call, 0);
        TypedExpr b = t.uncoerced(call, 1);
        if (!isJsonb(a.type()) && !isJsonb(b.type())) {
            return null;
        }
        return strict(document(call, t, 0), document(call, t, 1), PgType.BOOL,
                (x, y) -> PgJsonb.equal(x, (String) y) == equal);
    }

    private static TypedExpr binary(RexCall call, RexTranslator t, PgType type, boolean bothDocuments, Fn fn)
            throws UnsupportedQueryException {
        Expr doc = document(call, t, 0);
        Expr arg = bothDocuments ? document(call, t, 1) : text(call, t, 1);
        return strict(doc, arg, type, fn);
    }

    private static TypedExpr unary(RexCall call, RexTranslator t, PgType type, java.util.function.Function<String, Object> fn)
            throws UnsupportedQueryException {
        Expr doc = document(call, t, 0);
        return strict(doc, row -> Boolean.TRUE, type, (d, ignored) -> fn.apply(d));
    }

    private static TypedExpr strict(Expr doc, Expr arg, PgType type, Fn fn) {
        return TypedExpr.computed(row -> {
            Object d = doc.eval(row);
            Object a = arg.eval(row);
            if (d == null || a == null) {
                return null;
            }
            try {
                return fn.apply((String) d, a);
            } catch (IllegalStateException e) {
                // PostgreSQL's own message (cannot get array length of a scalar, malformed array literal)
                throw new EvaluationException(e.getMessage());
            }
        }, type);
    }
}
