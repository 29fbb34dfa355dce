package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.rows.PgType;
import java.util.Comparator;
import java.util.List;

/**
 * The ORDER BY inside an aggregate call ({@code string_agg(x, ',' ORDER BY y DESC)}), over the elements the
 * operator feeds (arguments, then the ORDER BY keys). Elements the keys do not order are put in the order
 * of their encoding, so that the result is deterministic; PostgreSQL leaves their order unspecified (so does
 * it for the elements of a call without ORDER BY).
 */
public final class ElementOrder implements Comparator<List<String>> {
    /** One ORDER BY key: which element value, its type, the direction and where NULLs go. */
    public record Key(int index, PgType type, boolean descending, boolean nullsFirst) {
    }

    private final List<Key> keys;

    public ElementOrder(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    @Override
    public int compare(List<String> a, List<String> b) {
        for (Key k : keys) {
            String x = a.get(k.index());
            String y = b.get(k.index());
            int c;
            if (x == null || y == null) {
                // NULLs are equal to each other, and first or last whatever the direction
                c = x == null && y == null ? 0 : (x == null) == k.nullsFirst() ? -1 : 1;
            } else {
                c = ValueOrder.compare(x, y, k.type());
                if (k.descending()) {
                    c = -c;
                }
            }
            if (c != 0) {
                return c;
            }
        }
        return Codec.encode(a).compareTo(Codec.encode(b));
    }
}
