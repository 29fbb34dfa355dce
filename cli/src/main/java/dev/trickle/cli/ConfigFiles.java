package dev.trickle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stack's configuration templates ({@code source-connector.json}, {@code sink-connector.json},
 * {@code streams-app.properties}) with {@code ${name}} placeholders. They are read from a config
 * directory if one is given or found ({@code -Dtrickle.config.dir}, {@code -Dtrickle.home}/config,
 * ./config, ../config), else from the copy packaged in the CLI jar ({@code /trickle-config/}). A converter
 * variant ({@code avro}) is the subdirectory of that name ({@code config/avro/}).
 */
public final class ConfigFiles {
    public static final String SOURCE_CONNECTOR = "source-connector.json";
    public static final String SINK_CONNECTOR = "sink-connector.json";
    public static final String STREAMS_APP = "streams-app.properties";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The converters the stack ships templates for: {@code json} is the config directory itself. */
    public static final List<String> CONVERTERS = List.of("json", "avro");

    private final Path dir;
    private final String resourceDir;

    private ConfigFiles(Path dir, String resourceDir) {
        this.dir = dir;
        this.resourceDir = resourceDir;
    }

    /** Templates from {@code dir}, or found as described above when {@code dir} is null. */
    public static ConfigFiles locate(Path dir) {
        return locate(dir, "json");
    }

    /**
     * The templates of a converter ({@link #CONVERTERS}): for {@code json} those of {@link #locate(Path)}, for
     * another its subdirectory of the config directory, given or found.
     */
    public static ConfigFiles locate(Path dir, String converter) {
        String name = converter == null ? "json" : converter;
        if (!CONVERTERS.contains(name)) {
            throw new IllegalArgumentException("unknown converter '" + name + "': use one of " + CONVERTERS);
        }
        ConfigFiles base = locateBase(dir);
        if (name.equals("json")) {
            return base;
        }
        if (base.dir == null) {
            return new ConfigFiles(null, base.resourceDir + name + "/");
        }
        Path sub = base.dir.resolve(name);
        if (!Files.isRegularFile(sub.resolve(SOURCE_CONNECTOR))) {
            throw new IllegalArgumentException("config directory " + base.dir + " has no " + name + "/" + SOURCE_CONNECTOR
                    + " for --converter " + name + " (copy it from the Trickle checkout's config/" + name + "/)");
        }
        return new ConfigFiles(sub, null);
    }

    private static ConfigFiles locateBase(Path dir) {
        if (dir != null) {
            if (!Files.isRegularFile(dir.resolve(SOURCE_CONNECTOR))) {
                throw new IllegalArgumentException("config directory " + dir + " has no " + SOURCE_CONNECTOR);
            }
            return new ConfigFiles(dir, null);
        }
        for (String candidate : new String[] {
                System.getProperty("trickle.config.dir"),
                System.getProperty("trickle.home") == null ? null : System.getProperty("trickle.home") + "/config",
                "config", "../config"}) {
            if (candidate != null && Files.isRegularFile(Path.of(candidate, SOURCE_CONNECTOR))) {
                return new ConfigFiles(Path.of(candidate).toAbsolutePath().normalize(), null);
            }
        }
        return new ConfigFiles(null, "/trickle-config/");
    }

    /** Where the templates come from, for messages. */
    public String origin() {
        return dir == null ? "classpath:" + resourceDir : dir.toString();
    }

    public String read(String file) {
        if (dir != null) {
            try {
                return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + dir.resolve(file), e);
            }
        }
        try (InputStream in = ConfigFiles.class.getResourceAsStream(resourceDir + file)) {
            if (in == null) {
                throw new IllegalStateException("no " + file + " found: give a config directory (--config-dir) "
                        + "or run from the Trickle checkout");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + resourceDir + file, e);
        }
    }

    /** A connector definition {@code {"name": ..., "config": {...}}} with placeholders substituted. */
    public Connector connector(String file, Map<String, String> values) {
        JsonNode root;
        try {
            root = JSON.readTree(read(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(origin() + "/" + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.path("name").isTextual() || !root.path("config").isObject()) {
            throw new IllegalArgumentException(origin() + "/" + file + " must look like {\"name\": \"...\", \"config\": {...}}");
        }
        Map<String, String> config = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String text = v.isValueNode() ? v.asText() : v.toString();
            config.put(e.getKey(), substitute(text, values, file));
        }
        return new Connector(substitute(root.get("name").asText(), values, file), config);
    }

    /** A properties template with placeholders substituted, as text. */
    public String properties(String file, Map<String, String> values) {
        Map<String, String> escaped = new LinkedHashMap<>();
        values.forEach((k, v) -> escaped.put(k, v.replace("\\", "\\\\")));
        return substitute(read(file), escaped, file);
    }

    static String substitute(String text, Map<String, String> values, String where) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("unknown placeholder ${" + m.group(1) + "} in " + where
                        + "; known: " + values.keySet());
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    public record Connector(String name, Map<String, String> config) {
    }
}
