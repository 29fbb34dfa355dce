package dev.trickle.streams.tpch;

import static dev.trickle.streams.tpch.TpchDistributions.NATIONS;
import static dev.trickle.streams.tpch.TpchDistributions.NATION_REGION;
import static dev.trickle.streams.tpch.TpchDistributions.REGIONS;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The few rows the generator plants so that every query selects something at a tiny scale factor, where the
 * spec's uniform draws would often leave the rarest combinations empty (Q17 selects about 1 part in 1,000,
 * Q19 about 1 line item in 30,000, Q18 about 1 order in 25,000), and so that the refresh functions change
 * the results of the queries over orders and line items (a random 0.1% of the orders rarely would).
 *
 * <p>Planted parts keep their random key, price and comment and get the selected attributes. Planted orders
 * keep their random fields and get their line items (part, supplier, quantity, ship instruction and mode,
 * late or on time, return flag) and, where a query needs it, an order date and a kind of customer. Initial
 * orders: Q8; Q15 (two); Q17 (two); Q18 (two, one of them the first order RF2 deletes); Q19 (three); Q20
 * (two, one deleted by RF2's second call). New orders, by RF1 call: 1: Q17, Q3 with Q8, Q22 (an order for a
 * customer who had none); 2: Q18, Q10, Q5; 3: Q15 with Q19, Q7, Q21. Plants past the number of orders an
 * RF1 call inserts (fewer than 3 below SF 0.0017) are left out.
 */
final class TpchPlants {
    /** Attributes a planted part gets (null: keep the random one); {@code brand} is the two digits of Brand#MN. */
    record PartOverride(String firstWord, Integer brand, String type, Integer size, String container) {
    }

    /** A planted order's line items, and optionally its date and the kind of customer (a test on the key). */
    record OrderPlant(LocalDate date, IntPredicate customer, List<LinePlant> lines) {
    }

    /**
     * A planted line item; zero or null fields stay random. {@code late}: shipped 100 days after the order and
     * received after the commit date, or shipped after 10 days and received before it.
     */
    record LinePlant(int partkey, int suppkey, int quantity, String instruct, String mode, Boolean late, String returnFlag) {
        static LinePlant of(int partkey, int suppkey, int quantity) {
            return new LinePlant(partkey, suppkey, quantity, null, null, null, null);
        }

        static LinePlant quantity(int quantity) {
            return of(0, 0, quantity);
        }

        LinePlant late(boolean late) {
            return new LinePlant(partkey, suppkey, quantity, instruct, mode, late, returnFlag);
        }
    }

    private static final Set<String> Q22_CODES = Set.of("13", "31", "23", "29", "30", "18", "17");

    private final TpchData data;
    private final Map<Integer, PartOverride> parts = new HashMap<>();
    private final Map<Integer, OrderPlant> orders = new HashMap<>();
    private final Map<Integer, String> supplierComments = new HashMap<>();

