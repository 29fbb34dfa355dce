package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tick bookkeeping: when a tick is complete, and what a fill forgets. */
class TickLedgerTest {
    @TempDir
    Path dir;
    private KeyValueStore<String, String> store;

    private TickLedger ledger() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "tick-ledger-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("meta"), Serdes.String(), Serdes.String())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return new TickLedger(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSourcesTickIsCompleteWhenEveryPartitionEndedIt() {
        TickLedger ledger = ledger();
        assertFalse(ledger.endsComplete(5, 0));
        ledger.countEnd(5, 0, 2);
        assertFalse(ledger.endsComplete(5, 0));
        ledger.countEnd(5, 0, 2);
        assertTrue(ledger.endsComplete(5, 0));
        assertFalse(ledger.endsComplete(5, 1), "another source");
        ledger.forgetEnds(5, 0);
        assertFalse(ledger.endsComplete(5, 0));

        ledger.countUpstreamEnd(5, 1, 1);
        assertTrue(ledger.upstreamEndsComplete(5, 1));
        assertFalse(ledger.endsComplete(5, 1), "upstream ends are counted apart");
    }

    @Test
    void anInitialMarkIsTakenOnce() {
        TickLedger ledger = ledger();
        ledger.markInitial(9);
        assertTrue(ledger.takeInitial(9));
        assertFalse(ledger.takeInitial(9));
    }

    @Test
    void aFillForgetsThePerTickEntriesUpToItsTickAndKeepsTheRest() {
        TickLedger ledger = ledger();
        for (long tick : new long[] {9, 10, 11}) {
            ledger.countEnd(tick, 0, 1);
            ledger.countUpstreamEnd(tick, 1, 1);
            ledger.markUpstreamInitial(tick, 1);
            ledger.setBase(tick, 1, tick - 1);
            ledger.markInitial(tick);
        }
        ledger.setDrained(1, 10);
        ledger.suspend("upstream filled anew");
        ledger.forgetThrough(10);
        for (long tick : new long[] {9, 10}) {
            assertFalse(ledger.endsComplete(tick, 0));
            assertFalse(ledger.upstreamEndsComplete(tick, 1));
            assertFalse(ledger.upstreamInitial(tick, 1));
            assertNull(ledger.base(tick, 1));
            assertFalse(ledger.takeInitial(tick));
        }
        assertTrue(ledger.endsComplete(11, 0));
        assertTrue(ledger.upstreamInitial(11, 1));
        assertEquals(10L, ledger.base(11, 1));
        assertEquals(10L, ledger.drained(1));
        assertEquals("upstream filled anew", ledger.suspended(), "a fill's own caller resumes");
        ledger.resume();
        assertNull(ledger.suspended());
    }
}
