package dev.trickle.core.records;

import java.util.List;
import java.util.Objects;

/**
 * What the streams app writes to a delta topic ({@code <prefix>.delta.<schema>.<stream_table>}):
 * rows of the stream table with an integer weight (a Z-set), values positional in the stream
 * table's column order as PostgreSQL text; then, per tick, one end marker from every producing task
 * on every partition.
 */
public sealed interface DeltaRecord permits DeltaRecord.Row, DeltaRecord.End {

    long tick();

    record Row(long tick, long weight, List<String> values) implements DeltaRecord {
        public Row {
            Objects.requireNonNull(values, "values");
            if (weight == 0) {
                throw new IllegalArgumentException("a delta row with weight 0 carries nothing");
            }
        }
    }

    /**
     * The end of tick {@code tick} from producer {@code producer} of {@code producers}; the topic has
     * {@code partitions} partitions. {@code initial} marks a tick that replaces the whole content
     * (the stream table's initial fill or a re-initialisation).
     */
    record End(long tick, long streamTable, int producer, int producers, int partitions, long tickMillis,
               boolean initial) implements DeltaRecord {
    }
}
