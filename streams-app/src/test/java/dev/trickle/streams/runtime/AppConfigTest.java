package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.parallel.ParallelMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parallel refresh settings of the streams app: the app's own keys, and the stream threads they choose. */
class AppConfigTest {
    private static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("application.id", "app");
        p.setProperty("bootstrap.servers", "localhost:9092");
        p.setProperty("trickle.pg.url", "jdbc:postgresql://localhost/db");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void offIsTheDefaultAndRunsOneStreamThread() {
        AppConfig c = new AppConfig(props());
        assertEquals(ParallelMode.OFF, c.parallelMode());
        assertEquals(4, c.maxWorkers());
        assertEquals(4, c.maxConcurrent());
        assertEquals("1", c.streamsProperties().getProperty("num.stream.threads"));
        assertEquals(1, c.streamThreads());
    }

    @Test
    void dryRunStaysSerialAndOnRunsTheWorkerBudget() {
        assertEquals("1", new AppConfig(props("parallel.refresh.mode", "dry_run", "max.dynamic.refresh.workers", "6"))
                .streamsProperties().getProperty("num.stream.threads"));
        AppConfig on = new AppConfig(props("parallel.refresh.mode", "on", "max.dynamic.refresh.workers", "6"));
        assertEquals(ParallelMode.ON, on.parallelMode());
        assertEquals("6", on.streamsProperties().getProperty("num.stream.threads"));
    }

    @Test
    void anExplicitThreadCountWins() {
        AppConfig c = new AppConfig(props("parallel.refresh.mode", "on", "num.stream.threads", "2"));
        assertEquals(2, c.streamThreads());
    }

