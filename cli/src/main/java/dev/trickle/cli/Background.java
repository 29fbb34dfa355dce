package dev.trickle.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** One step (of a stop) run on a thread of its own while the caller does another, then awaited. */
final class Background<T> {
    private final FutureTask<T> task;

    private Background(FutureTask<T> task) {
        this.task = task;
    }

    static <T> Background<T> start(String threadName, Callable<T> step) {
        FutureTask<T> task = new FutureTask<>(step);
        Thread t = new Thread(task, threadName);
        t.setDaemon(true); // never keeps a JVM from exiting: the caller joins it
        t.start();
        return new Background<>(task);
    }

    /** Waits until the step has ended, whatever its outcome (for a step that reports its own failures). */
    void join() {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // reported by the step itself
        }
    }
}
