package dev.trickle.cli;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer session of {@code trickle transfers}: transaction after transaction, debits one account
 * and credits another, in the same table or across both. Rows are updated in a fixed order so that
 * writers never deadlock. A lost connection (PostgreSQL restarted) is counted and opened again.
 */
final class TransferWriter implements Runnable {
    private final TransferSchema.Connector connector;
    private final TransferSchema schema;
    private final AtomicBoolean stop;
    private final Random random;
    private volatile long committed;
    private volatile long failed;
    private volatile String lastError;
    private int accountsPerTable;

    TransferWriter(TransferSchema.Connector connector, TransferSchema schema, AtomicBoolean stop, int index) {
        this.connector = connector;
        this.schema = schema;
        this.stop = stop;
        this.random = new Random(31L * index + System.nanoTime());
    }

    long committed() {
        return committed;
    }

    long failed() {
        return failed;
    }

    String lastError() {
        return lastError;
    }

    @Override
    public void run() {
        Connection c = null;
        while (!stop.get()) {
            try {
                if (c == null) {
                    c = connector.open();
                    c.setAutoCommit(false);
                    accountsPerTable = (int) count(c);
                }
                transfer(c);
                committed++;
            } catch (SQLException e) {
                failed++;
                lastError = e.getMessage();
                c = closeQuietly(c);
                pause(); // PostgreSQL may be restarting: try again shortly
            }
        }
        closeQuietly(c);
    }

    private void transfer(Connection c) throws SQLException {
        int from = random.nextInt(2 * accountsPerTable);
        int to = (from + 1 + random.nextInt(2 * accountsPerTable - 1)) % (2 * accountsPerTable);
        BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(10_000), 2);
        try {
            int first = Math.min(from, to);
            int second = Math.max(from, to);
            move(c, first, first == from ? amount.negate() : amount);
            move(c, second, second == from ? amount.negate() : amount);
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: the transaction is rolled back by PostgreSQL
            }
            throw e;
        }
    }

    /** Account numbers 0..n-1 are in table a, n..2n-1 in table b. */
    private void move(Connection c, int account, BigDecimal delta) throws SQLException {
        String table = account < accountsPerTable ? schema.tableA : schema.tableB;
        try (PreparedStatement ps = c.prepareStatement("UPDATE public." + table + " SET balance = balance + ? WHERE id = ?")) {
            ps.setBigDecimal(1, delta);
            ps.setInt(2, account % accountsPerTable + 1);
            ps.executeUpdate();
        }
    }

    private long count(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT least((SELECT count(*) FROM public." + schema.tableA
                     + "), (SELECT count(*) FROM public." + schema.tableB + "))")) {
            rs.next();
            c.commit();
            return rs.getLong(1);
        }
    }

    private static Connection closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
        }
        return null;
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