    @Test
    void theSettingsAreTheAppsOwnAndNotPassedToKafkaStreams() {
        Properties streams = new AppConfig(props("parallel.refresh.mode", "on", "max.dynamic.refresh.workers", "3",
                "max.concurrent.refreshes", "2")).streamsProperties();
        assertFalse(streams.containsKey("parallel.refresh.mode"));
        assertFalse(streams.containsKey("max.dynamic.refresh.workers"));
        assertFalse(streams.containsKey("max.concurrent.refreshes"));
        assertTrue(streams.containsKey("bootstrap.servers"));
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() {
        ConfigException mode = assertThrows(ConfigException.class,
                () -> new AppConfig(props("parallel.refresh.mode", "parallel")));
        assertTrue(mode.getMessage().contains("parallel.refresh.mode") && mode.getMessage().contains("dry_run"),
                mode.getMessage());
        ConfigException workers = assertThrows(ConfigException.class,
                () -> new AppConfig(props("max.dynamic.refresh.workers", "0")));
        assertTrue(workers.getMessage().contains("max.dynamic.refresh.workers"), workers.getMessage());
        assertThrows(ConfigException.class, () -> new AppConfig(props("max.concurrent.refreshes", "33")));
    }

    @Test
    void longTicksGetLongTransactionAndPollTimeoutsUnlessTheFileSetsThem() {
        Properties streams = new AppConfig(props()).streamsProperties();
        assertEquals("300000", streams.getProperty("producer.transaction.timeout.ms"));
        assertEquals("900000", streams.getProperty("consumer.max.poll.interval.ms"));
        Properties own = new AppConfig(props("transaction.timeout.ms", "20000",
                "consumer.max.poll.interval.ms", "1000")).streamsProperties();
        assertFalse(own.containsKey("producer.transaction.timeout.ms"));
        assertEquals("20000", own.getProperty("transaction.timeout.ms"));
        assertEquals("1000", own.getProperty("consumer.max.poll.interval.ms"));
    }

    @Test
    void tasksDoNotIdleForEmptyPartitionsAndProducersBatchLargeUnlessTheFileSaysOtherwise() {
        Properties streams = new AppConfig(props()).streamsProperties();
        assertEquals("-1", streams.getProperty("max.task.idle.ms"));
        assertEquals(Integer.toString(1024 * 1024), streams.getProperty("producer.batch.size"));
        assertEquals("200", streams.getProperty("producer.linger.ms"));
        assertEquals("lz4", streams.getProperty("producer.compression.type"));
        assertEquals("5000", streams.getProperty("commit.interval.ms"));
        Properties own = new AppConfig(props("max.task.idle.ms", "0", "batch.size", "16384", "producer.linger.ms", "5",
                "compression.type", "zstd", "commit.interval.ms", "300")).streamsProperties();
        assertEquals("300", own.getProperty("commit.interval.ms"));
        assertEquals("0", own.getProperty("max.task.idle.ms"));
        assertFalse(own.containsKey("producer.batch.size"));
        assertEquals("16384", own.getProperty("batch.size"));
        assertEquals("5", own.getProperty("producer.linger.ms"));
        assertFalse(own.containsKey("producer.compression.type"));
        assertEquals("zstd", own.getProperty("compression.type"));
    }

    @Test
    void anInstanceKeepsItsGroupInstanceIdAcrossRestartsFromItsStateDirectory(@TempDir Path dir) throws Exception {
        String stateDir = dir.resolve("state").toString();
        String first = new AppConfig(props("state.dir", stateDir)).streamsProperties().getProperty("group.instance.id");
        assertTrue(first != null && first.startsWith("app-"), first);
        // the same state directory after a restart: the same id, so that the instance takes its tasks back at once
        assertEquals(first, new AppConfig(props("state.dir", stateDir)).streamsProperties().getProperty("group.instance.id"));
        // another instance (state directories are never shared): another id
        String other = new AppConfig(props("state.dir", dir.resolve("state-2").toString())).streamsProperties()
                .getProperty("group.instance.id");
        assertNotEquals(first, other);
        assertEquals(first.substring("app-".length()), Files.readString(dir.resolve("state/trickle-instance.id")).trim());
    }

    @Test
    void anExplicitGroupInstanceIdWinsAndNoStateDirMeansDynamicMembership(@TempDir Path dir) throws Exception {
        String stateDir = dir.toString();
        assertEquals("mine", new AppConfig(props("state.dir", stateDir, "group.instance.id", "mine")).streamsProperties()
                .getProperty("group.instance.id"));
        Properties prefixed = new AppConfig(props("state.dir", stateDir, "main.consumer.group.instance.id", "m"))
                .streamsProperties();
        assertFalse(prefixed.containsKey("group.instance.id"));
        assertFalse(Files.exists(dir.resolve("trickle-instance.id")));
        assertFalse(new AppConfig(props()).streamsProperties().containsKey("group.instance.id"));
    }

    @Test
    void anUnreadableInstanceIdFileLeavesMembershipDynamicInsteadOfFailing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("trickle-instance.id"), "not a uuid\n");
        assertFalse(new AppConfig(props("state.dir", dir.toString())).streamsProperties().containsKey("group.instance.id"));
    }

    @Test
    void convertersAreConfiguredAsAConnectWorkerDoesAndNotPassedToKafkaStreams() {
        AppConfig c = new AppConfig(props("value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "true", "key.converter.schemas.enable", "true"));
        Properties streams = c.streamsProperties();
        assertEquals(null, streams.getProperty("value.converter"));
        assertEquals(null, streams.getProperty("value.converter.schemas.enable"));
        assertEquals(null, streams.getProperty("key.converter.schemas.enable"));
        org.junit.jupiter.api.Assertions.assertNotNull(c.topicCodecs());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> new AppConfig(props("value.converter", "no.such.Converter")));
        assertTrue(bad.getMessage().contains("value.converter"), bad.getMessage());
    }

    @Test
    void decimalHandlingIsTheAppsOwnSettingAndPreciseWithoutSchemasIsRefused() {
        AppConfig shipped = new AppConfig(props("value.converter.schemas.enable", "false", "decimal.handling.mode", "string"));
        assertEquals(dev.trickle.core.connect.DecimalHandling.STRING, shipped.decimalHandling());
        assertEquals(null, shipped.streamsProperties().getProperty("decimal.handling.mode"));
        assertEquals(dev.trickle.core.connect.DecimalHandling.PRECISE, new AppConfig(props()).decimalHandling());
        ConfigException lossy = assertThrows(ConfigException.class,
                () -> new AppConfig(props("value.converter.schemas.enable", "false")));
        assertTrue(lossy.getMessage().contains("decimal.handling.mode=string"), lossy.getMessage());
        ConfigException dbl = assertThrows(ConfigException.class, () -> new AppConfig(props("decimal.handling.mode", "double")));
        assertTrue(dbl.getMessage().contains("loses the digits"), dbl.getMessage());
    }

    @Test
    void changelogsRollSegmentsAndDropTombstonesSoThatARestoreStaysShort() {
        Properties p = new AppConfig(props()).streamsProperties();
        assertEquals("60000", p.getProperty("topic.segment.ms"));
        assertEquals("300000", p.getProperty("topic.delete.retention.ms"));
        Properties own = new AppConfig(props("topic.segment.ms", "3600000", "topic.delete.retention.ms", "86400000"))
                .streamsProperties();
        assertEquals("3600000", own.getProperty("topic.segment.ms"), "the file's setting wins");
        assertEquals("86400000", own.getProperty("topic.delete.retention.ms"), "the file's setting wins");
    }
}
