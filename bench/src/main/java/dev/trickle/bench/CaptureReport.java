package dev.trickle.bench;

import dev.trickle.bench.CaptureBench.Cell;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The capture matrix as Markdown: medians per cell, each mode's overhead against no capture of the same run, and
 * the two targets (statement triggers' bulk overhead at most 40% of row triggers'; statement triggers no
 * slower than row triggers for single-row DML).
 */
final class CaptureReport {
    static final double BULK_TARGET = 0.40;

    final Map<String, String> machine = new LinkedHashMap<>();
    private final CaptureConfig cfg;
    private final CaptureBench bench;

    CaptureReport(CaptureConfig cfg, CaptureBench bench) {
        this.cfg = cfg;
        this.bench = bench;
    }

    double median(String op, int width, CaptureMode mode) {
        return Stats.median(bench.samples.getOrDefault(new Cell(op, width, mode), List.of()));
    }

    /** Bulk: the extra time of the mode over no capture, as a fraction of no capture's time. */
    double bulkOverhead(String op, int width, CaptureMode mode) {
        double none = median(op, width, CaptureMode.NONE);
        return (median(op, width, mode) - none) / none;
    }

    /** Single-row: the extra time per transaction over no capture, as a fraction (from the rates). */
    double singleOverhead(int width, CaptureMode mode) {
        return median(CaptureBench.SINGLE, width, CaptureMode.NONE) / median(CaptureBench.SINGLE, width, mode) - 1;
    }

    /** Statement triggers' bulk overhead as a fraction of row triggers' (the target: at most 0.40). */
    double statementToRow(String op, int width) {
        return bulkOverhead(op, width, CaptureMode.STATEMENT) / bulkOverhead(op, width, CaptureMode.ROW);
    }

    private boolean has(CaptureMode mode) {
        return cfg.modes().contains(mode);
    }

    String markdown() {
        StringBuilder md = new StringBuilder("## Write-side capture matrix\n\n");
        machine.forEach((k, v) -> md.append("* ").append(k).append(": ").append(v).append('\n'));
        md.append(String.format(Locale.ROOT, "* %,d rows per bulk statement; single-row: %d client(s) × %d s on %,d rows; "
                + "%d interleaved repetition(s) per cell, medians%n%n", cfg.bulkRows(), cfg.clients(), cfg.singleSeconds(),
                cfg.singleTableRows(), cfg.reps()));
        md.append("### Bulk DML: ms per statement (overhead against no capture)\n\n| columns | DML |");
        cfg.modes().forEach(m -> md.append(' ').append(m.label).append(" |"));
        boolean ratio = has(CaptureMode.STATEMENT) && has(CaptureMode.ROW);
        md.append(ratio ? " statement overhead / row overhead (target ≤ 0.40) |\n|---|---|" : "\n|---|---|");
        cfg.modes().forEach(m -> md.append("---|"));
        md.append(ratio ? "---|\n" : "\n");
        for (int width : cfg.widths()) {
            for (String op : CaptureBench.BULK_OPS) {
                md.append("| ").append(width).append(" | ").append(op).append(" |");
                for (CaptureMode m : cfg.modes()) {
                    md.append(String.format(Locale.ROOT, " %,.0f", median(op, width, m)));
                    md.append(m == CaptureMode.NONE ? " |" : String.format(Locale.ROOT, " (%+.0f%%) |", 100 * bulkOverhead(op, width, m)));
                }
                if (ratio) {
                    double r = statementToRow(op, width);
                    md.append(String.format(Locale.ROOT, " %.2f %s |", r, r <= BULK_TARGET ? "met" : "**missed**"));
                }
                md.append('\n');
            }
        }
        md.append("\n### Single-row DML: transactions per second (time per transaction against no capture)\n\n| columns |");
        cfg.modes().forEach(m -> md.append(' ').append(m.label).append(" |"));
        md.append(ratio ? " statement rate / row rate (target ≥ 1) |\n|---|" : "\n|---|");
        cfg.modes().forEach(m -> md.append("---|"));
        md.append(ratio ? "---|\n" : "\n");
        for (int width : cfg.widths()) {
            md.append("| ").append(width).append(" |");
            for (CaptureMode m : cfg.modes()) {
                md.append(String.format(Locale.ROOT, " %,.0f", median(CaptureBench.SINGLE, width, m)));
                md.append(m == CaptureMode.NONE ? " |" : String.format(Locale.ROOT, " (%+.0f%%) |", 100 * singleOverhead(width, m)));
            }
            if (ratio) {
                double r = median(CaptureBench.SINGLE, width, CaptureMode.STATEMENT) / median(CaptureBench.SINGLE, width, CaptureMode.ROW);
                md.append(String.format(Locale.ROOT, " %.2f |", r));
            }
            md.append('\n');
        }
        cpuTables(md);
        md.append("\n### Every sample\n\n");
        bench.samples.forEach((cell, v) -> md.append(String.format(Locale.ROOT, "* %s, %d columns, %s: %s%n", cell.op(), cell.width(),
                cell.mode().label, v.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList())));
        bench.cpu.forEach((cell, v) -> md.append(String.format(Locale.ROOT, "* server CPU, %s, %d columns, %s: %s%n", cell.op(),
                cell.width(), cell.mode().label, v.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList())));
        bench.walsenderCpu.forEach((cell, v) -> md.append(String.format(Locale.ROOT, "* walsender CPU, %s, %d columns: %s%n",
                cell.op(), cell.width(), v.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList())));
        bench.walRead.forEach((cell, v) -> md.append(String.format(Locale.ROOT,
                "* pgoutput consumer, %s, %d columns (last repetition): %,d messages, %,d bytes%n", cell.op(), cell.width(), v[0], v[1])));
        return md.toString();
    }

