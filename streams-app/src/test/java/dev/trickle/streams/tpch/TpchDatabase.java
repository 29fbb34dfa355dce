package dev.trickle.streams.tpch;

import dev.trickle.streams.plan.TpchAccess;
import java.sql.SQLException;
import java.util.Map;

/**
 * One TPC-H database per test JVM, loaded on first use at the configured scale factor
 * ({@code -Dtrickle.tpch.sf}, default {@value TpchData#DEFAULT_SF}) and shared by the TPC-H test classes
 * (every check rolls its changes back).
 */
final class TpchDatabase {
    private static TpchDatabase instance;

    final TpchData data;
    final TpchAccess access;
    final TpchTicks ticks;
    final Map<String, Integer> rowCounts;
    final long loadMillis;

    private TpchDatabase(TpchData data, TpchAccess access, Map<String, Integer> rowCounts, long loadMillis) {
        this.data = data;
        this.access = access;
        this.ticks = new TpchTicks(access);
        this.rowCounts = rowCounts;
        this.loadMillis = loadMillis;
    }

    static synchronized TpchDatabase get() throws SQLException {
        if (instance == null) {
            long start = System.nanoTime();
            TpchData data = TpchData.configured();
            TpchAccess access = TpchAccess.create("tpch", TpchSchema.TABLES, TpchSchema.DDL);
            Map<String, Integer> counts = data.load(access.connection());
            try (var s = access.connection().createStatement()) {
                s.execute("ANALYZE");
            }
            access.connection().commit();
            instance = new TpchDatabase(data, access, counts, (System.nanoTime() - start) / 1_000_000);
        }
        return instance;
    }
}
