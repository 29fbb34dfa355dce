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
        for (int run = 0; run < 4; run++) {
            int changes = run % 2 == 0 ? 1_000 : 10_000;
            int width = run < 2 ? 0 : 500;
            // both copies get the same ticks, alternately, so that load on the machine hits both alike
            Copy keyed = new Copy("big_keyed_" + run, true, width);
            Copy whole = new Copy("big_whole_" + run, false, width);
            int[] versions = new int[ROWS];
            for (int tick = 2; tick < 2 + TICKS; tick++) {
                List<String[]> delta = new ArrayList<>(2 * changes);
                List<Long> weights = new ArrayList<>(2 * changes);
                for (int j = 0; j < changes; j++) {
                    int row = (int) (((long) tick * changes + j) * 7_919 % ROWS);
                    delta.add(row(row, versions[row], width));
                    weights.add(-1L);
                    versions[row] = tick;
                    delta.add(row(row, tick, width));
                    weights.add(1L);
                }
                keyed.tick(tick, delta, weights);
                whole.tick(tick, delta, weights);
            }
            // every delete found its exact old row (or the copy would be in ERROR), and both copies agree
            h.assertContent(keyed.name, "SELECT * FROM " + whole.name);
            double[] k = keyed.finish();
            double[] w = whole.finish();
            System.out.printf("KEYED-APPLY %,d rows of about %d bytes, ticks of %,d updates (%,d row changes): keyed median "
                    + "%.1f ms (min %.1f), whole-row median %.1f ms (min %.1f)%n", ROWS, 30 + width, changes, 2 * changes,
                    k[0], k[1], w[0], w[1]);
        }
    }

    /** One copy of {@code big} as a stream table, filled with its rows. */
    private static final class Copy {
        private final String name;
        private final long id;
        private final String topic;

        Copy(String name, boolean keyed, int width) throws SQLException {
            this.name = name;
            id = h.createStreamTable(name, "SELECT id, grp, label, amount FROM big");
            if (keyed) {
                h.one("SELECT pgtrickle._set_row_key(" + id + ", '{id}')");
            }
            topic = TopicNames.delta("trickle", "public", name);
            List<SinkRecord> fill = new ArrayList<>(ROWS + 1);
            for (int i = 0; i < ROWS; i++) {
                fill.add(h.row(topic, 0, 1, 1, row(i, 0, width)));
            }
            fill.add(h.end(topic, 1, id, true));
            h.put(fill);
        }

        void tick(int tick, List<String[]> delta, List<Long> weights) {
            List<SinkRecord> records = new ArrayList<>(delta.size() + 1);
            for (int i = 0; i < delta.size(); i++) {
                records.add(h.row(topic, 0, tick, weights.get(i), delta.get(i)));
            }
            records.add(h.end(topic, tick, id, false));
            h.put(records);
        }

        /** {median, min} apply time of the ticks after the fill, from the refresh history; drops the copy. */
        double[] finish() throws SQLException {
            String status = h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
            if (!"ACTIVE".equals(status)) {
                throw new AssertionError(name + " is " + status + ": "
                        + h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
            }
            List<List<String>> ms = h.rows("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), "
                    + "min(duration_ms) FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND NOT initial");
            h.exec("SELECT pgtrickle.drop_stream_table('" + name + "')");
            return new double[] {Double.parseDouble(ms.get(0).get(0)), Double.parseDouble(ms.get(0).get(1))};
        }
    }

    /** A row of {@code big}; {@code width} more characters of label make it wide. */
    private static String[] row(int id, int version, int width) {
        return new String[] {String.valueOf(id), String.valueOf(id % 100), "label " + id + " v" + version + "x".repeat(width),
                String.valueOf(id % 1000) + "." + String.format("%02d", version % 100)};
    }
}