    TpchPlants(TpchData data) {
        this.data = data;
        int o = data.orders;
        // Q2: a size-15 brass part one of whose suppliers is European
        plantPart(data.parts / 11, suppliersIn(inRegion("EUROPE")),
                new PartOverride(null, null, "PROMO PLATED BRASS", 15, null));
        // Q8: an ECONOMY ANODIZED STEEL part with a Brazilian supplier, bought by an American customer in 1995
        int q8 = plantPart(data.parts / 7, suppliersIn(nation("BRAZIL")),
                new PartOverride(null, null, "ECONOMY ANODIZED STEEL", null, null));
        LinePlant q8Line = LinePlant.of(q8, supplierOf(q8, suppliersIn(nation("BRAZIL"))), 0);
        orders.put(TpchData.baseOrderKey(o / 6), new OrderPlant(LocalDate.of(1995, 5, 10), customerIn(c -> true, "AMERICA"),
                List.of(q8Line, LinePlant.quantity(0))));
        // Q15: large early-1996 orders from one supplier make it the top supplier
        List<LinePlant> q15 = Collections.nCopies(7, supplied(supplierIn("ARGENTINA"), 0, 50).late(false));
        orders.put(TpchData.baseOrderKey(o / 8), new OrderPlant(LocalDate.of(1996, 1, 10), null, q15));
        orders.put(TpchData.baseOrderKey(o / 8 + 1), new OrderPlant(LocalDate.of(1996, 1, 10), null, q15));
        // Q17: a Brand#23 MED BOX part; line items of it with small quantities
        int q17 = plantPart(data.parts / 3, n -> true, new PartOverride(null, 23, null, null, "MED BOX"));
        orders.put(TpchData.baseOrderKey(o / 3), lines(LinePlant.of(q17, 0, 1)));
        orders.put(TpchData.baseOrderKey(o / 3 + 1), lines(LinePlant.quantity(0), LinePlant.of(q17, 0, 2)));
        // Q18: orders of more than 300 units, the first one RF2 deletes and one in the middle
        orders.put(TpchData.baseOrderKey(0), bigOrder(50));
        orders.put(TpchData.baseOrderKey(o / 2), bigOrder(46));
        // Q19: one part for each of the three branches, with a line item each
        int[] q19 = {
            plantPart(data.parts / 4, n -> true, new PartOverride(null, 12, null, 3, "SM CASE")),
            plantPart(data.parts / 4 + 7, n -> true, new PartOverride(null, 23, null, 7, "MED BAG")),
            plantPart(data.parts / 4 + 13, n -> true, new PartOverride(null, 34, null, 12, "LG BOX"))};
        int[] q19Quantities = {5, 15, 25};
        for (int i = 0; i < 3; i++) {
            orders.put(TpchData.baseOrderKey(o / 4 + i), lines(q19Line(q19[i], q19Quantities[i])));
        }
        // Q20: forest parts of both Canadian suppliers, shipped in 1994; RF2's second call deletes the second's order
        int first = supplierIn("CANADA");
        int second = first + NATIONS.size();
        int q20a = plantPart(data.parts / 5, s -> s == first, new PartOverride("forest", null, null, null, null));
        int q20b = plantPart(data.parts / 5 + 50, s -> s == second, new PartOverride("forest", null, null, null, null));
        orders.put(TpchData.baseOrderKey(o / 5), new OrderPlant(LocalDate.of(1994, 4, 12), null,
                List.of(LinePlant.of(q20a, first, 3), LinePlant.of(q20a, first, 4))));
        orders.put(TpchData.baseOrderKey(TpchRefresh.ordersPerCall(data) + 1), new OrderPlant(LocalDate.of(1994, 4, 12),
                null, List.of(LinePlant.of(q20b, second, 3), LinePlant.of(q20b, second, 4))));
        // Q16: suppliers with complaints (excluded) and with recommendations (kept), 5 of each per 10,000
        int each = Math.max(1, (int) Math.round(data.suppliers * 5 / 10_000.0));
        for (int i = 0; i < each; i++) {
            supplierComments.put(1 + (int) ((7L + 13L * i) % data.suppliers), "Complaints");
            supplierComments.put(1 + (int) ((11L + 17L * i) % data.suppliers), "Recommends");
        }
        plantRefreshOrders(q8Line, q15.get(0), q17, q19[0]);
    }

    /** RF1's orders that change the results of Q3, Q5, Q7, Q8, Q10, Q15, Q17, Q18, Q19, Q21 and Q22. */
    private void plantRefreshOrders(LinePlant q8Line, LinePlant q15Line, int q17, int q19) {
        rf1(1, 0, lines(LinePlant.of(q17, 0, 3)));
        // Q3 and Q8: an American BUILDING customer's order of 1995-03-10, shipped after 1995-03-15, large enough
        // for Q3's top 10, with the Q8 part from its Brazilian supplier
        List<LinePlant> q3 = new ArrayList<>(Collections.nCopies(6, LinePlant.quantity(40).late(true)));
        q3.add(q8Line.late(true));
        IntPredicate building = c -> "BUILDING".equals(data.customer(c, 6));
        rf1(1, 1, new OrderPlant(LocalDate.of(1995, 3, 10), customerIn(building, "AMERICA"), q3));
        // Q22: the first order of a customer in Q22's countries with a high balance (so far without orders)
        IntPredicate q22 = c -> c % 3 == 0 && Q22_CODES.contains(((String) data.customer(c, 4)).substring(0, 2))
                && ((BigDecimal) data.customer(c, 5)).compareTo(BigDecimal.valueOf(9_000)) > 0;
        rf1(1, 2, new OrderPlant(null, q22, List.of(LinePlant.quantity(0))));
        rf1(2, 0, bigOrder(48));
        // Q10: returned line items of an order of 1993-11-15, large enough for the top 20
        rf1(2, 1, new OrderPlant(LocalDate.of(1993, 11, 15), null,
                Collections.nCopies(7, new LinePlant(0, 0, 40, null, null, null, "R"))));
        // Q5: a Japanese customer buys from a Japanese supplier in 1994
        rf1(2, 2, new OrderPlant(LocalDate.of(1994, 6, 1), customerIn(nation("JAPAN")),
                List.of(supplied(supplierIn("JAPAN"), 0, 50))));
        // Q15 and Q19: more for the top supplier, and a Q19 line item
        List<LinePlant> q15 = new ArrayList<>(Collections.nCopies(6, q15Line));
        q15.add(q19Line(q19, 7));
        rf1(3, 0, new OrderPlant(LocalDate.of(1996, 1, 10), null, q15));
        // Q7: a German customer buys from a French supplier, shipped in 1995
        rf1(3, 1, new OrderPlant(LocalDate.of(1995, 6, 1), customerIn(nation("GERMANY")),
                List.of(supplied(supplierIn("FRANCE"), 0, 50).late(false))));
        // Q21: a finished order where only the Saudi supplier was late
        rf1(3, 2, new OrderPlant(LocalDate.of(1994, 6, 1), null, List.of(supplied(supplierIn("SAUDI ARABIA"), 0, 0).late(true),
                supplied(supplierIn("ALGERIA"), 0, 0).late(false))));
    }

