package dev.trickle.streams.tpch;

import static dev.trickle.streams.tpch.TpchDistributions.COLORS;
import static dev.trickle.streams.tpch.TpchDistributions.CONTAINER_1;
import static dev.trickle.streams.tpch.TpchDistributions.CONTAINER_2;
import static dev.trickle.streams.tpch.TpchDistributions.CURRENT;
import static dev.trickle.streams.tpch.TpchDistributions.END;
import static dev.trickle.streams.tpch.TpchDistributions.INSTRUCTIONS;
import static dev.trickle.streams.tpch.TpchDistributions.MODES;
import static dev.trickle.streams.tpch.TpchDistributions.NATIONS;
import static dev.trickle.streams.tpch.TpchDistributions.NATION_REGION;
import static dev.trickle.streams.tpch.TpchDistributions.PRIORITIES;
import static dev.trickle.streams.tpch.TpchDistributions.REGIONS;
import static dev.trickle.streams.tpch.TpchDistributions.SEGMENTS;
import static dev.trickle.streams.tpch.TpchDistributions.START;
import static dev.trickle.streams.tpch.TpchDistributions.TYPE_1;
import static dev.trickle.streams.tpch.TpchDistributions.TYPE_2;
import static dev.trickle.streams.tpch.TpchDistributions.TYPE_3;
import static dev.trickle.streams.tpch.TpchDistributions.keyName;
import static dev.trickle.streams.tpch.TpchDistributions.phone;
import static dev.trickle.streams.tpch.TpchDistributions.pick;
import static dev.trickle.streams.tpch.TpchDistributions.text;
import static dev.trickle.streams.tpch.TpchDistributions.vstring;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A deterministic TPC-H data generator at a scale factor {@code sf} (the spec's dbgen, clause 4.2.3, in
 * miniature): SF × 10,000 suppliers (at least 50), SF × 200,000 parts with 4 suppliers each, SF × 150,000
 * customers, 10 orders per customer (keys sparse: 8 used in each 32, as in the spec, the gaps are for RF1)
 * with 1–7 line items each. Every row is drawn from a {@link Random} seeded by the seed, its table and its
 * key, so a row is the same whatever else is generated (RF1's new orders too).
 *
 * <p>Deviations from the spec, so that every query has rows at a tiny scale and the refresh functions
 * change them: suppliers 1–50 are two per nation (keys 1–25 and 26–50 in nations 0–24; the rest random);
 * the partsupp formula steps past a supplier a part already has (with few suppliers the spec's formula can
 * repeat one); and {@link TpchPlants} plants a handful of parts, orders and supplier comments.
 */
public final class TpchData {
    public static final double DEFAULT_SF = 0.003;
    public static final long DEFAULT_SEED = 19_920_101L;
    private static final int TAG_REGION = 1;
    private static final int TAG_NATION = 2;
    private static final int TAG_SUPPLIER = 3;
    private static final int TAG_CUSTOMER = 4;
    private static final int TAG_PART = 5;
    private static final int TAG_PARTSUPP = 6;
    private static final int TAG_ORDER = 7;

    final double sf;
    private final long seed;
    final int suppliers;
    final int parts;
    final int customers;
    final int orders;
    private final int clerks;
    private final int[] supplierNation;
    /** Customer rows by key (generated up front: planted orders choose their customers by attributes). */
    private final Object[][] customerRows;
    private final TpchPlants plants;

    public TpchData(double sf, long seed) {
        if (!(sf > 0)) {
            throw new IllegalArgumentException("scale factor must be positive: " + sf);
        }
        this.sf = sf;
        this.seed = seed;
        this.suppliers = Math.max(2 * NATIONS.size(), (int) Math.round(10_000 * sf));
        this.parts = Math.max(100, (int) Math.round(200_000 * sf));
        this.customers = Math.max(30, (int) Math.round(150_000 * sf));
        this.orders = 10 * customers;
        this.clerks = Math.max(1, (int) Math.round(1_000 * sf));
        this.supplierNation = new int[suppliers + 1];
        for (int s = 1; s <= suppliers; s++) {
            int drawn = rng(TAG_SUPPLIER, s).nextInt(NATIONS.size());
            supplierNation[s] = s <= 2 * NATIONS.size() ? (s - 1) % NATIONS.size() : drawn;
        }
        this.customerRows = new Object[customers + 1][];
        for (int c = 1; c <= customers; c++) {
            Random r = rng(TAG_CUSTOMER, c);
            int nation = r.nextInt(NATIONS.size());
            customerRows[c] = new Object[] {c, keyName("Customer", c), vstring(r, 10, 40), nation, phone(r, nation),
                money(-99_999 + r.nextInt(1_099_999)), pick(r, SEGMENTS), text(r, 29, 116)};
        }
        this.plants = new TpchPlants(this);
    }

    /** The scale factor of {@code -Dtrickle.tpch.sf} (default {@value #DEFAULT_SF}) and the default seed. */
    public static TpchData configured() {
        return new TpchData(Double.parseDouble(System.getProperty("trickle.tpch.sf", String.valueOf(DEFAULT_SF))),
                Long.getLong("trickle.tpch.seed", DEFAULT_SEED));
    }

    public double scaleFactor() {
        return sf;
    }

    /** Whether this is the data set the fixture's tests were tuned on (default scale factor and seed). */
    boolean isDefault() {
        return sf == DEFAULT_SF && seed == DEFAULT_SEED;
    }

    /** Loads every table by COPY into a database that has {@link TpchSchema#DDL}; returns the rows per table. */
    public Map<String, Integer> load(Connection connection) throws SQLException {
        TpchRows.Copy rows = new TpchRows.Copy();
        generate(rows);
        rows.load(connection);
        return rows.counts();
    }

    /** Every row of the initial population. */
    void generate(TpchRows out) {
        for (int k = 0; k < REGIONS.size(); k++) {
            out.row("region", k, REGIONS.get(k), text(rng(TAG_REGION, k), 31, 115));
        }
        for (int k = 0; k < NATIONS.size(); k++) {
            out.row("nation", k, NATIONS.get(k), NATION_REGION[k], text(rng(TAG_NATION, k), 31, 114));
        }
        for (int s = 1; s <= suppliers; s++) {
            supplier(s, out);
        }
        for (int c = 1; c <= customers; c++) {
            out.row("customer", customerRows[c]);
        }
        for (int p = 1; p <= parts; p++) {
            part(p, out);
        }
        for (int p = 1; p <= parts; p++) {
            int[] supps = suppliersOf(p);
            for (int i = 0; i < 4; i++) {
                Random r = rng(TAG_PARTSUPP, 4L * p + i);
                out.row("partsupp", p, supps[i], 1 + r.nextInt(9_999), money(100 + r.nextInt(99_901)), text(r, 49, 198));
            }
        }
        for (int i = 0; i < orders; i++) {
            order(baseOrderKey(i), out);
        }
    }

    private void supplier(int s, TpchRows out) {
        Random r = rng(TAG_SUPPLIER, s);
        r.nextInt(NATIONS.size()); // the nation, drawn in the constructor
        String address = vstring(r, 10, 40);
        String phone = phone(r, supplierNation[s]);
        BigDecimal balance = money(-99_999 + r.nextInt(1_099_999));
        String comment = text(r, 25, 100);
        String planted = plants.supplierComment(s);
        if (planted != null) {
            // the spec's form: "Customer", then anything, then "Complaints" (or "Recommends") inside a comment
            comment = (comment.substring(0, Math.min(20, comment.length())) + " Customer " + comment.substring(
                    Math.min(20, comment.length()), Math.min(40, comment.length())) + " " + planted).strip();
        }
        out.row("supplier", s, keyName("Supplier", s), address, supplierNation[s], phone, balance, comment);
    }


    private void part(int p, TpchRows out) {
        Random r = rng(TAG_PART, p);
        Set<String> words = new LinkedHashSet<>();
        while (words.size() < 5) {
            words.add(pick(r, COLORS));
        }
        List<String> name = new ArrayList<>(words);
        int mfgr = 1 + r.nextInt(5);
        int brand = 10 * mfgr + 1 + r.nextInt(5);
        String type = pick(r, TYPE_1) + " " + pick(r, TYPE_2) + " " + pick(r, TYPE_3);
        int size = 1 + r.nextInt(50);
        String container = pick(r, CONTAINER_1) + " " + pick(r, CONTAINER_2);
        String comment = text(r, 5, 22);
        TpchPlants.PartOverride o = plants.part(p);
        if (o != null) {
            if (o.firstWord() != null) {
                name.remove(o.firstWord());
                name.add(0, o.firstWord());
                name = name.subList(0, 5);
            }
            brand = o.brand() != null ? o.brand() : brand;
            mfgr = brand / 10;
            type = o.type() != null ? o.type() : type;
            size = o.size() != null ? o.size() : size;
            container = o.container() != null ? o.container() : container;
        }
        out.row("part", p, String.join(" ", name), "Manufacturer#" + mfgr, "Brand#" + brand, type, size, container,
                retailPrice(p), comment);
    }

    /** One order (base or new) with its line items, as orders and lineitem rows. */
    void order(int key, TpchRows out) {
        Random r = rng(TAG_ORDER, key);
        TpchPlants.OrderPlant plant = plants.order(key);
        int customer;
        do {
            customer = 1 + r.nextInt(customers);
        } while (customer % 3 == 0); // a third of the customers have no orders
        if (plant != null && plant.customer() != null) {
            customer = plantedCustomer(customer, plant.customer());
        }
        LocalDate date = START.plusDays(r.nextInt((int) ChronoUnit.DAYS.between(START, END) - 151 + 1));
        if (plant != null && plant.date() != null) {
            date = plant.date();
        }
        String priority = pick(r, PRIORITIES);
        String clerk = keyName("Clerk", 1 + r.nextInt(clerks));
        String comment = text(r, 19, 78);
        int lines = plant != null ? plant.lines().size() : 1 + r.nextInt(7);
        List<Object[]> items = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        int open = 0;
        for (int n = 1; n <= lines; n++) {
            int part = 1 + r.nextInt(parts);
            int supplierIndex = r.nextInt(4);
            int quantity = 1 + r.nextInt(50);
            BigDecimal discount = money(r.nextInt(11));
            BigDecimal tax = money(r.nextInt(9));
            LocalDate ship = date.plusDays(1 + r.nextInt(121));
            LocalDate commit = date.plusDays(30 + r.nextInt(61));
            LocalDate receipt = ship.plusDays(1 + r.nextInt(30));
            String returned = r.nextBoolean() ? "R" : "A";
            String instruct = pick(r, INSTRUCTIONS);
            String mode = pick(r, MODES);
            String lineComment = text(r, 10, 43);
            int supplier = suppliersOf(part)[supplierIndex];
            TpchPlants.LinePlant lp = plant == null ? null : plant.lines().get(n - 1);
            if (lp != null) {
                part = lp.partkey() > 0 ? lp.partkey() : part;
                supplier = lp.suppkey() > 0 ? lp.suppkey() : suppliersOf(part)[supplierIndex];
                quantity = lp.quantity() > 0 ? lp.quantity() : quantity;
                instruct = lp.instruct() != null ? lp.instruct() : instruct;
                mode = lp.mode() != null ? lp.mode() : mode;
                if (lp.late() != null) {
                    // committed 60 days after the order; received 110 days after it (late) or 20 (on time)
                    ship = date.plusDays(lp.late() ? 100 : 10);
                    commit = date.plusDays(60);
                    receipt = ship.plusDays(10);
                }
                returned = lp.returnFlag() != null ? lp.returnFlag() : returned;
            }
            BigDecimal extended = retailPrice(part).multiply(BigDecimal.valueOf(quantity));
            total = total.add(extended.multiply(BigDecimal.ONE.add(tax)).multiply(BigDecimal.ONE.subtract(discount)));
            String status = ship.isAfter(CURRENT) ? "O" : "F";
            open += status.equals("O") ? 1 : 0;
            items.add(new Object[] {key, part, supplier, n, BigDecimal.valueOf(quantity).setScale(2), extended, discount,
                tax, receipt.isAfter(CURRENT) ? "N" : returned, status, ship, commit, receipt, instruct, mode, lineComment});
        }
        String orderStatus = open == lines ? "O" : open == 0 ? "F" : "P";
        out.row("orders", key, customer, orderStatus, total.setScale(2, RoundingMode.HALF_UP), date, priority, clerk, 0, comment);
        for (Object[] item : items) {
            out.row("lineitem", item);
        }
    }

    /** The key of the {@code i}-th order of the initial population (0-based): the first 8 of every 32. */
    static int baseOrderKey(int i) {
        return i / 8 * 32 + i % 8 + 1;
    }

    /** The key of the {@code j}-th order RF1 inserts (0-based): the next 8 of every 32, never used initially. */
    static int newOrderKey(int j) {
        return j / 8 * 32 + 8 + j % 8 + 1;
    }

    /**
     * The part's four suppliers: the spec's {@code (p + i·(S/4 + (p−1)/S)) mod S + 1}, stepping on to the
     * next supplier where that formula repeats one (it can when S is small).
     */
    int[] suppliersOf(int p) {
        int[] out = new int[4];
        for (int i = 0; i < 4; i++) {
            int s = (int) ((p + (long) i * (suppliers / 4 + (p - 1) / suppliers)) % suppliers) + 1;
            while (contains(out, i, s)) {
                s = s % suppliers + 1;
            }
            out[i] = s;
        }
        return out;
    }

    private static boolean contains(int[] values, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (values[i] == v) {
                return true;
            }
        }
        return false;
    }

    int supplierNation(int s) {
        return supplierNation[s];
    }

    /** The customer's column {@code column} (0-based, as in the customer table). */
    Object customer(int c, int column) {
        return customerRows[c][column];
    }

    int customerNation(int c) {
        return (Integer) customerRows[c][3];
    }

    /** The first customer from {@code from} on (wrapping around) that the planted order wants, else {@code from}. */
    private int plantedCustomer(int from, IntPredicate wanted) {
        for (int i = 0; i < customers; i++) {
            int c = 1 + (from - 1 + i) % customers;
            if (wanted.test(c)) {
                return c;
            }
        }
        return from; // no such customer at this scale: the plant just has no effect
    }

    /** The spec's P_RETAILPRICE formula. */
    static BigDecimal retailPrice(int p) {
        return money(90_000 + (p / 10) % 20_001 + 100 * (p % 1_000));
    }

    private static BigDecimal money(long cents) {
        return BigDecimal.valueOf(cents, 2);
    }

    /** A generator for one row: its numbers depend on the seed, the table and the key only. */
    Random rng(int tag, long key) {
        long z = seed * 0x9E3779B97F4A7C15L + tag * 0xBF58476D1CE4E5B9L + key * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }
}
