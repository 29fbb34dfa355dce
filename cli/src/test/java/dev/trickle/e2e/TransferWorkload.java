package dev.trickle.e2e;

import static dev.trickle.e2e.Invariants.dec;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Transfers between accounts in two tables: every transaction debits one account and credits one or
 * three others, in the same or the other table, so the grand total never changes. Stream tables: the
 * totals per branch of each table, the total over a UNION ALL of both, and the totals per branch of a
 * join of both (account i of one table with account i of the other; both are in branch i % 4).
 *
 * <p>On every poll: the UNION ALL and the join show the grand total (a stream table never mixes two
 * ticks of its sources, nor shows half a transaction); each table's stream table shows all its
 * accounts. At every tick at which several of them were seen: per branch, join = a + b, and a + b is
 * the grand total (stream tables maintained by different tasks agree tick by tick).
 */
final class TransferWorkload extends Workload {
    static final int ACCOUNTS = 40;
    static final int BRANCHES = 4;
    private static final BigDecimal START = new BigDecimal("1000.00");

    final BigDecimal grand = START.multiply(BigDecimal.valueOf(2L * ACCOUNTS));
    private final int writerCount;
    private final int paceMs;
    /** Also the UNION ALL stream table (false: three stream tables instead of four, for a lighter stack). */
    private final boolean withUnion;
    private final String a;
    private final String b;
    final String totA;
    final String totB;
    final String totUnion;
    final String totJoin;
    private final Invariants.TickRecorder ticks;

    TransferWorkload(String prefix, Invariants.Violations violations, int writers, int paceMs) {
        this(prefix, violations, writers, paceMs, true);
    }

    TransferWorkload(String prefix, Invariants.Violations violations, int writers, int paceMs, boolean withUnion) {
        super(prefix, violations);
        this.writerCount = writers;
        this.paceMs = paceMs;
        this.withUnion = withUnion;
        this.a = t("acct_a");
        this.b = t("acct_b");
        this.totA = t("tot_a");
        this.totB = t("tot_b");
        this.totUnion = t("tot_union");
        this.totJoin = t("tot_join");
        this.ticks = new Invariants.TickRecorder(prefix, violations, this::crossCheck);
    }

    String queryA() {
        return "SELECT branch, sum(balance) AS total, count(*) AS n FROM " + a + " GROUP BY branch";
    }

    String queryB() {
        return "SELECT branch, sum(balance) AS total, count(*) AS n FROM " + b + " GROUP BY branch";
    }

    String queryUnion() {
        return "SELECT sum(balance) AS total, count(*) AS n FROM (SELECT balance FROM " + a
                + " UNION ALL SELECT balance FROM " + b + ") u";
    }

    String queryJoin() {
        return "SELECT x.branch, sum(x.balance + y.balance) AS total, count(*) AS n FROM " + a + " x JOIN " + b
                + " y ON y.id = x.id GROUP BY x.branch";
    }

    @Override
    List<String> setupSql() {
        return List.of(
                "CREATE TABLE " + a + " (id int PRIMARY KEY, branch int NOT NULL, balance numeric(12,2) NOT NULL)",
                "CREATE TABLE " + b + " (id int PRIMARY KEY, branch int NOT NULL, balance numeric(12,2) NOT NULL)",
                "INSERT INTO " + a + " SELECT g, g % " + BRANCHES + ", " + START + " FROM generate_series(1, " + ACCOUNTS + ") g",
                "INSERT INTO " + b + " SELECT g, g % " + BRANCHES + ", " + START + " FROM generate_series(1, " + ACCOUNTS + ") g");
    }

    @Override
    List<String> streamTableSql() {
        List<String> out = new ArrayList<>(List.of(createSql(totA, queryA()), createSql(totB, queryB()),
                createSql(totJoin, queryJoin())));
        if (withUnion) {
            out.add(createSql(totUnion, queryUnion()));
        }
        return out;
    }

    @Override
    List<String> streamTables() {
        return withUnion ? List.of("public." + totA, "public." + totB, "public." + totJoin, "public." + totUnion)
                : List.of("public." + totA, "public." + totB, "public." + totJoin);
    }

    @Override
    List<Writer> writers() {
        List<Writer> out = new ArrayList<>();
        for (int i = 0; i < writerCount; i++) {
            out.add(new Writer(prefix + "-transfer-" + i, this::transfer, paceMs));
        }
        return out;
    }

    private record Account(int table, int id) implements Comparable<Account> {
        @Override
        public int compareTo(Account o) {
            return table != o.table ? Integer.compare(table, o.table) : Integer.compare(id, o.id);
        }
    }

