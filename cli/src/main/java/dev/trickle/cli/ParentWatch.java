package dev.trickle.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM that {@link ChildJvm} starts: {@code ParentWatch <main class> <args...>}.
 *
 * <p>A daemon thread reads standard input, which is a pipe whose write end only the parent holds. When
 * the parent goes away (also by {@code kill -9}) the pipe reaches end-of-file and this JVM halts at
 * once, so that no broker, worker or streams app outlives the process that started it. Then the real
 * main class is invoked by reflection with the remaining arguments.
 *
 * <p>A child ignores SIGINT and SIGHUP: a terminal's Ctrl-C (or its closing) signals the whole foreground
 * process group, and children that each began their own shutdown at that moment would wait out each other's
 * timeouts (a worker for the broker that is already gone, ~30 s). The parent gets the signal too, and stops
 * its children in order with SIGTERM, which they still obey; if the parent dies instead, the pipe ends them.
 */
public final class ParentWatch {
    /** Exit status of a child halted because its parent went away. */
    public static final int ORPHANED_EXIT_CODE = 143;

    private ParentWatch() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: ParentWatch <main class> [args...]");
            System.exit(2);
        }
        if (!Boolean.getBoolean("trickle.parentwatch.disabled")) {
            Thread watch = new Thread(ParentWatch::watch, "trickle-parent-watch");
            watch.setDaemon(true);
            watch.start();
            ignoreTerminalSignals();
        }
        String mainClass = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Method main = Class.forName(mainClass).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) rest);
        } catch (InvocationTargetException e) {
            // Show the real failure, exit non-zero even if non-daemon threads are left behind.
            System.err.println("main class " + mainClass + " failed:");
            e.getCause().printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    @SuppressWarnings("removal")
    private static void ignoreTerminalSignals() {
        for (String name : new String[] {"INT", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sun.misc.SignalHandler.SIG_IGN);
            } catch (IllegalArgumentException e) {
                // not a signal on this platform, or one the JVM keeps (-Xrs): the parent still stops us in order
            }
        }
    }

    private static void watch() {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // The parent writes nothing; any input is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the same thing as end-of-file: the parent is gone.
        }
        System.err.println("[trickle] parent process went away; halting " + ProcessHandle.current().pid());
        System.err.flush();
        Runtime.getRuntime().halt(ORPHANED_EXIT_CODE);
    }
}