    double cpuMedian(String op, int width, CaptureMode mode) {
        return Stats.median(bench.cpu.getOrDefault(new Cell(op, width, mode), List.of()));
    }

    /** The same cells in server CPU: the writers' backends, and for WAL the walsender decoding next to them. */
    private void cpuTables(StringBuilder md) {
        boolean wal = has(CaptureMode.WAL);
        md.append("\n### Server CPU: the writer's backend, ms per bulk statement (overhead against no capture)\n\n| columns | DML |");
        cfg.modes().forEach(m -> md.append(' ').append(m.label).append(" |"));
        md.append(wal ? " walsender, for the three statements |\n|---|---|" : "\n|---|---|");
        cfg.modes().forEach(m -> md.append("---|"));
        md.append(wal ? "---|\n" : "\n");
        for (int width : cfg.widths()) {
            for (String op : CaptureBench.BULK_OPS) {
                md.append("| ").append(width).append(" | ").append(op).append(" |");
                double none = cpuMedian(op, width, CaptureMode.NONE);
                for (CaptureMode m : cfg.modes()) {
                    double v = cpuMedian(op, width, m);
                    md.append(String.format(Locale.ROOT, " %,.0f", v)).append(m == CaptureMode.NONE ? " |" : overhead(v, none));
                }
                if (wal) {
                    md.append(op.equals("INSERT") ? String.format(Locale.ROOT, " %,.0f ms |", Stats.median(
                            bench.walsenderCpu.getOrDefault(new Cell("bulk", width, CaptureMode.WAL), List.of()))) : " |");
                }
                md.append('\n');
            }
        }
        md.append("\n### Server CPU: the clients' backends, us per single-row transaction (overhead against no capture)\n\n| columns |");
        cfg.modes().forEach(m -> md.append(' ').append(m.label).append(" |"));
        md.append(wal ? " walsender, us per transaction |\n|---|" : "\n|---|");
        cfg.modes().forEach(m -> md.append("---|"));
        md.append(wal ? "---|\n" : "\n");
        for (int width : cfg.widths()) {
            md.append("| ").append(width).append(" |");
            double none = cpuMedian(CaptureBench.SINGLE, width, CaptureMode.NONE);
            for (CaptureMode m : cfg.modes()) {
                double v = cpuMedian(CaptureBench.SINGLE, width, m);
                md.append(String.format(Locale.ROOT, " %,.0f", v)).append(m == CaptureMode.NONE ? " |" : overhead(v, none));
            }
            if (wal) {
                md.append(String.format(Locale.ROOT, " %,.0f |", Stats.median(
                        bench.walsenderCpu.getOrDefault(new Cell(CaptureBench.SINGLE, width, CaptureMode.WAL), List.of()))));
            }
            md.append('\n');
        }
    }

    /** " (+12%) |", or no percentage where the baseline is below the clock's resolution (10 ms of CPU). */
    private static String overhead(double v, double none) {
        return none > 0 ? String.format(Locale.ROOT, " (%+.0f%%) |", 100 * (v - none) / none) : " |";
    }

    void write(java.nio.file.Path out) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, markdown());
    }
}
