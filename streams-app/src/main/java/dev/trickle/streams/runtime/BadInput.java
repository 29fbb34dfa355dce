package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.records.RecordCodec;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a stream table reads that Trickle did not write. Skipping one would silently lose a change,
 * so the stream table stops at its last tick instead: in ERROR, with the record's place (topic,
 * partition, offset) in {@code last_error}, until {@code refresh_stream_table} fills it anew. Every
 * stream table reading the topic has a processor that sees the record, so exactly those stop; the
 * others go on. A stream table not filled yet skips the record: its fill will hold every change.
 */
final class BadInput {
    private static final Logger LOG = LoggerFactory.getLogger(BadInput.class);

    private BadInput() {
    }

    /**
     * The change record, or null when it cannot be read (then the stream table has stopped, or skips it).
     * {@code value} is what the topic's deserializer made of it: a ChangeRecord or a MalformedRecordException
     * on a change topic ({@link TopicCodecs}), JSON text on the internal gather topic.
     */
    static ChangeRecord change(ProcessorContext<?, ?> context, Object value, String kind,
                               RunnableStreamTable table, FillTracker fill, ErrorReporter errors) {
        try {
            if (value instanceof ChangeRecord c) {
                return c;
            }
            return RecordCodec.decodeChange(text(value, "a change record"));
        } catch (MalformedRecordException e) {
            stop(context, kind, "a change record", table, fill, errors, e);
            return null;
        }
    }

    /** A change record from a gather topic ({@link GatherCodec}), or null as for {@link #change}. */
    static ChangeRecord gathered(ProcessorContext<?, ?> context, Record<String, byte[]> record,
                                 RunnableStreamTable table, FillTracker fill, ErrorReporter errors) {
        try {
            return GatherCodec.decode(record.value());
        } catch (MalformedRecordException e) {
            stop(context, "internal gather topic", "a change record", table, fill, errors, e);
            return null;
        }
    }

    /** An upstream's delta record from a gather topic ({@link GatherCodec}), or null as for {@link #change}. */
    static DeltaRecord gatheredDelta(ProcessorContext<?, ?> context, Record<String, byte[]> record,
                                     RunnableStreamTable table, FillTracker fill, ErrorReporter errors) {
        try {
            return GatherCodec.decodeDelta(record.value());
        } catch (MalformedRecordException e) {
            stop(context, "internal gather topic", "a delta record", table, fill, errors, e);
            return null;
        }
    }

    /** The delta record of an upstream stream table, or null as for {@link #change}. */
    static DeltaRecord delta(ProcessorContext<?, ?> context, Object value, String kind,
                             RunnableStreamTable table, FillTracker fill, ErrorReporter errors) {
        try {
            if (value instanceof DeltaRecord d) {
                return d;
            }
            if (value instanceof TopicCodecs.OtherColumns other) {
                otherColumns(context, kind, table, fill, errors, other.error().getMessage());
                return null;
            }
            return RecordCodec.decodeDelta(text(value, "a delta record"));
        } catch (MalformedRecordException e) {
            stop(context, kind, "a delta record", table, fill, errors, e);
            return null;
        }
    }

    /**
     * A delta row of an upstream stream table in Trickle's own format, but for other columns than this stream table
     * was planned with (the upstream's query changed after the reader was planned, or the row is of the upstream's
     * old plan above this one's floor): not a foreign writer's; this stream table alone stops, in ERROR, until it is
     * planned and filled anew. Also before its fill: a fill is completed with the upstream's deltas after the tick
     * it read, so a skipped one would be missed silently.
     */
    static void otherColumns(ProcessorContext<?, ?> context, String kind, RunnableStreamTable table, FillTracker fill,
                             ErrorReporter errors, String reason) {
        String place = place(context, kind);
        if (fill.failure() != null) {
            LOG.debug("Stream table {} (stopped) skips a row of other columns on {}: {}", table.displayName(), place,
                    reason);
            return;
        }
        String message = "a record on " + place + " is a delta row of an upstream stream table written for other "
                + "columns (or column types) than this stream table was planned with (" + shortened(reason) + "): the upstream's query "
                + "changed (alter_stream_table) and this stream table cannot read its rows; it stays at its last tick. "
                + "Run pgtrickle.refresh_stream_table(" + dev.trickle.core.pg.Sql.literal(table.displayName())
                + ") to plan and fill it anew";
        LOG.error("Stream table {} stops: {}", table.displayName(), message);
        fill.fail(message);
        errors.streamTableFailed(table.id(), message);
    }

    private static String place(ProcessorContext<?, ?> context, String kind) {
        return kind + " " + context.recordMetadata().map(RecordMetadata::topic).orElse("?") + " (partition "
                + context.recordMetadata().map(RecordMetadata::partition).orElse(-1) + ", offset "
                + context.recordMetadata().map(RecordMetadata::offset).orElse(-1L) + ")";
    }

    private static String text(Object value, String expected) {
        if (value instanceof MalformedRecordException e) {
            throw e;
        }
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new MalformedRecordException("not " + expected + ": a " + value.getClass().getSimpleName());
    }

    private static void stop(ProcessorContext<?, ?> context, String kind, String expected, RunnableStreamTable table,
                             FillTracker fill, ErrorReporter errors, MalformedRecordException e) {
        String place = place(context, kind);
        if (fill.failure() != null) {
            LOG.debug("Stream table {} (stopped) skips a malformed record on {}: {}", table.displayName(), place,
                    e.getMessage());
            return;
        }
        if (fill.initTick() == null) {
            LOG.warn("Skipping a record on {} that is not {} Trickle wrote ({}); stream table {} is not filled yet, "
                    + "and its fill will hold every change", place, expected, e.getMessage(), table.displayName());
            return;
        }
        String message = "a record on " + place + " is not " + expected + " Trickle wrote (" + shortened(e.getMessage())
                + "), so the stream table would miss a change: it stays at its last tick. Only Trickle may write to "
                + "its topics; run pgtrickle.refresh_stream_table("
                + dev.trickle.core.pg.Sql.literal(table.displayName()) + ") to fill it anew";
        LOG.error("Stream table {} stops: {}", table.displayName(), message);
        fill.fail(message);
        errors.streamTableFailed(table.id(), message);
    }

    /** The reason, which may quote the record, kept short enough for last_error. */
    static String shortened(String reason) {
        int max = 300;
        return reason == null || reason.length() <= max ? reason : reason.substring(0, max) + "...";
    }
}
