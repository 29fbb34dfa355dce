package dev.trickle.sink;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Apply time by key against by whole row on a stream table of 100,000 rows: the same ticks of updates (each a
 * -old/+new pair) to two copies, one keyed by its id and one with the whole-row hash index. A measurement, not
 * a timed test: it prints the figures and checks only the content. Run with
 * {@code -Dtest=KeyedApplyTimingTest -Dtrickle.measure=true}.
 */
@EnabledIfSystemProperty(named = "trickle.measure", matches = "true")
class KeyedApplyTimingTest {
    private static final int ROWS = 100_000;
    private static final int TICKS = 12;
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("keyed_timing");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void keyedAgainstWholeRow() throws SQLException {
        h.exec("CREATE TABLE big (id int PRIMARY KEY, grp int, label text, amount numeric(12,2))");
        for (int changes : new int[] {100, 1_000, 10_000}) {
            double[] keyed = run("big_keyed_" + changes, true, changes);
            double[] whole = run("big_whole_" + changes, false, changes);
            System.out.printf("KEYED-APPLY %,d rows, ticks of %,d updates (%,d row changes): keyed median %.1f ms "
                            + "(min %.1f), whole-row median %.1f ms (min %.1f)%n", ROWS, changes, 2 * changes,
                    keyed[0], keyed[1], whole[0], whole[1]);
        }
    }

    /** {median, min} of the apply time of TICKS ticks, from the refresh history. */
    private static double[] run(String name, boolean keyed, int changes) throws SQLException {
        long id = h.createStreamTable(name, "SELECT id, grp, label, amount FROM big");
        if (keyed) {
            h.one("SELECT pgtrickle._set_row_key(" + id + ", '{id}')");
        }
        String t = TopicNames.delta("trickle", "public", name);
        List<SinkRecord> fill = new ArrayList<>(ROWS + 1);
        for (int i = 0; i < ROWS; i++) {
            fill.add(h.row(t, 0, 1, 1, row(i, 0)));
        }
        fill.add(h.end(t, 1, id, true));
        h.put(fill);
        int[] versions = new int[ROWS];
        for (int tick = 2; tick < 2 + TICKS; tick++) {
            List<SinkRecord> records = new ArrayList<>(2 * changes + 1);
            for (int j = 0; j < changes; j++) {
                int row = (int) (((long) (tick * changes + j) * 7_919) % ROWS);
                records.add(h.row(t, 0, tick, -1, row(row, versions[row])));
                versions[row] = tick;
                records.add(h.row(t, 0, tick, 1, row(row, tick)));
            }
            records.add(h.end(t, tick, id, false));
            h.put(records);
        }
        String status = h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
        if (!"ACTIVE".equals(status)) {
            throw new AssertionError(name + " is " + status + ": "
                    + h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        }
        List<List<String>> ms = h.rows("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), min(duration_ms) "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND NOT initial");
        h.exec("SELECT pgtrickle.drop_stream_table('" + name + "')");
        return new double[] {Double.parseDouble(ms.get(0).get(0)), Double.parseDouble(ms.get(0).get(1))};
    }

    private static String[] row(int id, int version) {
        return new String[] {String.valueOf(id), String.valueOf(id % 100), "label " + id + " v" + version,
                String.valueOf(id % 1000) + "." + String.format("%02d", version % 100)};
    }
}
