package dev.trickle.cli;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The tables and stream tables of {@code trickle transfers}: accounts in two tables, the grand total
 * over a UNION ALL of both, and per-branch totals over a join of both. Names are checked lower-case
 * identifiers (see {@link Transfers}), so they need no quoting.
 */
final class TransferSchema {
    /** Opens a new connection to the stack's PostgreSQL. */
    interface Connector {
        Connection open() throws SQLException;
    }

    static final int BRANCHES = 4;
    private static final String START_BALANCE = "1000.00";

    final String tableA;
    final String tableB;
    final String total;
    final String byBranch;
    private final int accounts;

    TransferSchema(String prefix, int accounts) {
        this.tableA = prefix + "_accounts_a";
        this.tableB = prefix + "_accounts_b";
        this.total = prefix + "_total";
        this.byBranch = prefix + "_by_branch";
        this.accounts = accounts;
    }

    List<String> streamTables() {
        return List.of("public." + total, "public." + byBranch);
    }

    String totalQuery() {
        return "SELECT sum(balance) AS total, count(*) AS accounts FROM (SELECT balance FROM public." + tableA
                + " UNION ALL SELECT balance FROM public." + tableB + ") u";
    }

    String byBranchQuery() {
        return "SELECT x.branch, sum(x.balance + y.balance) AS total, count(*) AS pairs FROM public." + tableA
                + " x JOIN public." + tableB + " y ON y.id = x.id GROUP BY x.branch";
    }

    /** Creates what does not exist yet (a second run reuses the tables and stream tables). */
    void create(Connection c, PrintStream out) throws SQLException {
        for (String table : List.of(tableA, tableB)) {
            if (!exists(c, table)) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE public." + table
                            + " (id int PRIMARY KEY, branch int NOT NULL, balance numeric(14,2) NOT NULL)");
                    st.execute("INSERT INTO public." + table + " SELECT g, g % " + BRANCHES + ", " + START_BALANCE
                            + " FROM generate_series(1, " + accounts + ") g");
                }
                out.println("created table public." + table + " with " + accounts + " accounts of " + START_BALANCE);
            }
        }
        createStreamTable(c, total, totalQuery(), out);
        createStreamTable(c, byBranch, byBranchQuery(), out);
    }

    private static void createStreamTable(Connection c, String name, String query, PrintStream out) throws SQLException {
        if (exists(c, name)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pgtrickle.create_stream_table(?, ?)")) {
            ps.setString(1, "public." + name);
            ps.setString(2, query);
            ps.execute();
        }
        out.println("created stream table public." + name + " AS " + query);
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    void awaitActive(Connection c, Duration wait, PrintStream out) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        for (String name : List.of(total, byBranch)) {
            await(wait, "stream table public." + name + " to become ACTIVE (is the stack running? see ./trickle local)",
                    () -> "ACTIVE".equals(catalog(c, name, "status")));
        }
        out.println("stream tables ACTIVE after " + Progress.elapsed(t0));
    }

    /** Waits until both stream tables applied a tick whose snapshot was taken after now ({@link TicksSeeing}); returns that tick. */
    long awaitCaughtUp(Connection c, Duration wait) throws SQLException, InterruptedException {
        long xid = TicksSeeing.commitNow(c);
        long[] target = {-1};
        await(wait, "a tick whose snapshot sees transaction " + xid + " (committed after the writers stopped)", () -> {
            target[0] = TicksSeeing.firstTick(c, xid).orElse(-1);
            return target[0] >= 0;
        });
        for (String name : List.of(total, byBranch)) {
            await(wait, "stream table public." + name + " to apply tick " + target[0], () -> {
                String t = catalog(c, name, "last_tick");
                return t != null && Long.parseLong(t) >= target[0];
            });
        }
        return target[0];
    }

    /** The stream tables that differ from their query (EXCEPT ALL both ways). */
    List<String> unequal(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        if (differs(c, "SELECT total, accounts FROM public." + total, totalQuery())) {
            out.add("public." + total);
        }
        if (differs(c, "SELECT branch, total, pairs FROM public." + byBranch, byBranchQuery())) {
            out.add("public." + byBranch);
        }
        return out;
    }

    private static boolean differs(Connection c, String st, String query) throws SQLException {
        return scalarLong(c, "SELECT (SELECT count(*) FROM ((" + st + ") EXCEPT ALL (" + query + ")) x) "
                + "+ (SELECT count(*) FROM ((" + query + ") EXCEPT ALL (" + st + ")) y)") != 0;
    }

    BigDecimal grandTotal(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT coalesce(sum(balance), 0) FROM public." + tableA
                     + ") + (SELECT coalesce(sum(balance), 0) FROM public." + tableB + ")")) {
            rs.next();
            return rs.getBigDecimal(1);
        }
    }

    long accounts(Connection c) throws SQLException {
        return scalarLong(c, "SELECT (SELECT count(*) FROM public." + tableA + ") + (SELECT count(*) FROM public."
                + tableB + ")");
    }

    void drop(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String name : List.of(byBranch, total)) {
                st.execute("SELECT pgtrickle.drop_stream_table('public." + name + "')");
            }
            st.execute("DROP TABLE public." + tableA + ", public." + tableB);
        }
    }

    static String catalog(Connection c, String name, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column + "::text FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_schema = 'public' AND pgt_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static long scalarLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Condition {
        boolean holds() throws SQLException;
    }

    private static void await(Duration wait, String what, Condition condition) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("gave up waiting " + wait.toSeconds() + " s for " + what,
                        new TimeoutException());
            }
            Thread.sleep(100); // polling the catalog; the deadline bounds it
        }
    }
}
