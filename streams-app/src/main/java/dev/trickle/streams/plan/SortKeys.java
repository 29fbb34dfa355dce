package dev.trickle.streams.plan;

import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;

/**
 * ORDER BY keys (of a top-K or a window) as {@link SortKey}s, with PostgreSQL's defaults, and the refusals:
 * values the engine cannot order (types it only passes through), and text under a collation that does not
 * order by code point.
 */
final class SortKeys {
    private SortKeys() {
    }

    /**
     * @param names the input's column names (for messages)
     * @param what  the construct, for messages ("ORDER BY", "window ORDER BY")
     */
    static List<SortKey> of(RelCollation collation, RelTranslator.Translation input, List<String> names,
                            String databaseCollation, String what) throws UnsupportedQueryException {
        AggregateTranslator.Context context = new AggregateTranslator.Context(input, new int[0], databaseCollation, names);
        List<SortKey> keys = new ArrayList<>();
        for (RelFieldCollation f : collation.getFieldCollations()) {
            int c = f.getFieldIndex();
            PgType type = input.types().get(c);
            if (type.kind() == PgType.Kind.OTHER) {
                throw new UnsupportedQueryException(what + " on " + context.name(c) + " of type " + type.sqlName(),
                        "the engine orders numbers, text, booleans, dates and timestamps only");
            }
            if (type.isString()) {
                context.requireCodePointOrder(context.collation(c), what + " on " + context.name(c));
            }
            boolean descending = f.getDirection().isDescending();
            // PostgreSQL: NULLS LAST ascending, NULLS FIRST descending, unless written
            boolean nullsFirst = switch (f.nullDirection) {
                case FIRST -> true;
                case LAST -> false;
                default -> descending;
            };
            keys.add(new SortKey(c, type, descending, nullsFirst));
        }
        return keys;
    }

    /** The keys as written, whatever their types (for an ORDER BY that is dropped, not computed). */
    static String describe(RelCollation collation, List<String> names) {
        List<String> out = new ArrayList<>();
        for (RelFieldCollation f : collation.getFieldCollations()) {
            int c = f.getFieldIndex();
            out.add((c < names.size() ? names.get(c) : "$" + c) + (f.getDirection().isDescending() ? " DESC" : ""));
        }
        return String.join(", ", out);
    }

    static String describe(List<SortKey> keys, List<String> names) {
        List<String> out = new ArrayList<>();
        for (SortKey k : keys) {
            String name = k.column() < names.size() ? names.get(k.column()) : "$" + k.column();
            out.add(name + (k.descending() ? " DESC" : "") + (k.nullsFirst() ? " NULLS FIRST" : " NULLS LAST"));
        }
        return String.join(", ", out);
    }
}
