package dev.trickle.streams.tpch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * The TPC-H refresh functions (clause 2.5) as SQL statements, deterministic for a {@link TpchData}: each call
 * touches SF × 1,500 orders (0.1% of the orders, at least one) with their line items.
 *
 * <ul>
 *   <li>RF1 call n inserts the n-th batch of new orders, keys from the gaps of the initial key range, rows
 *       generated like the initial ones.</li>
 *   <li>RF2 call n deletes the n-th batch of the initial orders, oldest keys first, and their line items.</li>
 * </ul>
 */
public final class TpchRefresh {
    private final TpchData data;

    public TpchRefresh(TpchData data) {
        this.data = data;
    }

    /** Orders each call inserts or deletes. */
    public int ordersPerCall() {
        return ordersPerCall(data);
    }

    static int ordersPerCall(TpchData data) {
        return Math.max(1, (int) Math.round(data.orders * 0.001));
    }

    /** RF1, call {@code n} (from 1): INSERT statements for orders, then line items. */
    public List<String> rf1(int n) {
        TpchRows.Inserts rows = new TpchRows.Inserts();
        for (int key : rf1Keys(n)) {
            data.order(key, rows);
        }
        return rows.statements();
    }

    /** RF2, call {@code n} (from 1): DELETE statements for line items, then orders. */
    public List<String> rf2(int n) {
        StringJoiner keys = new StringJoiner(", ", "(", ")");
        rf2Keys(n).forEach(k -> keys.add(String.valueOf(k)));
        return List.of("DELETE FROM lineitem WHERE l_orderkey IN " + keys, "DELETE FROM orders WHERE o_orderkey IN " + keys);
    }

    /** The keys of the orders RF1's call {@code n} inserts. */
    public Set<Integer> rf1Keys(int n) {
        Set<Integer> keys = new TreeSet<>();
        int k = ordersPerCall();
        for (int j = (n - 1) * k; j < n * k; j++) {
            keys.add(TpchData.newOrderKey(j));
        }
        return keys;
    }

    /** The keys of the orders RF2's call {@code n} deletes: the n-th batch of the initial orders, oldest first. */
    public Set<Integer> rf2Keys(int n) {
        Set<Integer> keys = new TreeSet<>();
        int k = ordersPerCall();
        for (int i = (n - 1) * k; i < Math.min(n * k, data.orders); i++) {
            keys.add(TpchData.baseOrderKey(i));
        }
        return keys;
    }

    /**
     * Rounds of refreshes, one tick each: RF1 #1; RF2 #1; then RF1 #n and RF2 #n together, for n = 2, 3, ….
     */
    public List<List<String>> rounds(int count) {
        return ticks(count).stream().map(TpchTicks.Tick::statements).toList();
    }

    /** {@link #rounds} with the keys of the orders each round inserts or deletes. */
    List<TpchTicks.Tick> ticks(int count) {
        List<TpchTicks.Tick> out = new ArrayList<>();
        for (int t = 1; t <= count; t++) {
            List<String> statements = new ArrayList<>();
            Set<Integer> keys = new TreeSet<>();
            if (t != 2) {
                int call = t == 1 ? 1 : t - 1;
                statements.addAll(rf1(call));
                keys.addAll(rf1Keys(call));
            }
            if (t != 1) {
                int call = t == 2 ? 1 : t - 1;
                statements.addAll(rf2(call));
                keys.addAll(rf2Keys(call));
            }
            out.add(new TpchTicks.Tick(List.copyOf(statements), keys));
        }
        return out;
    }
}
