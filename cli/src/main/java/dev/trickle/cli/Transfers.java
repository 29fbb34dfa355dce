package dev.trickle.cli;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trickle transfers}: the consistency check a user can run against a running stack. Writers move
 * money between accounts held in two tables, one transaction per transfer (often across both tables);
 * a reader polls two stream tables whose totals must never change, each together with the tick it
 * shows. A half-applied transaction, or a mix of two ticks, would show a wrong total. At the end the
 * stream tables must equal their queries.
 */
@Command(name = "transfers", mixinStandardHelpOptions = true,
        description = {"Runs concurrent money transfers between accounts in two tables against a running stack "
                + "(./trickle local) while a reader polls stream tables of their totals: the totals must never change, "
                + "whatever you stop or restart meanwhile. At the end every stream table must equal its query.",
                "Exit status 0 if no wrong total was seen and the stream tables are equal to their queries, 1 otherwise."})
public final class Transfers implements Callable<Integer> {
    @Option(names = "--pg-url", required = true, paramLabel = "URL",
            description = "The stack's PostgreSQL, as ./trickle local prints it: postgresql://USER@HOST:PORT/DB")
    String url;

    @Option(names = "--pg-user", paramLabel = "USER", description = "PostgreSQL user (overrides the URL's)")
    String user;

    @Option(names = "--pg-password", paramLabel = "PASSWORD", description = "PostgreSQL password (overrides the URL's)")
    String password;

    @Option(names = "--seconds", defaultValue = "60", description = "How long the writers run (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--writers", defaultValue = "4", description = "Concurrent writer sessions (default: ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--accounts", defaultValue = "100",
            description = "Accounts per table, created on the first run (default: ${DEFAULT-VALUE})")
    int accounts;

    @Option(names = "--prefix", defaultValue = "transfer",
            description = "Prefix of the tables and stream tables it creates in schema public (default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "Deadline for the stream tables to become ACTIVE, and to catch up at the end (default: ${DEFAULT-VALUE})")
    int waitSeconds;

    @Option(names = "--drop", description = "Drop the tables and stream tables at the end")
    boolean drop;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || writers < 1 || accounts < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--seconds and --writers must be at least 1, --accounts at least 2");
        }
        if (!prefix.matches("[a-z_][a-z0-9_]{0,40}")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prefix must be a lower-case identifier (letters, digits, _), not '" + prefix + "'");
        }
        PgUrl pg;
        try {
            pg = PgUrl.parse(url, user, password);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        TransferSchema schema = new TransferSchema(prefix, accounts);
        Duration wait = Duration.ofSeconds(waitSeconds);
        try (Connection c = connect(pg)) {
            schema.create(c, out);
            schema.awaitActive(c, wait, out);
            out.println("grand total " + schema.grandTotal(c) + " over " + schema.accounts(c) + " accounts in "
                    + schema.tableA + " and " + schema.tableB + "; " + writers + " writers for " + seconds + " s");
        }
        TransferReader reader = new TransferReader(() -> connect(pg), schema);
        List<TransferWriter> ws = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        for (int i = 0; i < writers; i++) {
            ws.add(new TransferWriter(() -> connect(pg), schema, stop, i));
        }
        runLoad(ws, reader, stop);
        try (Connection c = connect(pg)) {
            return finish(c, schema, reader, ws, wait);
        }
    }

    private void runLoad(List<TransferWriter> ws, TransferReader reader, AtomicBoolean stop) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < ws.size(); i++) {
            Thread t = new Thread(ws.get(i), "writer-" + i);
            t.start();
            threads.add(t);
        }
        Thread readerThread = new Thread(reader, "reader");
        readerThread.start();
        long t0 = System.nanoTime();
        long end = t0 + Duration.ofSeconds(seconds).toNanos();
        long nextReport = t0;
        while (System.nanoTime() - end < 0) {
            if (System.nanoTime() - nextReport >= 0) {
                report(t0, ws, reader);
                nextReport += Duration.ofSeconds(5).toNanos();
            }
            Thread.sleep(200); // a progress line every 5 s; the load runs in its own threads
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        reader.stop();
        readerThread.join();
        report(t0, ws, reader);
    }

    private void report(long t0, List<TransferWriter> ws, TransferReader reader) {
        long committed = ws.stream().mapToLong(TransferWriter::committed).sum();
        long failed = ws.stream().mapToLong(TransferWriter::failed).sum();
        out.printf("%5.1f s: %d transfers committed%s; reader: %s%n", (System.nanoTime() - t0) / 1e9, committed,
                failed > 0 ? " (" + failed + " failed and rolled back: " + lastError(ws) + ")" : "", reader.summary());
        out.flush();
    }

    private static String lastError(List<TransferWriter> ws) {
        return ws.stream().map(TransferWriter::lastError).filter(e -> e != null).findFirst().orElse("");
    }

    private int finish(Connection c, TransferSchema schema, TransferReader reader, List<TransferWriter> ws, Duration wait)
            throws SQLException, InterruptedException {
        long tick = schema.awaitCaughtUp(c, wait);
        List<String> unequal = schema.unequal(c);
        long committed = ws.stream().mapToLong(TransferWriter::committed).sum();
        out.println("caught up: both stream tables at tick " + tick + " or later");
        for (String st : schema.streamTables()) {
            out.println("  " + st + (unequal.contains(st) ? ": NOT equal to its query" : ": equal to its query"));
        }
        if (drop) {
            schema.drop(c);
            out.println("dropped " + String.join(", ", schema.streamTables()) + ", " + schema.tableA + ", " + schema.tableB);
        }
        boolean ok = reader.wrong() == 0 && unequal.isEmpty() && reader.polls() > 0;
        out.println((ok ? "transfers passed: " : "transfers FAILED: ") + committed + " transfers, " + reader.polls()
                + " polls, " + reader.wrong() + " wrong totals seen" + (reader.wrong() > 0 ? " (first: " + reader.firstWrong()
                + ")" : ""));
        out.flush();
        return ok ? 0 : 1;
    }

    private static Connection connect(PgUrl pg) throws SQLException {
        Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        try (Statement st = c.createStatement()) {
            st.execute("SET application_name = 'trickle transfers'");
        }
        return c;
    }
}
