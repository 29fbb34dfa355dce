package dev.trickle.streams.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Typed scalar expressions over the columns in scope, rendered as PostgreSQL accepts them: each operator
 * is only applied to operands of the types it takes (so PostgreSQL never refuses a generated query for its
 * types), and nothing can fail at run time (no division by a column, no overflow on the small domains).
 * Each compound expression shrinks to its operands of the same type or to a literal.
 */
final class ExprGen {
    /** A column reference in scope: its SQL text ({@code a0.k}) and type. */
    record Col(String sql, FuzzType type) {
    }

    private final Random r;
    private final List<Col> scope;

    ExprGen(Random r, List<Col> scope) {
        this.r = r;
        this.scope = scope;
    }

    List<Col> scope() {
        return scope;
    }

    /** A type that has a column in scope (INT when none has: every table has {@code k}). */
    FuzzType typeInScope() {
        return scope.isEmpty() ? FuzzType.INT : scope.get(r.nextInt(scope.size())).type();
    }

    /** A column of {@code type}, or null. */
    Node column(FuzzType type) {
        List<Col> cols = scope.stream().filter(c -> c.type() == type).toList();
        return cols.isEmpty() ? null : Node.text(cols.get(r.nextInt(cols.size())).sql());
    }

    Node expr(FuzzType type, int depth) {
        Node col = column(type);
        if (depth <= 0 || r.nextInt(3) == 0) {
            return col != null && r.nextInt(5) > 0 ? col : literal(type);
        }
        Node e = switch (type) {
            case INT -> intExpr(depth - 1);
            case BIGINT -> bigintExpr(depth - 1);
            case NUMERIC -> numericExpr(depth - 1);
            case DOUBLE -> doubleExpr(depth - 1);
            case TEXT -> textExpr(depth - 1);
            case BOOL -> bool(depth);
            case DATE -> dateExpr(depth - 1);
        };
        return e.orSmaller(Node.text(type.simplest()));
    }

    private Node literal(FuzzType type) {
        return Node.text(type.literal(r));
    }

    /** {@code fmt} with %s filled by the operands; it shrinks to the operands whose type is {@code type}. */
    private Node op(FuzzType type, String fmt, List<FuzzType> types, List<Node> operands) {
        String[] pieces = fmt.split("%s", -1);
        List<Object> parts = new ArrayList<>();
        List<Node> same = new ArrayList<>();
        for (int i = 0; i < pieces.length; i++) {
            parts.add(pieces[i]);
            if (i < operands.size()) {
                parts.add(operands.get(i));
                if (types.get(i) == type) {
                    same.add(operands.get(i));
                }
            }
        }
        return Node.of(parts.toArray()).orSmaller(same.toArray(Node[]::new));
    }

    private Node op(FuzzType type, String fmt, int depth, FuzzType... types) {
        List<Node> operands = new ArrayList<>();
        for (FuzzType t : types) {
            operands.add(expr(t, depth));
        }
        return op(type, fmt, List.of(types), operands);
    }

    private Node intExpr(int d) {
        FuzzType i = FuzzType.INT;
        return switch (r.nextInt(11)) {
            case 10 -> op(i, "(%s - %s)", d, FuzzType.DATE, FuzzType.DATE);
            case 0 -> op(i, "(%s + %s)", d, i, i);
            case 1 -> op(i, "(%s - %s)", d, i, i);
            case 2 -> op(i, "(%s * " + (1 + r.nextInt(3)) + ")", d, i);
            case 3 -> op(i, "(%s / " + (2 + r.nextInt(3)) + ")", d, i);
            case 4 -> op(i, "(%s % 3)", d, i);
            case 5 -> op(i, "abs(%s)", d, i);
            case 6 -> op(i, "length(%s)", d, FuzzType.TEXT);
            case 7 -> op(i, "CASE WHEN %s THEN %s ELSE %s END", d, FuzzType.BOOL, i, i);
            case 8 -> op(i, "coalesce(%s, %s)", d, i, i);
            default -> op(i, "(%s)::integer", d, FuzzType.NUMERIC);
        };
    }

    private Node bigintExpr(int d) {
        FuzzType b = FuzzType.BIGINT;
        return switch (r.nextInt(4)) {
            case 0 -> op(b, "(%s + %s)", d, b, FuzzType.INT);
            case 1 -> op(b, "(%s - %s)", d, b, b);
            case 2 -> op(b, "(%s::bigint * 3)", d, FuzzType.INT);
            default -> op(b, "coalesce(%s, %s)", d, b, b);
        };
    }

