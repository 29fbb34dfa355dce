package dev.trickle.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The stream tables a new tick fills or refreshes in FULL mode, read in the tick's snapshot. */
final class DueTables {
    /** The ticker's logger: these lines belong to taking a tick. */
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

    private DueTables() {
    }

    /**
     * What the new tick does for stream tables, as its snapshot sees the catalog: the initial fills
     * due, and the stream tables in FULL mode; only those whose sources all still exist.
     */
    static TickReader.LiveTick of(Connection read, long tick, String snapshot, String lsn, List<CapturedSource> sources,
                                   Set<Long> stopped) throws SQLException {
        Set<Long> live = new HashSet<>();
        sources.forEach(s -> live.add(s.relid()));
        Map<Long, CapturedSource> byRelid = new HashMap<>();
        sources.forEach(s -> byRelid.put(s.relid(), s));
        List<Catalog.Fill> fills = new ArrayList<>();
        Map<Long, Long> upstreamTicks = new HashMap<>();
        for (Catalog.Fill f : Catalog.fillsDue(read)) {
            if (live.containsAll(f.sources()) && !stopped.contains(f.pgtId())) {
                fills.add(f);
                for (Long relid : f.sources()) {
                    CapturedSource s = byRelid.get(relid);
                    if (s.upstream() && !upstreamTicks.containsKey(s.streamTable())) {
                        upstreamTicks.put(s.streamTable(), Catalog.upstreamTick(read, s.streamTable()));
                    }
                }
                LOG.info("Initial fill of stream table {} at tick {} starts (snapshot {})", f.displayName(), tick,
                        snapshot);
            }
        }
        List<Catalog.FullTable> fulls = new ArrayList<>();
        for (Catalog.FullTable f : Catalog.fullTables(read)) {
            if (live.containsAll(f.sources()) && !stopped.contains(f.pgtId())) {
                fulls.add(f);
                if (f.needsInit()) {
                    LOG.info("Stream table {} is refreshed in FULL mode from tick {} on (snapshot {})",
                            f.displayName(), tick, snapshot);
                }
            }
        }
        return new TickReader.LiveTick(snapshot, lsn, fills, fulls, upstreamTicks);
    }

}
