package dev.trickle.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The throughput report's capture parts: where PostgreSQL's backends and Connect's WAL decoding thread spend their CPU
 * per row change, and, with trigger and WAL capture measured in one run, both side by side against issue 11's
 * targets (WAL's sustained rate ≥ 1.5× trigger's and ≥ 0.3 of PostgreSQL's own; its write side within the noise of
 * no capture).
 */
final class ThroughputCdcReport {
    static final double TARGET_WAL_OVER_TRIGGER = 1.5;
    static final double TARGET_WAL_RATIO = 0.3;
    static final String PG_OTHER = BackendCpu.PG + "other (postmaster, exited backends)";

    private ThroughputCdcReport() {
    }

    /** Row changes written in phase {@code p}, in thousands; NaN where the phase did not run. */
    static double thousands(ThroughputReport r, String p) {
        Writers.Result w = "a".equals(p) ? r.pgAlone : "b".equals(p) ? r.sustained : r.fresh;
        return w == null ? Double.NaN : w.transactions() * (double) Writers.ROW_CHANGES / 1000;
    }

    /** CPU ms per 1,000 row changes of {@code group} in phase {@code p}: a component, or a group of {@link BackendCpu}. */
    static double perThousand(ThroughputReport r, String p, String group) {
        if (ThroughputCdcReport.PG_OTHER.equals(group)) {
            return pgOther(r, p) / thousands(r, p);
        }
        Map<String, Double> m = group.startsWith(BackendCpu.PG) || group.equals(BackendCpu.DECODER) ? r.detail.get(p)
                : r.cpu.get(p);
        double ms = m == null ? -1 : m.getOrDefault(group, 0.0);
        return ms < 0 ? Double.NaN : ms / thousands(r, p);
    }

    /** PostgreSQL's CPU that no listed backend accounts for: the postmaster's own and that of processes that ended. */
    private static double pgOther(ThroughputReport r, String p) {
        Map<String, Double> cpu = r.cpu.get(p);
        Map<String, Double> d = r.detail.get(p);
        if (cpu == null || d == null || cpu.getOrDefault(ComponentCpu.POSTGRES, -1.0) < 0) {
            return Double.NaN;
        }
        double listed = d.entrySet().stream().filter(e -> e.getKey().startsWith(BackendCpu.PG))
                .mapToDouble(Map.Entry::getValue).sum();
        return Math.max(0, cpu.get(ComponentCpu.POSTGRES) - listed);
    }

    /** The writers' backends, µs of CPU per transaction in phase {@code p}: the write side's cost. */
    static double writerMicrosPerTx(ThroughputReport r, String p) {
        return perThousand(r, p, BackendCpu.WRITERS) * 1000 / (1000.0 / Writers.ROW_CHANGES);
    }

    /** PostgreSQL's CPU by backend and Connect's WAL decoding thread, per 1,000 row changes, in (a) and (b). */
    static void detailTable(StringBuilder b, ThroughputReport r) {
        if (!r.detail.containsKey("a") || !r.detail.containsKey("b") || r.pgAlone == null || r.sustained == null) {
            return;
        }
        TreeSet<String> groups = new TreeSet<>(r.detail.get("a").keySet());
        groups.addAll(r.detail.get("b").keySet());
        List<String> rows = new ArrayList<>(groups);
        rows.add(PG_OTHER);
        b.append("\nWhere PostgreSQL's and Connect's CPU went, ms per 1,000 row changes written (PostgreSQL's backends by "
                + "`application_name`):\n\n| process | (a) PostgreSQL alone | (b) pipeline flat out + catch-up |\n|---|---:|---:|\n");
        for (String g : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", g, perThousand(r, "a", g), perThousand(r, "b", g)));
        }
        b.append(String.format(Locale.ROOT, "%nThe write side: the writers' backends spent %.0f µs of CPU per transaction "
                + "on the uncaptured tables (a) and %.0f µs on the %s-captured ones (b).%n", writerMicrosPerTx(r, "a"),
                writerMicrosPerTx(r, "b"), r.pipeline.cdc()));
    }

