package dev.trickle.streams.fuzz;

import dev.trickle.streams.fuzz.ExprGen.Col;
import dev.trickle.streams.fuzz.FuzzSchema.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Window-function queries over one table. Functions that tell peers apart (row_number, lag, lead, ROWS
 * frames) are only ordered by a keyed table's primary key, so that PostgreSQL's choice among peers cannot
 * differ from the engine's; rank, dense_rank and aggregates with the default frame (peers included) are
 * ordered by any column.
 */
final class Windows {
    private final Random r;

    Windows(Random r) {
        this.r = r;
    }

    Node query(Table t, String alias) {
        List<Col> scope = t.columns().stream().map(c -> new Col(alias + "." + c.name(), c.type())).toList();
        ExprGen g = new ExprGen(r, scope);
        List<Node> items = new ArrayList<>();
        items.add(Node.text(alias + ".k AS c0"));
        for (int i = 1, n = 1 + r.nextInt(3); i <= n; i++) {
            items.add(Node.of(function(g, t.keyed() ? alias + ".id" : null), " AS w" + i));
        }
        Node where = r.nextBoolean() ? Node.text("") : Node.of(" WHERE ", g.bool(1)).orSmaller(Node.text(""));
        return Node.of("SELECT ", Node.list(", ", items, 1), " FROM " + t.name() + " " + alias, where);
    }

    private Node function(ExprGen g, String key) {
        FuzzType t = g.typeInScope();
        Node partition = r.nextInt(3) == 0 ? Node.text("") : Node.of("PARTITION BY ", g.column(FuzzType.INT), " ");
        Node order = g.column(t == FuzzType.BOOL ? FuzzType.INT : t);
        String direction = r.nextBoolean() ? "" : " DESC";
        Node window = Node.of("(", partition, "ORDER BY ", order, direction, ")");
        Node count = Node.of("count(*) OVER (", partition, ")");
        switch (r.nextInt(key == null ? 4 : 7)) {
            case 0:
                return Node.of(r.nextBoolean() ? "rank() OVER " : "dense_rank() OVER ", window).orSmaller(count);
            case 1:
                return count;
            case 2: {
                FuzzType n = t.numeric() ? t : FuzzType.INT;
                return Node.of(r.nextBoolean() ? "sum(" : "max(", g.column(n), ") OVER ", window).orSmaller(count);
            }
            case 3:
                return Node.of(r.nextBoolean() ? "min(" : "avg(", g.column(FuzzType.INT), ") OVER (", partition, ")")
                        .orSmaller(count);
            case 4:
                return Node.of("row_number() OVER (", partition, "ORDER BY " + key + direction + ")").orSmaller(count);
            case 5:
                return Node.of(r.nextBoolean() ? "lag(" : "lead(", g.column(t), ") OVER (", partition, "ORDER BY " + key + ")")
                        .orSmaller(count);
            default:
                return Node.of("sum(", g.column(FuzzType.INT), ") OVER (", partition, "ORDER BY " + key
                        + " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)").orSmaller(count);
        }
    }
}
