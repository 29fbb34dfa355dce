package dev.trickle.streams.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code StreamsMain <streams-app.properties>}: runs the engine until SIGTERM/SIGINT. */
public final class StreamsMain {
    private StreamsMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
            System.err.println("usage: StreamsMain <streams-app.properties>  (see config/streams-app.properties)");
            System.exit(2);
        }
        EngineSupervisor supervisor = new EngineSupervisor(AppConfig.load(Path.of(args[0])));
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::close, "trickle-streams-stop"));
        supervisor.run();
        if (Boolean.getBoolean(EngineSupervisor.WARMUP_ONLY)) {
            System.exit(0); // an exit by itself: the JVM writes its class archive now
        }
    }
}
