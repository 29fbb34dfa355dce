package dev.trickle.source;

import dev.trickle.source.TickSteps.Step;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * One tick being handed out, in this order: for each stream table filled at the tick and each of its
 * sources, Init markers on every partition; then for each source, its changed rows (by change id);
 * then for each fill and source, all the source's rows tagged with the stream table; then, for each
 * stream table in FULL mode, its refreshed rows (when due) and End markers on its delta topic; then End
 * markers on every partition of every source. The final End marker is the tick's last record.
 *
 * <p>The Init markers come first so that a consumer knows about the fill before it sees the tick's
 * changed rows, which the fill's snapshot already holds: a stream table filled again (refreshed) would
 * otherwise take that tick's changes on top of the snapshot.
 */
final class TickReader implements AutoCloseable {
    final RecordFactory.Tick tick;
    /** Set for a new tick (null when a stored tick is replayed). */
    final LiveTick live;
    private final Deque<Step> steps = new ArrayDeque<>();
    private final long[] changeRows = new long[1];
    private final long[] fillRows = new long[1];
    private final long[] fullRows = new long[1];
    private final List<FullRefresh> fulls = new ArrayList<>();
    private SourceRecord last;

    /**
     * What a new tick records in the catalog once all its records are read, and the stream tables in
     * FULL mode it refreshes (or at least ends).
     */
    record LiveTick(String snapshot, String lsn, List<Catalog.Fill> fills, List<Catalog.FullTable> fulls,
                    Map<Long, Long> upstreamTicks) {
        LiveTick(String snapshot, String lsn, List<Catalog.Fill> fills, List<Catalog.FullTable> fulls) {
            this(snapshot, lsn, fills, fulls, Map.of());
        }
    }

    /**
     * Sources that fail: {@code unread} are the sources whose changes are not read (every stream table
     * over them is in ERROR); {@code source} puts the stream tables over a source whose changes could not
     * be read in ERROR.
     */
    interface Failed {
        java.util.Set<Long> unread();

        void source(CapturedSource source, String message) throws SQLException;

        /** Puts a stream table whose initial fill failed in ERROR. */
        void fill(Catalog.Fill fill, String message) throws SQLException;

        /** Whether a new tick reads the source's changes with the columns its snapshot has. */
        default boolean sameColumns(CapturedSource source, List<String> columns) {
            return true;
        }
    }

    private TickReader(RecordFactory.Tick tick, LiveTick live) {
        this.tick = tick;
        this.live = live;
    }

    /** A new tick, read in the caller's open REPEATABLE READ transaction at {@code live.snapshot}. */
    static TickReader live(Connection c, RecordFactory.Tick tick, List<CapturedSource> sources, String previous,
                           LiveTick live, int partitions, int fetchSize, FullRefresh.Failures failures,
                           Failed failed, FillProgress fillProgress) {
        return live(c, tick, sources, previous, live, partitions, fetchSize, failures, failed, fillProgress, null);
    }

    /**
     * The sources captured from the WAL in a new tick: their buffer rows are read on a session of their own
     * ({@code connection}), by the tick's snapshot and the previous one, once {@code barrier} (the decoder passing
     * the WAL marker written right after the tick's snapshot) lets that session's snapshot see them all.
     */
    record Wal(Connection connection, java.util.Set<Long> relids, Step barrier) {
    }

    static TickReader live(Connection c, RecordFactory.Tick tick, List<CapturedSource> sources, String previous,
                           LiveTick live, int partitions, int fetchSize, FullRefresh.Failures failures,
                           Failed failed, FillProgress fillProgress, Wal wal) {
        TickReader r = new TickReader(tick, live);
        TickSteps.SourceFailures sourceFailures = new TickSteps.SourceFailures() {
            @Override
            public void failed(CapturedSource source, String message, boolean handedOut) throws SQLException {
                failed.source(source, message);
                boolean fillsIt = live.fills().stream().anyMatch(f -> f.sources().contains(source.relid()))
                        || live.fulls().stream().anyMatch(f -> f.sources().contains(source.relid()));
                if (handedOut || fillsIt) {
                    // what left cannot be taken back, and a fill of a stream table now in ERROR would make it
                    // ACTIVE again: the tick is taken again, without the source (its stream tables are in ERROR)
                    throw new FullRefresh.TickRestart("Tick " + tick.tick + " is taken again without the changes of "
                            + source.displayName() + ", which could not be read", null);
                }
            }

            @Override
            public void opened(CapturedSource source, List<String> columns) {
                if (!failed.sameColumns(source, columns)) {
                    throw new FullRefresh.TickRestart("Tick " + tick.tick + " is taken again: source table "
                            + source.displayName() + " was altered while the tick was read", null);
                }
            }
        };
        Map<Long, TickSteps.Changes> changes = new HashMap<>();
        for (CapturedSource s : sources) {
            if (s.upstream() || failed.unread().contains(s.relid())) {
                // an upstream stream table's changes are its delta topic; a source whose stream tables are all
                // in ERROR has no reader (a refresh fills them anew from the table)
                continue;
            }
            boolean fromWal = wal != null && wal.relids().contains(s.relid());
            if (fromWal && !r.steps.contains(wal.barrier())) {
                r.steps.add(wal.barrier());
            }
            TickSteps.Changes step = fromWal
                    ? new TickSteps.Changes(wal.connection(), tick, s, live.snapshot(), previous, fetchSize,
                            r.changeRows, sourceFailures)
                    : new TickSteps.Changes(c, tick, s, null, previous, fetchSize, r.changeRows, sourceFailures);
            changes.put(s.relid(), step);
            r.steps.add(step);
        }
        Map<Long, CapturedSource> byRelid = sources.stream()
                .collect(Collectors.toMap(CapturedSource::relid, s -> s));
        List<Step> inits = new ArrayList<>();
        for (Catalog.Fill fill : live.fills()) {
            for (Long relid : fill.sources()) {
                CapturedSource s = byRelid.get(relid);
                Long upstreamTick = s.upstream() ? live.upstreamTicks().get(s.streamTable()) : null;
                inits.add(new TickSteps.InitMarkers(tick, s, fill.pgtId(), upstreamTick, partitions));
                r.steps.add(new TickSteps.FillRows(c, tick, s, fill, fetchSize, r.fillRows, failed::fill, fillProgress));
            }
        }
        for (int i = inits.size() - 1; i >= 0; i--) {
            r.steps.addFirst(inits.get(i));
        }
        for (Catalog.FullTable full : live.fulls()) {
            // a FULL stream table over a stream table cannot see from buffers whether the upstream moved
            boolean readsUpstream = full.sources().stream().anyMatch(relid -> byRelid.get(relid).upstream());
            List<TickSteps.Changes> of = full.sources().stream().map(changes::get).filter(Objects::nonNull).toList();
            FullRefresh step = new FullRefresh(c, tick, full, tick.deltaTopic(full.schema(), full.name()),
                    () -> readsUpstream || of.stream().anyMatch(ch -> ch.rows() > 0), fetchSize, r.fullRows,
                    failures);
            r.fulls.add(step);
            r.steps.add(step);
        }
        addRewriteChecks(r, c, tick, sources, changes.keySet(), live, wal);
        r.steps.add(new TickSteps.EndMarkers(tick, sources, partitions));
        return r;
    }

