package dev.trickle.e2e;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transactions of every shape on one ledger: each transaction {@code txn} writes its parts 1..parts
 * (one statement each, all with the same amount), so a stream table shows a transaction completely or
 * not at all. Shapes: short ones; ones with savepoints (a ghost row in a rolled-back savepoint, a part
 * in a released one); aborted ones (negative txn ids, never to be seen); updates and deletes of whole
 * earlier transactions; long ones that stay open across many ticks (some rolled back); and prepared
 * (two-phase) ones committed or rolled back seconds (tens of ticks) later, from the same session.
 *
 * <p>On every poll: no aborted or ghost row, every transaction complete and uniform, and the row and
 * per-transaction stream tables agree at every tick seen in both. After the run: every transaction
 * that committed is there with all its parts (nothing lost), nothing aborted is (nothing extra), and
 * each stream table equals its query (nothing twice).
 */
final class LedgerWorkload extends Workload {
    enum State { PRESENT, ABSENT, UNKNOWN }

    private final int shapeWriters;
    private final int paceMs;
    private final String ledger;
    final String rows;
    final String perTxn;
    private final Invariants.TickRecorder ticks;
    private final ConcurrentMap<Long, State> states = new ConcurrentHashMap<>();
    private final List<Long> present = new ArrayList<>();
    private final AtomicLong nextTxn = new AtomicLong();
    private final ConcurrentMap<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Deque<Prepared> prepared = new ArrayDeque<>();
    private long nextObservation;
    private long maxTicksOpenLong;
    private long maxTicksOpenPrepared;
    private String preparedNote;

    /** A prepared transaction waiting for its COMMIT PREPARED (or ROLLBACK PREPARED, for a negative txn). */
    private static final class Prepared {
        final long txn;
        final long dueMillis;
        /** Its PREPARE TRANSACTION lost the connection: it may never have been prepared. */
        boolean uncertain;
        /** A COMMIT PREPARED of it lost the connection: it may have committed. */
        boolean commitAttempted;

        Prepared(long txn, long dueMillis) {
            this.txn = txn;
            this.dueMillis = dueMillis;
        }
    }

    LedgerWorkload(String prefix, Invariants.Violations violations, int shapeWriters, int paceMs) {
        super(prefix, violations);
        this.shapeWriters = shapeWriters;
        this.paceMs = paceMs;
        this.ledger = t("ledger");
        this.rows = t("rows");
        this.perTxn = t("per_txn");
        this.ticks = new Invariants.TickRecorder(prefix, violations, this::crossCheck);
    }

    String rowsQuery() {
        return "SELECT txn, part, parts, amount FROM " + ledger;
    }

    String perTxnQuery() {
        return "SELECT txn, parts, count(*) AS n, sum(amount) AS amt FROM " + ledger + " GROUP BY txn, parts";
    }

    @Override
    List<String> setupSql() {
        return List.of("CREATE TABLE " + ledger + " (txn bigint, part int, parts int NOT NULL, amount numeric(10,2) NOT NULL, "
                + "PRIMARY KEY (txn, part))");
    }

    @Override
    List<String> streamTableSql() {
        return List.of(createSql(rows, rowsQuery()), createSql(perTxn, perTxnQuery()));
    }

    @Override
    List<String> streamTables() {
        return List.of("public." + rows, "public." + perTxn);
    }

    @Override
    List<Writer> writers() {
        List<Writer> out = new ArrayList<>();
        for (int i = 0; i < shapeWriters; i++) {
            out.add(new Writer(prefix + "-shapes-" + i, this::shape, paceMs));
        }
        out.add(new Writer(prefix + "-long", this::longTransaction, 50));
        out.add(new Writer(prefix + "-prepared", this::preparedTransactions, 100));
        return out;
    }

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    private long newTxn(boolean doomed) {
        long id = nextTxn.incrementAndGet();
        long txn = doomed ? -id : id;
        states.put(txn, State.ABSENT);
        return txn;
    }

