package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.expr.PgFloats;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;

/**
 * row_number, rank, dense_rank (bigint), percent_rank, cume_dist (double precision) and ntile (integer): they
 * depend on the row's position and its peers only, never on the frame. row_number numbers peers in the
 * partition's order, whose ties the engine breaks by the rows' texts (PostgreSQL: unspecified).
 */
public final class RankingFunction implements WindowFunction {
    public enum Kind { ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE }

    private final Kind kind;
    /** ntile's number of buckets (evaluated on the partition's first row, as PostgreSQL does); else null. */
    private final Operand buckets;

    public RankingFunction(Kind kind, Operand buckets) {
        this.kind = kind;
        this.buckets = buckets;
    }

    @Override
    public String[] evaluate(Partition p) throws EvaluationException {
        int n = p.size();
        String[] out = new String[n];
        if (kind == Kind.NTILE) {
            return n == 0 ? out : ntile(p, out);
        }
        long dense = 0;
        for (int i = 0; i < n; i++) {
            if (p.peerStart(i) == i) {
                dense++;
            }
            out[i] = switch (kind) {
                case ROW_NUMBER -> Long.toString(i + 1);
                case RANK -> Long.toString(p.peerStart(i) + 1);
                case DENSE_RANK -> Long.toString(dense);
                case PERCENT_RANK -> PgFloats.format(n <= 1 ? 0.0 : (double) p.peerStart(i) / (double) (n - 1));
                case CUME_DIST -> PgFloats.format((double) p.peerEnd(i) / (double) n);
                case NTILE -> throw new IllegalStateException();
            };
        }
        return out;
    }

    /** PostgreSQL's window_ntile: the first (rows mod buckets) buckets get one row more. */
    private String[] ntile(Partition p, String[] out) throws EvaluationException {
        String text = buckets.value(p.row(0));
        if (text == null) {
            return out;
        }
        long nbuckets = PgValues.parseInteger(text, PgType.INT4);
        if (nbuckets <= 0) {
            throw new EvaluationException("argument of ntile must be greater than zero");
        }
        long total = p.size();
        long boundary = total / nbuckets;
        long remainder = 0;
        if (boundary <= 0) {
            boundary = 1;
        } else {
            remainder = total % nbuckets;
            if (remainder != 0) {
                boundary++;
            }
        }
        long tile = 1;
        long rowsInBucket = 0;
        for (int i = 0; i < out.length; i++) {
            rowsInBucket++;
            if (boundary < rowsInBucket) {
                if (remainder != 0 && tile == remainder) {
                    remainder = 0;
                    boundary--;
                }
                tile++;
                rowsInBucket = 1;
            }
            out[i] = Long.toString(tile);
        }
        return out;
    }
}
