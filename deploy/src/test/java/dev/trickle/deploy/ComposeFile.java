package dev.trickle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker-compose.yml as compose reads it: YAML with anchors, aliases and merge keys resolved, as a JSON tree, and
 * {@code ${VAR:-default}} interpolated with the defaults (what {@code docker compose up} uses with no variable set).
 */
public final class ComposeFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    private final JsonNode raw;

    private ComposeFile(JsonNode raw) {
        this.raw = raw;
    }

    public static ComposeFile load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static ComposeFile parse(String yaml) {
        Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return new ComposeFile(JSON.valueToTree(tree));
    }

    /** The file as written (variables not interpolated): what the compose-spec schema validates. */
    public JsonNode raw() {
        return raw;
    }

    public JsonNode service(String name) {
        JsonNode s = raw.path("services").path(name);
        if (s.isMissingNode()) {
            throw new AssertionError("docker-compose.yml has no service " + name + "; it has " + names(raw.path("services")));
        }
        return s;
    }

    /** A service's environment as a map, values interpolated with their defaults. */
    public Map<String, String> environment(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        service(service).path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), interpolate(e.getValue().asText())));
        return env;
    }

    /** The host directory that a service mounts at /etc/trickle/config (interpolated with its default). */
    public String configMount(String service) {
        for (JsonNode volume : service(service).path("volumes")) {
            String[] parts = interpolate(volume.asText()).split(":");
            if (parts.length >= 2 && parts[1].equals("/etc/trickle/config")) {
                return parts[0];
            }
        }
        throw new AssertionError("compose service " + service + " mounts nothing at /etc/trickle/config");
    }

    /** {@code ${VAR:-default}} and {@code ${VAR-default}} with their default, {@code $$} as a literal {@code $}. */
    static String interpolate(String text) {
        String escaped = text.replace("$$", "\u0000");
        Matcher m = VARIABLE.matcher(escaped);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            if (m.group(2) == null) {
                throw new AssertionError("${" + m.group(1) + "} in docker-compose.yml has no default: `docker compose up` "
                        + "with no variable set would get an empty value");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(2)));
        }
        m.appendTail(sb);
        return sb.toString().replace("\u0000", "$");
    }

    static String names(JsonNode object) {
        StringBuilder sb = new StringBuilder();
        object.fieldNames().forEachRemaining(n -> sb.append(sb.length() == 0 ? "" : ", ").append(n));
        return sb.toString();
    }
}
