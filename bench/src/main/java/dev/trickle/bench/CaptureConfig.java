package dev.trickle.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Settings of the write-side capture matrix (issue 11, item 4), from system properties {@code -Dbench.capture.*}:
 * rows per bulk statement, interleaved repetitions per cell, seconds and client threads per single-row cell, the
 * size of the table the single-row transactions work on, the capture modes and table widths. {@link #quick()}
 * is the small form the module's test runs so that the benchmark cannot rot.
 */
record CaptureConfig(int bulkRows, int reps, int singleSeconds, int clients, int singleTableRows,
                     List<CaptureMode> modes, List<Integer> widths, String pgUrl, Path out) {

    static CaptureConfig fromSystemProperties() {
        return new CaptureConfig(
                intProp("bench.capture.rows", 10_000),
                intProp("bench.capture.reps", 5),
                intProp("bench.capture.seconds", 10),
                intProp("bench.capture.clients", 4),
                intProp("bench.capture.tableRows", 10_000),
                modes(System.getProperty("bench.capture.modes", "none,statement,row,wal")),
                widths(System.getProperty("bench.capture.widths", "3,10,30")),
                System.getProperty("bench.pg.url"),
                Path.of(System.getProperty("bench.out", "target/bench-capture-results.md"))).checked();
    }

    /** A run of seconds: every mode and width, tiny sizes. */
    static CaptureConfig quick(Path out) {
        return new CaptureConfig(200, 1, 1, 2, 100, List.of(CaptureMode.values()), List.of(3, 10, 30), null, out).checked();
    }

    /** Refuses settings the run cannot use, naming the property to fix. */
    CaptureConfig checked() {
        require(bulkRows >= 1, "bench.capture.rows", bulkRows, "at least 1");
        require(reps >= 1, "bench.capture.reps", reps, "at least 1");
        require(singleSeconds >= 1, "bench.capture.seconds", singleSeconds, "at least 1");
        require(clients >= 1, "bench.capture.clients", clients, "at least 1");
        require(singleTableRows >= 10, "bench.capture.tableRows", singleTableRows, "at least 10");
        if (!modes.contains(CaptureMode.NONE)) {
            throw new IllegalArgumentException("bench.capture.modes must include none: every overhead is measured against it");
        }
        for (int w : widths) {
            require(w >= 2, "bench.capture.widths", w, "at least 2 columns (a key and a value)");
        }
        return this;
    }

    private static List<CaptureMode> modes(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(CaptureMode::parse).distinct().toList();
    }

    private static List<Integer> widths(String text) {
        try {
            return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).distinct().toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bench.capture.widths must be column counts separated by commas, like 3,10,30, not '"
                    + text + "'", e);
        }
    }

    private static void require(boolean ok, String property, long value, String what) {
        if (!ok) {
            throw new IllegalArgumentException(property + " is " + value + ": it must be " + what);
        }
    }

    private static int intProp(String name, int defaultValue) {
        String v = System.getProperty(name);
        try {
            return v == null || v.isBlank() ? defaultValue : Integer.parseInt(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + v + "'", e);
        }
    }
}
