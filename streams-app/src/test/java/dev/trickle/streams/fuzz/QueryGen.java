package dev.trickle.streams.fuzz;

import dev.trickle.streams.fuzz.ExprGen.Col;
import dev.trickle.streams.fuzz.FuzzSchema.Column;
import dev.trickle.streams.fuzz.FuzzSchema.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated queries over a {@link FuzzSchema}, one of several shapes: projections and filters over joins
 * of every kind (equi, multi-column, non-equi, self, chains), grouped and global aggregates with FILTER and
 * HAVING, DISTINCT, set operations, top-K, window functions and subqueries (EXISTS, IN, NOT IN, scalar,
 * correlated). Output columns are always aliased (c0, c1, ...) so the result has distinct names.
 */
final class QueryGen {
    /** A generated query: its tree (for shrinking) and the shape it was generated as. */
    record Query(Node node, String shape) {
    }

    /** A FROM clause and the columns it brings into scope. */
    private record From(Node node, List<Col> scope, List<String> aliases) {
    }

    static final List<String> SHAPES = List.of("select", "join", "aggregate", "global-aggregate", "distinct", "setop",
            "topk", "window", "subquery", "derived", "antijoin", "nested-aggregate", "window-aggregate");

    private final Random r;
    private final FuzzSchema schema;
    private final Aggregates aggregates;

    QueryGen(Random r, FuzzSchema schema) {
        this.r = r;
        this.schema = schema;
        this.aggregates = new Aggregates(r);
    }

    Query generate() {
        String shape = SHAPES.get(r.nextInt(SHAPES.size()));
        Node node = switch (shape) {
            case "select" -> select(from(1), 1 + r.nextInt(4), false);
            case "join" -> select(from(2 + r.nextInt(3)), 1 + r.nextInt(4), false);
            case "aggregate" -> aggregate(from(1 + r.nextInt(3)), true);
            case "global-aggregate" -> aggregate(from(1 + r.nextInt(2)), false);
            case "distinct" -> select(from(1 + r.nextInt(2)), 1 + r.nextInt(3), true);
            case "setop" -> setOperation();
            case "topk" -> topK();
            case "window" -> new Windows(r).query(table(), "a0");
            case "derived" -> derived();
            case "antijoin" -> antiJoin();
            case "nested-aggregate" -> nestedAggregate();
            case "window-aggregate" -> windowOverAggregate();
            default -> subquery();
        };
        return new Query(node, shape);
    }

    private Table table() {
        return schema.tables.get(r.nextInt(schema.tables.size()));
    }

    private From from(int count) {
        List<Col> scope = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        List<Object> parts = new ArrayList<>();
        parts.add(" FROM ");
        for (int i = 0; i < count; i++) {
            Table t = table();
            String alias = "a" + i;
            List<Col> own = columns(t, alias);
            if (i == 0) {
                parts.add(t.name() + " " + alias);
            } else {
                parts.add(join(t, alias, own, scope));
            }
            scope.addAll(own);
            aliases.add(alias);
        }
        return new From(Node.of(parts.toArray()), scope, aliases);
    }

    private static List<Col> columns(Table t, String alias) {
        return t.columns().stream().map((Column c) -> new Col(alias + "." + c.name(), c.type())).toList();
    }

    private Node join(Table t, String alias, List<Col> own, List<Col> before) {
        String[] kinds = {"JOIN", "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN"};
        String kind = kinds[r.nextInt(kinds.length)];
        if (kind.equals("CROSS JOIN")) {
            return Node.of(" CROSS JOIN " + t.name() + " " + alias).orSmaller(Node.text(""));
        }
        List<Col> partnerKeys = before.stream().filter(c -> c.sql().endsWith(".k")).toList();
        Col partner = partnerKeys.get(r.nextInt(partnerKeys.size()));
        List<Node> conjuncts = new ArrayList<>();
        boolean full = kind.equals("FULL JOIN");
        int form = r.nextInt(4);
        // PostgreSQL runs FULL JOIN only with equality conditions (merge- or hash-joinable)
        if (full || form < 2) {
            conjuncts.add(Node.text(partner.sql() + " = " + alias + ".k"));
        } else {
            conjuncts.add(Node.text(partner.sql() + (r.nextBoolean() ? " < " : " <= ") + alias + ".k" + (r.nextBoolean() ? " + 1" : "")));
        }
        if (form == 1 || form == 3) {
            Col mine = own.get(r.nextInt(own.size()));
            List<Col> same = before.stream().filter(c -> c.type() == mine.type()).toList();
            if (!same.isEmpty()) {
                conjuncts.add(Node.text(same.get(r.nextInt(same.size())).sql() + " = " + mine.sql()));
            }
        }
        if (!full && r.nextInt(3) == 0) {
            List<Col> both = new ArrayList<>(before);
            both.addAll(own);
            conjuncts.add(new ExprGen(r, both).bool(1));
        }
        return Node.of(" " + kind + " " + t.name() + " " + alias + " ON ", Node.list(" AND ", conjuncts, 1))
                .orSmaller(Node.text(""));
    }

