package dev.trickle.cli.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Stands in for the streams app: prints the properties file it was given, then waits. */
public final class PrintingMain {
    private PrintingMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("properties from " + args[0] + ":");
        System.out.println(Files.readString(Path.of(args[0])));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