    /** After the reads, on each session that read: no table read was rewritten after the snapshot (see {@link RewriteCheck}). */
    private static void addRewriteChecks(TickReader r, Connection c, RecordFactory.Tick tick, List<CapturedSource> sources,
                                         java.util.Set<Long> changesRead, LiveTick live, Wal wal) {
        List<String> buffers = new ArrayList<>();
        List<String> walBuffers = new ArrayList<>();
        for (CapturedSource s : sources) {
            if (changesRead.contains(s.relid())) {
                (wal != null && wal.relids().contains(s.relid()) ? walBuffers : buffers).add(s.buffer());
            }
        }
        java.util.Set<Long> tables = new java.util.TreeSet<>();
        live.fills().forEach(f -> tables.addAll(f.sources()));
        live.fulls().forEach(f -> tables.addAll(f.sources()));
        RewriteCheck onTick = new RewriteCheck(c, tick.tick, tables, buffers);
        if (!onTick.empty()) {
            r.steps.add(onTick);
        }
        if (!walBuffers.isEmpty()) {
            r.steps.add(new RewriteCheck(wal.connection(), tick.tick, List.of(), walBuffers));
        }
    }

    /** A stored tick handed out again: its rows are those visible in its snapshot and not in the previous. */
    static TickReader replay(Connection c, RecordFactory.Tick tick, List<CapturedSource> sources, String snapshot,
                             String previous, int partitions, int fetchSize, Failed failed) {
        TickReader r = new TickReader(tick, null);
        TickSteps.SourceFailures sourceFailures = (source, message, handedOut) -> {
            failed.source(source, message);
            if (handedOut) {
                throw new FullRefresh.TickRestart("Tick " + tick.tick + " is sent again without the changes of "
                        + source.displayName() + ", which could not be read", null);
            }
        };
        for (CapturedSource s : sources) {
            if (!s.upstream() && !failed.unread().contains(s.relid())) {
                r.steps.add(new TickSteps.Changes(c, tick, s, snapshot, previous, fetchSize, r.changeRows,
                        sourceFailures));
            }
        }
        List<String> buffers = sources.stream().filter(s -> !s.upstream() && !failed.unread().contains(s.relid()))
                .map(CapturedSource::buffer).toList();
        if (!buffers.isEmpty()) {
            r.steps.add(new RewriteCheck(c, tick.tick, List.of(), buffers));
        }
        r.steps.add(new TickSteps.EndMarkers(tick, sources, partitions));
        return r;
    }

    /** Up to {@code max} more records; the batch that completes the tick ends with its last record. */
    List<SourceRecord> next(int max) throws SQLException {
        List<SourceRecord> out = new ArrayList<>(Math.min(max, 4096));
        while (out.size() < max && !steps.isEmpty()) {
            int before = out.size();
            if (steps.peekFirst().emit(out, max - out.size())) {
                steps.pollFirst().close();
            } else if (out.size() == before) {
                break; // a step that waits (the WAL barrier): the task polls again
            }
        }
        if (!out.isEmpty()) {
            last = out.get(out.size() - 1);
        }
        return out;
    }

    boolean finished() {
        return steps.isEmpty();
    }

    /** The tick's last record, once {@link #finished()}. */
    SourceRecord lastRecord() {
        return last;
    }

    long changeRows() {
        return changeRows[0];
    }

    long fillRows() {
        return fillRows[0];
    }

    long fullRows() {
        return fullRows[0];
    }

    /** Stream tables that got their first fill at this (new) tick: initial fills and FULL refreshes. */
    List<Long> filled() {
        List<Long> out = new ArrayList<>();
        live.fills().forEach(f -> out.add(f.pgtId()));
        fulls.stream().filter(FullRefresh::filled).forEach(f -> out.add(f.pgtId()));
        return out;
    }

    @Override
    public void close() {
        for (Step s : steps) {
            try {
                s.close();
            } catch (SQLException ignored) {
                // the session is being dropped or rolled back anyway
            }
        }
        steps.clear();
    }
}
