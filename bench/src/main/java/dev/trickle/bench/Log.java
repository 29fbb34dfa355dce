package dev.trickle.bench;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Progress lines on stderr, with the time of day and the seconds since start. */
final class Log {
    private static final long START = System.nanoTime();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Log() {
    }

    static void step(String format, Object... args) {
        System.err.printf("[bench %s +%4.0fs] %s%n", LocalTime.now().format(TIME), (System.nanoTime() - START) / 1e9,
                String.format(format, args));
        System.err.flush();
    }
}
