package dev.trickle.cli.testing;

import dev.trickle.cli.ChildJvm;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A child main that starts a grandchild {@link Sleeper}, prints its pid, and waits. */
public final class Spawner {
    private Spawner() {
    }

    public static void main(String[] args) throws InterruptedException {
        ChildJvm grandchild = ChildJvm.builder("grandchild", Sleeper.class.getName())
                .args("grandchild")
                .maxHeap("64m")
                .logFile(Path.of(args[0]))
                .build()
                .start();
        System.out.println("grandchild pid " + grandchild.pid());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
