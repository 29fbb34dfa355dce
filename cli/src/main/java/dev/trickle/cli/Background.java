package dev.trickle.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** One start step run on a thread of its own while the caller does another; its result or failure is awaited. */
final class Background<T> {
    private final FutureTask<T> task;

    private Background(FutureTask<T> task) {
        this.task = task;
    }

    static <T> Background<T> start(String threadName, Callable<T> step) {
        FutureTask<T> task = new FutureTask<>(step);
        Thread t = new Thread(task, threadName);
        t.setDaemon(true); // a JVM that exits does not wait for a start nobody awaits any more
        t.start();
        return new Background<>(task);
    }

    /** The step's result; its own exception (or error) if it failed. */
    T await() throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * After the caller's own step failed with {@code failure}: the step's result, so that what it started can be
     * stopped, or null if it failed too (its failure then added to {@code failure}) or the wait was interrupted.
     */
    T awaitAfterFailure(Throwable failure) {
        try {
            return await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.addSuppressed(e);
        } catch (Exception | Error e) {
            failure.addSuppressed(e);
        }
        return null;
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
