package dev.trickle.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The ports a kept local stack ({@code --keep}) used, in its work dir's {@code ports.properties}: started
 * again, the stack comes back on the same addresses, which its connectors' stored configs name.
 */
final class SavedPorts {
    private final Path file;
    private final boolean enabled;

    SavedPorts(Path workDir, boolean enabled) {
        this.file = workDir.resolve("ports.properties");
        this.enabled = enabled;
    }

    /** The port saved under {@code key} if it is free now, else 0 (a new free port). */
    int get(String key) {
        if (!enabled || !Files.exists(file)) {
            return 0;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            int port = Integer.parseInt(p.getProperty(key, "0"));
            return Ports.isFree(port) ? port : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    void save(Map<String, Integer> ports) throws IOException {
        StringBuilder sb = new StringBuilder("# ports of this local stack, reused by the next start with --keep\n");
        new LinkedHashMap<>(ports).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, sb);
    }
}
