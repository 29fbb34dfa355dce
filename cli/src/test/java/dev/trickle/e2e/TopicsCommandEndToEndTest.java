package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code trickle topics} against the running stack, as a user runs it with the ready line's pg= and kafka=. */
class TopicsCommandEndToEndTest extends E2eSupport {
    @Test
    void listsTheChangeDeltaAndInternalTopicsWithTheirStreamTablesAndSources() throws Exception {
        exec("CREATE TABLE topics_src (id int PRIMARY KEY, grp int, v int)",
                "INSERT INTO topics_src SELECT g, g % 3, g FROM generate_series(1, 30) g",
                "SELECT pgtrickle.create_stream_table('topics_sum', 'SELECT grp, sum(v) AS s FROM topics_src GROUP BY grp')");
        awaitActive("public.topics_sum");
        String out = run("topics", "--pg-url", stack.pgUrl(), "--bootstrap", stack.bootstrapServers());
        System.out.println(out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).startsWith("TOPIC"), out);
        String change = line(lines, "trickle.changes.public.topics_src ");
        assertTrue(change.contains(" change ") && change.contains("public.topics_sum") && change.contains("public.topics_src"),
                change);
        String delta = line(lines, "trickle.delta.public.topics_sum ");
        assertTrue(delta.contains(" delta ") && delta.contains("public.topics_src") && !delta.contains("not on the broker"),
                delta);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" internal ") && l.contains("public.topics_sum")),
                "an internal topic (gather or changelog) of the stream table:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("trickle-connect-") && l.contains("Connect worker")), out);
        exec("SELECT pgtrickle.drop_stream_table('topics_sum')", "DROP TABLE topics_src");
    }

    @Test
    void aBrokerThatDoesNotAnswerIsAClearError() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("topics", "--pg-url", stack.pgUrl(), "--bootstrap", "127.0.0.1:1", "--timeout", "2");
        assertEquals(1, status, err.toString());
        assertTrue(err.toString().contains("could not list the topics of the Kafka broker at 127.0.0.1:1"), err.toString());
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

    private static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + prefix.trim() + " in\n" + String.join("\n", lines)));
    }
}