    private void insertPart(Connection c, long txn, int part, int parts, BigDecimal amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ledger + " VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, txn);
            ps.setInt(2, part);
            ps.setInt(3, parts);
            ps.setBigDecimal(4, amount);
            ps.executeUpdate();
        }
    }

    /** Commits; the transaction's rows then exist ({@code now}) or not; unknown if the connection broke meanwhile. */
    private void commit(Connection c, long txn, State now) throws SQLException {
        try {
            c.commit();
        } catch (SQLException e) {
            if (LoadRunner.lostConnection(e, c)) {
                states.put(txn, State.UNKNOWN);
            }
            throw e;
        }
        states.put(txn, now);
        synchronized (present) {
            if (now == State.PRESENT) {
                present.add(txn);
            }
        }
    }

    private Long pickPresent(Random r, boolean remove) {
        synchronized (present) {
            if (present.isEmpty()) {
                return null;
            }
            int i = r.nextInt(present.size());
            return remove ? present.remove(i) : present.get(i);
        }
    }

    private static BigDecimal amount(Random r) {
        return BigDecimal.valueOf(1 + r.nextInt(100_000), 2);
    }

    private void shape(Connection c, Random r, LoadRunner.Ctx ctx) throws SQLException {
        int kind = r.nextInt(20);
        if (kind < 8) {
            long txn = newTxn(false);
            int parts = 1 + r.nextInt(4);
            BigDecimal amount = amount(r);
            for (int p = 1; p <= parts; p++) {
                insertPart(c, txn, p, parts, amount);
            }
            commit(c, txn, State.PRESENT);
            count("short");
        } else if (kind < 12) {
            long txn = newTxn(false);
            int parts = 2 + r.nextInt(3);
            BigDecimal amount = amount(r);
            insertPart(c, txn, 1, parts, amount);
            try (Statement s = c.createStatement()) {
                s.execute("SAVEPOINT ghost");
                insertPart(c, txn, 99, -1, amount); // a ghost row: rolled back with its savepoint
                Long other = pickPresent(r, false);
                if (other != null) {
                    s.execute("UPDATE " + ledger + " SET amount = amount + 1000 WHERE txn = " + other);
                }
                s.execute("ROLLBACK TO SAVEPOINT ghost");
                s.execute("SAVEPOINT kept");
                insertPart(c, txn, 2, parts, amount);
                s.execute("RELEASE SAVEPOINT kept");
            }
            for (int p = 3; p <= parts; p++) {
                insertPart(c, txn, p, parts, amount);
            }
            commit(c, txn, State.PRESENT);
            count("savepoints");
        } else if (kind < 15) {
            long txn = newTxn(true);
            int parts = 1 + r.nextInt(3);
            BigDecimal amount = amount(r);
            for (int p = 1; p <= parts; p++) {
                insertPart(c, txn, p, parts, amount);
            }
            Long other = pickPresent(r, false);
            if (other != null) {
                try (Statement s = c.createStatement()) {
                    s.execute("DELETE FROM " + ledger + " WHERE txn = " + other);
                }
            }
            c.rollback();
            count("aborted");
        } else if (kind < 18) {
            Long other = pickPresent(r, false);
            if (other != null) {
                try (Statement s = c.createStatement()) {
                    s.execute("UPDATE " + ledger + " SET amount = amount + 1 WHERE txn = " + other);
                }
                c.commit();
                count("updates");
            }
        } else {
            Long other = pickPresent(r, true);
            if (other != null) {
                boolean done = false;
                try {
                    try (Statement s = c.createStatement()) {
                        s.execute("DELETE FROM " + ledger + " WHERE txn = " + other);
                    }
                    commit(c, other, State.ABSENT);
                    done = true;
                    count("deletes");
                } finally {
                    if (!done && states.get(other) == State.PRESENT) {
                        synchronized (present) {
                            present.add(other); // not deleted after all
                        }
                    }
                }
            }
        }
    }

    /** Open for 8 parts a few hundred ms apart (ten to twenty ticks), with a rolled-back savepoint; a quarter roll back. */
    private void longTransaction(Connection c, Random r, LoadRunner.Ctx ctx) throws SQLException, InterruptedException {
        boolean doomed = r.nextInt(4) == 0;
        long txn = newTxn(doomed);
        int parts = 8;
        BigDecimal amount = amount(r);
        for (int p = 1; p <= parts; p++) {
            insertPart(c, txn, p, parts, amount);
            if (p == 4) {
                try (Statement s = c.createStatement()) {
                    s.execute("SAVEPOINT mid");
                    insertPart(c, txn, 99, -1, amount);
                    s.execute("ROLLBACK TO SAVEPOINT mid");
                }
            }
            if (!ctx.running()) {
                c.rollback(); // stopping: never half a transaction
                return;
            }
            Thread.sleep(250 + r.nextInt(250)); // the transaction stays open meanwhile: that is the point
        }
        if (doomed) {
            c.rollback();
            count("long rolled back");
        } else {
            commit(c, txn, State.PRESENT);
            count("long committed");
        }
    }

    /** Resolves the prepared transactions that are due, then prepares a new one (at most four wait at a time). */
    private void preparedTransactions(Connection c, Random r, LoadRunner.Ctx ctx) throws SQLException {
        resolveDue(c, false);
        if (prepared.size() >= 4) {
            return;
        }
        boolean doomed = r.nextInt(4) == 0;
        long txn = newTxn(doomed);
        int parts = 1 + r.nextInt(4);
        BigDecimal amount = amount(r);
        for (int p = 1; p <= parts; p++) {
            insertPart(c, txn, p, parts, amount);
        }
        Prepared p = new Prepared(txn, System.currentTimeMillis() + 2_000 + r.nextInt(4_000));
        try (Statement s = c.createStatement()) {
            s.execute("PREPARE TRANSACTION '" + gid(txn) + "'");
        } catch (SQLException e) {
            if (LoadRunner.lostConnection(e, c)) {
                p.uncertain = true;
                prepared.add(p);
            }
            throw e;
        }
        prepared.add(p);
        count("prepared");
    }

    private void resolved(long txn, State state) {
        states.put(txn, state);
        if (state == State.PRESENT) {
            synchronized (present) {
                present.add(txn);
            }
        }
    }

    private String gid(long txn) {
        return prefix + "_" + txn;
    }

    private void resolveDue(Connection c, boolean all) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
            for (Iterator<Prepared> it = prepared.iterator(); it.hasNext(); ) {
                Prepared p = it.next();
                if (!all && p.dueMillis > System.currentTimeMillis()) {
                    continue;
                }
                boolean commit = p.txn > 0;
                try (Statement s = c.createStatement()) {
                    s.execute((commit ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '") + gid(p.txn) + "'");
                    resolved(p.txn, commit ? State.PRESENT : State.ABSENT);
                    count(commit ? "prepared committed" : "prepared rolled back");
                    it.remove();
                } catch (SQLException e) {
                    if ("42704".equals(e.getSQLState())) {
                        // no such prepared transaction: its PREPARE never happened, or an earlier COMMIT PREPARED
                        // of ours (that lost its connection) went through
                        resolved(p.txn, !commit ? State.ABSENT
                                : p.commitAttempted ? (p.uncertain ? State.UNKNOWN : State.PRESENT)
                                : p.uncertain ? State.ABSENT : State.UNKNOWN);
                        it.remove();
                    } else {
                        if (commit && LoadRunner.lostConnection(e, c)) {
                            p.commitAttempted = true;
                        }
                        throw e;
                    }
                }
            }
        } finally {
            try {
                c.setAutoCommit(autoCommit);
            } catch (SQLException ignored) {
                // the connection is gone; the runner opens another
            }
        }
    }

    @Override
    void finish() throws Exception {
        try (Connection c = E2eSupport.connect()) {
            resolveDue(c, true);
            // prepared transactions of this workload that the queue does not know (cannot normally happen)
            List<String> left = E2eSupport.rows("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE '" + prefix + "\\_%'");
            for (String g : left) {
                String gid = g.substring(1, g.length() - 1);
                long txn = Long.parseLong(gid.substring(prefix.length() + 1));
                E2eSupport.exec((txn > 0 ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '") + gid + "'");
                resolved(txn, txn > 0 ? State.PRESENT : State.ABSENT);
            }
        }
    }

    /** One transaction's parts and amount as a stream table shows them at one tick. */
    record Totals(long rows, BigDecimal amount) {
        static Totals parse(String s) {
            String[] p = s.split(":");
            return new Totals(Long.parseLong(p[0]), new BigDecimal(p[1]).stripTrailingZeros());
        }
    }

    @Override
    void poll(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT "
                + lastTick(rows) + ", (SELECT count(*) FILTER (WHERE txn < 0 OR parts < 0 OR part > parts) || ':' "
                + "|| count(*) || ':' || coalesce(sum(amount), 0) FROM " + rows + "), "
                + "(SELECT count(*) || ':' || coalesce(min(txn), 0) FROM (SELECT txn FROM " + rows + " GROUP BY txn "
                + "HAVING count(*) <> max(parts) OR count(DISTINCT amount) > 1) x), "
                + lastTick(perTxn) + ", (SELECT count(*) FILTER (WHERE txn < 0 OR n <> parts) || ':' || coalesce(sum(n), 0) "
                + "|| ':' || coalesce(sum(amt), 0) FROM " + perTxn + ")")) {
            rs.next();
            Long tickR = tick(rs, 1);
            Long tickT = tick(rs, 4);
            if (tickR != null) {
                String[] p = rs.getString(2).split(":", 2);
                if (!"0".equals(p[0])) {
                    violations.add(rows + " at tick " + tickR + " shows " + p[0] + " row(s) of aborted transactions or "
                            + "rolled-back savepoints");
                }
                String[] half = rs.getString(3).split(":");
                if (!"0".equals(half[0])) {
                    violations.add(rows + " at tick " + tickR + " shows " + half[0] + " transaction(s) incomplete or "
                            + "half-updated (e.g. txn " + half[1] + ")");
                }
                ticks.record(rows, tickR, Totals.parse(p[1]));
            }
            if (tickT != null) {
                String[] p = rs.getString(5).split(":", 2);
                if (!"0".equals(p[0])) {
                    violations.add(perTxn + " at tick " + tickT + " counts " + p[0] + " transaction(s) partly or aborted");
                }
                ticks.record(perTxn, tickT, Totals.parse(p[1]));
            }
        }
        if (System.currentTimeMillis() >= nextObservation) {
            nextObservation = System.currentTimeMillis() + 500;
            observeOpenTransactions(s);
        }
    }

    /** What pgtrickle.open_transactions() says about the long and prepared transactions while they are open. */
    private void observeOpenTransactions(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT coalesce(max(ticks_open) FILTER (WHERE state = 'prepared' AND gid LIKE '"
                + prefix + "\\_%'), 0), coalesce(max(ticks_open) FILTER (WHERE state <> 'prepared'), 0), "
                + "min(note) FILTER (WHERE state = 'prepared' AND gid LIKE '" + prefix + "\\_%') "
                + "FROM pgtrickle.open_transactions()")) {
            rs.next();
            synchronized (this) {
                maxTicksOpenPrepared = Math.max(maxTicksOpenPrepared, rs.getLong(1));
                maxTicksOpenLong = Math.max(maxTicksOpenLong, rs.getLong(2));
                if (rs.getString(3) != null) {
                    preparedNote = rs.getString(3);
                }
            }
        }
    }

    synchronized long maxTicksOpenPrepared() {
        return maxTicksOpenPrepared;
    }

    synchronized long maxTicksOpenLong() {
        return maxTicksOpenLong;
    }

    synchronized String preparedNote() {
        return preparedNote;
    }

    long shapeCount(String what) {
        AtomicLong n = counts.get(what);
        return n == null ? 0 : n.get();
    }

    private void crossCheck(long tick, Map<String, Object> at) {
        Object r = at.get(rows);
        Object t = at.get(perTxn);
        if (r != null && t != null && !r.equals(t)) {
            violations.add("at tick " + tick + ": " + rows + " holds " + r + " but " + perTxn + " counts " + t);
        }
    }

    @Override
    void verify() throws Exception {
        E2eSupport.assertMatches("public." + rows, "*", rowsQuery());
        E2eSupport.assertMatches("public." + perTxn, "*", perTxnQuery());
        Map<Long, String> shown = new HashMap<>();
        for (String row : E2eSupport.rows("SELECT txn, count(*) = max(parts) FROM " + rows + " GROUP BY txn")) {
            String[] p = row.substring(1, row.length() - 1).split(", ");
            shown.put(Long.parseLong(p[0]), p[1]);
        }
        long lost = 0;
        long extra = 0;
        for (Map.Entry<Long, State> e : states.entrySet()) {
            String complete = shown.remove(e.getKey());
            if (e.getValue() == State.PRESENT && !"t".equals(complete)) {
                lost++;
                if (lost <= 5) {
                    violations.add(prefix + ": committed transaction " + e.getKey() + " is "
                            + (complete == null ? "missing" : "incomplete") + " in " + rows);
                }
            } else if (e.getValue() == State.ABSENT && complete != null) {
                extra++;
                if (extra <= 5) {
                    violations.add(prefix + ": transaction " + e.getKey() + " did not commit (or was deleted) but is in " + rows);
                }
            }
        }
        for (Long txn : shown.keySet()) {
            violations.add(prefix + ": " + rows + " holds transaction " + txn + ", which no writer ran");
        }
        if (lost > 5 || extra > 5) {
            violations.add(prefix + ": " + lost + " committed transactions lost, " + extra + " extra in all");
        }
    }

    long committed() {
        return states.values().stream().filter(s -> s == State.PRESENT).count();
    }

    long unknown() {
        return states.values().stream().filter(s -> s == State.UNKNOWN).count();
    }

    @Override
    String summary() {
        Map<String, Long> c = new java.util.TreeMap<>();
        counts.forEach((k, v) -> c.put(k, v.get()));
        return prefix + " (transaction shapes): " + c + "; " + committed() + " transactions present at the end, "
                + unknown() + " of unknown outcome (connection lost at commit); open across at most "
                + maxTicksOpenLong() + " ticks (long), " + maxTicksOpenPrepared() + " ticks (prepared) as "
                + "pgtrickle.open_transactions() saw them; ticks seen per stream table " + ticks.ticksSeen() + ", "
                + ticks.crossChecked() + " cross-checks at the same tick";
    }
}