    private Node numericExpr(int d) {
        FuzzType n = FuzzType.NUMERIC;
        return switch (r.nextInt(7)) {
            case 0 -> op(n, "(%s + %s)", d, n, n);
            case 1 -> op(n, "(%s * %s)", d, n, FuzzType.INT);
            case 2 -> op(n, "round(%s, 1)", d, n);
            case 3 -> op(n, "(%s / 3)", d, n);
            case 4 -> op(n, "(%s - %s)", d, FuzzType.INT, n);
            case 5 -> op(n, "abs(%s)", d, n);
            default -> op(n, "CASE WHEN %s THEN %s END", d, FuzzType.BOOL, n);
        };
    }

    private Node doubleExpr(int d) {
        FuzzType f = FuzzType.DOUBLE;
        return switch (r.nextInt(4)) {
            case 0 -> op(f, "(%s + %s)", d, f, f);
            case 1 -> op(f, "(%s * 2)", d, f);
            case 2 -> op(f, "(%s + %s)", d, f, FuzzType.INT);
            default -> op(f, "abs(%s)", d, f);
        };
    }

    private Node textExpr(int d) {
        FuzzType s = FuzzType.TEXT;
        return switch (r.nextInt(9)) {
            case 0 -> op(s, "upper(%s)", d, s);
            case 1 -> op(s, "lower(%s)", d, s);
            case 2 -> op(s, "(%s || %s)", d, s, s);
            case 3 -> op(s, "substr(%s, 1, 2)", d, s);
            case 4 -> op(s, "coalesce(%s, %s)", d, s, s);
            case 5 -> op(s, "(%s)::text", d, FuzzType.INT);
            case 6 -> op(s, "trim(%s)", d, s);
            case 7 -> op(s, "replace(%s, 'a', 'b')", d, s);
            default -> op(s, "CASE WHEN %s THEN %s ELSE %s END", d, FuzzType.BOOL, s, s);
        };
    }

    private Node dateExpr(int d) {
        return switch (r.nextInt(2)) {
            case 0 -> op(FuzzType.DATE, "(%s + %s)", d, FuzzType.DATE, FuzzType.INT);
            default -> op(FuzzType.DATE, "(%s - 3)", d, FuzzType.DATE);
        };
    }

    /** A condition (boolean expression). */
    Node bool(int depth) {
        FuzzType b = FuzzType.BOOL;
        if (depth <= 0) {
            Node col = column(b);
            return col != null && r.nextBoolean() ? col : comparison(0);
        }
        int d = depth - 1;
        return switch (r.nextInt(12)) {
            case 0, 1, 2 -> comparison(d);
            case 3 -> op(b, "(%s AND %s)", d, b, b);
            case 4 -> op(b, "(%s OR %s)", d, b, b);
            case 5 -> op(b, "(NOT %s)", d, b);
            case 6 -> nullTest(d);
            case 7 -> {
                FuzzType t = typeInScope();
                yield op(b, "(%s IS DISTINCT FROM %s)", d, t, t);
            }
            case 8 -> op(b, "(%s LIKE '" + (r.nextBoolean() ? "a%" : "%b_") + "')", d, FuzzType.TEXT);
            case 9 -> {
                FuzzType t = typeInScope();
                String list = t.literal(r) + ", " + t.literal(r) + (r.nextInt(4) == 0 ? ", NULL" : "");
                yield op(b, "(%s " + (r.nextBoolean() ? "IN" : "NOT IN") + " (" + list + "))", d, t);
            }
            case 10 -> {
                FuzzType t = r.nextBoolean() ? FuzzType.INT : typeInScope();
                yield t == FuzzType.BOOL ? comparison(d) : op(b, "(%s BETWEEN " + t.literal(r) + " AND " + t.literal(r) + ")", d, t);
            }
            default -> {
                Node col = column(b);
                yield col != null ? col : comparison(d);
            }
        };
    }

    private Node nullTest(int d) {
        FuzzType t = typeInScope();
        return op(FuzzType.BOOL, "(%s IS " + (r.nextBoolean() ? "" : "NOT ") + "NULL)", d, t);
    }

    private Node comparison(int d) {
        String[] ops = {"=", "<>", "<", "<=", ">", ">="};
        FuzzType t = typeInScope();
        String o = ops[r.nextInt(ops.length)];
        Node left = expr(t, d);
        Node right = r.nextBoolean() ? expr(t, d) : literal(t);
        return op(FuzzType.BOOL, "(%s " + o + " %s)", List.of(t, t), List.of(left, right));
    }
}
