package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.Main;
import dev.trickle.cli.Tail;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code trickle tail} against the running stack, as a user runs it: DML on a source shows as the stream table's
 * -old/+new rows at the tick the stream table applied, then that tick's end; from the beginning, the fill first.
 */
class TailCommandEndToEndTest extends E2eSupport {
    private static final String QUERY = "SELECT grp, sum(v) AS s, max(note) AS note FROM tail_src GROUP BY grp";

    @Test
    void followsTheStreamTablesChangesWithTheirTicks() throws Exception {
        exec("CREATE TABLE tail_src (id int PRIMARY KEY, grp int, v int, note text)",
                "INSERT INTO tail_src SELECT g, g % 3, g, 'n ' || (g % 3) FROM generate_series(1, 30) g",
                "SELECT pgtrickle.create_stream_table('tail_sum', '" + QUERY + "')");
        awaitActive("public.tail_sum");
        // the local stack's own properties file: broker, PostgreSQL, prefix and converter all come from it
        Running tail = start("tail", "tail_sum", "--config", stack.streamsProperties().toString());
        try {
            await("tail to start following", () -> tail.err.toString().contains("following public.tail_sum"));
            long before = currentTick();
            commitTogether(List.of("UPDATE tail_src SET v = v + 100 WHERE id = 3", // grp 0: 165 -> 265
                    "INSERT INTO tail_src VALUES (31, 7, 5, NULL)"));
            long after = awaitTickAfterNow(); // the first tick whose snapshot was taken after the commit
            awaitCaughtUp("public.tail_sum");
            assertMatches("public.tail_sum", "grp, s, note", QUERY);
            await("tail to show the transaction's tick", () -> tail.out.toString().contains(" done: +2 -1 rows"));
            String out = tail.out.toString();
            List<String> lines = out.lines().toList();
            String done = lines.stream().filter(l -> l.endsWith(" done: +2 -1 rows")).findFirst().orElseThrow();
            long tick = Long.parseLong(done.split(" ")[1]);
            // the transaction is in the first tick whose snapshot sees it: taken after it committed
            assertTrue(tick > before && tick <= after, "tick " + tick + " not in (" + before + ", " + after + "]");
            assertTrue(tick <= lastTick("public.tail_sum"), out);
            String t = "tick " + tick;
            assertTrue(lines.contains(t + " - (grp=0, s=165, note='n 0')"), out);
            assertTrue(lines.contains(t + " + (grp=0, s=265, note='n 0')"), out);
            assertTrue(lines.contains(t + " + (grp=7, s=5, note=NULL)"), out);
            assertEquals(3, lines.stream().filter(l -> l.startsWith(t + " ")).count() - 1, out);
        } finally {
            tail.stop();
        }
        System.out.println(tail.out);
        assertEquals(0, tail.status.get(30, TimeUnit.SECONDS), tail.err.toString());

        // from the beginning, through the shipped JSON converter's settings: the fill is the topic's first tick
        String fromStart = run("tail", "public.tail_sum", "--from-beginning", "--max-ticks", "1",
                "--pg-url", stack.pgUrl(), "--bootstrap", stack.bootstrapServers());
        System.out.println(fromStart);
        assertTrue(fromStart.contains(" + (grp=0, s=165, note='n 0')"), fromStart);
        assertTrue(fromStart.lines().anyMatch(l -> l.matches("tick \\d+ done \\(fill\\): \\+3 rows")), fromStart);
        exec("SELECT pgtrickle.drop_stream_table('tail_sum')", "DROP TABLE tail_src");
    }

    @Test
    void anUnknownStreamTableOrABrokerThatDoesNotAnswerIsAClearError() {
        String err = fails("tail", "no_such_table", "--pg-url", stack.pgUrl(), "--bootstrap", stack.bootstrapServers());
        assertTrue(err.contains("no stream table no_such_table in the catalog"), err);
        exec2("CREATE TABLE tail_err (id int PRIMARY KEY)", "SELECT pgtrickle.create_stream_table('tail_err_st', 'SELECT id FROM tail_err')");
        err = fails("tail", "tail_err_st", "--pg-url", stack.pgUrl(), "--bootstrap", "127.0.0.1:1", "--timeout", "2");
        assertTrue(err.contains("could not reach the Kafka broker at 127.0.0.1:1"), err);
        err = fails("tail", "tail_err_st", "--pg-url", stack.pgUrl(), "--bootstrap", stack.bootstrapServers(),
                "--prefix", "elsewhere");
        assertTrue(err.contains("has no topic elsewhere.delta.public.tail_err_st"), err);
        err = fails("tail", "tail_err_st");
        assertTrue(err.contains("give --config"), err);
        exec2("SELECT pgtrickle.drop_stream_table('tail_err_st')", "DROP TABLE tail_err");
    }

    private static void exec2(String... sql) {
        try {
            exec(sql);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A tail running in the background until {@link #stop()}. */
    private record Running(Tail tail, StringWriter out, StringWriter err, CompletableFuture<Integer> status) {
        void stop() {
            tail.stop();
        }
    }

    private static Running start(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Tail tail = cl.getSubcommands().get("tail").getCommand();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> cl.execute(args));
        return new Running(tail, out, err, status);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        assertEquals(0, status, "trickle " + String.join(" ", args) + ": " + err);
        return out.toString();
    }

    private static String fails(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        assertTrue(status != 0, "trickle " + String.join(" ", args) + " should fail: " + err);
        return err.toString();
    }
}
