package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What issue #4 asks a new user to try: {@code trickle transfers} against the running stack, with the
 * streams app killed and restarted in the middle; the reader never sees a wrong total and the stream
 * tables end equal to their queries.
 */
class TransfersCommandEndToEndTest extends E2eSupport {
    @Test
    void transfersPassWhileTheStreamsAppIsKilledAndRestarted() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        CompletableFuture<Integer> run;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            run = CompletableFuture.supplyAsync(() -> Main.execute("transfers", "--pg-url", stack.pgUrl(),
                    "--seconds", "15", "--writers", "3", "--accounts", "20", "--prefix", "cmd_tr", "--drop"));
            await("the transfers to start", () -> buffer.toString(StandardCharsets.UTF_8).contains("transfers committed"));
            stack.killStreams();
            stack.restartStreams();
            int status = run.get(5, TimeUnit.MINUTES);
            String out = buffer.toString(StandardCharsets.UTF_8);
            original.println(out);
            assertEquals(0, status, out);
            assertTrue(out.contains("transfers passed") && out.contains(" 0 wrong totals seen"), out);
            assertTrue(out.contains("public.cmd_tr_total: equal to its query"), out);
            assertTrue(out.contains("public.cmd_tr_by_branch: equal to its query"), out);
        } finally {
            System.setOut(original);
        }
    }
}
