package dev.trickle.cli;

import dev.trickle.sink.SinkConfig;
import dev.trickle.source.SourceConfig;
import dev.trickle.streams.runtime.AppConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import picocli.CommandLine.Command;

/**
 * docs/configuration.md, generated from the three ConfigDefs ({@code trickle config-docs}); a test
 * checks that the committed file is what this prints.
 */
@Command(name = "config-docs", mixinStandardHelpOptions = true,
        description = "Prints the configuration reference (docs/configuration.md) from the components' ConfigDefs.")
public final class ConfigDocs implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(markdown());
        return 0;
    }

    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n")
           .append("Generated from the components' `ConfigDef`s by `./trickle config-docs`; do not edit by hand.\n")
           .append("The local stack's values are in `config/` (placeholders such as `${pg.url}` are filled in by\n")
           .append("`trickle local`).\n\n");
        section(out, "Source connector", "dev.trickle.source.TrickleSourceConnector",
                "Connector config (`config/source-connector.json`), next to Connect's own keys. For exactly-once "
                        + "delivery the worker runs `exactly.once.source.support=enabled` and the connector sets "
                        + "`exactly.once.support=required` and `transaction.boundary=connector`.", SourceConfig.CONFIG_DEF);
        section(out, "Sink connector", "dev.trickle.sink.TrickleSinkConnector",
                "Connector config (`config/sink-connector.json`), next to Connect's own keys (`topics.regex` "
                        + "selects the delta topics; all partitions of one delta topic must go to one task).",
                SinkConfig.CONFIG_DEF);
        section(out, "Streams app", "dev.trickle.streams.runtime.StreamsMain",
                "Properties file (`config/streams-app.properties`). Keys that do not start with `trickle.`, other than "
                        + "the parallel refresh settings and the converters below (with their `key.converter.*` and "
                        + "`value.converter.*` settings, read as a Connect worker reads them), go to Kafka Streams unchanged (`application.id`, "
                        + "`bootstrap.servers`, `processing.guarantee`, ...); `num.stream.threads` follows "
                        + "`parallel.refresh.mode` unless it is set.", AppConfig.CONFIG);
        return out.toString();
    }

    private static void section(StringBuilder out, String title, String entry, String intro, ConfigDef def) {
        out.append("## ").append(title).append("\n\n`").append(entry).append("`. ").append(intro).append("\n\n")
           .append("| key | type | default | valid values | importance | group | description |\n")
           .append("|---|---|---|---|---|---|---|\n");
        List<String> groups = def.groups();
        List<ConfigDef.ConfigKey> keys = new ArrayList<>(def.configKeys().values());
        keys.sort(Comparator.comparingInt((ConfigDef.ConfigKey k) -> k.group == null ? Integer.MAX_VALUE : groups.indexOf(k.group))
                .thenComparingInt(k -> k.orderInGroup).thenComparing(k -> k.name));
        for (ConfigDef.ConfigKey k : keys) {
            out.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase()).append(" | ")
               .append(defaultValue(k)).append(" | ").append(k.validator == null ? "" : cell(k.validator.toString()))
               .append(" | ").append(k.importance.name().toLowerCase()).append(" | ")
               .append(k.group == null ? "" : k.group).append(" | ").append(cell(k.documentation)).append(" |\n");
        }
        out.append('\n');
    }

    private static String defaultValue(ConfigDef.ConfigKey k) {
        if (!k.hasDefault()) {
            return "(required)";
        }
        Object v = k.defaultValue;
        if (v == null) {
            return "null";
        }
        if (v instanceof Password) {
            return "\"\"";
        }
        String s = ConfigDef.convertToString(v, k.type);
        return s.isEmpty() ? "\"\"" : "`" + cell(s) + "`";
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
