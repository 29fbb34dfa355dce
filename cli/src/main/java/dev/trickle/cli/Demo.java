package dev.trickle.cli;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trickle demo}: starts the local stack, creates two tables and a stream table over one of
 * them, changes the tables in a few rounds and checks after each one that the stream table caught up
 * and equals its query.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts the local stack, creates a stream table, runs a short random workload and checks "
                + "after every round that the stream table equals its query; then stops. Exit status 0 if it did.")
public final class Demo implements Callable<Integer> {
    static final String STREAM_TABLE = "big_orders";
    static final String QUERY = "SELECT id, customer_id, amount, upper(status) AS status FROM orders WHERE amount >= 100";
    private static final String[] STATUSES = {"new", "paid", "shipped", "cancelled"};

    @Mixin
    Main.StackOptions stack;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of random changes (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seed", description = "Seed of the random workload (default: random; printed)")
    Long seed;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "Deadline for the stream table to become ACTIVE and to catch up after a round (default: ${DEFAULT-VALUE})")
    int waitSeconds;

    private final PrintStream out = System.out;
    private Random random;
    private int nextOrderId;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : new Random().nextLong();
        random = new Random(s);
        long t0 = System.nanoTime();
        try (LocalStack local = stack.builder().start(); Connection c = local.connect()) {
            out.println("demo: seed " + s + ", PostgreSQL at " + local.pgUrl());
            setUp(c);
            out.println("created tables customers (" + count(c, "customers") + " rows) and orders ("
                    + count(c, "orders") + " rows)");
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pgtrickle.create_stream_table('" + STREAM_TABLE + "', '" + QUERY.replace("'", "''") + "')");
            }
            out.println("created stream table " + STREAM_TABLE + " AS " + QUERY);
            long created = System.nanoTime();
            awaitActive(c);
            out.println(STREAM_TABLE + " is ACTIVE after " + Progress.elapsed(created) + ": " + count(c, STREAM_TABLE)
                    + " rows, " + checkEqual(c));

            int changes = 0;
            for (int round = 1; round <= rounds; round++) {
                Round r = runRound(c);
                changes += r.total();
                long committed = System.nanoTime();
                long tick = awaitTick(c, r.xid);
                awaitApplied(c, tick);
                out.printf("round %d/%d: %d inserts, %d updates (%d key changes), %d deletes in tick %d; applied after %s; "
                                + "%s: %d rows, %s%n", round, rounds, r.inserts, r.updates, r.keyChanges, r.deletes, tick,
                        Progress.elapsed(committed), STREAM_TABLE, count(c, STREAM_TABLE), checkEqual(c));
            }
            printSample(c);
            out.printf("demo passed: %d rounds, %d row changes; %s equal to its query after every round (%s)%n",
                    rounds, changes, STREAM_TABLE, Progress.elapsed(t0));
            out.flush();
        }
        return 0;
    }

    private void setUp(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String table : new String[] {"customers", "orders", STREAM_TABLE}) {
                try (ResultSet rs = st.executeQuery("SELECT to_regclass('public." + table + "') IS NOT NULL")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        throw new IllegalStateException("table public." + table + " already exists in " + c.getCatalog()
                                + ": the demo needs a database without tables customers, orders and big_orders");
                    }
                }
            }
            st.execute("CREATE TABLE public.customers (id int PRIMARY KEY, name text, country text)");
            st.execute("CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2), status text)");
        }
        String[] countries = {"FR", "DE", "NL", "SE", "US", "JP"};
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.customers VALUES (?, ?, ?)")) {
            for (int i = 1; i <= 10; i++) {
                ps.setInt(1, i);
                ps.setString(2, "customer " + i);
                ps.setString(3, countries[random.nextInt(countries.length)]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.orders VALUES (?, ?, ?, ?)")) {
            for (nextOrderId = 1; nextOrderId <= 40; nextOrderId++) {
                bindOrder(ps, nextOrderId);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void bindOrder(PreparedStatement ps, int id) throws SQLException {
        ps.setInt(1, id);
        ps.setInt(2, 1 + random.nextInt(10));
        ps.setBigDecimal(3, amount());
        ps.setString(4, STATUSES[random.nextInt(STATUSES.length)]);
    }

    private BigDecimal amount() {
        return BigDecimal.valueOf(random.nextInt(30_000), 2).setScale(2, RoundingMode.UNNECESSARY);
    }

    private record Round(long xid, int inserts, int updates, int keyChanges, int deletes) {
        int total() {
            return inserts + updates + deletes;
        }
    }

    /** One transaction of random inserts, updates (some of the key) and deletes; returns its xid. */
    private Round runRound(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try {
            List<Integer> ids = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM public.orders ORDER BY id")) {
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
            }
            int inserts = 4 + random.nextInt(6);
            int updates = 3 + random.nextInt(5);
            int keyChanges = 1 + random.nextInt(2);
            int deletes = 2 + random.nextInt(4);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO public.orders VALUES (?, ?, ?, ?)")) {
                for (int i = 0; i < inserts; i++) {
                    int id = nextOrderId++;
                    bindOrder(ins, id);
                    ins.executeUpdate();
                    ids.add(id);
                }
            }
            try (PreparedStatement amount = c.prepareStatement("UPDATE public.orders SET amount = ? WHERE id = ?");
                 PreparedStatement status = c.prepareStatement("UPDATE public.orders SET status = ? WHERE id = ?")) {
                for (int i = 0; i < updates; i++) {
                    int id = ids.get(random.nextInt(ids.size()));
                    if (random.nextBoolean()) {
                        amount.setBigDecimal(1, amount());
                        amount.setInt(2, id);
                        amount.executeUpdate();
                    } else {
                        status.setString(1, STATUSES[random.nextInt(STATUSES.length)]);
                        status.setInt(2, id);
                        status.executeUpdate();
                    }
                }
            }
            try (PreparedStatement key = c.prepareStatement("UPDATE public.orders SET id = ? WHERE id = ?")) {
                for (int i = 0; i < keyChanges; i++) {
                    int index = random.nextInt(ids.size());
                    int newId = nextOrderId++;
                    key.setInt(1, newId);
                    key.setInt(2, ids.get(index));
                    key.executeUpdate();
                    ids.set(index, newId);
                }
            }
            try (PreparedStatement del = c.prepareStatement("DELETE FROM public.orders WHERE id = ?")) {
                for (int i = 0; i < deletes && ids.size() > 1; i++) {
                    del.setInt(1, ids.remove(random.nextInt(ids.size())));
                    del.executeUpdate();
                }
            }
            long xid;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
                rs.next();
                xid = rs.getLong(1);
            }
            c.commit();
            return new Round(xid, inserts, updates + keyChanges, keyChanges, deletes);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Duration waitLimit() {
        return Duration.ofSeconds(waitSeconds);
    }

    private void awaitActive(Connection c) throws TimeoutException, InterruptedException {
        Deadline.in(waitLimit()).await("stream table " + STREAM_TABLE + " becoming ACTIVE", () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT status, last_error FROM pgtrickle.pgt_status() WHERE name = 'public." + STREAM_TABLE + "'");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Deadline.Fatal("stream table " + STREAM_TABLE + " is not in pgtrickle.pgt_status()");
                }
                String status = rs.getString(1);
                if ("ERROR".equals(status)) {
                    throw new Deadline.Fatal("stream table " + STREAM_TABLE + " is in ERROR: " + rs.getString(2));
                }
                if (!"ACTIVE".equals(status)) {
                    throw new IllegalStateException("status " + status);
                }
                return Boolean.TRUE;
            } catch (SQLException e) {
                throw new Deadline.Fatal("could not read pgtrickle.pgt_status(): " + e.getMessage(), e);
            }
        });
    }

    /** The first tick whose snapshot sees transaction {@code xid}. */
    private long awaitTick(Connection c, long xid) throws TimeoutException, InterruptedException {
        return Deadline.in(waitLimit()).await("a tick after transaction " + xid, () -> {
            try {
                OptionalLong tick = TicksSeeing.firstTick(c, xid);
                return tick.isPresent() ? tick.getAsLong() : null;
            } catch (SQLException e) {
                throw new Deadline.Fatal("could not read pgtrickle.pgt_ticks: " + e.getMessage(), e);
            }
        });
    }

    private void awaitApplied(Connection c, long tick) throws TimeoutException, InterruptedException {
        Deadline.in(waitLimit()).await(STREAM_TABLE + " reaching tick " + tick, () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT status, last_tick, last_error FROM pgtrickle.pgt_status() WHERE name = 'public." + STREAM_TABLE + "'");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Deadline.Fatal("stream table " + STREAM_TABLE + " disappeared from pgtrickle.pgt_status()");
                }
                if ("ERROR".equals(rs.getString(1))) {
                    throw new Deadline.Fatal("stream table " + STREAM_TABLE + " is in ERROR: " + rs.getString(3));
                }
                long last = rs.getLong(2);
                if (rs.wasNull() || last < tick) {
                    throw new IllegalStateException(STREAM_TABLE + " is at tick " + (rs.wasNull() ? "none" : last));
                }
                return Boolean.TRUE;
            } catch (SQLException e) {
                throw new Deadline.Fatal("could not read pgtrickle.pgt_status(): " + e.getMessage(), e);
            }
        });
    }

    /** Multiset equality of the stream table and its query; throws if they differ. */
    private static String checkEqual(Connection c) throws SQLException {
        String st = "SELECT id, customer_id, amount, status FROM public." + STREAM_TABLE;
        String sql = "SELECT (SELECT count(*) FROM (" + st + " EXCEPT ALL " + QUERY + ") extra), "
                + "(SELECT count(*) FROM (" + QUERY + " EXCEPT ALL " + st + ") missing)";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            long extra = rs.getLong(1);
            long missing = rs.getLong(2);
            if (extra != 0 || missing != 0) {
                throw new IllegalStateException(STREAM_TABLE + " differs from its query: " + extra
                        + " row(s) too many, " + missing + " row(s) missing");
            }
        }
        return "equals its query";
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM public." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void printSample(Connection c) throws SQLException {
        out.println(STREAM_TABLE + " (first 5 rows by id, of " + count(c, STREAM_TABLE) + "):");
        out.printf("  %6s  %11s  %10s  %s%n", "id", "customer_id", "amount", "status");
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, customer_id, amount, status FROM public." + STREAM_TABLE
                     + " ORDER BY id LIMIT 5")) {
            while (rs.next()) {
                out.printf("  %6d  %11d  %10s  %s%n", rs.getInt(1), rs.getInt(2), rs.getBigDecimal(3), rs.getString(4));
            }
        }
    }
}
