package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.aggregate.AggregateFunction;
import dev.trickle.streams.operators.aggregate.AggregateFunction.Accumulator;
import dev.trickle.streams.operators.aggregate.AggregateFunction.ValueBag;
import dev.trickle.streams.rows.EvaluationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An aggregate over each row's frame (count, sum, avg, min, max, the variance family, bool_and/bool_or),
 * with the aggregate package's functions, so results have PostgreSQL's types and texts as in GROUP BY.
 * Frames only move forward through the partition, so one accumulator slides along it: rows entering the
 * frame are added, rows leaving it removed (the functions take removals; min and max rescan their values
 * only when the extremum leaves). A frame that jumps backwards (never for the frames PostgreSQL has) starts
 * over.
 */
public final class FrameAggregate implements WindowFunction {
    private final AggregateFunction function;
    private final int[] elementColumns;
    private final Frame frame;

    public FrameAggregate(AggregateFunction function, int[] elementColumns, Frame frame) {
        this.function = function;
        this.elementColumns = elementColumns.clone();
        this.frame = frame;
    }

    @Override
    public String[] evaluate(Partition p) throws EvaluationException {
        int[][] bounds = frame.bounds(p);
        String[] out = new String[p.size()];
        Sliding s = new Sliding();
        for (int i = 0; i < out.length; i++) {
            s.moveTo(p, bounds[0][i], bounds[1][i]);
            out[i] = s.accumulator.result(s.bag);
        }
        return out;
    }

    /** The accumulator over rows [lo, hi) of the partition, and the multiset of their elements. */
    private final class Sliding {
        private Accumulator accumulator = function.load(null);
        private Bag bag = new Bag();
        private int lo;
        private int hi;

        void moveTo(Partition p, int from, int to) throws EvaluationException {
            if (from < lo || to < hi) {
                accumulator = function.load(null);
                bag = new Bag();
                lo = from;
                hi = from;
            }
            if (from >= hi) {
                // the new frame starts after the old one ends: nothing stays
                while (lo < hi) {
                    add(p, lo++, -1);
                }
                lo = from;
                hi = from;
            }
            while (hi < to) {
                add(p, hi++, 1);
            }
            while (lo < from) {
                add(p, lo++, -1);
            }
        }

        private void add(Partition p, int row, long weight) throws EvaluationException {
            List<String> r = p.row(row);
            String[] element = new String[elementColumns.length];
            for (int j = 0; j < element.length; j++) {
                element[j] = r.get(elementColumns[j]);
            }
            List<String> e = Arrays.asList(element);
            if (function.keepsValues()) {
                bag.add(e, weight);
            }
            accumulator.add(e, weight, bag);
        }
    }

    /** A frame's elements in memory (min and max find their next extremum here). */
    private static final class Bag implements ValueBag {
        private final Map<List<String>, Long> counts = new HashMap<>();

        void add(List<String> element, long weight) {
            counts.merge(element, weight, (a, b) -> a + b == 0 ? null : a + b);
        }

        @Override
        public long count(List<String> element) {
            return counts.getOrDefault(element, 0L);
        }

        @Override
        public List<Map.Entry<List<String>, Long>> entries() {
            return new ArrayList<>(counts.entrySet());
        }
    }
}
