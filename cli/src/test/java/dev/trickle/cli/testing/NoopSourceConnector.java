package dev.trickle.cli.testing;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A source connector that produces nothing; with {@code fail=true} its task fails at start, with {@code fail.while}
 * (a file) it fails at each start while that file exists, saying how many times it was started in this worker.
 */
public class NoopSourceConnector extends SourceConnector {
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return NoopTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("fail", ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW, "fail at task start")
                .define("fail.while", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "fail at start while this file exists");
    }

    @Override
    public String version() {
        return "test";
    }

    public static class NoopTask extends SourceTask {
        private static final java.util.concurrent.atomic.AtomicInteger STARTS = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public String version() {
            return "test";
        }

        @Override
        public void start(Map<String, String> props) {
            if (Boolean.parseBoolean(props.get("fail"))) {
                throw new IllegalStateException("task told to fail");
            }
            String failWhile = props.getOrDefault("fail.while", "");
            int start = STARTS.incrementAndGet();
            if (!failWhile.isEmpty() && java.nio.file.Files.exists(java.nio.file.Path.of(failWhile))) {
                throw new IllegalStateException("task told to fail while " + failWhile + " exists (start " + start + ")");
            }
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            Thread.sleep(200);
            return null;
        }

        @Override
        public void stop() {
        }
    }
}
