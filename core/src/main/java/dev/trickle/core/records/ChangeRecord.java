package dev.trickle.core.records;

import java.util.Map;
import java.util.Objects;

/**
 * What the source connector writes to a change topic ({@code <prefix>.changes.<schema>.<table>}).
 * Values of a row are PostgreSQL's text output of each column (null for SQL NULL), keyed by column name.
 */
public sealed interface ChangeRecord permits ChangeRecord.Row, ChangeRecord.Init, ChangeRecord.End {

    long tick();

    /**
     * One changed row of tick {@code tick}: weight +1 (inserted) or -1 (deleted). {@code streamTable}
     * is set only on the rows of an initial snapshot, which belong to that one stream table.
     */
    record Row(long tick, int weight, Map<String, String> values, Long streamTable) implements ChangeRecord {
        public Row {
            Objects.requireNonNull(values, "values");
            if (weight != 1 && weight != -1) {
                throw new IllegalArgumentException("change weight must be +1 or -1, got " + weight);
            }
        }
    }

    /**
     * Stream table {@code streamTable} starts at this tick: the snapshot rows tagged for it follow. On the
     * topic of an upstream stream table, {@code upstreamTick} is the upstream's tick that those rows show
     * (its progress row, read in the same snapshot); null on the change topic of a base table.
     */
    record Init(long tick, long streamTable, Long upstreamTick) implements ChangeRecord {
        public Init(long tick, long streamTable) {
            this(tick, streamTable, null);
        }
    }

    /** The end of tick {@code tick} on partition {@code partition} of {@code partitions}. */
    record End(long tick, int partition, int partitions, long tickMillis) implements ChangeRecord {
    }
}
