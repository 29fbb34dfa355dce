package dev.trickle.cli.testing;

import java.util.concurrent.CountDownLatch;

/** A child main that says it started, says so again when told to stop, and otherwise waits. */
public final class Sleeper {
    private Sleeper() {
    }

    public static void main(String[] args) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("sleeper stopping")));
        System.out.println("sleeper started " + String.join(" ", args));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