    /** Trigger and WAL capture side by side, when both ran and both pipelines' results are right; else "". */
    static String comparison(List<ThroughputReport> reports) {
        ThroughputReport t = find(reports, ThroughputPipeline.TRIGGER);
        ThroughputReport w = find(reports, ThroughputPipeline.WAL);
        if (t == null || w == null || !t.verified() || !w.verified()) {
            return "";
        }
        StringBuilder b = new StringBuilder("# Trigger and WAL capture in one run\n\n");
        b.append("The same writers on the " + reports.get(0).pipeline.cdc() + "-captured tables, then on the "
                + reports.get(1).pipeline.cdc() + "-captured copy; phase (a) is shared. CPU in ms per 1,000 row changes "
                + "written in (b).\n\n| measure | trigger | WAL | WAL / trigger |\n|---|---:|---:|---:|\n");
        double pg = t.pgAlone.rowChangesPerSecond();
        row(b, "(b) writers flat out, tx/s", t.sustained.txPerSecond(), w.sustained.txPerSecond(), "%,.0f");
        row(b, "(b) catch-up, s", t.catchUpSeconds, w.catchUpSeconds, "%,.1f");
        row(b, "**(b) sustained, row changes/s**", t.sustainedRate(), w.sustainedRate(), "%,.0f");
        row(b, "**ratio to PostgreSQL alone**", t.sustainedRate() / pg, w.sustainedRate() / pg, "%.3f");
        for (String comp : List.of(ComponentCpu.POSTGRES, ComponentCpu.BROKER, ComponentCpu.CONNECT, ComponentCpu.STREAMS,
                ComponentCpu.BENCH, ComponentCpu.STACK)) {
            row(b, "CPU: " + comp, perThousand(t, "b", comp), perThousand(w, "b", comp), "%.1f");
        }
        for (String g : List.of(BackendCpu.WRITERS, BackendCpu.WALSENDER, BackendCpu.PG + "trickle-source wal buffers",
                BackendCpu.PG + "trickle-source wal ticks", BackendCpu.PG + "trickle-source ticks",
                BackendCpu.PG + "trickle-source catalog", BackendCpu.DECODER)) {
            row(b, "CPU: " + g, perThousand(t, "b", g), perThousand(w, "b", g), "%.1f");
        }
        row(b, "write side: the writers' backends, µs per transaction", writerMicrosPerTx(t, "b"), writerMicrosPerTx(w, "b"),
                "%.0f");
        double plain = writerMicrosPerTx(t, "a");
        double speedup = w.sustainedRate() / t.sustainedRate();
        b.append(String.format(Locale.ROOT, "%nOn the uncaptured copy (a) the writers' backends spent %.0f µs per transaction: "
                + "trigger capture adds %+.0f%%, WAL capture %+.0f%% on the writers' side.%n%nTargets of issue 11: WAL's "
                + "sustained rate ≥ %.1f× trigger's (%.2f×: %s) and ≥ %.1f of PostgreSQL's own (%.3f: %s).%n%n", plain,
                100 * (writerMicrosPerTx(t, "b") / plain - 1), 100 * (writerMicrosPerTx(w, "b") / plain - 1),
                TARGET_WAL_OVER_TRIGGER, speedup, speedup >= TARGET_WAL_OVER_TRIGGER ? "met" : "not met", TARGET_WAL_RATIO,
                w.sustainedRate() / pg, w.sustainedRate() / pg >= TARGET_WAL_RATIO ? "met" : "not met"));
        return b.toString();
    }

    private static ThroughputReport find(List<ThroughputReport> reports, ThroughputPipeline p) {
        return reports.stream().filter(r -> r.pipeline.equals(p)).findFirst().orElse(null);
    }

    private static void row(StringBuilder b, String measure, double trigger, double wal, String format) {
        b.append("| ").append(measure).append(" | ").append(fmt(format, trigger)).append(" | ").append(fmt(format, wal))
                .append(" | ").append(trigger > 0 && wal >= 0 ? String.format(Locale.ROOT, "%.2f", wal / trigger) : "–")
                .append(" |\n");
    }

    private static String fmt(String format, double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, format, v);
    }
}
