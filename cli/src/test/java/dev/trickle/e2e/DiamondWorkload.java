package dev.trickle.e2e;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A diamond of stream tables: A over the accounts table, B and C over A (two aggregates of the same
 * rows per group), and D over B and C (joined on the group). Writers move amounts between accounts and
 * accounts between groups; the grand total never changes.
 *
 * <p>On every poll D must show, in each row, B's total equal to C's (they sum the same rows of A, so
 * they agree at every tick: a D that joined B at one tick with C at another would show them apart as
 * soon as a transfer between groups lands), the grand total, and all accounts; B and C show the grand
 * total. At every tick at which D and B (or D and C) were both seen, D shows exactly their content.
 */
final class DiamondWorkload extends Workload {
    static final int ACCOUNTS = 30;
    static final int GROUPS = 5;
    static final int START = 100;
    static final long GRAND = (long) ACCOUNTS * START;
    private final int writerCount;
    private final int paceMs;
    final String acct;
    final String a;
    final String b;
    final String c;
    final String d;
    private final Invariants.TickRecorder ticks;

    DiamondWorkload(String prefix, Invariants.Violations violations, int writers, int paceMs) {
        super(prefix, violations);
        this.writerCount = writers;
        this.paceMs = paceMs;
        this.acct = t("acct");
        this.a = t("a");
        this.b = t("b");
        this.c = t("c");
        this.d = t("d");
        this.ticks = new Invariants.TickRecorder(prefix, violations, this::crossCheck);
    }

    String queryA() {
        return "SELECT id, grp, amount FROM " + acct;
    }

    String queryB() {
        return "SELECT grp, sum(amount) AS total FROM " + a + " GROUP BY grp";
    }

    String queryC() {
        return "SELECT grp, sum(amount) AS total2, count(*) AS n FROM " + a + " GROUP BY grp";
    }

    String queryD() {
        return "SELECT b.grp, b.total, c.total2, c.n FROM " + b + " b JOIN " + c + " c ON c.grp = b.grp";
    }

    /** D's query over the base table: what D must equal, whatever B and C show. */
    String queryDFromBase() {
        return "SELECT grp, sum(amount) AS total, sum(amount) AS total2, count(*) AS n FROM " + acct + " GROUP BY grp";
    }

    @Override
    List<String> setupSql() {
        return List.of("CREATE TABLE " + acct + " (id int PRIMARY KEY, grp int NOT NULL, amount int NOT NULL)",
                "INSERT INTO " + acct + " SELECT g, g % " + GROUPS + ", " + START + " FROM generate_series(1, " + ACCOUNTS + ") g");
    }

    @Override
    List<String> streamTableSql() {
        return List.of(createSql(a, queryA()), createSql(b, queryB()), createSql(c, queryC()), createSql(d, queryD()));
    }

    @Override
    List<String> streamTables() {
        return List.of("public." + a, "public." + b, "public." + c, "public." + d);
    }

    @Override
    List<Writer> writers() {
        return java.util.stream.IntStream.range(0, writerCount)
                .mapToObj(i -> new Writer(prefix + "-diamond-" + i, this::write, paceMs)).toList();
    }

    /** A transfer between two accounts (rows updated in id order: no deadlocks), or an account moving group. */
    private void write(Connection conn, Random r, LoadRunner.Ctx ctx) throws SQLException {
        int from = 1 + r.nextInt(ACCOUNTS);
        int to = 1 + r.nextInt(ACCOUNTS);
        if (from == to || r.nextInt(5) == 0) {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE " + acct + " SET grp = ? WHERE id = ?")) {
                ps.setInt(1, r.nextInt(GROUPS + 2)); // groups come and go
                ps.setInt(2, from);
                ps.executeUpdate();
            }
        } else {
            int amount = 1 + r.nextInt(50);
            for (int id : new int[] {Math.min(from, to), Math.max(from, to)}) {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE " + acct + " SET amount = amount + ? WHERE id = ?")) {
                    ps.setInt(1, id == from ? -amount : amount);
                    ps.setInt(2, id);
                    ps.executeUpdate();
                }
            }
        }
        conn.commit();
    }

    /** D as read: per group, B's side and C's side. */
    private record DState(String totals, String counts) {
    }

    @Override
    void poll(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT " + lastTick(d)
                + ", (SELECT count(*) FROM " + d + " WHERE total IS DISTINCT FROM total2)"
                + ", (SELECT coalesce(sum(total), 0) || ':' || coalesce(sum(n), 0) FROM " + d + ")"
                + ", (SELECT coalesce(string_agg(grp || ':' || total, ',' ORDER BY grp), '') FROM " + d + ")"
                + ", (SELECT coalesce(string_agg(grp || ':' || total2 || ':' || n, ',' ORDER BY grp), '') FROM " + d + ")"
                + ", " + lastTick(b) + ", (SELECT coalesce(string_agg(grp || ':' || total, ',' ORDER BY grp), '') FROM " + b + ")"
                + ", " + lastTick(c) + ", (SELECT coalesce(string_agg(grp || ':' || total2 || ':' || n, ',' ORDER BY grp), '') FROM "
                + c + ")")) {
            rs.next();
            Long tickD = tick(rs, 1);
            if (tickD != null) {
                if (rs.getLong(2) != 0) {
                    violations.add(d + " at tick " + tickD + " shows B's and C's totals apart in " + rs.getLong(2)
                            + " group(s) (B and C at different ticks): " + rs.getString(4) + " vs " + rs.getString(5));
                }
                if (!(GRAND + ":" + ACCOUNTS).equals(rs.getString(3))) {
                    violations.add(d + " at tick " + tickD + " shows total:accounts " + rs.getString(3) + ", not "
                            + GRAND + ":" + ACCOUNTS);
                }
            }
            ticks.record(d, tickD, new DState(rs.getString(4), rs.getString(5)));
            ticks.record(b, tick(rs, 6), rs.getString(7));
            ticks.record(c, tick(rs, 8), rs.getString(9));
        }
    }

    private void crossCheck(long tick, Map<String, Object> at) {
        DState ds = (DState) at.get(d);
        if (ds == null) {
            return;
        }
        if (at.containsKey(b) && !ds.totals().equals(at.get(b))) {
            violations.add("at tick " + tick + ": " + d + " shows B's side " + ds.totals() + " but " + b + " shows " + at.get(b));
        }
        if (at.containsKey(c) && !ds.counts().equals(at.get(c))) {
            violations.add("at tick " + tick + ": " + d + " shows C's side " + ds.counts() + " but " + c + " shows " + at.get(c));
        }
    }

    @Override
    void verify() throws Exception {
        E2eSupport.assertMatches("public." + a, "*", queryA());
        E2eSupport.assertMatches("public." + b, "*", queryB());
        E2eSupport.assertMatches("public." + c, "*", queryC());
        E2eSupport.assertMatches("public." + d, "*", queryD());
        E2eSupport.assertMatches("public." + d, "*", queryDFromBase());
        String total = E2eSupport.one("SELECT sum(amount) FROM " + acct);
        if (Long.parseLong(total) != GRAND) {
            violations.add("the accounts table itself holds " + total + ", not " + GRAND + " (a bug in the test)");
        }
    }

    @Override
    String summary() {
        return prefix + " (diamond): ticks seen per stream table " + ticks.ticksSeen() + ", " + ticks.crossChecked()
                + " cross-checks of D against B or C at the same tick";
    }
}
