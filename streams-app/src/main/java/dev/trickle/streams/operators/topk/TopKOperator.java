package dev.trickle.streams.operators.topk;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.aggregate.Codec;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ORDER BY ... LIMIT k OFFSET m, incrementally: the output is the input's rows at positions m .. m+k-1 of
 * the order. Every input row is kept in a store sorted by its order key ({@link OrderKeyCodec}), so the
 * first rows of the order are the first entries of the store. A tick reads the head of the store (m+k
 * entries) before and after folding its delta in, and emits the difference of the rows in the window of
 * positions; a tick whose changed rows all sort after the last row of the head changes nothing there, and
 * costs only the writes of its rows. Work per tick: the changed rows, plus m+k entries when the head is
 * touched; never the whole input.
 *
 * <p>Without LIMIT (OFFSET only) the output is every row but the first m: the input's delta minus the change
 * of the head. Ties: rows whose ORDER BY values are equal are ordered by their column texts
 * ({@link OrderKeyCodec#tieKey}); PostgreSQL leaves their order, and so which of them make the cut, unspecified.
 *
 * <p>State: {@code rows} (order key, tie key → copies and row), one entry per distinct input row; and
 * {@code head} ("last" → the store key of the head's last entry, absent while the input has fewer than m+k
 * rows). Deleting every input row empties both.
 */
public final class TopKOperator implements Operator {
    private static final String LAST = "last";

    private final OrderKeyCodec codec;
    private final long offset;
    /** -1: no LIMIT. */
    private final long limit;
    private final String description;

    /** @param limit the LIMIT, or -1 for none */
    public TopKOperator(List<SortKey> keys, long offset, long limit, String description) {
        if (offset < 0 || limit < -1) {
            throw new IllegalArgumentException("negative OFFSET or LIMIT");
        }
        this.codec = new OrderKeyCodec(keys);
        this.offset = offset;
        this.limit = limit;
        this.description = description;
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public boolean isStateful() {
        return true;
    }

    /** How many rows the head holds: the rows whose position decides the output. */
    private long headSize() {
        return limit < 0 ? offset : Math.min(Long.MAX_VALUE - offset, limit) + offset;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException {
        ZSet<List<String>> delta = inputs.get(0);
        ZSet<List<String>> out = new ZSet<>();
        if (limit == 0 || delta.isEmpty()) {
            // LIMIT 0 is always empty, so nothing is kept; and a tick without changes changes nothing
            return out;
        }
        TextState rows = TextState.of(state.store("rows"));
        TextState head = TextState.of(state.store("head"));
        long n = headSize();
        List<Change> changes = new ArrayList<>(delta.size());
        for (Map.Entry<List<String>, Long> e : delta.asMap().entrySet()) {
            changes.add(new Change(codec.encode(e.getKey()) + OrderKeyCodec.tieKey(e.getKey()), e.getKey(), e.getValue()));
        }
        String last = head.get(LAST);
        boolean touchesHead = n > 0 && changes.stream().anyMatch(c -> last == null || c.key().compareTo(last) <= 0);
        List<Positioned> before = touchesHead ? head(rows, n) : List.of();
        for (Change c : changes) {
            write(rows, c);
        }
        if (limit < 0) {
            // OFFSET only: every row but the first m
            out.addAll(delta);
        }
        if (touchesHead) {
            List<Positioned> after = head(rows, n);
            window(after, 1, out);
            window(before, -1, out);
            String newLast = after.isEmpty() || covered(after) < n ? null : after.get(after.size() - 1).key();
            head.put(LAST, newLast);
        }
        return out;
    }

    /** How many rows the entries hold. */
    private static long covered(List<Positioned> entries) {
        Positioned lastEntry = entries.get(entries.size() - 1);
        return lastEntry.start() + lastEntry.copies();
    }

    /**
     * Adds (sign 1) or removes (-1) the copies of the head's rows that the output holds: positions
     * [offset, offset+limit); without LIMIT the head is [0, offset), the rows the output lacks, so they count negated.
     */
    private void window(List<Positioned> entries, long sign, ZSet<List<String>> out) {
        long end = limit < 0 ? offset : headSize();
        long from = limit < 0 ? 0 : offset;
        for (Positioned p : entries) {
            // the copies of this row that fall in [from, end)
            long lo = Math.max(p.start(), from);
            long hi = Math.min(p.start() + p.copies(), end);
            if (hi > lo) {
                out.add(p.row(), (limit < 0 ? -sign : sign) * (hi - lo));
            }
        }
    }

    /** The first entries of the order, with the position of each one's first copy, until {@code n} rows are covered. */
    private static List<Positioned> head(TextState rows, long n) {
        List<Positioned> out = new ArrayList<>();
        long position = 0;
        for (Map.Entry<String, String> e : rows.prefix("", (int) Math.min(n, Integer.MAX_VALUE))) {
            if (position >= n) {
                break;
            }
            String v = e.getValue();
            int space = v.indexOf(' ');
            long copies = Long.parseLong(v, 0, space, 10);
            out.add(new Positioned(e.getKey(), Codec.decode(v.substring(space + 1)), position, copies));
            position += copies;
        }
        return out;
    }

    private static void write(TextState rows, Change c) {
        String old = rows.get(c.key());
        long copies = Math.addExact(old == null ? 0 : Long.parseLong(old, 0, old.indexOf(' '), 10), c.weight());
        if (copies < 0) {
            throw new IllegalStateException("more copies deleted than inserted of " + c.row());
        }
        rows.put(c.key(), copies == 0 ? null : copies + " " + Codec.encode(c.row()));
    }

    private record Change(String key, List<String> row, long weight) {
    }

    private record Positioned(String key, List<String> row, long start, long copies) {
    }

    @Override
    public String describe() {
        return "TopK(" + description + ")";
    }
}
