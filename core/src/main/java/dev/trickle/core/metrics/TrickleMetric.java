package dev.trickle.core.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every metric Trickle registers, with the MBean it shows under. The names are a published interface
 * (docs/metrics.md, the Prometheus JMX exporter's rules in docker/prometheus, the Grafana dashboard): the deploy
 * module's tests fail when one of them no longer matches this list, and each module's tests check that the code
 * registers exactly these.
 *
 * <p>The connectors register through Connect's plugin metrics (KIP-877), so Connect puts them in its own JMX
 * domain and group and adds the connector and task tags: {@code kafka.connect:type=plugins,connector=…,task=…}.
 * The streams app has a registry of its own (see {@link Component#STREAMS}).
 */
public enum TrickleMetric {
    SOURCE_LAST_TICK(Component.SOURCE, null, "last-tick", "The newest tick this task took and recorded"),
    SOURCE_LAST_TICK_AGE(Component.SOURCE, null, "last-tick-age-seconds",
            "Seconds since the newest tick's snapshot was taken"),
    SOURCE_TICK_ROWS(Component.SOURCE, null, "tick-change-rows", "Changed rows the newest tick carried"),
    SOURCE_TICKS_TOTAL(Component.SOURCE, null, "ticks-total", "Ticks taken since the task started"),
    SOURCE_SNAPSHOTS_HELD(Component.SOURCE, null, "tick-snapshots-held",
            "Snapshots of coming ticks taken on time and held while the task is behind (a tick still handed out, or "
                    + "waiting for the WAL decoder); at tick.snapshots.ahead, the next ticks are late"),
    SOURCE_BUFFER_ROWS(Component.SOURCE, Tag.SOURCE, "buffer-rows",
            "Rows in the source's change buffer: not yet in a tick, or in a tick not yet confirmed in Kafka"),
    SOURCE_AWAITING_ROWS(Component.SOURCE, Tag.SOURCE, "awaiting-tick-rows",
            "Committed changes of the source that no tick has taken yet"),
    SOURCE_CAPTURE_LAG(Component.SOURCE, Tag.SOURCE, "capture-lag-seconds",
            "0 when every committed change of the source is in a tick; else seconds since the newest tick was "
                    + "taken (the longest those changes can have waited)"),

    SINK_APPLIED_TICK(Component.SINK, Tag.STREAM_TABLE, "applied-tick",
            "The tick the stream table shows: the last one applied (or found applied) by this task"),
    SINK_LAG_SECONDS(Component.SINK, Tag.STREAM_TABLE, "lag-seconds",
            "Seconds since the snapshot of the tick the stream table shows was taken (the age of its data)"),
    SINK_LAG_TICKS(Component.SINK, Tag.STREAM_TABLE, "lag-ticks",
            "Ticks of the stream table's delta topic this task has received but not applied yet"),
    SINK_ROWS_LAST(Component.SINK, Tag.STREAM_TABLE, "rows-applied-last-tick",
            "Rows inserted plus rows deleted by the last applied transaction (one tick, or a batch of ticks)"),
    SINK_ROWS_TOTAL(Component.SINK, Tag.STREAM_TABLE, "rows-applied-total",
            "Rows inserted plus rows deleted since the task started"),
    SINK_ROWS_RECEIVED_TOTAL(Component.SINK, Tag.STREAM_TABLE, "rows-received-total",
            "Delta rows received since the task started, with their multiplicity, before the ticks of one batch are "
                    + "merged (a row a later tick of the batch takes out again is neither inserted nor deleted): the "
                    + "engine's rows-out-total while neither restarted; rows-applied-total is at most this"),
    SINK_TICKS_TOTAL(Component.SINK, Tag.STREAM_TABLE, "ticks-applied-total",
            "Ticks applied since the task started"),
    SINK_APPLY_MS_LAST(Component.SINK, Tag.STREAM_TABLE, "apply-time-ms-last",
            "Milliseconds the last applied transaction took"),
    SINK_APPLY_MS_TOTAL(Component.SINK, Tag.STREAM_TABLE, "apply-time-ms-total",
            "Milliseconds spent applying since the task started (divide its rate by ticks-applied-total's)"),
    SINK_ERRORS_TOTAL(Component.SINK, Tag.STREAM_TABLE, "errors-total",
            "Failed applies since the task started (each retry counts; a failure that stops the stream table too)"),
    SINK_STATUS(Component.SINK, Tag.STREAM_TABLE, "status",
            "What this task last saw of the stream table: 0 ACTIVE, 1 ERROR, 2 SUSPENDED"),

    STREAMS_OUTPUT_TICK(Component.STREAMS, Tag.STREAM_TABLE, "output-tick",
            "The newest tick whose output delta the engine emitted"),
    STREAMS_LAG_SECONDS(Component.STREAMS, Tag.STREAM_TABLE, "lag-seconds",
            "Seconds since the snapshot of output-tick was taken"),
    STREAMS_ROWS_IN_LAST(Component.STREAMS, Tag.STREAM_TABLE, "rows-in-last-tick",
            "Input rows (changes of its sources, with their multiplicity) of the newest tick"),
    STREAMS_ROWS_OUT_LAST(Component.STREAMS, Tag.STREAM_TABLE, "rows-out-last-tick",
            "Output rows (inserted plus deleted, with their multiplicity) of the newest tick"),
    STREAMS_ROWS_IN_TOTAL(Component.STREAMS, Tag.STREAM_TABLE, "rows-in-total", "Input rows since the app started"),
    STREAMS_ROWS_OUT_TOTAL(Component.STREAMS, Tag.STREAM_TABLE, "rows-out-total",
            "Output rows since the app started"),
    STREAMS_TICKS_TOTAL(Component.STREAMS, Tag.STREAM_TABLE, "ticks-total",
            "Ticks evaluated since the app started (once per partition for a stream table over partitioned sources)"),
    STREAMS_EVAL_MS_LAST(Component.STREAMS, Tag.STREAM_TABLE, "evaluate-time-ms-last",
            "Milliseconds the operators took on the newest tick"),
    STREAMS_EVAL_MS_TOTAL(Component.STREAMS, Tag.STREAM_TABLE, "evaluate-time-ms-total",
            "Milliseconds the operators took since the app started"),
    STREAMS_ERRORS_TOTAL(Component.STREAMS, Tag.STREAM_TABLE, "errors-total",
            "Ticks on which the query failed (the stream table then stops in ERROR)"),
    STREAMS_STATUS(Component.STREAMS, Tag.STREAM_TABLE, "status",
            "0 running, 1 stopped in ERROR by a failed tick (until a new fill)");

    /** Where a metric is registered, and so the JMX domain and group (MBean {@code type}) it shows under. */
    public enum Component {
        SOURCE("kafka.connect", "plugins", "source"),
        SINK("kafka.connect", "plugins", "sink"),
        /**
         * A registry of the streams app's own, with a JmxReporter: a gauge per stream table, whichever stream
         * thread and task runs it (Kafka Streams' own metrics are per thread, task and processor node).
         */
        STREAMS("trickle.streams", "stream-table-metrics", "streams");

        public final String domain;
        public final String group;
        /** The middle part of the Prometheus names the exporter rules give: trickle_&lt;this&gt;_&lt;metric&gt;. */
        public final String prometheus;

        Component(String domain, String group, String prometheus) {
            this.domain = domain;
            this.group = group;
            this.prometheus = prometheus;
        }

        /** Connect adds these tags, in this order, before the plugin's own. */
        public List<String> frameworkTags() {
            return this == STREAMS ? List.of() : List.of("connector", "task");
        }
    }

    /** The tag that tells the instances of a metric apart. */
    public enum Tag {
        STREAM_TABLE("stream-table"), SOURCE("source");

        public final String key;

        Tag(String key) {
            this.key = key;
        }
    }

    public final Component component;
    /** Null for a metric of the whole task. */
    public final Tag tag;
    public final String metricName;
    public final String description;

    TrickleMetric(Component component, Tag tag, String metricName, String description) {
        this.component = component;
        this.tag = tag;
        this.metricName = metricName;
        this.description = description;
    }

    /** Trickle's own tags for an instance of this metric ({@code value}: the stream table or source; ignored if untagged). */
    public LinkedHashMap<String, String> tags(String value) {
        LinkedHashMap<String, String> tags = new LinkedHashMap<>();
        if (tag != null) {
            tags.put(tag.key, value);
        }
        return tags;
    }

    /**
     * The tag value of a table named in SQL form ({@code "public"."orders"}, or {@code public.orders}):
     * {@code public.orders}, without the quotes, which JMX would otherwise escape into the MBean name and
     * Prometheus into its labels.
     */
    public static String label(String qualified) {
        StringBuilder out = new StringBuilder(qualified.length());
        boolean quoted = false;
        for (int i = 0; i < qualified.length(); i++) {
            char c = qualified.charAt(i);
            if (c == '"' && quoted && i + 1 < qualified.length() && qualified.charAt(i + 1) == '"') {
                out.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The Prometheus name the exporter rules in docker/prometheus give this metric. */
    public String prometheusName() {
        return "trickle_" + component.prometheus + "_" + metricName.replace('-', '_');
    }

    /** The tags of the MBean, in order, framework tags first: what the exporter's rules match against. */
    public Map<String, String> mbeanTags(Map<String, String> framework, String value) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("type", component.group);
        for (String key : component.frameworkTags()) {
            all.put(key, framework.get(key));
        }
        all.putAll(tags(value));
        return all;
    }

    public static List<TrickleMetric> of(Component component) {
        List<TrickleMetric> out = new ArrayList<>();
        for (TrickleMetric m : values()) {
            if (m.component == component) {
                out.add(m);
            }
        }
        return out;
    }
}
