package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.rows.EvaluationException;
import java.math.BigDecimal;

/**
 * A window frame: ROWS or RANGE between two bounds, for every row of a partition. ROWS counts rows; RANGE
 * with CURRENT ROW extends to the row's peers, and with an offset takes the rows whose ORDER BY value is
 * within the offset of the row's (integers and numeric, computed exactly). A NULL ORDER BY value is only a
 * peer of NULLs: its offset bounds are its peer group, and other rows' offset bounds never reach NULLs.
 */
public final class Frame {
    public enum BoundKind { UNBOUNDED_PRECEDING, PRECEDING, CURRENT_ROW, FOLLOWING, UNBOUNDED_FOLLOWING }

    /** A bound; {@code offset} is the constant of n PRECEDING / n FOLLOWING (a count for ROWS, a value for RANGE). */
    public record Bound(BoundKind kind, String offset) {
        public static Bound of(BoundKind kind) {
            return new Bound(kind, null);
        }

        @Override
        public String toString() {
            return (offset == null ? "" : offset + " ") + kind.name().replace('_', ' ');
        }
    }

    private final boolean rows;
    private final Bound start;
    private final Bound end;
    /** RANGE with an offset: the single ORDER BY key whose values the offset applies to. */
    private final SortKey rangeKey;

    public Frame(boolean rows, Bound start, Bound end, SortKey rangeKey) {
        this.rows = rows;
        this.start = start;
        this.end = end;
        this.rangeKey = rangeKey;
    }

    /** The whole partition. */
    public static Frame wholePartition() {
        return new Frame(true, Bound.of(BoundKind.UNBOUNDED_PRECEDING), Bound.of(BoundKind.UNBOUNDED_FOLLOWING), null);
    }

    /** For each row i, its frame as {@code [from[i], to[i])} (empty when to <= from); both grow with i. */
    public int[][] bounds(Partition p) throws EvaluationException {
        int n = p.size();
        int[] from = new int[n];
        int[] to = new int[n];
        RangeValues values = rangeKey == null ? null : new RangeValues(p, rangeKey);
        for (int i = 0; i < n; i++) {
            from[i] = position(start, p, values, i, true);
            to[i] = Math.max(from[i], position(end, p, values, i, false));
        }
        return new int[][] {from, to};
    }

    /** Where a bound puts row i's frame: its first row (start) or the index after its last row (end). */
    private int position(Bound b, Partition p, RangeValues values, int i, boolean isStart) throws EvaluationException {
        int n = p.size();
        return switch (b.kind()) {
            case UNBOUNDED_PRECEDING -> 0;
            case UNBOUNDED_FOLLOWING -> n;
            case CURRENT_ROW -> rows ? (isStart ? i : i + 1) : (isStart ? p.peerStart(i) : p.peerEnd(i));
            case PRECEDING, FOLLOWING -> {
                if (rows) {
                    // an offset past the partition's size reaches as far as the size itself (no overflow)
                    long k = Math.min(Long.parseLong(b.offset()), n + 1L);
                    long row = b.kind() == BoundKind.PRECEDING ? i - k : i + k;
                    yield (int) Math.max(0, Math.min(n, isStart ? row : row + 1));
                }
                yield values.position(i, new BigDecimal(b.offset()), b.kind() == BoundKind.PRECEDING, isStart);
            }
        };
    }

    /** The ORDER BY values of a partition, for RANGE offsets: exact numbers, NULLs in one block at one end. */
    private static final class RangeValues {
        private final Partition p;
        private final BigDecimal[] values;
        private final int sign;
        private int firstValue;
        private int afterValues;

        RangeValues(Partition p, SortKey key) throws EvaluationException {
            this.p = p;
            this.sign = key.descending() ? -1 : 1;
            int n = p.size();
            values = new BigDecimal[n];
            firstValue = n;
            afterValues = 0;
            for (int i = 0; i < n; i++) {
                String v = p.row(i).get(key.column());
                if (v != null) {
                    values[i] = PgValues.parseNumeric(v);
                    firstValue = Math.min(firstValue, i);
                    afterValues = i + 1;
                }
            }
            if (afterValues == 0) {
                firstValue = 0;
            }
        }

        /** A start: the first row at or past {@code v ∓ offset} in the order; an end: the index after the last one. */
        int position(int i, BigDecimal offset, boolean preceding, boolean isStart) {
            if (values[i] == null) {
                // NULL: only its peers (the other NULLs) are within any offset of it
                return isStart ? p.peerStart(i) : p.peerEnd(i);
            }
            // the boundary value, in the direction of the order
            BigDecimal target = preceding == (sign > 0) ? values[i].subtract(offset) : values[i].add(offset);
            // the first row (among the non-NULL ones) past the target: at it (start) or beyond it (end)
            int lo = firstValue;
            int hi = afterValues;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                int c = sign * values[mid].compareTo(target);
                if (isStart ? c < 0 : c <= 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    @Override
    public String toString() {
        return (rows ? "ROWS" : "RANGE") + " BETWEEN " + start + " AND " + end;
    }
}
