package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is what the ConfigDefs say: regenerate it with ./trickle config-docs > docs/configuration.md. */
class ConfigDocsTest {
    @Test
    void committedReferenceMatchesTheConfigDefs() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        String generated = ConfigDocs.markdown();
        for (String key : new String[] {"pg.url", "topic.prefix", "tick.interval.ms", "trickle.delta.partitions"}) {
            assertTrue(generated.contains("`" + key + "`"), key);
        }
        assertEquals(generated, Files.readString(doc),
                "docs/configuration.md is stale: regenerate it with ./trickle config-docs > docs/configuration.md");
    }
}
