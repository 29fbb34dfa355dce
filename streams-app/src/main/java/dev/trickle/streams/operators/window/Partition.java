package dev.trickle.streams.operators.window;

import java.util.List;

/**
 * One partition's rows in window order, every copy of a duplicated row a row of its own (PostgreSQL numbers
 * them, and frames count them, one by one), with the peer groups: rows whose ORDER BY values are equal.
 */
public final class Partition {
    private final List<List<String>> rows;
    private final int[] peerStart;
    private final int[] peerEnd;

    /** @param orderKeys each row's order key ({@link dev.trickle.streams.operators.topk.OrderKeyCodec}): equal for peers */
    public Partition(List<List<String>> rows, List<String> orderKeys) {
        this.rows = rows;
        int n = rows.size();
        this.peerStart = new int[n];
        this.peerEnd = new int[n];
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || !orderKeys.get(i).equals(orderKeys.get(start))) {
                for (int j = start; j < i; j++) {
                    peerStart[j] = start;
                    peerEnd[j] = i;
                }
                start = i;
            }
        }
    }

    public int size() {
        return rows.size();
    }

    public List<String> row(int i) {
        return rows.get(i);
    }

    /** The index of the first peer of row {@code i}. */
    public int peerStart(int i) {
        return peerStart[i];
    }

    /** The index after the last peer of row {@code i}. */
    public int peerEnd(int i) {
        return peerEnd[i];
    }
}
