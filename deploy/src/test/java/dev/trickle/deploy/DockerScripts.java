package dev.trickle.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the compose stack's scripts (docker/trickle/bin) on this machine, as the trickle image runs them: they need
 * a POSIX shell, jq and curl, which the image installs; a machine without them skips the tests that use them.
 */
final class DockerScripts {
    record Result(int status, String out, String err) {
    }

    private DockerScripts() {
    }

    static boolean available() {
        for (String tool : List.of("jq", "curl", "sh")) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    static Result run(Map<String, String> env, long timeoutSeconds, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", Repo.root().resolve("docker/trickle/bin").resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Repo.root().toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TRICKLE_"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("script", ".out");
        Path err = Files.createTempFile("script", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(script + " did not end within " + timeoutSeconds + " s: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