    private Node where(ExprGen g) {
        return r.nextBoolean() ? Node.text("") : Node.of(" WHERE ", g.bool(2)).orSmaller(Node.text(""));
    }

    private Node select(From from, int columns, boolean distinct) {
        ExprGen g = new ExprGen(r, from.scope());
        List<Node> items = new ArrayList<>();
        for (int i = 0; i < columns; i++) {
            items.add(Node.of(g.expr(g.typeInScope(), 2), " AS c" + i));
        }
        return Node.of("SELECT ", distinct ? Node.text("DISTINCT ").orSmaller(Node.text("")) : Node.text(""),
                Node.list(", ", items, 1), from.node(), where(g));
    }

    /** Expressions of the given types, aliased c0, c1, ... (for both sides of a set operation). */
    private Node typedSelect(From from, List<FuzzType> types) {
        ExprGen g = new ExprGen(r, from.scope());
        List<Node> items = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            items.add(Node.of(g.expr(types.get(i), 1), " AS c" + i));
        }
        return Node.of("SELECT ", Node.list(", ", items, 1), from.node(), where(g));
    }

    private Node aggregate(From from, boolean grouped) {
        ExprGen g = new ExprGen(r, from.scope());
        List<Node> items = new ArrayList<>();
        List<Node> keys = new ArrayList<>();
        for (int i = 0; grouped && i < 1 + r.nextInt(2); i++) {
            FuzzType type = g.typeInScope();
            Node key = r.nextInt(3) == 0 ? g.expr(type, 1) : g.column(type);
            // a constant key would be read as a GROUP BY position
            key = key.sql().matches(".*\\b[a-z]\\w*\\.[a-z].*") ? key : g.column(type);
            keys.add(key);
            items.add(Node.of(key, " AS g" + i));
        }
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            items.add(Node.of(aggregates.call(g), " AS c" + i));
        }
        Node groupBy = keys.isEmpty() ? Node.text("") : groupBy(keys);
        Node having = r.nextInt(3) > 0 ? Node.text("")
                : Node.of(" HAVING ", aggregates.condition(g)).orSmaller(Node.text(""));
        return Node.of("SELECT ", Node.list(", ", items, 1), from.node(), where(g), groupBy, having);
    }

    /** GROUP BY the keys, sometimes as ROLLUP, CUBE or GROUPING SETS (keys are NULL in the sets without them). */
    private Node groupBy(List<Node> keys) {
        Node plain = Node.of(" GROUP BY ", Node.list(", ", keys, 1));
        return switch (r.nextInt(8)) {
            case 0 -> Node.of(" GROUP BY ROLLUP(", Node.list(", ", keys, 1), ")").orSmaller(plain);
            case 1 -> Node.of(" GROUP BY CUBE(", Node.list(", ", keys, 1), ")").orSmaller(plain);
            case 2 -> Node.of(" GROUP BY GROUPING SETS ((", Node.list(", ", keys, 1), "), ())").orSmaller(plain);
            default -> plain;
        };
    }

    /** Rows of one table without a partner in another: LEFT JOIN ... WHERE the partner's column IS NULL. */
    private Node antiJoin() {
        From from = from(1);
        Table other = table();
        List<Col> scope = new ArrayList<>(from.scope());
        List<Col> own = columns(other, "a1");
        scope.addAll(own);
        Col probe = own.get(r.nextInt(own.size()));
        ExprGen g = new ExprGen(r, from.scope());
        Node extra = r.nextBoolean() ? Node.text("") : Node.of(" AND ", new ExprGen(r, scope).bool(1)).orSmaller(Node.text(""));
        List<Node> items = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            items.add(Node.of(g.expr(g.typeInScope(), 1), " AS c" + i));
        }
        return Node.of("SELECT ", Node.list(", ", items, 1), from.node(), " LEFT JOIN " + other.name() + " a1 ON a0.k = a1.k",
                extra, " WHERE " + probe.sql() + " IS NULL");
    }

    /** An aggregate over a grouped derived table: how many keys have each count. */
    private Node nestedAggregate() {
        Table t = table();
        String[] values = {"count(*)", "sum(d.k)", "count(DISTINCT d.k)", "max(d.k)"};
        String inner = "SELECT d.k AS k, " + values[r.nextInt(values.length)] + " AS v FROM " + t.name() + " d GROUP BY d.k";
        String outer = r.nextBoolean() ? "SELECT q.v AS g0, count(*) AS c0, sum(q.k) AS c1 FROM (" + inner + ") q GROUP BY q.v"
                : "SELECT count(*) AS c0, max(q.v) AS c1, sum(q.v) AS c2 FROM (" + inner + ") q";
        return Node.text(outer);
    }

    /** A window function over a grouped query's aggregate (rank by a sum, a running total of counts). */
    private Node windowOverAggregate() {
        From from = from(1 + r.nextInt(2));
        ExprGen g = new ExprGen(r, from.scope());
        Node key = g.column(FuzzType.INT);
        Node agg = Node.of("sum(", g.column(FuzzType.INT), ")");
        String[] windows = {"rank() OVER (ORDER BY %s DESC)", "dense_rank() OVER (ORDER BY %s NULLS FIRST)",
            "sum(%s) OVER ()", "count(*) OVER (PARTITION BY %s IS NULL)"};
        String w = windows[r.nextInt(windows.length)];
        String[] pieces = w.split("%s", -1);
        return Node.of("SELECT ", key, " AS g0, ", agg, " AS c0, ", pieces[0], agg, pieces[1], " AS w0", from.node(),
                where(g), " GROUP BY ", key);
    }

    private Node setOperation() {
        String[] ops = {"UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"};
        List<FuzzType> types = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            types.add(FuzzType.values()[r.nextInt(FuzzType.values().length)]);
        }
        Node left = typedSelect(from(1 + r.nextInt(2)), types);
        Node right = typedSelect(from(1), types);
        return Node.of(left, " " + ops[r.nextInt(ops.length)] + " ", right).orSmaller(left, right);
    }

    private Node topK() {
        boolean grouped = r.nextBoolean();
        int columns = 1 + r.nextInt(3);
        Node body = grouped ? aggregate(from(1 + r.nextInt(2)), true) : select(from(1 + r.nextInt(2)), columns, false);
        // ordered by every output column: rows that tie are equal, so any choice among them is PostgreSQL's
        int outputs = body.sql().split(" AS ", -1).length - 1;
        List<String> keys = new ArrayList<>();
        for (int i = 1; i <= outputs; i++) {
            keys.add(i + (r.nextBoolean() ? " DESC" : "") + (r.nextBoolean() ? " NULLS FIRST" : " NULLS LAST"));
        }
        String limit = " LIMIT " + (1 + r.nextInt(5)) + (r.nextInt(3) == 0 ? " OFFSET " + r.nextInt(3) : "");
        return Node.of(body, " ORDER BY " + String.join(", ", keys) + limit);
    }

    /**
     * A grouped derived table (or CTE) {@code q(k, v)} joined to a table on its key, filtered and projected:
     * an aggregate feeding a join.
     */
    private Node derived() {
        Table t = table();
        String[] values = {"count(*)", "sum(d.k)", "count(d.k)"};
        String inner = "SELECT d.k AS k, " + values[r.nextInt(values.length)] + " AS v FROM " + t.name() + " d"
                + (r.nextBoolean() ? " WHERE d.k IS NOT NULL" : "") + " GROUP BY d.k";
        Table other = table();
        List<Col> scope = new ArrayList<>(List.of(new Col("q.k", FuzzType.INT), new Col("q.v", FuzzType.BIGINT)));
        scope.addAll(columns(other, "a1"));
        String[] kinds = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"};
        String join = " " + kinds[r.nextInt(kinds.length)] + " " + other.name() + " a1 ON q.k = a1.k";
        boolean cte = r.nextBoolean();
        Node from = Node.text(cte ? " FROM q" + join : " FROM (" + inner + ") q" + join);
        Node body = select(new From(from, scope, List.of("q", "a1")), 1 + r.nextInt(3), r.nextInt(4) == 0);
        return cte ? Node.of("WITH q AS (" + inner + ") ", body) : body;
    }

    private Node subquery() {
        From from = from(1 + r.nextInt(2));
        ExprGen outer = new ExprGen(r, from.scope());
        Table inner = table();
        List<Col> innerScope = columns(inner, "s");
        ExprGen ig = new ExprGen(r, innerScope);
        String key = from.aliases().get(r.nextInt(from.aliases().size())) + ".k";
        Node innerWhere = r.nextBoolean() ? Node.text("") : Node.of(" AND ", ig.bool(1)).orSmaller(Node.text(""));
        Node predicate = switch (r.nextInt(5)) {
            case 0 -> Node.of("EXISTS (SELECT 1 FROM " + inner.name() + " s WHERE s.k = " + key, innerWhere, ")");
            case 1 -> Node.of("NOT EXISTS (SELECT 1 FROM " + inner.name() + " s WHERE s.k = " + key, innerWhere, ")");
            case 2 -> Node.of(key + " IN (SELECT s.k FROM " + inner.name() + " s WHERE true", innerWhere, ")");
            case 3 -> Node.of(key + " NOT IN (SELECT s.k FROM " + inner.name() + " s WHERE true", innerWhere, ")");
            default -> Node.of("(SELECT count(*) FROM " + inner.name() + " s WHERE s.k = " + key, innerWhere, ") > 1");
        };
        List<Node> items = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            items.add(Node.of(outer.expr(outer.typeInScope(), 1), " AS c" + i));
        }
        if (r.nextBoolean()) {
            FuzzType t = ig.typeInScope();
            String agg = t.numeric() ? (r.nextBoolean() ? "sum" : "max") : t == FuzzType.BOOL ? "bool_or" : "min";
            items.add(Node.of("(SELECT " + agg + "(", ig.expr(t, 0), ") FROM " + inner.name() + " s WHERE s.k = " + key + ") AS sq")
                    .orSmaller(Node.text("0 AS sq")));
        }
        return Node.of("SELECT ", Node.list(", ", items, 1), from.node(), " WHERE ", predicate.orSmaller(Node.text("true")));
    }
}