    /** Debits one account, credits one (or three) others; rows are updated in one order, so writers do not deadlock. */
    private void transfer(Connection c, Random r, LoadRunner.Ctx ctx) throws SQLException {
        Account from = new Account(r.nextInt(2), 1 + r.nextInt(ACCOUNTS));
        int credits = r.nextInt(5) == 0 ? 3 : 1;
        BigDecimal amount = BigDecimal.valueOf(1 + r.nextInt(5000), 2);
        TreeMap<Account, BigDecimal> changes = new TreeMap<>();
        changes.put(from, amount.multiply(BigDecimal.valueOf(credits)).negate());
        while (changes.size() < credits + 1) {
            changes.putIfAbsent(new Account(r.nextInt(2), 1 + r.nextInt(ACCOUNTS)), amount);
        }
        for (Map.Entry<Account, BigDecimal> e : changes.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + (e.getKey().table() == 0 ? a : b)
                    + " SET balance = balance + ? WHERE id = ?")) {
                ps.setBigDecimal(1, e.getValue());
                ps.setInt(2, e.getKey().id());
                ps.executeUpdate();
            }
        }
        c.commit();
    }

    @Override
    void poll(Statement s) throws SQLException {
        String perBranch = "coalesce(string_agg(branch || ':' || total || ':' || n, ',' ORDER BY branch), '')";
        try (ResultSet rs = s.executeQuery("SELECT "
                + lastTick(totA) + ", (SELECT " + perBranch + " FROM " + totA + "), "
                + lastTick(totB) + ", (SELECT " + perBranch + " FROM " + totB + "), "
                + (withUnion ? lastTick(totUnion) + ", (SELECT total || ':' || n FROM " + totUnion + "), " : "NULL, NULL, ")
                + lastTick(totJoin) + ", (SELECT " + perBranch + " FROM " + totJoin + ")")) {
            rs.next();
            Long tickA = tick(rs, 1);
            Long tickB = tick(rs, 3);
            Long tickU = tick(rs, 5);
            Long tickJ = tick(rs, 7);
            Branches ba = Branches.parse(rs.getString(2));
            Branches bb = Branches.parse(rs.getString(4));
            Branches bj = Branches.parse(rs.getString(8));
            String union = rs.getString(6);
            if (tickA != null) {
                expectAllAccounts(totA, tickA, ba);
            }
            if (tickB != null) {
                expectAllAccounts(totB, tickB, bb);
            }
            if (tickJ != null) {
                expectAllAccounts(totJoin, tickJ, bj);
                if (bj.total().compareTo(grand) != 0) {
                    violations.add(totJoin + " at tick " + tickJ + " shows a grand total of " + bj.total() + ", not " + grand);
                }
            }
            if (tickU != null) {
                String[] parts = union == null ? new String[] {"", ""} : union.split(":");
                if (dec(parts[0]).compareTo(grand) != 0 || !String.valueOf(2 * ACCOUNTS).equals(parts[1])) {
                    violations.add(totUnion + " at tick " + tickU + " shows " + union + ", not " + grand + ":" + 2 * ACCOUNTS);
                }
                ticks.record(totUnion, tickU, union);
            }
            ticks.record(totA, tickA, ba);
            ticks.record(totB, tickB, bb);
            ticks.record(totJoin, tickJ, bj);
        }
    }

    private void expectAllAccounts(String table, long tick, Branches b) {
        if (b.count() != ACCOUNTS || b.totals().size() != BRANCHES) {
            violations.add(table + " at tick " + tick + " counts " + b.count() + " accounts in " + b.totals().size()
                    + " branches, not " + ACCOUNTS + " in " + BRANCHES + ": " + b);
        }
    }

    private void crossCheck(long tick, Map<String, Object> at) {
        Branches ba = (Branches) at.get(totA);
        Branches bb = (Branches) at.get(totB);
        Branches bj = (Branches) at.get(totJoin);
        if (ba != null && bb != null && ba.total().add(bb.total()).compareTo(grand) != 0) {
            violations.add("at tick " + tick + ": " + totA + " + " + totB + " = " + ba.total().add(bb.total()) + ", not " + grand);
        }
        if (ba != null && bb != null && bj != null) {
            for (Map.Entry<Integer, BigDecimal> e : bj.totals().entrySet()) {
                BigDecimal sum = ba.totals().getOrDefault(e.getKey(), BigDecimal.ZERO)
                        .add(bb.totals().getOrDefault(e.getKey(), BigDecimal.ZERO));
                if (sum.compareTo(e.getValue()) != 0) {
                    violations.add("at tick " + tick + ", branch " + e.getKey() + ": " + totJoin + " shows " + e.getValue()
                            + " but " + totA + " + " + totB + " = " + sum);
                }
            }
        }
    }

    /** A per-branch stream table as read: branch to total, and the accounts counted. */
    record Branches(Map<Integer, BigDecimal> totals, long count) {
        static Branches parse(String s) {
            Map<Integer, BigDecimal> totals = new TreeMap<>();
            long count = 0;
            if (s != null && !s.isEmpty()) {
                for (String entry : s.split(",")) {
                    String[] p = entry.split(":");
                    totals.put(Integer.parseInt(p[0]), new BigDecimal(p[1]).stripTrailingZeros());
                    count += Long.parseLong(p[2]);
                }
            }
            return new Branches(totals, count);
        }

        BigDecimal total() {
            return totals.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    @Override
    void verify() throws Exception {
        E2eSupport.assertMatches("public." + totA, "*", queryA());
        E2eSupport.assertMatches("public." + totB, "*", queryB());
        if (withUnion) {
            E2eSupport.assertMatches("public." + totUnion, "*", queryUnion());
        }
        E2eSupport.assertMatches("public." + totJoin, "*", queryJoin());
        String total = E2eSupport.one("SELECT (SELECT sum(balance) FROM " + a + ") + (SELECT sum(balance) FROM " + b + ")");
        if (new BigDecimal(total).compareTo(grand) != 0) {
            violations.add("the source tables themselves hold " + total + ", not " + grand + " (a bug in the test)");
        }
    }

    @Override
    String summary() {
        return prefix + " (transfers): ticks seen per stream table " + ticks.ticksSeen() + ", " + ticks.crossChecked()
                + " cross-checks of stream tables at the same tick";
    }
}
