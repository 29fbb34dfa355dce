package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Checks, on the parsed query, that its shape is one the engine maintains (a SELECT over tables and
 * joins, possibly through derived tables, CTEs and subqueries in expressions), naming the first
 * construct that is not; and collects the table names in FROM clauses so the compiler can look them up.
 */
final class QueryShape {
    private static final Set<String> VOLATILE = Set.of("random", "setseed", "now", "clock_timestamp",
            "statement_timestamp", "transaction_timestamp", "timeofday", "current_timestamp", "current_date",
            "current_time", "localtime", "localtimestamp", "nextval", "currval", "lastval", "setval",
            "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "random_normal",
            "pg_current_xact_id", "txid_current", "rand");
    /** SQL's niladic functions, which may reach the validator as bare identifiers. */
    private static final Set<String> NILADIC = Set.of("current_timestamp", "current_date", "current_time",
            "localtime", "localtimestamp");

    private final List<SqlIdentifier> tables = new ArrayList<>();
    private final Set<String> cteNames = new HashSet<>();

    private QueryShape() {
    }

    /** The table names referenced in FROM clauses (CTE names excluded), or the unsupported construct. */
    static List<SqlIdentifier> check(SqlNode query) throws UnsupportedQueryException {
        QueryShape shape = new QueryShape();
        try {
            shape.query(query);
        } catch (Unsupported e) {
            throw e.exception;
        }
        return shape.tables;
    }

    /** Carries the checked exception through Calcite's visitor, which cannot throw one. */
    private static final class Unsupported extends RuntimeException {
        final UnsupportedQueryException exception;

        Unsupported(String construct, String detail) {
            super(construct, null, false, false);
            this.exception = new UnsupportedQueryException(construct, detail);
        }
    }

    private static Unsupported unsupported(String construct) {
        return new Unsupported(construct, null);
    }

    private void query(SqlNode node) {
        if (node instanceof SqlOrderBy ob) {
            // with LIMIT / OFFSET a top-K; without them dropped, since a table has no row order
            query(ob.query);
            ob.orderList.accept(new ExpressionCheck());
            return;
        }
        if (node instanceof SqlWith with) {
            for (SqlNode item : with.withList) {
                SqlWithItem w = (SqlWithItem) item;
                if (w.recursive != null && w.recursive.booleanValue()) {
                    // a recursive CTE reads itself: that name is not a source table
                    cteNames.add(w.name.getSimple());
                }
                query(w.query);
                cteNames.add(w.name.getSimple());
            }
            query(with.body);
        } else if (node instanceof SqlSelect select) {
            select(select);
        } else if (node != null && node.getKind() == SqlKind.EXPLICIT_TABLE) {
            from(((SqlCall) node).operand(0));
        } else if (node != null && (node.getKind() == SqlKind.UNION || node.getKind() == SqlKind.INTERSECT
                || node.getKind() == SqlKind.EXCEPT)) {
            // set operations: each operand is a query of its own
            for (SqlNode operand : ((SqlCall) node).getOperandList()) {
                query(operand);
            }
        } else if (node != null && node.getKind() == SqlKind.VALUES) {
            throw new Unsupported("VALUES", "a query without a source table");
        }
    }

    private void select(SqlSelect select) {
        if (select.getFrom() == null) {
            throw new Unsupported("SELECT without FROM", "a query without a source table");
        }
        from(select.getFrom());
        for (SqlNode item : select.getSelectList()) {
            item.accept(new ExpressionCheck());
        }
        if (select.getWhere() != null) {
            select.getWhere().accept(new ExpressionCheck());
        }
        if (select.getGroup() != null) {
            select.getGroup().accept(new ExpressionCheck());
        }
        if (select.getHaving() != null) {
            select.getHaving().accept(new ExpressionCheck());
        }
        // named windows (WINDOW w AS (...)) and ORDER BY: their expressions are checked like the select list's
        if (select.getWindowList() != null) {
            select.getWindowList().accept(new ExpressionCheck());
        }
        if (select.getOrderList() != null) {
            select.getOrderList().accept(new ExpressionCheck());
        }
    }

    private void from(SqlNode from) {
        switch (from.getKind()) {
            case JOIN -> join((SqlJoin) from);
            case AS -> from(((SqlCall) from).operand(0));
            case IDENTIFIER -> {
                SqlIdentifier id = (SqlIdentifier) from;
                if (!(id.isSimple() && cteNames.contains(id.getSimple()))) {
                    tables.add(id);
                }
            }
            case SELECT, ORDER_BY, WITH, UNION, INTERSECT, EXCEPT, VALUES -> query(from);
            case LATERAL -> throw unsupported("LATERAL");
            default -> throw new Unsupported("FROM " + from.getKind().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    "only tables and subqueries over one table");
        }
    }

    /** Both sides of a join are FROM items; its ON condition is an expression like WHERE's. */
    private void join(SqlJoin join) {
        from(join.getLeft());
        from(join.getRight());
        if (join.getCondition() != null) {
            join.getCondition().accept(new ExpressionCheck());
        }
    }

    /**
     * Expressions: no volatile functions; subqueries (EXISTS, IN, ANY/ALL, scalar) are checked as queries and
     * their tables collected (the planner turns them into joins); aggregates and window functions are the
     * planner's to place.
     */
    private final class ExpressionCheck extends SqlBasicVisitor<Void> {
        @Override
        public Void visit(SqlCall call) {
            if (call instanceof SqlSelect || call instanceof SqlOrderBy || call instanceof SqlWith
                    || call.getKind() == SqlKind.UNION || call.getKind() == SqlKind.INTERSECT
                    || call.getKind() == SqlKind.EXCEPT) {
                // a subquery (EXISTS, IN, scalar): a query of its own, whose tables are sources too
                query(call);
                return null;
            }
            String name = call.getOperator().getName().toLowerCase(Locale.ROOT);
            if (VOLATILE.contains(name)) {
                throw new Unsupported(name + "()", "volatile function: its value changes between evaluations");
            }
            return super.visit(call);
        }

        @Override
        public Void visit(SqlIdentifier id) {
            if (id.isSimple() && NILADIC.contains(id.getSimple().toLowerCase(Locale.ROOT))) {
                throw new Unsupported(id.getSimple().toLowerCase(Locale.ROOT), "volatile function: its value changes between evaluations");
            }
            return null;
        }

        @Override
        public Void visit(SqlNodeList list) {
            for (SqlNode n : list) {
                if (n != null) {
                    n.accept(this);
                }
            }
            return null;
        }
    }
}
