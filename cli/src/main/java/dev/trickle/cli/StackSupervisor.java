package dev.trickle.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps {@code trickle local} running when one of its processes dies (a crash, or a user trying what
 * a SIGKILL does): every second it looks at PostgreSQL (embedded), the broker, each Connect worker and
 * each streams app instance, and starts again whatever has stopped, saying so. Nothing is lost by the
 * stop: the components resume from what PostgreSQL and Kafka recorded (docs/consistency.md).
 */
final class StackSupervisor implements Runnable {
    private static final long PERIOD_MS = 1000;

    private final LocalStack stack;
    private final Progress progress;
    private volatile boolean stopped;
    private int restarts;

    StackSupervisor(LocalStack stack, Progress progress) {
        this.stack = stack;
        this.progress = progress;
    }

    void stop() {
        stopped = true;
    }

    int restarts() {
        return restarts;
    }

    /** The processes of the stack, for a user who wants to stop one. */
    static String describe(LocalStack stack) {
        List<String> parts = new ArrayList<>();
        if (stack.postgres().isEmbedded()) {
            parts.add("PostgreSQL " + stack.postgres().describe());
        }
        parts.add("broker pid " + stack.broker().process().pid());
        stack.broker().controllerProcess().ifPresent(c -> parts.add("Kafka controller pid " + c.pid()));
        for (ConnectWorker w : stack.connectWorkers()) {
            parts.add(w.process().name() + " pid " + w.process().pid());
        }
        for (ChildJvm s : stack.streamsApps()) {
            parts.add(s.name() + " pid " + s.pid());
        }
        return String.join(", ", parts);
    }

    @Override
    public void run() {
        while (!stopped && !stack.isClosing()) {
            try {
                checkOnce();
                Thread.sleep(PERIOD_MS); // a dead component is noticed within a second
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | java.util.concurrent.TimeoutException e) {
                progress.line("could not restart a component: " + Main.message(e) + "; trying again");
            }
        }
    }

    /** Starts again what has stopped; returns how many components it restarted. */
    int checkOnce() throws InterruptedException, java.util.concurrent.TimeoutException {
        int before = restarts;
        if (stack.postgres().isEmbedded() && !stack.postgres().isRunning() && !stack.isClosing()) {
            progress.line("PostgreSQL stopped; starting it again (crash recovery from its WAL)");
            stack.restartPostgres();
            restarted("PostgreSQL");
        }
        if (!stack.broker().isRunning() && !stack.isClosing()) {
            ChildJvm stopped = stack.broker().process().isAlive()
                    ? stack.broker().controllerProcess().orElse(stack.broker().process()) : stack.broker().process();
            progress.line("the " + (stopped == stack.broker().process() ? "Kafka broker" : "Kafka controller")
                    + " stopped (" + exit(stopped) + "); starting it again");
            stack.restartBroker();
            restarted("the Kafka broker");
        }
        for (ConnectWorker w : stack.connectWorkers()) {
            if (!w.isRunning() && !stack.isClosing()) {
                progress.line(w.process().name() + " stopped (" + exit(w.process()) + "); starting it again");
                w.restart(stack.timeout());
                restarted(w.process().name() + " (its connectors' tasks resume from their last commits)");
            }
        }
        for (ChildJvm s : stack.streamsApps()) {
            if (!s.isAlive() && !stack.isClosing()) {
                progress.line(s.name() + " stopped (" + exit(s) + "); starting it again");
                s.restart();
                restarted(s.name() + " (it restores its state from the changelogs)");
            }
        }
        return restarts - before;
    }

    private void restarted(String what) {
        restarts++;
        progress.line("restarted " + what);
    }

    private static String exit(ChildJvm child) {
        return child.exitCode().stream().mapToObj(c -> c == 137 || c == 9 ? "killed, status " + c : "status " + c)
                .findFirst().orElse("exited");
    }
}
