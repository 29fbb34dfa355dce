package dev.trickle.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A workload with invariants on the real stack: its source tables and stream tables, the transactions
 * its writers run, the check a reader runs on every poll (one SQL statement, so one snapshot: each
 * stream table's {@code last_tick} is read together with its content), and the checks after the run.
 */
abstract class Workload {
    final String prefix;
    final Invariants.Violations violations;

    Workload(String prefix, Invariants.Violations violations) {
        this.prefix = prefix;
        this.violations = violations;
    }

    /** One transaction of a writer, on its own connection (autocommit off); it commits or rolls back itself. */
    interface Tx {
        void run(Connection c, Random random, LoadRunner.Ctx ctx) throws SQLException, InterruptedException;
    }

    /** A writer thread: its transaction and the pause between two of them (the application's pace). */
    record Writer(String name, Tx tx, int paceMs) {
    }

    /** The source tables and their first rows. */
    abstract List<String> setupSql();

    /** The create_stream_table calls. */
    abstract List<String> streamTableSql();

    /**
     * Creates the workloads' tables, then all their stream tables at once (the streams app restarts its
     * topology when the set of stream tables changes: once is enough), and waits until they are filled.
     */
    static void createAll(List<? extends Workload> workloads) throws Exception {
        List<String> sql = new ArrayList<>();
        workloads.forEach(w -> sql.addAll(w.setupSql()));
        workloads.forEach(w -> sql.addAll(w.streamTableSql()));
        E2eSupport.exec(sql.toArray(String[]::new));
        for (Workload w : workloads) {
            E2eSupport.awaitActive(w.streamTables().toArray(String[]::new));
        }
    }

    /** Qualified names of the stream tables ({@code public.x}). */
    abstract List<String> streamTables();

    abstract List<Writer> writers();

    /** One poll of the reader: one statement, checked against the invariants. */
    abstract void poll(Statement s) throws SQLException;

    /** After the writers stopped: ends what they left open (prepared transactions). */
    void finish() throws Exception {
    }

    /** After the stream tables caught up: each equals its query, and the workload's own oracle holds. */
    abstract void verify() throws Exception;

    /** A line for the test output: what ran and what was checked. */
    abstract String summary();

    // ---- helpers ----------------------------------------------------------------------------------

    String t(String name) {
        return prefix + "_" + name;
    }

    /** The stream table's tick, read in the same statement as its content. */
    static String lastTick(String table) {
        return "(SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'public' AND pgt_name = '"
                + table + "')";
    }

    static String createSql(String name, String query) {
        return "SELECT pgtrickle.create_stream_table('" + name + "', '" + query.replace("'", "''") + "')";
    }

    static Long tick(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static void noViolationIn(List<String> problems, Invariants.Violations v, String what) {
        for (String p : problems) {
            v.add(what + ": " + p);
        }
    }
}
