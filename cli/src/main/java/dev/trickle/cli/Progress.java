package dev.trickle.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Short progress lines ("starting PostgreSQL... done (1.4 s)") on a stream, or nowhere. */
public final class Progress {
    private final PrintStream out;

    public Progress(PrintStream out) {
        this.out = out;
    }

    public static Progress silent() {
        return new Progress(null);
    }

    public void line(String text) {
        if (out != null) {
            out.println(text);
            out.flush();
        }
    }

    /** Runs {@code action}, printing {@code what...} then {@code done (t s)} or {@code failed (t s)}. */
    public <T> T step(String what, Callable<T> action) throws Exception {
        if (out != null) {
            out.print(what + "... ");
            out.flush();
        }
        long start = System.nanoTime();
        try {
            T result = action.call();
            line("done (" + elapsed(start) + ")");
            return result;
        } catch (Exception | Error e) {
            line("failed (" + elapsed(start) + ")");
            throw e;
        }
    }

    public interface Action {
        void run() throws Exception;
    }

    public void step(String what, Action action) throws Exception {
        step(what, () -> {
            action.run();
            return null;
        });
    }

    static String elapsed(long startNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }
}
