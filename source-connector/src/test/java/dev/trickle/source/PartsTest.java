package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parts: offsets, keys, partitions, URL redaction, delivery tracking. */
class PartsTest {

    @Test
    void committedOffsetsNameTheLastCompleteTick() {
        assertNull(RecordFactory.committedTick(null));
        assertEquals(7L, RecordFactory.committedTick(Map.of("tick", 7L)));
        assertEquals(7L, RecordFactory.committedTick(Map.of("tick", 7)));
        assertEquals(6L, RecordFactory.committedTick(Map.of("tick", 7L, "partial", true)));
    }

    @Test
    void keysArePrimaryKeyValuesOrWholeRowsAndPartitionLikeKafka() {
        RecordFactory f = new RecordFactory("p", 5, "db");
        Map<String, String> row = new LinkedHashMap<>();
        row.put("b", "x \"y\"");
        row.put("a", null);
        CapturedSource keyed = new CapturedSource(1, "s", "t", "changes_1", List.of("a", "b"), "\"s\".\"t\"");
        CapturedSource keyless = new CapturedSource(1, "s", "t", "changes_1", List.of(), "\"s\".\"t\"");
        assertEquals("[null,\"x \\\"y\\\"\"]", f.partitionKey(keyed, row));
        assertEquals("[\"x \\\"y\\\"\",null]", f.partitionKey(keyless, row));
        String key = f.partitionKey(keyed, row);
        int expected = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 5;
        assertEquals(expected, f.partition(key));
        assertEquals("p.changes.s.t", f.topic(keyed));
    }

    @Test
    void passwordsNeverLeaveTheUrl() {
        assertEquals("jdbc:postgresql://h/db", PgConnections.redact("jdbc:postgresql://h/db?password=s"));
        assertEquals("jdbc:postgresql://h/db?user=u", PgConnections.redact("jdbc:postgresql://h/db?password=s&user=u"));
        assertEquals("jdbc:postgresql://h/db?user=u&ssl=true",
                PgConnections.redact("jdbc:postgresql://h/db?user=u&PASSWORD=s&ssl=true&sslpassword=k"));
    }

    @Test
    void transientErrorsAreTheOnesWorthAReconnect() {
        assertTrue(PgConnections.isTransient(new SQLException("gone", "08006")));
        assertTrue(PgConnections.isTransient(new SQLException("terminated", "57P01")));
        assertTrue(PgConnections.isTransient(new SQLException("dropped meanwhile", "42P01")));
        assertFalse(PgConnections.isTransient(new SQLException("denied", "42501")));
    }

    @Test
    void fullRefreshesQuoteTheirSearchPathAndTellQueryFailuresFromTickFailures() {
        assertEquals("\"Sales \"\"EU\"\"\", \"public\"", FullRefresh.searchPath(List.of("Sales \"EU\"", "public")));
        assertEquals("''", FullRefresh.searchPath(List.of()));
        assertTrue(FullRefresh.isQueryFailure(new SQLException("division by zero", "22012")));
        assertTrue(FullRefresh.isQueryFailure(new SQLException("column does not exist", "42703")));
        assertTrue(FullRefresh.isQueryFailure(new SQLException("cannot execute nextval() in a read-only transaction",
                "25006")));
        assertFalse(FullRefresh.isQueryFailure(new SQLException("connection lost", "08006")));
        assertFalse(FullRefresh.isQueryFailure(new SQLException("canceling statement", "57014")));
        assertFalse(FullRefresh.isQueryFailure(new SQLException("I/O error")));
        assertEquals("plain", FullRefresh.serverMessage(new SQLException("plain", "22012")));
    }

    @Test
    void ticksAreDeliveredInOrderOnceEveryRecordIsAcknowledged() {
        DeliveryTracker t = new DeliveryTracker(true, 3);
        DeliveryTracker.TickDelivery four = t.begin(4);
        DeliveryTracker.TickDelivery five = t.begin(5);
        four.handedOut(2);
        five.handedOut(1);
        five.seal();
        five.acknowledge(true);
        assertEquals(3, t.cleanableUpTo(), "tick 5 waits for tick 4");
        four.acknowledge(false);
        assertEquals(3, t.cleanableUpTo(), "only the acknowledged last record proves the transaction committed");
        four.acknowledge(true);
        four.seal();
        assertEquals(5, t.cleanableUpTo());
        DeliveryTracker.TickDelivery failed = t.begin(6);
        failed.handedOut(1);
        t.abandon(failed);
        DeliveryTracker.TickDelivery retry = t.begin(6);
        retry.handedOut(1);
        retry.seal();
        retry.acknowledge(true);
        assertEquals(6, t.cleanableUpTo());
    }

    @Test
    void withoutTransactionsCleanupWaitsForAnOffsetCommitThatIncludesTheTick() {
        DeliveryTracker t = new DeliveryTracker(false, 0);
        DeliveryTracker.TickDelivery one = t.begin(1);
        one.handedOut(2);
        one.seal();
        one.acknowledge(true);
        t.offsetsCommitted();
        t.offsetsCommitted();
        assertEquals(0, t.cleanableUpTo(), "acknowledgements may come in any order: all records count");
        one.acknowledge(false);
        assertEquals(0, t.cleanableUpTo());
        t.offsetsCommitted();
        assertEquals(0, t.cleanableUpTo(), "this commit may have started before tick 1 was acknowledged");
        t.offsetsCommitted();
        assertEquals(1, t.cleanableUpTo());
    }
}
