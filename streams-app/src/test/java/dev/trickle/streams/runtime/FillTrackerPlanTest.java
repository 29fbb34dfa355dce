package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task restarted with another plan of its stream table (alter_stream_table changed the query or mode): the old
 * plan's fill no longer counts, so no change record reaches the new plan before its own fill.
 */
class FillTrackerPlanTest {
    private static final long ST = 7;
    @TempDir
    Path dir;
    private KeyValueStore<String, String> store;

    @BeforeEach
    void open() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "fill-tracker-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("meta"), Serdes.String(), Serdes.String())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void anotherPlanForgetsTheOldFillUntilItsOwn() {
        FillTracker fill = new FillTracker(ST, store);
        assertFalse(fill.startPlan(0), "a new task: nothing to forget");
        fill.onInit(new ChangeRecord.Init(5, ST));
        assertTrue(fill.wanted(row(6)));

        FillTracker restarted = new FillTracker(ST, store);
        assertFalse(restarted.startPlan(0), "the same plan after a restart keeps its progress");
        assertTrue(restarted.wanted(row(6)));

        FillTracker altered = new FillTracker(ST, store);
        assertTrue(altered.startPlan(1));
        assertTrue(altered.awaitingFill());
        assertNull(altered.initTick());
        assertFalse(altered.wanted(row(6)), "a change of the old plan's time");
        assertFalse(altered.counts(new ChangeRecord.End(6, 0, 1, 0L)));
        altered.onInit(new ChangeRecord.Init(9, ST));
        assertFalse(altered.awaitingFill());
        assertEquals(9L, altered.initTick());
        assertTrue(altered.wanted(row(10)));
        assertFalse(new FillTracker(ST, store).startPlan(1));
    }

    @Test
    void aStoreWrittenBeforeGenerationsKeepsItsFill() {
        FillTracker fill = new FillTracker(ST, store);
        fill.onInit(new ChangeRecord.Init(5, ST));
        assertFalse(new FillTracker(ST, store).startPlan(3));
        assertEquals(5L, new FillTracker(ST, store).initTick());
    }

    private static ChangeRecord.Row row(long tick) {
        return new ChangeRecord.Row(tick, 1, java.util.Map.of("id", "1"), null);
    }
}
