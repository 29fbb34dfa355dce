package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The changes of a tick's WAL-captured sources, straight from the decoder ({@link WalHeld}): the held
 * transactions the tick's snapshot sees and the previous tick's does not, taken as the decoder files them until it
 * has passed the tick's WAL marker (so that a tick bigger than memory streams through). Each source's rows are
 * read back through its change buffer's row type ({@code unnest(<literal>::buffer[])}: the buffer's input
 * functions, no write), so that they reach the records as trigger-captured rows do: one codec
 * ({@link TickSteps.Changes}).
 */
final class WalChanges implements TickSteps.Step {
    /** Rows per query. */
    private static final int CHUNK = 2_000;

    private final Connection connection;
    private final RecordFactory.Tick tick;
    private final Map<Long, CapturedSource> sources;
    private final WalCapture wal;
    private final long marker;
    private final WalHeld.Snapshot upper;
    private final WalHeld.Snapshot lower;
    private final int fetchSize;
    private final long[] counter;
    private final TickSteps.SourceFailures failures;
    private final Map<Long, long[]> rows = new HashMap<>();
    private final Map<Long, List<String>> bufferColumns = new HashMap<>();
    private final Map<Long, List<WalHeld.Row>> waiting = new HashMap<>();
    private final Deque<Long> order = new ArrayDeque<>();
    private TickSteps.Changes current;
    private long currentSource;

    WalChanges(Connection connection, RecordFactory.Tick tick, Map<Long, CapturedSource> sources, WalCapture wal,
               long marker, String upper, String lower, int fetchSize, long[] counter,
               TickSteps.SourceFailures failures) {
        this.connection = connection;
        this.tick = tick;
        this.sources = sources;
        this.wal = wal;
        this.marker = marker;
        this.upper = WalHeld.Snapshot.parse(upper);
        this.lower = WalHeld.Snapshot.parse(lower);
        this.fetchSize = fetchSize;
        this.counter = counter;
        this.failures = failures;
        sources.keySet().forEach(relid -> rows.put(relid, new long[1]));
    }

    /** The source's decoded rows in this tick so far (all of them once the step is done). */
    long rows(long relid) {
        long[] n = rows.get(relid);
        return n == null ? 0 : n[0];
    }

    @Override
    public boolean emit(List<SourceRecord> out, int room) throws SQLException {
        int start = out.size();
        while (out.size() - start < room) {
            if (current != null) {
                if (!current.emit(out, room - (out.size() - start))) {
                    return false;
                }
                current.close();
                rows.get(currentSource)[0] += current.rows();
                current = null;
            } else if (!order.isEmpty()) {
                current = next(order.peekFirst());
            } else {
                // read before taking: once the decoder has passed the marker, what it holds is all the tick sees
                boolean passed = wal.hasPassed(marker);
                if (take() > 0) {
                    continue;
                }
                if (passed) {
                    return true;
                }
                if (out.size() > start) {
                    return false;
                }
                try {
                    wal.awaitPassed(marker, 200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
        }
        return false;
    }

    /** Takes the held transactions the tick sees; returns their rows of the tick's sources. */
    private int take() throws SQLException {
        WalHeld held = wal.held();
        if (held == null) {
            wal.check();
            throw new SQLException("WAL capture is not running", "55000");
        }
        int n = 0;
        for (WalHeld.Txn t : held.take(upper, lower, tick.tick)) {
            for (WalHeld.Row r : t.rows) {
                if (!sources.containsKey(r.target().relid())) {
                    continue; // its stream tables are in ERROR (a refresh fills them from the table)
                }
                List<WalHeld.Row> list = waiting.computeIfAbsent(r.target().relid(), k -> new ArrayList<>());
                if (list.isEmpty()) {
                    order.add(r.target().relid());
                }
                list.add(r);
                n++;
            }
        }
        return n;
    }

    /** A query over the next rows (up to {@link #CHUNK}) of source {@code relid}. */
    private TickSteps.Changes next(long relid) throws SQLException {
        List<WalHeld.Row> list = waiting.get(relid);
        int n = Math.min(CHUNK, list.size());
        List<WalHeld.Row> chunk = new ArrayList<>(list.subList(0, n));
        list.subList(0, n).clear();
        if (list.isEmpty()) {
            order.pollFirst();
            waiting.remove(relid);
        }
        CapturedSource source = sources.get(relid);
        String literal = literal(chunk, columns(source));
        String sql = "SELECT b.* FROM unnest(CAST(?::text AS " + source.buffer() + "[])) b";
        currentSource = relid;
        return new TickSteps.Changes(connection, tick, source, sql, new String[] {literal}, fetchSize, counter,
                failures);
    }

    /** The buffer's columns now, in order (the change id, xid and op first, then the source's). */
    private List<String> columns(CapturedSource source) throws SQLException {
        List<String> cols = bufferColumns.get(source.relid());
        if (cols == null) {
            cols = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                    + "CAST(? AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
                ps.setString(1, source.buffer());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        cols.add(rs.getString(1));
                    }
                }
            }
            bufferColumns.put(source.relid(), cols);
        }
        return cols;
    }

    /**
     * The array literal of buffer rows for {@code chunk}: (change id NULL, xid, op, the source's columns by name;
     * NULL where the decoded row lacks one). Each row is a record literal quoted as an array element.
     */
    static String literal(List<WalHeld.Row> chunk, List<String> bufferColumns) {
        Map<WalApplier.Target, int[]> positions = new IdentityHashMap<>();
        StringBuilder array = new StringBuilder("{");
        StringBuilder rec = new StringBuilder();
        for (WalHeld.Row r : chunk) {
            int[] pos = positions.computeIfAbsent(r.target(), t -> positions(t, bufferColumns));
            rec.setLength(0);
            rec.append('(');
            for (int i = 0; i < bufferColumns.size(); i++) {
                if (i > 0) {
                    rec.append(',');
                }
                String v = switch (i) {
                    case 0 -> null;
                    case 1 -> Long.toUnsignedString(r.xid());
                    case 2 -> String.valueOf(r.op());
                    default -> pos[i] < 0 ? null : r.values()[pos[i]];
                };
                if (v != null) {
                    quote(rec, v);
                }
            }
            rec.append(')');
            if (array.length() > 1) {
                array.append(',');
            }
            quote(array, rec);
        }
        return array.append('}').toString();
    }

    private static int[] positions(WalApplier.Target t, List<String> bufferColumns) {
        int[] pos = new int[bufferColumns.size()];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i < 3 ? -1 : t.columns().indexOf(bufferColumns.get(i));
            if (pos[i] >= 0 && t.types()[pos[i]] == null) {
                pos[i] = -1;
            }
        }
        return pos;
    }

    /** Appends {@code v} double-quoted, backslash and quote escaped (record and array literals alike). */
    private static void quote(StringBuilder out, CharSequence v) {
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }
}
