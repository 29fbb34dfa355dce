package dev.trickle.bench;

import java.util.Arrays;
import java.util.Locale;

/** How a table of the capture matrix is captured. */
enum CaptureMode {
    /** Not captured: the writer's own cost, the baseline of every overhead. */
    NONE("none", "no capture"),
    /** Trickle's default: statement-level AFTER triggers with transition tables (pgtrickle.cdc_trigger_mode = statement). */
    STATEMENT("statement", "statement triggers"),
    /** 0.3.0's per-row trigger (pgtrickle.cdc_trigger_mode = row). */
    ROW("row", "row triggers"),
    /** In a publication, with a logical slot consumed through pgoutput while the writers run (no trigger). */
    WAL("wal", "WAL (pgoutput)");

    final String key;
    final String label;

    CaptureMode(String key, String label) {
        this.key = key;
        this.label = label;
    }

    static CaptureMode parse(String text) {
        String k = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.key.equals(k)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "bench.capture.modes: unknown capture mode '" + text + "'; use none, statement, row and wal, separated by commas"));
    }
}