    PartOverride part(int partkey) {
        return parts.get(partkey);
    }

    OrderPlant order(int orderkey) {
        return orders.get(orderkey);
    }

    /** "Complaints" or "Recommends" for the suppliers whose comment mentions customers, else null. */
    String supplierComment(int suppkey) {
        return supplierComments.get(suppkey);
    }

    /** Plants the {@code m}-th order (from 0) of RF1's call {@code call} (from 1), if calls insert that many. */
    private void rf1(int call, int m, OrderPlant plant) {
        int k = TpchRefresh.ordersPerCall(data);
        if (m < k) {
            orders.put(TpchData.newOrderKey((call - 1) * k + m), plant);
        }
    }

    private static OrderPlant lines(LinePlant... lines) {
        return new OrderPlant(null, null, List.of(lines));
    }

    private static LinePlant q19Line(int part, int quantity) {
        return new LinePlant(part, 0, quantity, "DELIVER IN PERSON", "AIR", null, null);
    }

    private static OrderPlant bigOrder(int top) {
        List<LinePlant> lines = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            lines.add(LinePlant.quantity(top - i));
        }
        return new OrderPlant(null, null, lines);
    }

    /** A line item of supplier {@code s} for the first part from {@code from} on that it supplies. */
    private LinePlant supplied(int s, int from, int quantity) {
        for (int i = 0; i < data.parts; i++) {
            int p = 1 + (from + i) % data.parts;
            for (int supplier : data.suppliersOf(p)) {
                if (supplier == s) {
                    return LinePlant.of(p, s, quantity);
                }
            }
        }
        throw new IllegalStateException("supplier " + s + " supplies no part");
    }

    /** Plants {@code override} on the first part from {@code from} on that is not planted yet and has one of the suppliers. */
    private int plantPart(int from, IntPredicate suppliers, PartOverride override) {
        for (int i = 0; i < data.parts; i++) {
            int p = 1 + (Math.max(0, from - 1) + i) % data.parts;
            if (!parts.containsKey(p) && supplierOf(p, suppliers) > 0) {
                parts.put(p, override);
                return p;
            }
        }
        throw new IllegalStateException("no part has a supplier the planted rows need");
    }

    /** The part's first supplier that is one of these, or 0. */
    private int supplierOf(int part, IntPredicate suppliers) {
        for (int s : data.suppliersOf(part)) {
            if (suppliers.test(s)) {
                return s;
            }
        }
        return 0;
    }

    /** The nation's first supplier: key nation + 1 (suppliers 1–50 are two per nation, the second at + 25). */
    private static int supplierIn(String nation) {
        return NATIONS.indexOf(nation) + 1;
    }

    /** Customers with orders (key not divisible by 3) whose nation is one of these. */
    private IntPredicate customerIn(IntPredicate nations) {
        return c -> c % 3 != 0 && nations.test(data.customerNation(c));
    }

    /** Customers with orders, of this kind, in this region. */
    private IntPredicate customerIn(IntPredicate kind, String region) {
        return customerIn(inRegion(region)).and(kind);
    }

    /** Suppliers (keys) in one of these nations. */
    private IntPredicate suppliersIn(IntPredicate nations) {
        return s -> nations.test(data.supplierNation(s));
    }

    private static IntPredicate nation(String name) {
        int key = NATIONS.indexOf(name);
        return n -> n == key;
    }

    private static IntPredicate inRegion(String name) {
        int region = REGIONS.indexOf(name);
        return n -> NATION_REGION[n] == region;
    }
}
