package dev.trickle.streams.fuzz;

import java.util.Random;

/**
 * Aggregate calls over the columns in scope, each on argument types PostgreSQL takes: count (star, value,
 * DISTINCT), sum, avg, min, max, bool_and, bool_or, string_agg ordered by its value (so the text does not
 * depend on the order rows arrive in), var_pop/stddev on exact types, some with FILTER (WHERE ...).
 */
final class Aggregates {
    private final Random r;

    Aggregates(Random r) {
        this.r = r;
    }

    Node call(ExprGen g) {
        Node call = plain(g);
        if (r.nextInt(5) == 0) {
            return Node.of(call, " FILTER (WHERE ", g.bool(1), ")").orSmaller(call);
        }
        return call;
    }

    private Node plain(ExprGen g) {
        FuzzType t = g.typeInScope();
        Node count = Node.text("count(*)");
        return switch (r.nextInt(13)) {
            case 0 -> count;
            case 1 -> Node.of("count(", g.expr(t, 1), ")").orSmaller(count);
            case 2 -> Node.of("count(DISTINCT ", g.expr(t, 0), ")").orSmaller(count);
            case 3, 4 -> Node.of("sum(", g.expr(numeric(t), 1), ")").orSmaller(count);
            case 5 -> Node.of("avg(", g.expr(t == FuzzType.DOUBLE ? t : exact(t), 1), ")").orSmaller(count);
            case 6, 7 -> Node.of(r.nextBoolean() ? "min(" : "max(", g.expr(t == FuzzType.BOOL ? FuzzType.INT : t, 1), ")")
                    .orSmaller(count);
            case 8 -> Node.of(r.nextBoolean() ? "bool_and(" : "bool_or(", g.bool(1), ")").orSmaller(count);
            case 9 -> {
                Node s = g.expr(FuzzType.TEXT, 1);
                yield Node.of("string_agg(", s, ", ',' ORDER BY ", s, ")").orSmaller(count);
            }
            case 10 -> Node.of(r.nextBoolean() ? "var_pop(" : "stddev(", g.expr(exact(t), 0), ")").orSmaller(count);
            case 11 -> {
                // a column: PostgreSQL cannot choose an array_agg for an untyped literal
                Node v = g.column(t);
                yield Node.of("array_agg(", v, " ORDER BY ", v, ")").orSmaller(count);
            }
            default -> Node.of("avg(", g.expr(FuzzType.BIGINT, 1), ")").orSmaller(count);
        };
    }

    /** A condition on aggregates, for HAVING. */
    Node condition(ExprGen g) {
        return switch (r.nextInt(3)) {
            case 0 -> Node.text("count(*) > " + r.nextInt(3));
            case 1 -> Node.of("sum(", g.expr(FuzzType.INT, 0), ") " + (r.nextBoolean() ? "> " : "< ") + FuzzType.INT.literal(r));
            default -> Node.of("min(", g.expr(FuzzType.INT, 0), ") IS NOT NULL");
        };
    }

    private static FuzzType numeric(FuzzType t) {
        return t.numeric() ? t : FuzzType.INT;
    }

    private static FuzzType exact(FuzzType t) {
        return t == FuzzType.INT || t == FuzzType.BIGINT || t == FuzzType.NUMERIC ? t : FuzzType.INT;
    }
}
