package dev.trickle.cli;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The reader of {@code trickle transfers}: polls both stream tables with their ticks in one statement
 * (one snapshot) and checks that each shows the grand total. A stream table that applied half of a
 * transfer, or mixed two ticks of its sources, would show another total.
 */
final class TransferReader implements Runnable {
    private final TransferSchema.Connector connector;
    private final TransferSchema schema;
    private volatile boolean stopped;
    private volatile long polls;
    private volatile long wrong;
    private volatile long minTick = Long.MAX_VALUE;
    private volatile long maxTick = Long.MIN_VALUE;
    private volatile String firstWrong;
    private volatile BigDecimal expected;

    TransferReader(TransferSchema.Connector connector, TransferSchema schema) {
        this.connector = connector;
        this.schema = schema;
    }

    void stop() {
        stopped = true;
    }

    long polls() {
        return polls;
    }

    long wrong() {
        return wrong;
    }

    String firstWrong() {
        return firstWrong;
    }

    String summary() {
        return polls + " polls" + (polls > 0 ? " over ticks " + minTick + ".." + maxTick : "") + ", " + wrong
                + " wrong totals" + (expected != null ? " (grand total " + expected + ")" : "");
    }

    @Override
    public void run() {
        Connection c = null;
        while (!stopped) {
            try {
                if (c == null) {
                    c = connector.open();
                    if (expected == null) {
                        expected = schema.grandTotal(c); // transfers never change it
                    }
                }
                poll(c);
            } catch (SQLException e) {
                c = close(c); // PostgreSQL restarting: poll again once it is back
                pause(500);
            }
        }
        close(c);
    }

    private void poll(Connection c) throws SQLException {
        String sql = "SELECT (SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'public' AND pgt_name = '"
                + schema.total + "'), (SELECT total FROM public." + schema.total + "), "
                + "(SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'public' AND pgt_name = '"
                + schema.byBranch + "'), (SELECT sum(total) FROM public." + schema.byBranch + ")";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            check(schema.total, rs.getLong(1), rs.getBigDecimal(2));
            check(schema.byBranch, rs.getLong(3), rs.getBigDecimal(4));
        }
        polls++;
        pause(20);
    }

    private void check(String name, long tick, BigDecimal total) {
        minTick = Math.min(minTick, tick);
        maxTick = Math.max(maxTick, tick);
        if (total == null || total.compareTo(expected) != 0) {
            wrong++;
            if (firstWrong == null) {
                firstWrong = name + " showed " + total + " at tick " + tick + " instead of " + expected;
            }
        }
    }

    private static Connection close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken connection
            }
        }
        return null;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
