package dev.trickle.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Keeps the PostgreSQL password out of the connectors' configurations: Connect stores a connector's config in
 * its config topic and returns it as given from {@code GET /connectors/<name>/config}, so the local stack gives
 * the connectors a reference, {@code ${file:<work>/connector-secrets.properties:pg.password}}, which the
 * worker's {@code FileConfigProvider} resolves when it starts a connector or task. The file is 0600.
 */
final class ConnectorSecrets {
    static final String FILE = "connector-secrets.properties";
    static final String PROVIDER = "file";

    private ConnectorSecrets() {
    }

    /**
     * The placeholder values for the connector templates: {@code values} with {@code pg.password} replaced by a
     * reference to the secrets file, which this writes.
     */
    static Map<String, String> placeholders(Map<String, String> values, Path workDir) {
        Path file = workDir.resolve(FILE);
        Properties secrets = new Properties();
        secrets.setProperty("pg.password", values.getOrDefault("pg.password", ""));
        StringWriter text = new StringWriter();
        try {
            secrets.store(text, "the PostgreSQL password for the local stack's connectors (FileConfigProvider)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivateFiles.write(file, text.toString());
        Map<String, String> out = new LinkedHashMap<>(values);
        out.put("pg.password", "${" + PROVIDER + ":" + file.toAbsolutePath() + ":pg.password}");
        return out;
    }

    /** The worker settings that resolve those references, from the work dir only. */
    static Map<String, String> workerConfig(Path workDir) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("config.providers", PROVIDER);
        config.put("config.providers." + PROVIDER + ".class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        config.put("config.providers." + PROVIDER + ".param.allowed.paths", workDir.toAbsolutePath().toString());
        return config;
    }
}
